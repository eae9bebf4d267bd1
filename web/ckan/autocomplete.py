"""The autocomplete actions CKAN's forms and clients use: datasets, formats and tags by what the user typed.

Matching is accent- and case-insensitive (``catalog.text.fold``): typing ``chat luong`` finds "Chất lượng".
Only datasets the caller may see are offered.
"""

from __future__ import annotations

from catalog.search import listing
from catalog.text import fold
from catalog.visibility import ANONYMOUS
from web.ckan.api import action, catalog, int_param, list_viewer, required

LIMIT_MAX = 100


def typed(data: dict) -> str:
    return fold(required(data, "q")).strip()


def limit_of(data: dict, default: int) -> int:
    return min(int_param(data, "limit", default, minimum=1) or default, LIMIT_MAX)


@action("package_autocomplete")
def package_autocomplete(data: dict) -> list[dict]:
    """Datasets whose name or title starts with ``q`` (or a word of the title does): name matches first."""
    q, limit = typed(data), limit_of(data, 10)
    return [{"name": name, "title": title, "match_field": "name" if kind == 0 else "title",
             "match_displayed": name if kind == 0 else title}
            for kind, name, title in listing.autocomplete(catalog(), list_viewer(True), q, limit)]


@action("format_autocomplete")
def format_autocomplete(data: dict) -> list[str]:
    """Resource formats containing ``q``, the most used first."""
    q, limit = typed(data), limit_of(data, 5)
    counts = listing.facet_values(catalog(), ANONYMOUS, "format")
    matching = [(-n, fmt) for fmt, n in counts.items() if q in fold(fmt)]
    return [fmt for _, fmt in sorted(matching)[:limit]]


@action("tag_autocomplete")
def tag_autocomplete(data: dict) -> list[str]:
    """Tags of the public datasets containing ``q``, those starting with it first."""
    q, limit = typed(data), limit_of(data, 10)
    names = listing.facet_values(catalog(), ANONYMOUS, "tag")
    matching = sorted((not fold(n).startswith(q), n) for n in names if q in fold(n))
    return [n for _, n in matching[:limit]]
