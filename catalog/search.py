"""Full-text search over the catalogue's datasets, with facets.

The contract (the HTML pages and ``GET /api/v1/datasets`` both call it; keep it stable)::

    search(catalog, q="", filters=None, limit=20, offset=0, sort=None, *, viewer=ANONYMOUS) -> {
        "count": int,                  # datasets matching q and every filter
        "results": [dataset, ...],     # Catalog dataset dicts (a copy), plus "formats" (list) and "score" (float)
        "facets": {                    # counts over the filtered result set, most frequent first
            "organization" | "tag" | "format" | "license" | "frequency":
                [{"value": str, "label": str, "count": int}, ...],
        },
    }

- ``q``: free text matched against title, name, description, tags, organisation, coverage, source, and the
  columns' names, titles, descriptions and allowed (enum) values. Every word must match (AND). Matching is accent-insensitive and tone-aware: ``dong da`` and
  ``Đống Đa`` both find "Đống Đa" (``đ`` folds to ``d``), and a word that matches with its exact tones scores
  twice a folded match, so "Đống Đa" ranks above "Đông Đa" for the query ``Đống Đa``. Words found together in
  one field, in order, add that field's weight again. A word of 3+ letters also matches the beginning of a
  longer word (``truon`` finds "trường học"), with a lower score.
- ``filters``: ``{facet: [value, ...]}`` with the facet names above (aliases: ``org``/``organisation``,
  ``tags``, ``formats``/``res_format``, ``license_id``). Facets combine with AND, and so do several values of
  one facet (tags: datasets with all of them), so a facet count is exactly what clicking it would return.
  Format values are case-insensitive (``csv`` = ``CSV``).
- ``sort``: ``relevance`` (default with ``q``), ``updated`` (default without; newest first), ``title``,
  ``name``, ``created`` (newest first).
- ``limit`` 0..1000, ``offset`` ≥ 0; bad values raise ``InvalidInput``.
- ``viewer``: results, counts and facets cover only the datasets ``catalog.visibility.visible`` lets this
  viewer see (anonymous by default: public datasets only). ``include_private=True`` is the operator's view.

Why in Python and not an FTS table: a city catalogue holds a few thousand datasets, so an in-memory inverted
index per process answers in a millisecond, needs no trigger or hook to stay in sync, and cannot drift from the
metadata. Each process rebuilds its index when the catalogue's fingerprint (dataset count, last update, last
audit entry, last version) changes, which every writer in any process moves; reading it is one cheap query.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from catalog import db
from catalog.errors import InvalidInput
from catalog.metadata import Catalog
from catalog.visibility import ANONYMOUS, OPERATOR, Viewer, visible

# Download formats every tabular version is served in (see web/views/downloads.py).
TABULAR_FORMATS = ("CSV", "JSON", "Parquet", "XLSX")
FACETS = ("organization", "tag", "format", "license", "frequency")
FACET_ALIASES = {
    "org": "organization", "organisation": "organization", "organizations": "organization",
    "tags": "tag", "formats": "format", "res_format": "format", "license_id": "license",
}
SORTS = ("relevance", "updated", "title", "name", "created")
MAX_LIMIT = 1000

# Field weights: a word in the title says more about a dataset than one in a column description.
WEIGHTS = {"title": 5.0, "name": 3.0, "tags": 3.0, "org": 2.0, "columns": 1.5, "description": 1.0,
           "coverage": 1.0, "values": 1.0}
EXACT_FACTOR = 2.0      # the word matches with its tones
FOLDED_FACTOR = 1.0     # it matches once accents are removed
PREFIX_FACTOR = 0.5     # it matches the start of a longer word (folded)
PHRASE_FACTOR = 1.0     # the words appear together, in order, in one field: that field's weight again
MIN_PREFIX = 3          # shorter words only match whole words ("da" must not match "dang", "dau", ...)
MAX_PREFIX_EXPANSION = 200

WORD_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lowercase, strip accents and tone marks, and map đ to d (it has no decomposition to strip)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d")


def words(text: str) -> list[str]:
    """Lowercase NFC words; snake_case and slugs split into their parts."""
    return WORD_RE.findall(unicodedata.normalize("NFC", text).lower())


def formats_of(dataset: Mapping[str, Any]) -> list[str]:
    """The download formats a dataset offers: every tabular format once it has a version, plus declared extras."""
    found = list(TABULAR_FORMATS) if dataset.get("latest_version") is not None else []
    extra = (dataset.get("extras") or {}).get("formats") or []
    if isinstance(extra, str):
        extra = [part.strip() for part in extra.split(",")]
    for value in extra:
        if not isinstance(value, str) or not value.strip():
            continue
        if not any(value.strip().lower() == known.lower() for known in found):
            found.append(value.strip())
    return found


@dataclass
class Document:
    """One dataset's contribution to the index: best weight per word (exact and folded), title, facets."""

    exact: dict[str, float]
    folded: dict[str, float]
    texts: list[tuple[float, str, str]]  # (weight, words, folded words) of each field, for phrase matches
    facets: dict[str, list[tuple[str, str]]]

    @classmethod
    def of(cls, dataset: Mapping[str, Any]) -> Document:
        exact: dict[str, float] = {}
        texts: list[tuple[float, str, str]] = []
        for source, text in document_fields(dataset):
            weight = WEIGHTS[source]
            found = words(text)
            for word in found:
                if weight > exact.get(word, 0.0):
                    exact[word] = weight
            if len(found) > 1:
                joined = " " + " ".join(found) + " "
                texts.append((weight, joined, fold(joined)))
        folded: dict[str, float] = {}
        for word, weight in exact.items():
            key = fold(word)
            if weight > folded.get(key, 0.0):
                folded[key] = weight
        return cls(exact, folded, texts, facet_values(dataset))

    def phrase_bonus(self, phrase: str, folded_phrase: str) -> float:
        """The best field weight among fields holding the query's words together (tones count double)."""
        best = 0.0
        exact, folded = f" {phrase} ", f" {folded_phrase} "
        for weight, text, folded_text in self.texts:
            if exact in text:
                best = max(best, weight * EXACT_FACTOR)
            elif folded in folded_text:
                best = max(best, weight * FOLDED_FACTOR)
        return best * PHRASE_FACTOR


