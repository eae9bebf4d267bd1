"""Dataset and organisation descriptions: Markdown rendered to HTML that cannot run anything.

Descriptions come from publishers (and from harvested catalogues), so they are untrusted. markdown-it renders
CommonMark with raw HTML disabled (it is shown as text), then nh3 (ammonia) keeps only an allow-list of tags and
attributes and only http(s)/mailto links: a ``<script>``, an ``onerror=`` or a ``javascript:`` link is inert.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "s", "del", "code", "pre", "blockquote", "a", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for a Markdown text (empty for None)."""
    if not text:
        return Markup("")
    html = _md.render(text)
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # sanitised just above


def plain_text(text: str | None, length: int = 220) -> str:
    """The description as one line of text (for result lists), cut at a word boundary."""
    if not text:
        return ""
    stripped = nh3.clean(_md.render(text), tags=set())
    # nh3 escapes what it keeps as text; undo the few entities so the template escapes exactly once.
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&")):
        stripped = stripped.replace(entity, char)
    line = " ".join(stripped.split())
    if len(line) <= length:
        return line
    return line[:length].rsplit(" ", 1)[0] + "…"
