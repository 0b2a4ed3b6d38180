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


def open_entry(d, category: str, label: str):
    """Click a results category in the menu, then the eye button of the entry labelled ``label``."""
    from selenium.webdriver.common.by import By

    d.find_element(By.XPATH, f"//span[normalize-space(text())='{category}']").click()
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

    open_entry(d, "Tables", "Table 2. Clustering on LFW and Olivetti")
    frame = wait_for(lambda: d.find_elements(By.TAG_NAME, "iframe"))
    assert frame, "the table opens in no frame"
    d.switch_to.frame(frame[0])
    headers = wait_for(lambda: [th.text for th in d.find_elements(By.TAG_NAME, "th")])
    cells = [td.text for td in d.find_elements(By.TAG_NAME, "td")]
    d.switch_to.default_content()
    d.save_screenshot(str(shots / "2_table2.png"))
    assert "Sil. ↑" in headers and "DB ↓" in headers, headers
    assert any("±" in c for c in cells) and "PCA + K-Means" in cells

    d.get((tiny_run / "results" / "report.html").as_uri())
    wait_for(lambda: d.find_elements(By.XPATH, "//*[normalize-space(text())='Summary of this run']"))
    open_entry(d, "Figures", "Embeddings, in-sample and held out")  # the first dataset's: a tall figure
    img = wait_for(lambda: [i for i in d.find_elements(By.TAG_NAME, "img") if i.size["height"] > 100])
    d.save_screenshot(str(shots / "3_embeddings.png"))
    assert img, "the figure shows no image"
    assert img[0].size["height"] > d.get_window_size()["height"]  # taller than the window, so:
    assert img[0].location["y"] >= 0, "the figure's top is above the window (run with --report-stylesheet)"
