"""The tiny run's report.html in a real browser (headless Chromium through Selenium): the landing
summary, a table rendered as a table, a figure. Screenshots are kept as artifacts in
``$NORANK_ARTIFACTS/report_screenshots/`` (default: the tiny run's folder).

Needs Chromium and its WebDriver (`.ci/browser-up` installs the Debian packages; `.ci/run` does
it in CI and sets NORANK_REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping).
"""

import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        msg = "no chromium / chromedriver on PATH; install them with `sudo .ci/browser-up`"
        if os.environ.get("NORANK_REQUIRE_BROWSER") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.binary_location = chromium
    d = webdriver.Chrome(options=options, service=Service(driver))
    yield d
    d.quit()


def wait_for(find, timeout=20.0):
    """The first non-empty result of ``find()`` within ``timeout`` seconds (the report renders with React)."""
    end = time.monotonic() + timeout
    while True:
        found = find()
        if found or time.monotonic() > end:
            return found
        time.sleep(0.25)


def open_entry(d, category: str, label: str, subcategory: str | None = None):
    """Click a results category (and ``subcategory``) in the menu, then the eye button of the entry
    labelled ``label``."""
    from selenium.webdriver.common.by import By

    d.find_element(By.XPATH, f"//span[normalize-space(text())='{category}']").click()
    if subcategory:
        wait_for(lambda: d.find_elements(By.XPATH, f"//span[normalize-space(text())='{subcategory}']"))[0].click()
    row = wait_for(lambda: d.find_elements(By.XPATH, f"//td[normalize-space(text())='{label}']/ancestor::tr[1]"))
    assert row, f"no report entry labelled {label!r} under {category!r}"
    row[0].find_element(By.CSS_SELECTOR, "a[iconname='eye']").click()


def test_the_report_shows_the_summary_a_rendered_table_and_a_figure(tiny_run, browser):
    from selenium.webdriver.common.by import By

    shots = Path(os.environ.get("NORANK_ARTIFACTS") or tiny_run) / "report_screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    d = browser
    d.get((tiny_run / "results" / "report.html").as_uri())
    summary = wait_for(lambda: d.find_elements(By.XPATH, "//*[normalize-space(text())='Summary of this run']"))
    assert summary, "the landing page has no 'Summary of this run'"
    assert summary[0].location["y"] >= 0, "the summary's top is above the window (the viewer centres tall content)"
    body = d.find_element(By.TAG_NAME, "body").text
    assert "compared published cells are within tolerance" in body and "Verdict" in body, body[:3000]
    d.save_screenshot(str(shots / "1_landing.png"))

    open_entry(d, "Tables", "Table 2. Clustering on LFW and Olivetti", "Paper and comparison")
    frame = wait_for(lambda: d.find_elements(By.TAG_NAME, "iframe"))
    assert frame, "the table opens in no frame"
    d.switch_to.frame(frame[0])
    headers = wait_for(lambda: [th.text for th in d.find_elements(By.TAG_NAME, "th")])
    cells = [td.text for td in d.find_elements(By.TAG_NAME, "td")]
    d.switch_to.default_content()
    d.save_screenshot(str(shots / "2_table2.png"))
    assert "Sil. (true) ↑" in headers and "DB (true) ↓" in headers, headers
    assert any("±" in c for c in cells) and "PCA + K-Means" in cells

    d.get((tiny_run / "results" / "report.html").as_uri())
    wait_for(lambda: d.find_elements(By.XPATH, "//*[normalize-space(text())='Summary of this run']"))
    open_entry(d, "Figures", "Embeddings, in-sample and held out", "Paper and diagnostics")  # the first dataset's: a tall figure
    img = wait_for(lambda: [i for i in d.find_elements(By.TAG_NAME, "img") if i.size["height"] > 100])
    d.save_screenshot(str(shots / "3_embeddings.png"))
    assert img, "the figure shows no image"
    assert img[0].size["height"] > d.get_window_size()["height"]  # taller than the window, so:
    assert img[0].location["y"] >= 0, "the figure's top is above the window (run with --report-stylesheet)"


