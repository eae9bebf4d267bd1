"""What the search index holds for one dataset: its words by field (exact and folded) and its facet values.

Why apart from the index: the same document feeds SQLite's FTS5 table and PostgreSQL's tsvectors, and the write
path builds it from one dataset row, so the rules for which text counts (title, tags, the organisation, the
columns' names and allowed values, ...) are written once, here, with no SQL and no knowledge of the dialect.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from catalog.search.synonyms import Vocabulary, phrase, vocabulary
from catalog.search.tokens import words
from catalog.text import fold

# Download formats every tabular version is served in (see web/views/downloads.py).
TABULAR_FORMATS = ("CSV", "JSON", "Parquet", "XLSX")
FACETS = ("organization", "tag", "format", "license", "frequency", "area")
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


def without_boilerplate(text: str, vocab: Vocabulary) -> str:
    """The text without its sentences that contain a boilerplate phrase (disclaimers repeated everywhere)."""
    if not vocab.boilerplate:
        return text
    kept = []
    for sentence in SENTENCE_END.split(text):
        folded = " " + " ".join(phrase(sentence)) + " "
        if not any(f" {' '.join(p)} " in folded for p in vocab.boilerplate):
            kept.append(sentence)
    return " ".join(kept)


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


def document_fields(dataset: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """The searchable text of a dataset, by field (``catalog.db.SEARCH_FIELDS``; each field has a weight)."""
    yield "title", dataset.get("title") or ""
    yield "name", dataset.get("name") or ""
    yield "description", without_boilerplate(dataset.get("description") or "", vocabulary())
    labels = dataset.get("tag_labels") or {}
    for tag in dataset.get("tags") or []:
        yield "tags", str(tag)
        for label in (labels.get(tag) or {}).values():  # "Môi trường", "Environment"
            yield "tags", label
    yield "org", dataset.get("org_title") or ""
    yield "org", dataset.get("org_title_en") or ""
    yield "org", dataset.get("org") or ""
    # English, optional, weighs less than the Vietnamese it translates (catalog/search/sqlite_fts.py WEIGHTS)
    yield "title_en", dataset.get("title_en") or ""
    yield "description_en", without_boilerplate(dataset.get("description_en") or "", vocabulary())
    for key in ("spatial_coverage", "temporal_coverage", "source"):
        yield "coverage", str(dataset.get(key) or "")
    for column in (dataset.get("schema") or {}).get("fields") or []:
        if isinstance(column, Mapping):
            # (fields' English titles are shown, not indexed: a long column text lowers every match's score)
            for key in ("name", "title", "description"):
                if isinstance(column.get(key), str):
                    yield "columns", column[key]
            # a column's allowed values (e.g. the districts) say what the rows are about
            constraints = column.get("constraints")
            enum = constraints.get("enum") if isinstance(constraints, Mapping) else None
            for value in enum if isinstance(enum, list) else []:
                if isinstance(value, str):
                    yield "vals", value
    for _field, value, _place in dataset.get("values") or []:  # what the rows hold (catalog/search/values.py)
        yield "vals", value


def facet_values(dataset: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs per facet for one dataset."""
    return {
        "organization": [(dataset["org"], dataset.get("org_title") or dataset["org"])] if dataset.get("org") else [],
        "tag": [(t, ((dataset.get("tag_labels") or {}).get(t) or {}).get("title") or t)
                for t in dict.fromkeys(str(t) for t in dataset.get("tags") or [])],
        "format": [(f, f) for f in formats_of(dataset)],
        "license": [(dataset["license"], dataset["license"])] if dataset.get("license") else [],
        "frequency": [(dataset["frequency"], dataset["frequency"])] if dataset.get("frequency") else [],
        "area": [(v, v) for v in dict.fromkeys(value for _f, value, place in dataset.get("values") or [] if place)],
    }


def facet_key(facet: str, value: str) -> str:
    """What a filter value is compared as: format names ignore case (``csv`` = ``CSV``), the others do not."""
    value = unicodedata.normalize("NFC", value)
    return value.lower() if facet == "format" else value


@dataclass(frozen=True)
class Document:
    """One dataset's words per field, in order (``exact``: lowercase with tones; ``folded``: without)."""

    exact: dict[str, list[list[str]]]   # field -> one word list per value (a tag, a column title, ...)
    sort_title: str
    facets: dict[str, list[tuple[str, str]]]

    @classmethod
    def of(cls, dataset: Mapping[str, Any]) -> Document:
        exact: dict[str, list[list[str]]] = {}
        for field, text in document_fields(dataset):
            found = words(text)
            if found:
                exact.setdefault(field, []).append(found)
        return cls(exact, fold(dataset.get("title") or ""), facet_values(dataset))

    def text(self, field: str, *, folded: bool) -> str:
        """The field's words as one space-separated string (folded or exact)."""
        values = self.exact.get(field, [])
        return " ".join(fold(w) if folded else w for value in values for w in value)


MIN_PREFIX = 3  # shorter words only match whole words ("da" must not match "dang", "dau", ...)


def query_words(q: str) -> list[tuple[str, str]]:
    """(exact, folded) for each word of a query, duplicates dropped: what both index dialects match."""
    return list(dict.fromkeys((word, fold(word)) for word in words(q)))
