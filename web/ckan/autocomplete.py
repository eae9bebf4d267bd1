"""The autocomplete actions CKAN's forms and clients use: datasets, formats and tags by what the user typed.

Matching is accent- and case-insensitive (``catalog.text.fold``): typing ``chat luong`` finds "Chất lượng".
Only datasets the caller may see are offered.
"""

from __future__ import annotations

from collections import Counter

from catalog.ckan.shapes import resource_dicts
from catalog.text import fold
from web.ckan.api import action, int_param, required, visible_datasets
from web.urls import base_url

LIMIT_MAX = 100


def typed(data: dict) -> str:
    return fold(required(data, "q")).strip()


def limit_of(data: dict, default: int) -> int:
    return min(int_param(data, "limit", default, minimum=1) or default, LIMIT_MAX)


@action("package_autocomplete")
def package_autocomplete(data: dict) -> list[dict]:
    """Datasets whose name or title starts with ``q`` (or a word of the title does): name matches first."""
    q, limit = typed(data), limit_of(data, 10)
    found = []
    for dataset in sorted(visible_datasets(True), key=lambda d: d["name"]):
        title = dataset.get("title") or dataset["name"]
        words = fold(title).split()
        if fold(dataset["name"]).startswith(q):
            found.append((0, dataset["name"], "name", dataset["name"], title))
        elif fold(title).startswith(q) or any(" ".join(words[i:]).startswith(q) for i in range(len(words))):
            found.append((1, dataset["name"], "title", title, title))
    found.sort()
    return [{"name": name, "title": title, "match_field": field, "match_displayed": shown}
            for _, name, field, shown, title in found[:limit]]


@action("format_autocomplete")
def format_autocomplete(data: dict) -> list[str]:
    """Resource formats containing ``q``, the most used first."""
    q, limit = typed(data), limit_of(data, 5)
    counts: Counter[str] = Counter()
    for dataset in visible_datasets(False):
        counts.update(r["format"] for r in resource_dicts(dataset, base_url()) if r.get("format"))
    matching = [(-n, fmt) for fmt, n in counts.items() if q in fold(fmt)]
    return [fmt for _, fmt in sorted(matching)[:limit]]


@action("tag_autocomplete")
def tag_autocomplete(data: dict) -> list[str]:
    """Tags of the public datasets containing ``q``, those starting with it first."""
    q, limit = typed(data), limit_of(data, 10)
    names = {t for d in visible_datasets(False) for t in d.get("tags") or []}
    matching = sorted((not fold(n).startswith(q), n) for n in names if q in fold(n))
    return [n for _, n in matching[:limit]]