def rect(d, element) -> dict:
    """The element's box in the window (CSS px): left, top, right, bottom."""
    return d.execute_script("const r = arguments[0].getBoundingClientRect();"
                            "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};", element)


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_at_1280x800_the_verdict_comes_first_the_owner_links_filter_the_comparison_and_provenance_opens(
        tiny_run, browser):
    """Issue 36's first screen: the headline table and the owner counts inside the first viewport
    (by the DOM's geometry); an owner link opens the comparison filtered to that owner's misses
    (as many rows as the comparison CSV has); a filter chosen by hand narrows the rows to the
    CSV's count; provenance opens as a page; neither the menu nor its show button covers a title."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    shots = Path(os.environ.get("NORANK_ARTIFACTS") or tiny_run) / "report_screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    d = browser
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    report = (tiny_run / "results" / "report.html").as_uri()
    d.get(report)
    headline = wait_for(lambda: d.find_elements(By.XPATH, "//div[contains(@class, 'prose')]//table"))
    assert headline, "the landing page has no headline table"
    assert "Misses by owner" in headline[0].text and "Paper" in headline[0].text
    owners = d.find_elements(By.CSS_SELECTOR, "p.owners a.owner")
    assert owners, "no owner links on the landing page"
    viewport = {"left": 0, "top": 0, "right": 1280, "bottom": 800}
    for name, element in (("headline table", headline[0]), ("owner counts", owners[0].find_element(By.XPATH, ".."))):
        box = rect(d, element)
        assert box["top"] >= 0 and box["bottom"] <= viewport["bottom"] and box["right"] <= viewport["right"], (
            f"the {name} is not inside the first 1280 x 800 viewport: {box}")
    nav = rect(d, d.find_element(By.TAG_NAME, "nav"))
    title = d.find_element(By.CSS_SELECTOR, "h1.title")
    assert not overlap(nav, rect(d, title)), f"the menu covers the title: {nav} vs {rect(d, title)}"
    d.save_screenshot(str(shots / "4_first_screen_1280x800.png"))

    # the menu closed: its show button must not cover the title either
    d.find_element(By.CSS_SELECTOR, "nav h1 a").click()
    time.sleep(1)  # the menu's transition
    button = rect(d, d.find_element(By.CSS_SELECTOR, "div.fixed.z-50"))
    assert not overlap(button, rect(d, title)), f"the menu's show button covers the title: {button}"
    d.save_screenshot(str(shots / "5_menu_closed.png"))

    # an owner link: the comparison, filtered to that owner's misses
    cmp = pd.read_csv(tiny_run / "results" / "tables" / "paper_comparison.csv")
    misses = cmp[(cmp.status == "compared") & (cmp.within_tolerance != True)]  # noqa: E712 (object column)
    d.get(report)
    link = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "p.owners a.owner"))[-1]
    owner, count = link.text.rsplit(" ", 1)
    link.click()
    frame = wait_for(lambda: d.find_elements(By.TAG_NAME, "iframe"))
    d.switch_to.frame(frame[0])
    visible = "return document.querySelectorAll('table.filterable tbody tr:not([hidden])').length"
    shown = wait_for(lambda: d.execute_script(visible))
    assert shown == (misses.owner == owner).sum() == int(count), (owner, shown, count)
    # a filter by hand: every within cell of Table 2
    Select(d.find_element(By.NAME, "Owner")).select_by_index(0)
    Select(d.find_element(By.NAME, "Verdict")).select_by_value("within")
    Select(d.find_element(By.NAME, "Table")).select_by_value("2")
    expected = ((cmp.table == 2) & (cmp.within_tolerance == True)).sum()  # noqa: E712
    assert d.execute_script(visible) == expected > 0
    d.switch_to.default_content()
    d.save_screenshot(str(shots / "6_comparison_filtered.png"))

    # provenance as a page
    d.get(report)
    wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "h1.title"))
    open_entry(d, "Provenance", "Provenance of this run")
    frame = wait_for(lambda: d.find_elements(By.TAG_NAME, "iframe"))
    assert frame, "provenance opens in no frame (it only downloads)"
    d.switch_to.frame(frame[0])
    page = wait_for(lambda: d.find_element(By.TAG_NAME, "body").text)
    d.switch_to.default_content()
    d.save_screenshot(str(shots / "7_provenance.png"))
    assert "configuration sha256" in page and "Wall time per rule" in page and "train" in page, page[:500]