def document_key(dataset: Mapping[str, Any]) -> tuple:
    """What a dataset's document depends on: a rebuild re-reads only datasets whose key changed."""
    return (dataset["id"], dataset.get("updated_at"), dataset.get("latest_version"), dataset.get("org_title"),
            dataset.get("private"))


@dataclass
class Index:
    """An inverted index over the datasets (exact words and folded words) and their facet values."""

    datasets: list[dict]
    documents: list[Document] = field(default_factory=list)
    exact: dict[str, dict[int, float]] = field(default_factory=dict)
    folded: dict[str, dict[int, float]] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)   # sorted folded words, for prefix matching

    @classmethod
    def build(cls, datasets: list[dict], previous: Index | None = None) -> Index:
        """Index ``datasets``, reusing the documents of ``previous`` for datasets that did not change."""
        reusable = {document_key(d): doc for d, doc in zip(previous.datasets, previous.documents, strict=True)} \
            if previous else {}
        index = cls(datasets=datasets)
        for number, dataset in enumerate(datasets):
            document = reusable.get(document_key(dataset)) or Document.of(dataset)
            index.documents.append(document)
            for word, weight in document.exact.items():
                index.exact.setdefault(word, {})[number] = weight
            for word, weight in document.folded.items():
                index.folded.setdefault(word, {})[number] = weight
        index.vocabulary = sorted(index.folded)
        return index

    def prefixed(self, folded_word: str) -> dict[int, float]:
        """Best weight per dataset among the words that start with ``folded_word`` (and are longer)."""
        found: dict[int, float] = {}
        start = bisect.bisect_right(self.vocabulary, folded_word)
        for word in self.vocabulary[start:start + MAX_PREFIX_EXPANSION]:
            if not word.startswith(folded_word):
                break
            for doc, weight in self.folded[word].items():
                found[doc] = max(found.get(doc, 0.0), weight)
        return found

    def score(self, q: str) -> dict[int, float]:
        """Score every dataset matching all words of ``q``; datasets missing a word are left out."""
        query_words = words(q)
        scores: dict[int, float] | None = None
        for word in query_words:
            folded_word = fold(word)
            word_scores: dict[int, float] = {}
            if len(folded_word) >= MIN_PREFIX:
                for doc, weight in self.prefixed(folded_word).items():
                    word_scores[doc] = weight * PREFIX_FACTOR
            for doc, weight in self.folded.get(folded_word, {}).items():
                word_scores[doc] = max(word_scores.get(doc, 0.0), weight * FOLDED_FACTOR)
            for doc, weight in self.exact.get(word, {}).items():
                word_scores[doc] = max(word_scores.get(doc, 0.0), weight * EXACT_FACTOR)
            if scores is None:
                scores = word_scores
            else:
                scores = {doc: s + word_scores[doc] for doc, s in scores.items() if doc in word_scores}
            if not scores:
                return {}
        scores = scores or {}
        if len(query_words) > 1:
            phrase = " ".join(query_words)
            folded_phrase = fold(phrase)
            for doc in scores:
                scores[doc] += self.documents[doc].phrase_bonus(phrase, folded_phrase)
        return scores


