"""A journalist in a real browser (Debian's Chromium through Playwright): open /sql, run an aggregate over the
air-quality data, see the table, download the CSV."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from test_query_support import air_csv, publish_cli

from conftest import ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser

AGGREGATE = ("SELECT district, round(avg(pm25), 1) AS pm25_tb, count(*) AS so_dong\n"
             "FROM air_quality\nGROUP BY district\nORDER BY pm25_tb DESC")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("browser")
    publish_cli(root / "home", air_csv(root, 5000))
    srv = ServerProcess(root / "home", workers=1, env={"OPENDATA_RATELIMIT_ENABLED": "false"})
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "install Chromium: apt-get install -y chromium"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


def test_run_an_aggregate_and_download_csv(server: ServerProcess, chromium_browser, tmp_path: Path) -> None:
    context = chromium_browser.new_context(accept_downloads=True, locale="vi-VN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    page.goto(server.url + "/sql")
    assert page.locator("h1").inner_text() == "Truy vấn SQL"
    assert page.locator("[data-sql-editor]").get_attribute("class").split().count("sql-highlight-on") == 1
    page.locator("details[data-table='air-quality']").get_by_text("Quận/Huyện").first.wait_for()

    editor = page.locator("#sql-editor")
    editor.fill(AGGREGATE)
    assert page.locator("[data-sql-highlight] .tok-keyword").first.inner_text() == "SELECT"
    page.get_by_role("button", name="Chạy truy vấn").click()
    page.wait_for_load_state()

    table = page.locator("table[data-sql-result]")
    table.wait_for()
    headers = table.locator("thead th").all_inner_texts()
    assert [h.split("\n")[0] for h in headers] == ["district", "pm25_tb", "so_dong"]
    rows = table.locator("tbody tr")
    count = int(page.locator("[data-row-count]").get_attribute("data-row-count"))
    assert rows.count() == count and count > 10
    assert "Hoàn Kiếm" in table.inner_text()
    assert "sql=SELECT" in page.url  # the query lives in the URL: the result is a shareable link
    page.screenshot(path=str(tmp_path / "sql-result.png"), full_page=True)
    if os.environ.get("SQL_SCREENSHOT"):
        page.screenshot(path=os.environ["SQL_SCREENSHOT"], full_page=True)

    with page.expect_download() as info:
        page.locator("a[data-format='csv']").click()
    download = info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert download.suggested_filename == "sql-result.csv"
    assert lines[0] == '"district","pm25_tb","so_dong"' and len(lines) == count + 1
    assert problems == []
    context.close()


def test_ctrl_enter_and_insert_buttons(server: ServerProcess, chromium_browser) -> None:
    page = chromium_browser.new_page()
    page.goto(server.url + "/sql")
    editor = page.locator("#sql-editor")
    editor.fill("SELECT count(*) AS n FROM ")
    editor.press("End")
    page.locator("details[data-table='air-quality'] button.sql-insert").first.click()  # the alias
    assert editor.input_value() == "SELECT count(*) AS n FROM air_quality"
    editor.press("Control+Enter")
    page.locator("table[data-sql-result]").wait_for()
    cell = page.locator("table[data-sql-result] tbody td").first
    assert cell.inner_text() == "5.000" and cell.get_attribute("data-value") == "5000"  # shown the Vietnamese way
    page.close()


def test_page_works_without_javascript(server: ServerProcess, chromium_browser) -> None:
    context = chromium_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/sql")
    page.locator("#sql-editor").fill("SELECT 1 AS mot, 'Hà Nội' AS ten")
    page.get_by_role("button", name="Chạy truy vấn").click()
    page.locator("table[data-sql-result]").wait_for()
    assert "Hà Nội" in page.locator("table[data-sql-result]").inner_text()
    context.close()


def test_without_javascript_the_chart_form_redraws_the_result_as_a_server_svg(server: ServerProcess,
                                                                               chromium_browser) -> None:
    context = chromium_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/sql?" + urlencode({"sql": AGGREGATE}))
    districts = page.locator("table[data-sql-result] tbody tr td:first-child").all_inner_texts()
    chart = page.locator("details.sql-chart")
    chart.locator("> summary").click()
    chart.locator("select[name='chart']").select_option("line")
    chart.locator("select[name='y']").select_option("so_dong")
    with page.expect_navigation() as navigation:
        chart.get_by_role("button", name="Vẽ biểu đồ").click()
    assert navigation.value.status == 200  # the chart step never answers a server error
    figure = page.locator("details.sql-chart[open] figure[data-chart]")
    img = figure.locator("img[data-chart-img]")
    assert img.is_visible() and img.evaluate("i => i.complete && i.naturalWidth > 0")
    assert img.get_attribute("alt").startswith("Biểu đồ đường: so_dong theo district")
    assert figure.locator("[data-chart-summary]").inner_text() == img.get_attribute("alt")
    svg = base64.b64decode(img.get_attribute("src").removeprefix("data:image/svg+xml;base64,")).decode("utf-8")
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "district" in labels and "so_dong" in labels  # both axis titles
    assert set(districts) <= set(labels) and len(districts) > 10  # no district label is dropped
    context.close()
