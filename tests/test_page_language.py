"""Every page of the demo speaks one language (issue 15, item 1).

A Vietnamese page shows no English sentence and an English page (``?lang=en``) no Vietnamese interface text.
The test builds the demo catalogue through the real pipeline, crawls every page type reachable from the home
page (same-site links, breadth first, a few pages per kind of page) in both languages, and reads each page's
interface text: text nodes plus the attributes people read (``title``, ``aria-label``, ``alt``,
``placeholder``).

What is not interface text, and so not judged:
- code (``code``, ``pre``, ``kbd``, ``samp``), scripts and styles;
- an element whose ``lang`` differs from the page's: the publisher's Vietnamese-only title on an English page,
  the other language's citation, the language switch's own name (WCAG 3.1.2 wants exactly that attribute);
- the publisher's own words and data, marked ``data-content`` in the templates (data cells, facet values,
  column titles in choosers, a chart's summary of its values): they are shown as published;
- the page's ``<title>`` (its words are the heading's, judged there, joined to the publisher's title) and
  examples in quotes (“dong da” finds “Đống Đa”).

A text is English when it holds two or more English function words ("the", "is", "not", …) and at least one
that is not also a Vietnamese syllable ("an", "to", "no" and "a" are); a text is Vietnamese when it has a
letter with a Vietnamese diacritic.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

from catalog.metadata import Catalog
from pipelines.demo import build_demo
from web import create_app

MAX_PAGES = 150  # per language
PAGES_PER_KIND = 3  # pages of one Flask endpoint (one dataset page, explorer, ...) are alike
# Pages no link leads to from the home page but people meet: the error page, a refused filter.
EXTRA_PAGES = ["/datasets/khong-co-bo-nay", "/organizations/khong-co-to-chuc-nay", "/trang-khong-co"]

ENGLISH_WORDS = {"the", "is", "not", "of", "and", "to", "for", "with", "found", "this", "a", "an", "be", "no",
                 "are", "was", "or", "from", "has", "have", "there", "please", "your", "you", "cannot"}
ALSO_VIETNAMESE = {"a", "an", "to", "no"}  # "an toàn", "to" (big), "no" (full)
VIETNAMESE_LETTER = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+")

# <title> joins the heading's words (judged there) with the publisher's title, and cannot mark a part's language.
NOT_INTERFACE_TAGS = {"code", "pre", "kbd", "samp", "script", "style", "svg", "title"}
QUOTED = re.compile(r"“[^”]*”|«[^»]*»|\"[^\"]*\"")  # an example being mentioned: “dong da” finds “Đống Đa”
READ_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Links that lead to files and machine formats, not pages.
NOT_PAGES = re.compile(r"\.(csv|tsv|json|jsonld|geojson|parquet|xlsx|ods|xml|rdf|ttl|atom|rss|bib|svg|png|zip"
                       r"|gz|ya?ml|txt|md|sql|duckdb)$|^/(static|feeds|ckan)/|^/api/", re.IGNORECASE)


def is_english(text: str) -> bool:
    text = QUOTED.sub("", text)
    words = {w.lower() for w in WORD.findall(text)} & ENGLISH_WORDS
    return len(words) >= 2 and bool(words - ALSO_VIETNAMESE)


def is_vietnamese(text: str) -> bool:
    return bool(VIETNAMESE_LETTER.search(QUOTED.sub("", text)))


class InterfaceText(HTMLParser):
    """The interface texts of a page (skipping code, other-language elements and publisher content) and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = ""
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.texts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.page_lang = values.get("lang", "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        skipped = (bool(self.stack and self.stack[-1]) or tag in NOT_INTERFACE_TAGS or "data-content" in values
                   or values.get("lang", self.page_lang) != self.page_lang)
        if not skipped and tag != "link":  # a feed link's title is the publisher's title, for feed readers
            self.texts.extend(values[name] for name in READ_ATTRIBUTES if values.get(name))
            if tag == "meta" and values.get("name") == "description":
                self.texts.append(values.get("content", ""))
        if tag not in VOID_TAGS:
            self.stack.append(skipped)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID_TAGS and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip() and not (self.stack and self.stack[-1]):
            self.texts.append(" ".join(data.split()))


@dataclass
class Page:
    url: str
    status: int
    lang: str
    texts: list[str]


