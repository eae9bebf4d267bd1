"""WCAG 2.1 A/AA on every page type, in Vietnamese and in English: axe-core in Debian's Chromium finds nothing.

Why axe on a real server over the demo catalogue: contrast, names, roles and focusable scrolling regions are
properties of what the browser renders (CSS, scripts, charts and maps drawn), not of the templates' text. axe
(bundled by ``axe-playwright-python``, offline) runs only the WCAG 2.0/2.1 level A and AA rules; each page is
opened once per language with ``?lang=`` so a language cookie cannot leak from one test to the next.
The page list is shared with tests/test_narrow_screens.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS

from catalog.metadata import Catalog
from conftest import ServerProcess
from pipelines.demo.build import build_demo

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SQL_CHART = urlencode({"sql": 'SELECT district, avg(pm25) AS tb FROM "air-quality" GROUP BY 1 ORDER BY 1',
                       "chart": "bar", "x": "district", "y": "tb"})
# every page type of the site, over the demo catalogue: name -> (path, expected status); the quality report is a
# panel of the dataset page (web/views/quality.py), so the dataset page covers it
PAGES = {
    "home": ("/", 200),
    "search": ("/datasets?q=kh%C3%B4ng+kh%C3%AD&organization=so-tnmt", 200),
    "dataset": ("/datasets/air-quality", 200),
    "version": ("/datasets/air-quality/versions/2", 200),
    "explorer": ("/datasets/air-quality/explore?district=Ba+%C4%90%C3%ACnh&_sort=-pm25", 200),
    "values": ("/datasets/air-quality/values/district", 200),
    "map": ("/datasets/flood-points/map", 200),
    "sql": ("/sql?" + SQL_CHART, 200),
    "organizations": ("/organizations", 200),
    "organization": ("/organizations/so-tnmt", 200),
    "api": ("/api", 200),
    "diff": ("/datasets/air-quality/versions/1/diff/3", 200),
    "error-404": ("/datasets/khong-co-bo-nay", 404),
    "embed-chart": ("/embed/datasets/air-quality/versions/3/chart?type=line&x=observed_at&y=pm25&agg=max&bucket=day",
                    200),
}
# pages whose chart is drawn by JavaScript after load: axe looks at the drawn chart
DRAWN = {"sql": "[data-chart-rendered='interactive'] svg", "embed-chart": "[data-chart-rendered='interactive'] svg"}


def in_language(path: str, lang: str) -> str:
    """The path with ``lang=`` in its query string."""
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def demo_server(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[ServerProcess]:
    """The demo catalogue (small air-quality file), built through the pipeline and served by ``opendata serve``."""
    home = tmp_path_factory.mktemp(name) / "home"
    catalog = Catalog(home)
    assert build_demo(catalog, air_rows=500).ok
    catalog.dispose()
    process = ServerProcess(home, workers=2, env={"OPENDATA_RATELIMIT_ENABLED": "false"})
    yield process
    process.stop()


def chromium_page(**context) -> Iterator:
    """One Chromium tab for a whole module (launching a browser per test would dominate the run time)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install -y chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        browser_context = browser.new_context(**context)
        yield browser_context.new_page()
        browser_context.close()
        browser.close()


def open_page(tab, server: ServerProcess, name: str, lang: str) -> None:
    """Open a page type in a language, check its status and language, and wait until its charts are drawn."""
    path, status = PAGES[name]
    response = tab.goto(server.url + in_language(path, lang))
    assert response is not None and response.status == status, f"{name}: {response and response.status}"
    tab.wait_for_load_state("networkidle")
    if name in DRAWN:
        tab.wait_for_selector(DRAWN[name], timeout=20000)
    assert tab.get_attribute("html", "lang") == lang


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from demo_server(tmp_path_factory, "a11y")


@pytest.fixture(scope="module")
def tab(server: ServerProcess):
    yield from chromium_page(viewport={"width": 1280, "height": 900})


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def described(violations: list[dict]) -> str:
    """One line per failing element: rule, element, what axe says to fix."""
    return "\n".join(f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary'].splitlines()[-1].strip()}"
                     for v in violations for node in v["nodes"])


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_wcag_2_1_a_or_aa_violation_on_the_page(tab, server, axe, name: str, lang: str) -> None:
    open_page(tab, server, name, lang)
    results = axe.run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response
    assert results["passes"], "axe ran no rule at all"  # a page that was not analysed must not pass
    assert results["violations"] == [], described(results["violations"])


def test_scrollable_tables_and_code_boxes_take_the_keyboard_focus_and_have_a_name(tab, server) -> None:
    open_page(tab, server, "dataset", "vi")
    boxes = tab.locator(".table-wrap, .snippet pre")
    assert boxes.count() >= 5
    for index in range(boxes.count()):
        box = boxes.nth(index)
        assert box.get_attribute("tabindex") == "0"
        assert box.get_attribute("aria-label") or box.get_attribute("aria-labelledby")
