#!/usr/bin/env python3
"""Times headless Chromium loading and drawing a coverage page, against an empty page.

usage: page_render.py PAGE.html --rounds N

Each round loads an empty page, then the coverage page, in one browser (alternating which
comes first) and prints both load times (navigation start to the end of the load event: the
page's script has parsed the report, drawn every calendar and the first day by then), then the
time a click on another day takes to redraw the timeline.
"""
import argparse
import os
import pathlib
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

LOAD = "const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime;"
# The day of the second channel (motion clips: the most runs) in the middle of the month.
SWITCH = """const cells = document.querySelectorAll('td.day');
const cell = cells[Math.min(cells.length - 1, Math.floor(cells.length / document.querySelectorAll('.channel').length * 1.5))];
const t = performance.now(); cell.click(); document.getElementById('timeline').getBoundingClientRect();
return [performance.now() - t, document.querySelectorAll('#states rect').length, cells.length];"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("page")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    empty = pathlib.Path(tempfile.mkdtemp()) / "empty.html"
    empty.write_text("<!DOCTYPE html><html><head><title>empty</title></head><body></body></html>")
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1400"):
        options.add_argument(argument)
    options.binary_location = os.environ.get("TSVAULT_CHROMIUM", "/usr/bin/chromium")
    driver = webdriver.Chrome(
        service=Service(executable_path=os.environ.get("TSVAULT_CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    try:
        for round in range(1, args.rounds + 1):
            times = {}
            for name in (("empty", "page") if round % 2 else ("page", "empty")):
                driver.get("file://" + str(empty if name == "empty" else pathlib.Path(args.page).resolve()))
                times[name] = driver.execute_script(LOAD)
                if name == "page":
                    switch, rects, cells = driver.execute_script(SWITCH)
            print(f"round {round}: page {times['page']:.0f} ms, empty page {times['empty']:.0f} ms, "
                  f"ratio {times['page'] / max(times['empty'], 1):.1f}; another day drawn in {switch:.0f} ms "
                  f"({rects} runs, {cells} calendar days)")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