def document_fields(dataset: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """The searchable text of a dataset, by field (each field has a weight)."""
    yield "title", dataset.get("title") or ""
    yield "name", dataset.get("name") or ""
    yield "description", dataset.get("description") or ""
    for tag in dataset.get("tags") or []:
        yield "tags", str(tag)
    yield "org", dataset.get("org_title") or ""
    yield "org", dataset.get("org") or ""
    for key in ("spatial_coverage", "temporal_coverage", "source"):
        yield "coverage", str(dataset.get(key) or "")
    for column in (dataset.get("schema") or {}).get("fields") or []:
        if isinstance(column, Mapping):
            for key in ("name", "title", "description"):
                if isinstance(column.get(key), str):
                    yield "columns", column[key]
            # a column's allowed values (e.g. the districts) say what the rows are about
            enum = (column.get("constraints") or {}).get("enum") if isinstance(column.get("constraints"), Mapping) else None
            for value in enum if isinstance(enum, list) else []:
                if isinstance(value, str):
                    yield "values", value


def facet_values(dataset: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs per facet for one dataset."""
    return {
        "organization": [(dataset["org"], dataset.get("org_title") or dataset["org"])] if dataset.get("org") else [],
        "tag": [(t, t) for t in dict.fromkeys(str(t) for t in dataset.get("tags") or [])],
        "format": [(f, f) for f in formats_of(dataset)],
        "license": [(dataset["license"], dataset["license"])] if dataset.get("license") else [],
        "frequency": [(dataset["frequency"], dataset["frequency"])] if dataset.get("frequency") else [],
    }


# -- per-process cache ------------------------------------------------------------------------------------------
_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Index]] = {}


def fingerprint(catalog: Catalog) -> tuple:
    """Changes whenever any process writes metadata: a dataset, a version or an audited change (orgs too)."""
    d, v, a = db.datasets, db.versions, db.audit_log
    query = sa.select(
        sa.select(sa.func.count()).select_from(d).scalar_subquery(),
        sa.select(sa.func.max(d.c.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(v.c.id)).scalar_subquery(),
        sa.select(sa.func.max(a.c.id)).scalar_subquery(),
    )
    with catalog.reader.connect() as conn:
        return tuple(conn.execute(query).one())


def get_index(catalog: Catalog) -> Index:
    """The index for this catalogue, rebuilt when its fingerprint has moved since the last build."""
    mark = fingerprint(catalog)  # read before the datasets: a write in between only causes one more rebuild
    with _lock:
        cached = _cache.get(catalog.url)
        if cached and cached[0] == mark:
            return cached[1]
    index = Index.build(catalog.list_datasets(include_private=True), cached[1] if cached else None)
    with _lock:
        _cache[catalog.url] = (mark, index)
    return index


def invalidate(catalog: Catalog | None = None) -> None:
    """Drop the cached index (the fingerprint makes this unnecessary; kept for tests and tools)."""
    with _lock:
        if catalog is None:
            _cache.clear()
        else:
            _cache.pop(catalog.url, None)


# -- the search -----------------------------------------------------------------------------------------------
def normalize_filters(filters: Mapping[str, Iterable[str] | str] | None) -> dict[str, list[str]]:
    """Canonical facet names, NFC values, empty values dropped; an unknown facet is the caller's mistake."""
    out: dict[str, list[str]] = {}
    for key, values in (filters or {}).items():
        facet = FACET_ALIASES.get(key, key)
        if facet not in FACETS:
            raise InvalidInput(f"unknown search filter {key!r}", hint=f"use one of: {', '.join(FACETS)}")
        if isinstance(values, str):
            values = [values]
        for value in values:
            value = unicodedata.normalize("NFC", str(value)).strip()
            if value and value not in out.setdefault(facet, []):
                out[facet].append(value)
    return {k: v for k, v in out.items() if v}


def _matches(values: dict[str, list[tuple[str, str]]], filters: dict[str, list[str]]) -> bool:
    for facet, wanted in filters.items():
        have = {v.lower() for v, _ in values[facet]} if facet == "format" else {v for v, _ in values[facet]}
        for value in wanted:
            if (value.lower() if facet == "format" else value) not in have:
                return False
    return True


def _check_int(value: Any, name: str, low: int, high: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a whole number, not {value!r}") from None
    if number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidInput(f"{name} must be {bound}, not {number}")
    return number


def search(catalog: Catalog, q: str = "", filters: Mapping[str, Iterable[str] | str] | None = None,
           limit: int = 20, offset: int = 0, sort: str | None = None, *,
           viewer: Viewer = ANONYMOUS, include_private: bool = False) -> dict:
    """Search the active datasets; see the module docstring for the contract."""
    limit = _check_int(limit, "limit", 0, MAX_LIMIT)
    offset = _check_int(offset, "offset", 0)
    q = unicodedata.normalize("NFC", q or "").strip()
    sort = sort or ("relevance" if q else "updated")
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}", hint=f"use one of: {', '.join(SORTS)}")
    wanted = normalize_filters(filters)
    index = get_index(catalog)

    viewer = OPERATOR if include_private else viewer
    scores = index.score(q) if q else {doc: 0.0 for doc in range(len(index.datasets))}
    hits = [doc for doc in scores
            if visible(index.datasets[doc], viewer) and _matches(index.documents[doc].facets, wanted)]

    counters: dict[str, Counter] = {facet: Counter() for facet in FACETS}
    labels: dict[tuple[str, str], str] = {}
    for doc in hits:
        for facet, pairs in index.documents[doc].facets.items():
            for value, label in pairs:
                counters[facet][value] += 1
                labels[(facet, value)] = label
    facets = {
        facet: [{"value": value, "label": labels[(facet, value)], "count": count}
                for value, count in sorted(counter.items(), key=lambda item: (-item[1], fold(item[0])))]
        for facet, counter in counters.items()
    }

    # Stable sorts, least significant key first (ISO stamps sort as text, newest first by reversing).
    data = index.datasets
    hits.sort(key=lambda doc: data[doc]["name"])
    if sort == "title":
        hits.sort(key=lambda doc: (fold(data[doc].get("title") or ""), data[doc].get("title") or ""))
    elif sort in ("updated", "created", "relevance"):
        stamp = "created_at" if sort == "created" else "updated_at"
        hits.sort(key=lambda doc: data[doc].get(stamp) or "", reverse=True)
        if sort == "relevance":
            hits.sort(key=lambda doc: scores[doc], reverse=True)
    results = []
    for doc in hits[offset:offset + limit]:
        dataset = dict(index.datasets[doc])
        dataset["formats"] = formats_of(dataset)
        dataset["score"] = round(scores[doc], 3)
        results.append(dataset)
    return {"count": len(hits), "results": results, "facets": facets}

