"""Metadata in the reader's language: English where the publisher gave it, else the Vietnamese, marked as such.

Why a module: titles, descriptions, field titles and tag labels are stored in Vietnamese with an optional English
twin (``title`` / ``title_en``). Interface strings come from the gettext catalogues (``web/i18n.py``); metadata
does not, so every template asks here which text to show. On an English page a text that exists only in
Vietnamese is shown in Vietnamese inside ``lang="vi"`` (WCAG 3.1.2: screen readers switch voice) with a short
"(Vietnamese only)" note; Vietnamese pages always show the Vietnamese. JSON answers carry both (``title``,
``title_en``) and are not touched here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, g
from markupsafe import Markup, escape

from catalog import tags as tag_rules
from web.context import get_catalog
from web.i18n import current_lang
from web.i18n import gettext as _

ENGLISH = "en"


def pick(item: Mapping[str, Any] | None, field: str = "title") -> tuple[str, bool]:
    """(text, only_vietnamese): ``field`` in the page's language; ``only_vietnamese`` when an English page
    falls back to the Vietnamese ``field`` because ``field_en`` is empty."""
    item = item or {}
    vietnamese = str(item.get(field) or "")
    if current_lang() != ENGLISH:
        return vietnamese, False
    english = str(item.get(f"{field}_en") or "")
    return (english, False) if english else (vietnamese, bool(vietnamese))


def text(item: Mapping[str, Any] | None, field: str = "title") -> str:
    """Plain text for attributes and ``<title>``: English on English pages where there is some."""
    return pick(item, field)[0]


def vietnamese_only_note() -> Markup:
    return Markup(' <span class="lang-note">{}</span>').format(_("(chỉ có tiếng Việt)"))


def html(item: Mapping[str, Any] | None, field: str = "title", *, note: bool = True) -> Markup:
    """The text as HTML: Vietnamese on an English page is wrapped in ``lang="vi"`` (and noted, ``note``)."""
    shown, only_vietnamese = pick(item, field)
    if not only_vietnamese:
        return escape(shown)
    marked = Markup('<span lang="vi">{}</span>').format(shown)
    return marked + vietnamese_only_note() if note else marked


def all_tag_labels() -> dict[str, dict[str, str]]:
    """Every tag's labels, read once per request (the tags table is small: one row per tag in use)."""
    if "tag_labels" not in g:
        g.tag_labels = get_catalog().tag_labels()
    return g.tag_labels


def tag_details(slugs: Iterable[str]) -> list[dict[str, str]]:
    """``[{"name", "title", "title_en"}]`` for JSON answers: the slug stays the identifier."""
    return tag_rules.details(slugs, all_tag_labels())


def tag_text(slug: str) -> str:
    return text(tag_rules.details([slug], all_tag_labels())[0])


def tag_html(slug: str) -> Markup:
    """A tag's label in the page's language; a Vietnamese label on an English page is marked ``lang="vi"``."""
    detail = tag_rules.details([slug], all_tag_labels())[0]
    if detail["title"] == slug:  # no label: the slug itself, which is no language
        return escape(detail["title_en"] if current_lang() == ENGLISH and detail["title_en"] else slug)
    return html(detail, note=False)


def organisations() -> dict[str, dict]:
    """Every organisation by name, read once per request (facets show their titles)."""
    if "bilingual_orgs" not in g:
        g.bilingual_orgs = {org["name"]: org for org in get_catalog().list_orgs()}
    return g.bilingual_orgs


def facet_label(facet: str, item: Mapping[str, Any]) -> Markup:
    """A facet value's label in the page's language: tags and organisations have English labels."""
    if facet == "tag":
        return tag_html(str(item.get("value") or ""))
    if facet == "organization" and str(item.get("value")) in organisations():
        return html(organisations()[str(item["value"])], note=False)
    return escape(item.get("label") or item.get("value") or "")


def init_app(app: Flask) -> None:
    """Templates get ``bi(item, field)`` (HTML), ``bi_text(item, field)`` (plain), ``tag_label(slug)`` and
    ``facet_label(facet, item)``."""
    app.jinja_env.globals.update(bi=html, bi_text=text, tag_label=tag_html, tag_text=tag_text,
                                 facet_label=facet_label, vietnamese_only_note=vietnamese_only_note)
