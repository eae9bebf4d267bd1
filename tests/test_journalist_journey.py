"""The journalist's journey of issue 14, played in Chromium with mouse and keyboard against ``opendata serve``.

Why one long test: each step starts where the previous one left the page (search, dataset, explorer, filter,
chart, pin, cite, download), so what is checked is the path a reader really takes, not pages reached by URL.
A screenshot of each step is kept in ``$JOURNEY_SCREENSHOTS`` (default: the test's temp folder) and listed in
the output; every request must go to the catalogue's own origin and no console error may appear.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS
from test_pages import build_catalogue

from conftest import ServerProcess

pytestmark = pytest.mark.browser

AIR = "khong-khi-dong-da"
AIR_TITLE = "Chất lượng không khí quận Đống Đa và nội thành"
LATEST = 2  # build_catalogue publishes the air-quality dataset twice
PINNED = re.compile(rf".*/datasets/{AIR}/versions/{LATEST}/explore\?district__contains=dong\+da$")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Air quality (two versions), schools and a private dataset, published through the pipeline."""
    root = tmp_path_factory.mktemp("journey")
    build_catalogue(root / "home", root / "sources").dispose()
    process = ServerProcess(root / "home", workers=2)
    yield process
    process.stop()


@pytest.fixture
def journey(server: ServerProcess):
    """A Chromium tab allowed to use the clipboard, whose every request and console error is recorded."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, locale="vi-VN", viewport={"width": 1280, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        tab = context.new_page()
        tab.requests, tab.errors = [], []
        tab.on("request", lambda req: tab.requests.append(req.url))
        tab.on("pageerror", lambda error: tab.errors.append(str(error)))
        tab.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
        yield tab
        context.close()
        browser.close()


class Shots:
    """Numbered full-page screenshots of each step, in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def __call__(self, tab, step: str) -> None:
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        tab.screenshot(path=path, full_page=True)
        self.taken.append(path)


@pytest.fixture
def shots(tmp_path: Path, capsys: pytest.CaptureFixture) -> Iterator[Shots]:
    taken = Shots(Path(os.environ.get("JOURNEY_SCREENSHOTS") or tmp_path / "journey"))
    yield taken
    with capsys.disabled():  # listed in the output whether the test passes or fails
        print(f"\njourney screenshots in {taken.folder}:")
        for path in taken.taken:
            print(f"  {path}")


def column_texts(tab, column: str) -> list[str]:
    """The explorer table's cells of one column, found by its header (not by position)."""
    headers = tab.locator(".explore-table thead th a").all_inner_texts()
    index = next(i for i, h in enumerate(headers) if h.split()[0] == column) + 1
    return tab.locator(f".explore-table tbody tr td:nth-child({index})").all_inner_texts()


def search_for_dong_da(tab, url: str, shots: Shots) -> None:
    tab.goto(url + "/")
    shots(tab, "home")
    tab.click("#home-q")
    tab.keyboard.type("dong da")
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r".*/datasets\?q=dong\+da$"))
    assert tab.locator(f".result-list a:has-text('{AIR_TITLE}')").count() >= 1
    shots(tab, "search-dong-da")
    tab.click(f".result-list a:has-text('{AIR_TITLE}')")
    tab.wait_for_url(re.compile(rf".*/datasets/{AIR}$"))
    assert tab.locator("h1").inner_text() == AIR_TITLE
    shots(tab, "dataset")


def filter_district_without_accents(tab, shots: Shots) -> int:
    tab.click("a.button:has-text('Khám phá bảng')")
    tab.wait_for_url(re.compile(rf".*/datasets/{AIR}/explore$"))
    row = tab.locator("[data-filter-row]").first
    row.locator("select[name=_fc]").select_option("district")
    row.locator("select[name=_fo]").select_option("contains")
    row.locator("input[name=_fv]").click()
    tab.keyboard.type("dong da")
    tab.click("button:has-text('Áp dụng')")
    tab.wait_for_url(re.compile(rf".*/datasets/{AIR}/explore\?district__contains=dong\+da$"))
    total = int(tab.locator("[data-total]").inner_text().replace(".", "").replace(",", ""))
    districts = column_texts(tab, "district")
    assert total > 0 and len(districts) == total  # the whole filtered view fits on the page
    assert set(districts) == {"Đống Đa"}
    assert tab.locator(".version-pin").inner_text().startswith(f"Đang xem phiên bản {LATEST}")
    shots(tab, "explore-filter-dong-da")
    return total


