"""Size and load time of report.html files, in headless Chromium at 1280 x 800.

For each report: its size on disk, and over ``--repeats`` fresh page loads (interleaved across
the reports, so a busy machine slows them alike) the median time from navigation start until the
landing page's summary has rendered (Snakemake's viewer is a React app that decodes and renders
the page after the file has loaded) and until the load event. Needs chromium and chromedriver
(`sudo .ci/browser-up`).

    python benchmarks/report_load.py results/report.html other/report.html [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

RENDERED = "Summary of this run"


def browser():
    import shutil

    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium")
    d = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    return d


def load(d, report: Path, timeout: float = 120.0) -> tuple[float, float]:
    """Seconds from navigation start to the load event and to the rendered summary."""
    d.get("about:blank")
    d.get(report.resolve().as_uri())
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if d.execute_script(f"return document.body.innerText.includes({RENDERED!r})"):
            break
        time.sleep(0.02)
    else:
        raise SystemExit(f"{report}: no {RENDERED!r} within {timeout:.0f} s")
    rendered = d.execute_script("return performance.now()") / 1000
    loaded = d.execute_script("const t = performance.getEntriesByType('navigation')[0];"
                              "return t.loadEventEnd || t.duration") / 1000
    return loaded, rendered


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="+", type=Path)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    d = browser()
    times = {r: [] for r in args.reports}
    try:
        for _ in range(args.repeats):
            for r in args.reports:
                times[r].append(load(d, r))
    finally:
        d.quit()
    print(f"{'report':60s} {'MB':>7s} {'load s':>8s} {'rendered s':>11s}  (median of {args.repeats})")
    for r, t in times.items():
        print(f"{str(r):60s} {r.stat().st_size / 1e6:7.2f} {statistics.median(x for x, _ in t):8.2f} "
              f"{statistics.median(y for _, y in t):11.2f}")


if __name__ == "__main__":
    main()
