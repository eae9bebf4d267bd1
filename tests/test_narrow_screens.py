"""A 390 px wide phone (390x844): no page scrolls sideways and the whole navigation can be reached.

Why: most of Hanoi's readers use a phone. A page wider than the screen hides content off to the side, and a
navigation that scrolls inside its own strip hides links nobody knows are there. The navigation must work
without JavaScript, so every link has to be on screen (it wraps) rather than behind a script-driven menu.
Every page type of tests/test_accessibility.py is checked, over the demo catalogue served by ``opendata serve``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_accessibility import PAGES, chromium_page, demo_server, open_page

from conftest import ServerProcess

pytestmark = pytest.mark.browser

NAV_LINKS = ["/", "/datasets", "/organizations", "/sql", "/api"]
# each navigation link: inside the screen, inside the navigation's box, and the element found at its centre
NAV_STATE = """() => [...document.querySelectorAll('.site-nav a')].map(link => {
  const box = link.getBoundingClientRect(), nav = link.closest('.site-nav').getBoundingClientRect();
  const onTop = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return {href: link.getAttribute('href'), width: box.width,
          inside: box.left >= 0 && box.right <= innerWidth && box.left >= nav.left - 1 && box.right <= nav.right + 1,
          reachable: onTop === link || link.contains(onTop)};
})"""
WIDTH = """() => ({scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth,
  widest: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
          .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))})"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from demo_server(tmp_path_factory, "narrow")


@pytest.fixture(scope="module")
def tab(server: ServerProcess):
    yield from chromium_page(viewport={"width": 390, "height": 844})


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_at_390_px_the_page_does_not_scroll_sideways_and_every_navigation_link_is_on_screen(
        tab, server, name: str, lang: str) -> None:
    open_page(tab, server, name, lang)
    width = tab.evaluate(WIDTH)
    assert width["client"] <= 390
    assert width["scroll"] <= width["client"], f"{name} is {width['scroll']} px wide: {width['widest']}"
    if name == "embed-chart":  # a chart made to sit in other sites' pages has no navigation of ours
        assert tab.locator(".site-nav").count() == 0
        return
    tab.evaluate("window.scrollTo(0, 0)")
    links = tab.evaluate(NAV_STATE)
    assert [link["href"] for link in links] == NAV_LINKS
    hidden = [link["href"] for link in links if not (link["width"] > 0 and link["inside"] and link["reachable"])]
    assert hidden == [], f"{name}: navigation links clipped or covered: {hidden}"
    assert tab.locator(".lang-switch").is_visible()
