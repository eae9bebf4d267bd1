"""Map pages in a real browser (Debian's Chromium through Playwright, a real server on 127.0.0.1): Leaflet draws
the points (clustered when dense) and the boundaries, the page falls back to a table without JavaScript, and
nothing is requested from any other site when no tile URL is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_maps import (
    BOUNDARY_SCHEMA,
    FLOOD_SCHEMA,
    boundaries_collection,
    flood_rows,
    published,
    write_csv,
    write_json,
)

from catalog.metadata import Catalog
from conftest import ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
POINTS = 300

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("maps-browser")
    cat = Catalog(root / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    published(cat, write_csv(root / "points.csv", flood_rows(POINTS)), "diem-ngap", FLOOD_SCHEMA)
    published(cat, write_json(root / "b.geojson", boundaries_collection()), "ranh-gioi", BOUNDARY_SCHEMA)
    cat.dispose()
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


class Watched:
    """A page whose every request and every console error or page error is recorded."""

    def __init__(self, browser, **context) -> None:
        self.context = browser.new_context(locale="vi-VN", **context)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("console", lambda msg: self.problems.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.problems.append(str(exc)))

    def foreign(self, origin: str) -> list[str]:
        return [u for u in self.requests if not (u.startswith(origin + "/") or u.startswith("data:"))]

    def shot(self, folder: Path, name: str) -> None:
        self.page.screenshot(path=str(folder / name), full_page=True)
        if os.environ.get("MAP_SCREENSHOTS"):
            self.page.screenshot(path=str(Path(os.environ["MAP_SCREENSHOTS"]) / name), full_page=True)


def test_the_map_draws_every_point_as_a_marker_or_inside_a_cluster(server: ServerProcess, chromium_browser,
                                                                   tmp_path: Path) -> None:
    watched = Watched(chromium_browser)
    page = watched.page
    page.goto(server.url + "/datasets/diem-ngap/map")
    page.locator("[data-map][data-ready='1']").wait_for(timeout=15_000)
    singles = page.locator(".leaflet-marker-icon.map-point")
    clusters = page.locator(".leaflet-marker-icon.map-cluster")
    in_clusters = sum(int(text) for text in clusters.all_inner_texts())
    assert clusters.count() > 0  # 300 points in a few km are dense at the first zoom
    assert singles.count() + in_clusters == POINTS
    assert page.locator("[data-map-nojs]").is_hidden()
    watched.shot(tmp_path, "map-points.png")

    clusters.first.click()  # a cluster zooms in; the points are redrawn, none lost
    page.wait_for_function("document.querySelector('[data-map]').dataset.markers !== undefined")
    page.wait_for_timeout(500)
    after = page.locator(".leaflet-marker-icon.map-point").count() + sum(
        int(t) for t in page.locator(".leaflet-marker-icon.map-cluster").all_inner_texts())
    assert after == POINTS
    assert watched.foreign(server.url) == [] and watched.problems == []


def test_a_point_opens_a_popup_with_its_row(server: ServerProcess, chromium_browser) -> None:
    watched = Watched(chromium_browser)
    page = watched.page
    page.goto(server.url + "/datasets/diem-ngap/map?diem=Điểm 7")
    page.locator("[data-map][data-ready='1']").wait_for(timeout=15_000)
    page.locator(".leaflet-marker-icon.map-point").click()
    popup = page.locator(".leaflet-popup-content table.map-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "Điểm 7" in text and str(flood_rows(8)[7]["vi_do"]).replace(".", ",") in text  # Vietnamese decimal comma
    assert watched.foreign(server.url) == [] and watched.problems == []


def test_without_javascript_the_page_is_a_table_of_the_points(server: ServerProcess, chromium_browser,
                                                              tmp_path: Path) -> None:
    watched = Watched(chromium_browser, java_script_enabled=False)
    page = watched.page
    page.goto(server.url + "/datasets/diem-ngap/map?district=Đống Đa")
    assert page.locator("[data-map]").is_hidden()
    assert page.locator("[data-map-nojs]").is_visible()
    rows = page.locator("table[data-map-points] tbody tr")
    assert rows.count() == sum(1 for r in flood_rows(POINTS) if r["district"] == "Đống Đa")
    assert page.locator("a[data-format='geojson']").get_attribute("href").startswith("/datasets/diem-ngap/map.geojson")
    watched.shot(tmp_path, "map-nojs.png")
    assert watched.foreign(server.url) == []


def test_a_choropleth_colours_each_boundary_and_loads_nothing_from_elsewhere(server: ServerProcess,
                                                                             chromium_browser, tmp_path: Path) -> None:
    watched = Watched(chromium_browser)
    page = watched.page
    page.goto(server.url + "/datasets/diem-ngap/map?join=district&value=sau_cm&boundaries=ranh-gioi&key=name")
    page.locator("[data-map][data-ready='1']").wait_for(timeout=15_000)
    shapes = page.locator("path.leaflet-interactive")
    assert shapes.count() == len(boundaries_collection()["features"])
    fills = {shapes.nth(i).get_attribute("fill") for i in range(shapes.count())}
    assert len(fills) > 1  # coloured by value, not one colour
    watched.shot(tmp_path, "map-choropleth.png")
    assert watched.foreign(server.url) == [] and watched.problems == []


def test_the_schematic_tile_grid_is_labelled_and_self_contained(server: ServerProcess, chromium_browser,
                                                                tmp_path: Path) -> None:
    watched = Watched(chromium_browser)
    page = watched.page
    page.goto(server.url + "/datasets/diem-ngap/map?join=district&value=sau_cm")
    figure = page.locator("figure[data-schematic]")
    assert "Sơ đồ minh hoạ" in figure.locator("figcaption").inner_text()
    assert figure.locator("g[data-unit]").count() == 30
    watched.shot(tmp_path, "map-schematic.png")
    assert watched.foreign(server.url) == [] and watched.problems == []
