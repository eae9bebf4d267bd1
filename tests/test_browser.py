"""Real-browser tests: Debian's Chromium through Playwright against a real ``opendata serve`` process.

What the browser sees is what users get: a gunicorn server over a catalogue built by the publish pipeline.
Each scenario keeps a screenshot in its pytest temp folder.
"""

from __future__ import annotations

import csv
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from test_pages import build_catalogue

from conftest import ServerProcess

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("browser")
    build_catalogue(root / "home", root / "sources").dispose()
    process = ServerProcess(root / "home", workers=2)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    # CSP violations and failed scripts show up as console errors
    tab.on("console", lambda message: tab.errors.append(message.text)
           if message.type == "error" and "status of 404" not in message.text else None)
    yield tab
    context.close()


def test_search_open_filter_and_download_the_filtered_csv(server: ServerProcess, page, tmp_path: Path) -> None:
    page.goto(server.url + "/")
    page.screenshot(path=tmp_path / "home.png", full_page=True)
    page.fill("#home-q", "dong da")
    page.press("#home-q", "Enter")
    page.wait_for_url(re.compile(r".*/datasets\?q=dong\+da$"))
    # The dataset named for Đống Đa ranks first; others that cover Đống Đa in their rows follow (issue 14).
    assert int(page.locator(".results-count strong").inner_text()) >= 1
    assert page.locator(".dataset-card-title").first.inner_text() == "Chất lượng không khí quận Đống Đa và nội thành"
    page.screenshot(path=tmp_path / "search.png", full_page=True)

    page.click("text=Chất lượng không khí quận Đống Đa và nội thành")
    page.wait_for_url(re.compile(r".*/datasets/khong-khi-dong-da$"))
    assert page.locator("h1").inner_text() == "Chất lượng không khí quận Đống Đa và nội thành"
    assert page.locator("#dictionary tbody tr").count() == 4
    assert page.locator("#preview tbody tr").count() == 10
    assert page.locator(".copy-button").first.is_visible()  # app.js ran (under the site's CSP)
    page.screenshot(path=tmp_path / "dataset.png", full_page=True)

    page.click("a.button:has-text('Khám phá bảng')")
    page.wait_for_url(re.compile(r".*/explore$"))
    row = page.locator("[data-filter-row]").first
    row.locator("select[name=_fc]").select_option("district")
    row.locator("select[name=_fo]").select_option("eq")
    row.locator("input[name=_fv]").fill("Đống Đa")
    page.select_option("#sort", "-pm25")
    page.click("button:has-text('Áp dụng')")
    page.wait_for_url(re.compile(r".*/explore\?district=%C4%90%E1%BB%91ng\+%C4%90a&_sort=-pm25$"))
    assert page.locator("[data-total]").inner_text() == "10"
    shown = page.locator(".explore-table tbody tr td:nth-child(2)").all_inner_texts()
    assert shown == ["Đống Đa"] * 10
    page.screenshot(path=tmp_path / "explore.png", full_page=True)

    with page.expect_download() as info:
        page.click("a[data-format=csv]")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10
    assert {r["district"] for r in rows} == {"Đống Đa"}
    pm25 = [float(r["pm25"]) for r in rows]
    assert pm25 == sorted(pm25, reverse=True)
    assert page.errors == []


def test_script_in_a_description_does_not_run(server: ServerProcess, page, tmp_path: Path) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server.url + "/datasets/truong-hoc")
    assert page.locator("#description strong").inner_text() == "trường học"
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # the javascript: link is left as text, and clicking it does nothing
    assert page.locator("#description a", has_text="bấm vào đây").count() == 0
    page.locator("#description", has_text="bấm vào đây").click()
    assert page.locator("#description img").count() == 0
    assert page.locator("#description a").get_attribute("href") == "https://hanoi.gov.vn/"
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == [] and page.errors == []
    page.screenshot(path=tmp_path / "hostile.png", full_page=True)


def test_core_browsing_works_without_javascript(server: ServerProcess, browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/datasets?q=Đống+Đa")
    page.click("text=Chất lượng không khí quận Đống Đa và nội thành")
    page.click("a.button:has-text('Khám phá bảng')")
    row = page.locator("[data-filter-row]").first
    row.locator("select[name=_fc]").select_option("pm25")
    row.locator("select[name=_fo]").select_option("gt")
    row.locator("input[name=_fv]").fill("90")
    page.click("button:has-text('Áp dụng')")
    page.wait_for_url(re.compile(r".*/explore\?pm25__gt=90"))
    values = [float(v) for v in page.locator(".explore-table tbody tr td:nth-child(3)").evaluate_all(
        "cells => cells.map(c => c.dataset.value ?? c.textContent)")]  # the raw value beside "96,5"
    assert values and all(v > 90 for v in values)
    # value counts through the plain GET form
    page.select_option("#vc-col", "district")
    page.click(".inline-form button[type=submit]")
    assert page.locator(".value-counts tbody tr").count() >= 1
    context.close()


def test_english_switch_and_mobile_layout(server: ServerProcess, browser, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server.url + "/")
    page.click("a.lang-switch")
    assert page.locator("h1").inner_text() == "The capital's open data, for everyone"
    page.goto(server.url + "/datasets/khong-khi-dong-da")  # the cookie keeps English
    assert page.locator("#dictionary h2").inner_text() == "Data dictionary"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone (tables scroll inside their box)"
    page.screenshot(path=tmp_path / "mobile.png", full_page=True)
    context.close()


def test_curl_snippet_works_as_written(server: ServerProcess, tmp_path: Path) -> None:
    data = requests.get(server.url + "/datasets/khong-khi-dong-da", headers={"Accept": "application/json"},
                        timeout=10).json()
    curl = next(s["code"] for s in data["snippets"] if s["id"] == "curl")
    assert curl.startswith("curl ") and server.url in curl
    subprocess.run(curl, shell=True, cwd=tmp_path, check=True, timeout=30)
    with open(tmp_path / "khong-khi-dong-da-v2.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40 and rows[0]["station"] == "Trạm 0"