def draw_bar_chart(tab, shots: Shots) -> None:
    form = tab.locator(".chart-form")
    form.locator("select[name=_type]").select_option("bar")
    form.locator("select[name=_x]").select_option("station")
    form.locator("select[name=_y]").select_option("pm25")
    form.locator("select[name=_agg]").select_option("mean")
    form.locator("button[type=submit]").click()
    tab.wait_for_url(re.compile(r".*district__contains=dong\+da.*_type=bar.*#chart$"))
    tab.wait_for_selector("[data-chart][data-chart-rendered='interactive'] .chart-interactive svg", timeout=20000)
    assert tab.locator(".chart-interactive svg .mark-rect path").count() == 5  # five stations measure Đống Đa
    summary = tab.locator("[data-chart-summary]").inner_text()
    assert summary.startswith("Biểu đồ cột: trung bình PM2.5 (µg/m³) theo Trạm quan trắc"), summary
    tab.locator("#chart").scroll_into_view_if_needed()
    shots(tab, "chart-bar-mean-pm25")


def pin_the_view(tab, total: int, shots: Shots) -> None:
    tab.click("a[data-pin]:has-text('Ghim chế độ xem này')")
    tab.wait_for_url(PINNED)
    assert tab.locator(".version-pin strong").inner_text() == f"Đã ghim phiên bản {LATEST}"
    assert int(tab.locator("[data-total]").inner_text()) == total
    assert set(column_texts(tab, "district")) == {"Đống Đa"}
    shots(tab, "pinned-view")


def copy_the_citation(tab, shots: Shots) -> str:
    box = tab.locator("#cite")
    box.scroll_into_view_if_needed()
    box.locator("button[data-copy=cite-vi]").click()
    tab.wait_for_selector("button[data-copy=cite-vi]:has-text('Đã chép')")
    copied = tab.evaluate("navigator.clipboard.readText()")
    assert copied == tab.locator("#cite-vi").input_value()
    assert AIR_TITLE in copied and f"(phiên bản {LATEST})" in copied
    assert tab.url in copied  # the pinned URL, filter included
    shots(tab, "cite-box-copied")
    return copied


def download_filtered_csv(tab, total: int, folder: Path) -> list[dict]:
    with tab.expect_download() as info:
        tab.click("a[data-format=csv]")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    assert urlsplit(download.url).path == f"/datasets/{AIR}/versions/{LATEST}/explore.csv"
    assert parse_qsl(urlsplit(download.url).query) == [("district__contains", "dong da")]
    saved = folder / download.suggested_filename
    download.save_as(saved)
    with open(saved, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == total
    assert {r["district"] for r in rows} == {"Đống Đa"}
    return rows


def test_a_journalist_finds_filters_charts_pins_cites_and_downloads_dong_da_without_typing_accents(
        server: ServerProcess, journey, shots: Shots) -> None:
    tab = journey
    search_for_dong_da(tab, server.url, shots)
    total = filter_district_without_accents(tab, shots)
    draw_bar_chart(tab, shots)
    pin_the_view(tab, total, shots)
    copied = copy_the_citation(tab, shots)
    assert copied.startswith("Sở Tài nguyên và Môi trường.")
    download_filtered_csv(tab, total, shots.folder)

    own = urlsplit(server.url)
    foreign = [u for u in tab.requests if not u.startswith("data:")
               and (urlsplit(u).scheme, urlsplit(u).netloc) != (own.scheme, own.netloc)]
    assert tab.requests and foreign == []
    assert tab.errors == []
