"""Answering a search from the index: matching, ranking, counting, facets and one page of datasets, in SQL.

Why SQL and not Python over the catalogue: the database already has the index (``catalog/search/index.py``)
and the metadata, so a search reads the matching documents, counts them and groups their facet values without
any process holding the catalogue in memory; only the page asked for is turned into dataset dicts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.search import changes
from catalog.search.answer import Answer, answer, hits
from catalog.search.cache import ANSWERS
from catalog.search.documents import FACETS, formats_of, query_words
from catalog.search.index import serial
from catalog.search.synonyms import Slot, expand, vocabulary
from catalog.visibility import ANONYMOUS, OPERATOR, Viewer

if TYPE_CHECKING:  # a type only: the metadata module itself calls the index on every write
    from catalog.metadata import Catalog

FACET_ALIASES = {
    "org": "organization", "organisation": "organization", "organizations": "organization",
    "tags": "tag", "formats": "format", "res_format": "format", "license_id": "license",
}
SORTS = ("relevance", "updated", "title", "name", "created", "quality")
MAX_LIMIT = 1000
MIN_SCORE = 0.001  # a match shows a positive score even when its words are in most datasets (bm25's idf ~ 0)


def normalize_filters(filters: Mapping[str, Iterable[str] | str] | None) -> dict[str, list[str]]:
    """Canonical facet names, NFC values, empty values dropped; an unknown facet is the caller's mistake."""
    out: dict[str, list[str]] = {}
    for key, values in (filters or {}).items():
        facet = FACET_ALIASES.get(key, key)
        if facet not in FACETS:
            raise InvalidInput(_("không có bộ lọc tìm kiếm {key!r}", key=key),
                               hint=_("dùng một trong: {ops}", ops=", ".join(FACETS)))
        if isinstance(values, str):
            values = [values]
        for value in values:
            value = unicodedata.normalize("NFC", str(value)).strip()
            if value and value not in out.setdefault(facet, []):
                out[facet].append(value)
    return {k: v for k, v in out.items() if v}


def _check_int(value: Any, name: str, low: int, high: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("{name} phải là một số nguyên, không phải {value!r}", name=name, value=value)) from None
    if number < low or (high is not None and number > high):
        if high is not None:
            raise InvalidInput(_("{name} phải từ {low} đến {high}, không phải {number}", name=name, low=low,
                                 high=high, number=number))
        raise InvalidInput(_("{name} phải ít nhất là {low}, không phải {number}", name=name, low=low, number=number))
    return number


def _by_quality(catalog: Catalog, rows: list) -> list:
    """The matches best first by ``catalog.quality`` (udata score, then MQA points, then name)."""
    from catalog import quality  # here: catalog.quality reads the metadata module, which imports this package

    order = {dataset_id: i for i, dataset_id in enumerate(quality.rank(catalog, [row.id for row in rows]))}
    return sorted(rows, key=lambda row: order.get(row.id, len(order)))


def match_scores(catalog: Catalog, q: str) -> dict[str, float]:
    """{dataset id: score} of every active dataset matching ``q`` (private ones too: the caller filters)."""
    pairs = query_words(q)
    if not pairs:
        return {}
    with catalog.reader.connect() as conn:
        found = hits(conn, expand(pairs), {}, OPERATOR)
        return {row.id: row.score + row.phrase for row in conn.execute(found)}


def _answer(conn: Connection, slots: list[Slot], wanted: dict[str, list[str]], viewer: Viewer, sort: str,
            limit: int, offset: int, catalog: Catalog, *, every: bool = True) -> Answer:
    found = answer(conn, slots, wanted, viewer, sort, limit, offset, every=every)
    if sort == "quality":  # computed, not stored: rank every match, then take the page
        found.page = _by_quality(catalog, found.page)[offset:offset + limit]
    return found


def _matched(conn: Connection, slots: list[Slot], wanted: dict[str, list[str]], viewer: Viewer) -> list[Slot]:
    """The slots that some visible dataset matches on its own."""
    return [slot for slot in slots if conn.execute(
        hits(conn, [slot], wanted, viewer, scored=False).limit(1)).first() is not None]


