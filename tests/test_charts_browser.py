"""Charts in a real browser (Debian's Chromium through Playwright, against ``opendata serve``): the builder draws
an interactive SVG with JavaScript and an <img> without it; the embed page loads; and every request these pages
make goes to the catalogue's own origin (nothing leaves the site), with no console errors or CSP violations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS
from test_pages import build_catalogue

from conftest import ServerProcess

pytestmark = pytest.mark.browser

AIR = "khong-khi-dong-da"
BUILDER = f"/datasets/{AIR}/explore?district__ne=Ba+Đình&_type=bar&_x=station&_y=pm25&_agg=mean&_color=district"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("charts-browser")
    build_catalogue(root / "home", root / "sources").dispose()
    process = ServerProcess(root / "home", workers=2)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium"
    with sync_playwright() as playwright:
        # the framing test's host page is served by the browser itself, which Chromium counts as a public site;
        # its local-network checks would then block the frame before our headers are even read
        instance = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"])
        yield instance
        instance.close()


def open_page(browser, javascript: bool = True):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.requests, tab.errors = [], []
    tab.on("request", lambda req: tab.requests.append(req.url))
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    return context, tab


def assert_only_own_origin(server: ServerProcess, urls: list[str]) -> None:
    own = urlsplit(server.url)
    others = [u for u in urls if not u.startswith("data:") and
              (urlsplit(u).scheme, urlsplit(u).netloc) != (own.scheme, own.netloc)]
    assert urls and not others, others


def test_the_explorer_builder_draws_an_interactive_chart_from_this_site_only(server, browser, tmp_path) -> None:
    context, tab = open_page(browser)
    tab.goto(server.url + BUILDER)
    figure = tab.locator("[data-chart]")
    figure.wait_for()
    tab.wait_for_selector("[data-chart][data-chart-rendered='interactive'] .chart-interactive svg", timeout=20000)
    assert tab.locator("[data-chart-img]").is_hidden()  # the server's picture gave way to the live one
    marks = tab.locator(".chart-interactive svg .mark-rect path")
    assert marks.count() >= 3 * 5  # three districts (Ba Đình filtered out) by five stations
    label = tab.locator(".chart-interactive").get_attribute("aria-label")
    assert label.startswith("Biểu đồ cột: trung bình PM2.5 (µg/m³) theo Trạm quan trắc")
    assert "Ba Đình" not in tab.locator(".chart-interactive svg").text_content()
    tab.screenshot(path=tmp_path / "explorer-chart.png", full_page=True)
    assert_only_own_origin(server, tab.requests)
    assert any("/static/vendor/vega/vega-embed-7.3.0.min.js" in u for u in tab.requests)
    assert tab.errors == []
    context.close()


def test_without_javascript_the_builder_shows_the_server_rendered_svg(server, browser, tmp_path) -> None:
    context, tab = open_page(browser, javascript=False)
    tab.goto(server.url + f"/datasets/{AIR}")
    tab.select_option("select[name=_type]", "line")
    tab.select_option("select[name=_x]", "measured_on")
    tab.select_option("select[name=_y]", "pm25")
    tab.select_option("select[name=_bucket]", "week")
    tab.click(".chart-form button[type=submit]")
    img = tab.locator("img[data-chart-img]")
    img.wait_for()
    assert img.get_attribute("alt").startswith("Biểu đồ đường: trung bình PM2.5 (µg/m³) theo Ngày đo (theo tuần)")
    assert tab.evaluate("document.querySelector('img[data-chart-img]').naturalWidth") > 300
    tab.click(".chart-table summary")
    assert tab.locator(".chart-table tbody tr").count() == 4  # four weeks of January 2024
    tab.screenshot(path=tmp_path / "dataset-chart-nojs.png", full_page=True)
    assert_only_own_origin(server, tab.requests)
    assert tab.errors == []
    context.close()


def test_the_embed_page_loads_in_a_frame_and_asks_nothing_of_other_sites(server, browser, tmp_path) -> None:
    context, tab = open_page(browser)
    url = f"/embed/datasets/{AIR}/versions/2/chart?type=line&x=measured_on&y=pm25&agg=max&bucket=day"
    tab.goto(server.url + url)
    tab.wait_for_selector("[data-chart-rendered='interactive'] svg", timeout=20000)
    assert tab.locator(".embed-source a").get_attribute("href") == f"/datasets/{AIR}/versions/2"
    tab.screenshot(path=tmp_path / "embed.png", full_page=True)
    # framed by a page of another site (served by the browser itself: no network): allowed on /embed/ only
    frame_host, framed = open_page(browser)
    other = "http://journal.example/"
    framed.route(other, lambda route: route.fulfill(
        content_type="text/html", body=f'<!doctype html><meta charset="utf-8"><iframe src="{server.url}{url}" '
                                        f'width="800" height="600"></iframe><iframe src="{server.url}/datasets/{AIR}">'
                                        '</iframe>'))
    framed.goto(other)
    frame = framed.frame_locator("iframe").first
    frame.locator("[data-chart-rendered='interactive'] svg").wait_for(timeout=20000)
    assert_only_own_origin(server, tab.requests)
    assert_only_own_origin(server, [u for u in framed.requests if u != other])
    refused = [e for e in framed.errors if "frame-ancestors" in e]
    assert len(refused) == 1 and "frame-ancestors 'none'" in refused[0]  # the dataset page stays unframable
    framed.errors = [e for e in framed.errors if e not in refused]
    assert tab.errors == [] and framed.errors == []
    frame_host.close()
    context.close()


def test_the_sql_page_draws_its_result_with_the_same_chart_machinery(server, browser, tmp_path) -> None:
    context, tab = open_page(browser)
    query = urlencode({"sql": f'SELECT district, avg(pm25) AS tb FROM "{AIR}" GROUP BY 1 ORDER BY 1',
                       "chart": "bar", "x": "district", "y": "tb"})
    tab.goto(server.url + "/sql?" + query)
    tab.wait_for_selector(".sql-chart [data-chart-rendered='interactive'] svg", timeout=20000)
    svg_text = tab.locator(".sql-chart .chart-interactive svg").text_content()
    assert "district" in svg_text and "tb" in svg_text and "Đống Đa" in svg_text  # axis titles and labels
    assert tab.locator(".sql-chart .chart-interactive").get_attribute("aria-label").startswith(
        "Biểu đồ cột: tb theo district; cao nhất:")
    tab.screenshot(path=tmp_path / "sql-chart.png", full_page=True)
    assert_only_own_origin(server, tab.requests)
    assert tab.errors == []
    context.close()
