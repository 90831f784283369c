#!/usr/bin/env python3
"""Reads the coverage page as headless Chromium renders it, for the tests.

Usage: coverage_dom.py SPEC.json OUT.json

SPEC: {"url": ..., "hover": [{"day": "server/channel/yyyy-mm-dd", "minute": N}, ...],
       "select": {"day": ..., "from": N, "to": N} (optional), "screenshot": PATH (optional)}

OUT: for every calendar cell, clicked in turn, the day's minute runs, holds and extractions as
the DOM shows them; the legend, targets and runs tables; the hover text at each probed minute
(the pointer moved there); the selection's text, segment rows and extract command after a drag
across the range. Everything is read from the rendered DOM, after real clicks and pointer moves.
"""
import json
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By


def browser():
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1400"):
        options.add_argument(argument)
    options.binary_location = os.environ.get("TSVAULT_CHROMIUM", "/usr/bin/chromium")
    # The distribution's driver, named explicitly: Selenium must not go looking on the network.
    service = Service(executable_path=os.environ.get("TSVAULT_CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


def cell(driver, key):
    server, channel, day = key.split("/")
    return driver.execute_script(
        "return [...document.querySelectorAll('.channel')].find(b => b.dataset.server === arguments[0]"
        " && b.dataset.channel === arguments[1]).querySelector(`td.day[data-day='${arguments[2]}']`)",
        server, channel, day)


def pointer_at(driver, minute):
    """Moves the pointer over the middle of `minute` on the timeline (offsets from its centre)."""
    timeline = driver.find_element(By.ID, "timeline")
    size = timeline.size
    minutes = int(driver.execute_script("return document.getElementById('timeline').viewBox.baseVal.width"))
    x = (minute + 0.5) * size["width"] / minutes - size["width"] / 2
    return timeline, round(x), -size["height"] // 4


def injected(driver):
    """Whether markup from the archive's text became an element on the page, or ran."""
    return driver.execute_script("return document.getElementById('injected') !== null || window.injected !== undefined")


def rows(driver, table):
    return driver.execute_script(
        "return [...document.querySelectorAll(`#${arguments[0]} tbody tr`)].map(r => [...r.cells].map(c => c.textContent))", table)


def main():
    spec = json.load(open(sys.argv[1]))
    driver = browser()
    try:
        driver.get(spec["url"])
        out = {
            "title": driver.title,
            "legend": driver.execute_script("return [...document.querySelectorAll('#legend > span')].map(s => s.dataset.state)"),
            "targets": rows(driver, "targets"),
            "runs": rows(driver, "runs"),
            "archive": driver.find_element(By.ID, "archive").text,
            "days": [],
        }
        cells = driver.execute_script(
            "return [...document.querySelectorAll('td.day')].map(c => [c.closest('.channel').dataset.server,"
            " c.closest('.channel').dataset.channel, c.dataset.day])")
        for server, channel, day in cells:
            key = f"{server}/{channel}/{day}"
            element = cell(driver, key)
            element.click()
            out["days"].append(driver.execute_script(
                """const q = s => [...document.querySelectorAll(s)];
                   const c = arguments[0];
                   return {key: document.getElementById('day-title').dataset.key, share: +c.dataset.share,
                     alert: c.classList.contains('alert'), selected: c.classList.contains('selected'),
                     states: q('#states rect').map(r => [r.dataset.state, +r.dataset.start, +r.dataset.end]),
                     holds: q('#holds rect').map(r => [r.dataset.case, +r.dataset.start, +r.dataset.end]),
                     extracts: q('#extracts rect').map(r => [r.dataset.case, +r.dataset.start, +r.dataset.end])};""",
                element) | {"clicked": key})
        out["hover"] = []
        out["injected"] = injected(driver)
        for probe in spec.get("hover", []):
            cell(driver, probe["day"]).click()
            timeline, x, y = pointer_at(driver, probe["minute"])
            ActionChains(driver).move_to_element_with_offset(timeline, x, y).perform()
            out["hover"].append(driver.find_element(By.ID, "hover").text)
            out["injected"] = out.get("injected", False) or injected(driver)
        if "select" in spec:
            selection = spec["select"]
            cell(driver, selection["day"]).click()
            timeline, x0, y = pointer_at(driver, selection["from"])
            _, x1, _ = pointer_at(driver, selection["to"] - 1)
            ActionChains(driver).move_to_element_with_offset(timeline, x0, y).click_and_hold() \
                .move_to_element_with_offset(timeline, x1, y).release().perform()
            out["selection"] = {
                "text": driver.find_element(By.ID, "selection").text,
                "segments": rows(driver, "selection-segments"),
                "command": driver.find_element(By.ID, "extract-command").text,
                "zoom": driver.execute_script(
                    "return [...document.querySelectorAll('#zoom rect[data-minute]')].map(r => [+r.dataset.minute, r.dataset.state])"),
            }
        out["injected"] = out["injected"] or injected(driver)
        if spec.get("screenshot"):
            driver.save_screenshot(spec["screenshot"])
        json.dump(out, open(sys.argv[2], "w"))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