def _partial(conn: Connection, slots: list[Slot], wanted: dict[str, list[str]], viewer: Viewer, sort: str,
             limit: int, offset: int, catalog: Catalog) -> tuple[Answer, list[Slot]]:
    """When no dataset has every word: those with all the words that are found somewhere, else with any."""
    matched = _matched(conn, slots, wanted, viewer)
    if not matched:
        return Answer(), []
    answer = Answer()
    if len(matched) < len(slots):
        answer = _answer(conn, matched, wanted, viewer, sort, limit, offset, catalog)
    if answer.count == 0 and len(matched) > 1:
        answer = _answer(conn, matched, wanted, viewer, sort, limit, offset, catalog, every=False)
    return answer, matched


def _fresh(conn: Connection, slots: list[Slot], wanted: dict[str, list[str]], viewer: Viewer, sort: str,
           limit: int, offset: int, catalog: Catalog) -> tuple[Answer, list[Slot], bool]:
    """(answer, the slots it matched, whether it is partial) computed from the index."""
    answer = _answer(conn, slots, wanted, viewer, sort, limit, offset, catalog)
    if answer.count == 0 and len(slots) > 1:
        answer, matched = _partial(conn, slots, wanted, viewer, sort, limit, offset, catalog)
        return answer, matched, answer.count > 0
    return answer, slots, False


def _cached(conn: Connection, slots: list[Slot], wanted: dict[str, list[str]], viewer: Viewer, sort: str,
            limit: int, offset: int, catalog: Catalog) -> tuple[Answer, list[Slot], bool]:
    """The answer from this process's cache when no change since it was computed can alter it
    (``catalog/search/changes.py``), else computed from the index and cached at the current serial."""
    if sort == "quality":  # ranked by scores computed outside the index: never cached
        return _fresh(conn, slots, wanted, viewer, sort, limit, offset, catalog)
    key = (catalog.url, vocabulary(), tuple(slots), tuple(sorted((k, tuple(v)) for k, v in wanted.items())), viewer,
           sort, limit, offset)
    now, cached = serial(conn), ANSWERS.get(key)
    if cached is not None and cached[0] != now and not changes.still_valid(
            conn, cached[0], now, slots, wanted, viewer, ranked=sort == "relevance",
            complete=cached[1][0].count > 0 and not cached[1][2]):
        cached = None
    if cached is None:
        cached = (now, _fresh(conn, slots, wanted, viewer, sort, limit, offset, catalog))
    elif cached[0] != now:  # still valid: good from this serial on
        cached = (now, cached[1])
    ANSWERS.put(key, cached)
    return cached[1]


def search(catalog: Catalog, q: str = "", filters: Mapping[str, Iterable[str] | str] | None = None,
           limit: int = 20, offset: int = 0, sort: str | None = None, *,
           viewer: Viewer = ANONYMOUS, include_private: bool = False) -> dict:
    """Search the active datasets; see ``catalog/search/__init__.py`` for the contract."""
    limit = _check_int(limit, "limit", 0, MAX_LIMIT)
    offset = _check_int(offset, "offset", 0)
    q = unicodedata.normalize("NFC", q or "").strip()
    sort = sort or ("relevance" if q else "updated")
    if sort not in SORTS:
        raise InvalidInput(_("không có cách sắp xếp {sort!r}", sort=sort), hint=_("dùng một trong: {ops}", ops=", ".join(SORTS)))
    wanted = normalize_filters(filters)
    pairs = query_words(q)
    slots = expand(pairs) if pairs else []
    viewer = OPERATOR if include_private else viewer
    if q and not pairs:  # only punctuation: no word to match
        answer, matched, partial = Answer(), slots, False
    else:
        with catalog.reader.connect() as conn:  # one read transaction: count, facets and page agree
            answer, matched, partial = _cached(conn, slots, wanted, viewer, sort, limit, offset, catalog)
    return {"count": answer.count, "results": _results(catalog, answer.page, bool(pairs)), "facets": answer.facets,
            "partial": partial, "matched_words": [slot.label for slot in matched] if answer.count else [],
            "unmatched_words": [slot.label for slot in slots if slot not in matched] if partial else []}


def _results(catalog: Catalog, page: list, scored: bool) -> list[dict]:
    """The page's dataset dicts, in order, with their formats and scores."""
    datasets = catalog.datasets_by_id([row.id for row in page])
    results = []
    for row in page:
        if row.id not in datasets:  # deleted since the count: the page is one shorter, never an error
            continue
        dataset = dict(datasets[row.id])
        dataset["formats"] = formats_of(dataset)
        dataset["score"] = max(round(row.score, 3), MIN_SCORE) if scored else 0.0
        results.append(dataset)
    return results
