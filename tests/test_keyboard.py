"""The whole journey without a mouse: search, open a dataset, the explorer, a filter, a sort, a download.

Why only Tab, Enter and typing: people who cannot use a pointer reach everything through the focus order, so
each step must be reachable by Tab from the top of the page and every element the focus passes through must
show where the focus is (a non-none outline or a box shadow). Runs in Debian's Chromium against
``opendata serve`` over the demo catalogue.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from test_accessibility import chromium_page, demo_server

from conftest import ServerProcess

pytestmark = pytest.mark.browser

FOCUS_STATE = """(selector) => {
  const element = document.activeElement;
  if (!element || element === document.body) return {matches: false, indicator: true, element: "body"};
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none";
  return {matches: element.matches(selector), indicator: outline || shadow, element: element.outerHTML.slice(0, 160)};
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from demo_server(tmp_path_factory, "keyboard")


@pytest.fixture(scope="module")
def tab(server: ServerProcess):
    yield from chromium_page(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="vi-VN")


def tab_to(tab, selector: str, limit: int = 300) -> None:
    """Press Tab until the focus is on ``selector``; every element it passes through shows a focus indicator."""
    passed = []
    for _ in range(limit):
        tab.keyboard.press("Tab")
        state = tab.evaluate(FOCUS_STATE, selector)
        assert state["indicator"], f"no visible focus indicator on {state['element']}"
        passed.append(state["element"])
        if state["matches"]:
            return
    pytest.fail(f"{selector} not reached in {limit} presses of Tab; passed: {passed[-5:]}")


def test_a_keyboard_user_searches_filters_sorts_and_downloads(tab, server) -> None:
    tab.goto(server.url + "/?lang=vi")
    tab_to(tab, "input[type=search]")
    tab.keyboard.type("không khí")
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r"/datasets\?"))

    tab_to(tab, "a[href='/datasets/air-quality']")
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r"/datasets/air-quality$"))

    tab_to(tab, "a[href='/datasets/air-quality/explore']")
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r"/datasets/air-quality/explore$"))

    tab_to(tab, "select[name=_fc]")
    tab.keyboard.type("district")  # a closed select picks the option its typed letters begin
    assert tab.evaluate("document.activeElement.value") == "district"
    tab_to(tab, "input[name=_fv]")
    tab.keyboard.type("Ba Đình")
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r"/explore\?district="))
    headers = [text.split()[0] for text in tab.locator(".explore-table thead th").all_text_contents()]
    districts = tab.locator(f".explore-table tbody td:nth-child({headers.index('district') + 1})").all_text_contents()
    assert districts and set(districts) == {"Ba Đình"}

    tab_to(tab, ".explore-table thead a[href*='_sort=pm25']")
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r"_sort=pm25"))
    assert tab.get_attribute(".explore-table thead th[aria-sort]", "aria-sort") == "ascending"

    tab_to(tab, "a.button-download[data-format=csv]")
    with tab.expect_download() as download:
        tab.keyboard.press("Enter")
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert rows and {row["district"] for row in rows} == {"Ba Đình"}
    pm25 = [float(row["pm25"]) for row in rows if row["pm25"]]
    assert pm25 == sorted(pm25)  # the file is the view: filtered and sorted as on screen


def test_the_skip_link_is_the_first_stop_and_moves_the_focus_to_the_content(tab, server) -> None:
    tab.goto(server.url + "/datasets?lang=vi")
    tab_to(tab, ".skip-link", limit=1)
    assert tab.locator(".skip-link").is_visible()
    tab.keyboard.press("Enter")
    assert tab.evaluate("location.hash") == "#main"