def read_page(client: FlaskClient, url: str) -> tuple[Page | None, list[str]]:
    response = client.get(url)
    if response.mimetype != "text/html":
        return None, []
    parser = InterfaceText()
    parser.feed(response.get_data(as_text=True))
    parser.close()
    return Page(url, response.status_code, parser.page_lang, parser.texts), parser.links


def with_lang(url: str, lang: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return f"{parts.path}?{urlencode([*query, ('lang', lang)])}"


def page_kind(app: Flask, path: str) -> str | None:
    """The Flask endpoint that answers ``path`` (None: no page answers it)."""
    try:
        endpoint, _args = app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    return endpoint


def same_site_page(href: str) -> str | None:
    """``href`` as a local path with query (no fragment, no language), or None if it is not a page of this site."""
    parts = urlsplit(href)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "localhost"):
        return None
    if not parts.path.startswith("/") or NOT_PAGES.search(parts.path):
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("lang", "format")]
    if any(k in ("format", "download", "_format") for k, _v in parse_qsl(parts.query)):
        return None
    return f"{parts.path}?{urlencode(query)}" if query else parts.path


def crawl(app: Flask, lang: str) -> Iterator[Page]:
    """Breadth first from the home page, at most ``PAGES_PER_KIND`` pages per endpoint and ``MAX_PAGES`` in all."""
    client = app.test_client()
    queue, seen, per_kind, visited = deque(["/", *EXTRA_PAGES]), set(), {}, 0
    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        kind = page_kind(app, urlsplit(url).path) or "error"
        if url in seen or per_kind.get(kind, 0) >= PAGES_PER_KIND:
            continue
        seen.add(url)
        page, links = read_page(client, with_lang(url, lang))
        if page is None:
            continue
        per_kind[kind] = per_kind.get(kind, 0) + 1
        visited += 1
        yield page
        queue.extend(link for link in map(same_site_page, links) if link and link not in seen)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    home = tmp_path_factory.mktemp("page-language") / "home"
    catalog = Catalog(home)
    summary = build_demo(catalog, air_rows=500)
    assert summary.ok
    catalog.dispose()
    yield create_app(home, {"TESTING": True})


@pytest.fixture(scope="module")
def pages(app: Flask) -> dict[str, list[Page]]:
    return {lang: list(crawl(app, lang)) for lang in ("vi", "en")}


def offences(pages: list[Page], wrong) -> list[str]:
    return [f"{page.url}: {text!r}" for page in pages for text in page.texts if wrong(text)]


def test_the_crawl_reaches_every_kind_of_page(app: Flask, pages: dict[str, list[Page]]):
    kinds = {page_kind(app, urlsplit(page.url).path) for page in pages["vi"]}
    expected = {"pages.home", "pages.datasets", "pages.organizations", "pages.organization", "pages.dataset",
                "pages.explore", "pages.version_page", "pages.column_values", "pages.map_page", "diff.diff_page",
                "sql.sql_page", "api.reference"}
    assert expected <= kinds, f"never reached: {sorted(expected - kinds)}"
    assert any(page.status == 404 for page in pages["vi"]), "the error page was not seen"


def test_every_page_says_its_language(pages: dict[str, list[Page]]):
    for lang, seen in pages.items():
        assert {page.lang for page in seen} == {lang}


def test_vietnamese_pages_show_no_english_sentence(pages: dict[str, list[Page]]):
    found = offences(pages["vi"], is_english)
    assert not found, f"{len(found)} English texts on Vietnamese pages:\n" + "\n".join(found[:60])


def test_english_pages_show_no_vietnamese_interface_text(pages: dict[str, list[Page]]):
    found = offences(pages["en"], is_vietnamese)
    assert not found, f"{len(found)} Vietnamese texts on English pages:\n" + "\n".join(found[:60])


def test_the_language_rules_tell_the_languages_apart():
    assert is_english("dataset 'x' not found")
    assert is_english("Filter the rows of this table")
    assert not is_english("Công an thành phố to và an toàn")  # Vietnamese syllables that are English words
    assert not is_english("Tải về CSV, JSON, Parquet")
    assert is_vietnamese("Không tìm thấy") and not is_vietnamese("Not found (CSV, JSON)")
    assert not is_vietnamese("Text filters ignore accents: “dong da” finds “Đống Đa”.")
