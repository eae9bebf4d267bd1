"""The search index on PostgreSQL: two weighted tsvectors per dataset (folded, and exact with tones), GIN-indexed.

Why PostgreSQL's own full-text search: several nodes share the database, so the index must live there, be updated
by the write that changes a dataset, and be read with an index (GIN) rather than held in each process. The vectors
are built here from our own words (``documents.words`` and ``fold``), as ``'word':position+weight`` literals, so
no text-search configuration or dictionary can split or stem a Vietnamese word differently from SQLite; weights
A (title), B (name, tags), C (organisation, columns), D (description, coverage, values) feed ``ts_rank``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, REAL, TSQUERY
from sqlalchemy.engine import Connection

from catalog import db
from catalog.db import SEARCH_FIELDS
from catalog.search.documents import MIN_PREFIX, Document
from catalog.search.synonyms import Slot
from catalog.text import fold

WEIGHT = {"title": "A", "name": "B", "tags": "B", "org": "C", "columns": "C", "description": "D",
          "coverage": "D", "vals": "D", "title_en": "B", "description_en": "D"}  # English: a step below
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]  # D, C, B, A (PostgreSQL's defaults, said out loud)
EXACT_FACTOR = 2.0  # the word matches with its tones
COLLECTION_RANKING = False  # ts_rank reads the document alone: another document never moves its score
GAP = 10  # positions between two values of a field, so a phrase never spans two tags
MAX_POSITION = 16383  # PostgreSQL's limit; later words keep this position


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def vector(document: Document, *, folded: bool) -> str:
    """The tsvector literal of a document: every word with its positions and its field's weight."""
    positions: dict[str, list[str]] = {}
    position = 1
    for field in SEARCH_FIELDS:
        for value in document.exact.get(field, []):
            for word in value:
                key = fold(word) if folded else word
                positions.setdefault(key, []).append(f"{min(position, MAX_POSITION)}{WEIGHT[field]}")
                position += 1
            position += GAP
    return " ".join(f"{_lexeme(word)}:{','.join(places[:256])}" for word, places in positions.items())


def write(conn: Connection, doc_id: int, document: Document, keys: list[str], *, new: bool = False) -> None:
    """Replace the indexed text of document ``doc_id``; its filter and visibility ``keys`` join the folded vector
    as lexemes without positions (no typed word looks like one: ``keys.token``), so a filtered search is one
    GIN query, with no join to the facet rows for every match."""
    s = db.search_documents
    folded = " ".join([vector(document, folded=True), *(_lexeme(key) for key in keys)])
    conn.execute(s.update().where(s.c.id == doc_id).values(
        folded=sa.cast(folded, s.c.folded.type), exact=sa.cast(vector(document, folded=False), s.c.exact.type)))


def delete(conn: Connection, doc_id: int) -> None:
    """Nothing to do: the vectors go with the document row."""


def _term(folded: str, prefix: bool = False) -> str:
    return f"({_lexeme(folded)} | {_lexeme(folded)}:*)" if prefix and len(folded) >= MIN_PREFIX else _lexeme(folded)


def _phrase(words: list[str] | tuple[str, ...]) -> str:
    return "(" + " <-> ".join(_lexeme(w) for w in words) + ")"


def _slot(slot: Slot) -> str:
    """One slot: its typed words (the query's last one also as a prefix), or any of its synonym phrases."""
    last = len(slot.typed) - 1
    alternatives = ["(" + " & ".join(_term(f, slot.last and i == last) for i, (_, f) in enumerate(slot.typed)) + ")"]
    alternatives += [_term(p[0]) if len(p) == 1 else _phrase(p) for p in slot.alternatives]
    return "(" + " | ".join(alternatives) + ")"


def _words(slots: list[Slot], every: bool) -> str:
    return (" & " if every else " | ").join(_slot(slot) for slot in slots)


def _keys(required: list[str], any_of: list[str] | None) -> str:
    terms = [_lexeme(key) for key in required]
    if any_of is not None:
        terms.append("(" + " | ".join(_lexeme(key) for key in any_of) + ")")
    return " & ".join(terms)


def matching(slots: list[Slot], *, every: bool = True, scored: bool = True, floor: int | None = None,
             required: list[str] = (), any_of: list[str] | None = None) -> sa.Subquery:
    """(doc, score) of every document matching the slots (``every=False``: any of them; none: every document)
    that has every ``required`` key and one of ``any_of`` (None: no such condition); a higher score is a better
    match (``scored=False``: score 0, for counting; ``floor``: only documents from this id on)."""
    s = db.search_documents
    words = _words(slots, every) if slots else ""
    keys = _keys(list(required), any_of)
    expression = " & ".join(f"({part})" for part in (words, keys) if part)
    if scored and slots:  # ranked by the words alone: the keys say nothing of relevance
        typed = [pair for slot in slots for pair in slot.typed]
        exact = sa.cast(" | ".join(_lexeme(e) for e, _ in typed), TSQUERY)
        weights = sa.literal(RANK_WEIGHTS, ARRAY(REAL))
        rank = lambda column, q: sa.func.ts_rank(weights, column, q, type_=sa.Float)  # noqa: E731
        score = rank(s.c.folded, sa.cast(words, TSQUERY)) + EXACT_FACTOR * rank(s.c.exact, exact)
    else:
        score = sa.literal(0.0, sa.Float)
    where = [s.c.folded.op("@@")(sa.cast(expression, TSQUERY))] if expression else []
    since = [s.c.id >= floor] if floor is not None else []
    return sa.select(s.c.id.label("doc"), score.label("score")).where(*where, *since).subquery("matching")


def phrase_match(slots: list[Slot], doc: sa.ColumnElement, floor: int | None = None) -> sa.ColumnElement[bool] | None:
    """Whether document ``doc`` has the typed words next to each other, in order (None: a one-word query;
    ``floor``: documents before this id are not asked about)."""
    typed = [f for slot in slots for _, f in slot.typed]
    if len(typed) < 2:
        return None
    s = db.search_documents
    since = [s.c.id >= floor] if floor is not None else []  # the phrase is checked on the caller's rows only
    return doc.in_(sa.select(s.c.id).where(s.c.folded.op("@@")(sa.cast(_phrase(typed), TSQUERY)), *since))
