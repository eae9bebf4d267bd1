"""The search index on SQLite: an FTS5 table with a folded and an exact (tone-keeping) column per field.

Why FTS5: the index lives in the catalogue's own database file, is updated by the write that changes a dataset
(one row), is shared by every process through the file, and ranks with ``bm25()`` and per-column weights, so no
process keeps a copy of the catalogue in memory. An exact match counts twice a folded one (its columns weigh
double), and the query's last word (the one being typed), of 3+ letters, also matches the start of longer words
(``"truon" *``), with one hit less.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog.db import SEARCH_FIELDS
from catalog.search.documents import MIN_PREFIX, Document
from catalog.search.synonyms import Slot

# Field weights: a word in the title says more about a dataset than one in a column description.
WEIGHTS = {"title": 5.0, "name": 3.0, "tags": 3.0, "org": 2.0, "columns": 1.5, "description": 1.0,
           "coverage": 1.0, "vals": 0.5, "title_en": 2.5, "description_en": 0.5}  # English: half the Vietnamese
EXACT_FACTOR = 2.0  # the word matches with its tones
COLLECTION_RANKING = True  # bm25 weighs a word by how many documents have it: a new document shifts every score
FOLDED = "{" + " ".join(f"f_{f}" for f in SEARCH_FIELDS) + "}"
EXACT = "{" + " ".join(f"x_{f}" for f in SEARCH_FIELDS) + "}"
BM25_WEIGHTS = ", ".join([str(WEIGHTS[f]) for f in SEARCH_FIELDS] + [str(WEIGHTS[f] * EXACT_FACTOR) for f in SEARCH_FIELDS]
                         + ["0.0"])  # the keys column: filters, never relevance
_COLUMNS = [f"f_{f}" for f in SEARCH_FIELDS] + [f"x_{f}" for f in SEARCH_FIELDS] + ["keys"]
_INSERT = sa.text(f"INSERT INTO search_fts (rowid, {', '.join(_COLUMNS)}) "
                  f"VALUES (:rowid, {', '.join(':' + c for c in _COLUMNS)})")
_DELETE = sa.text("DELETE FROM search_fts WHERE rowid = :rowid")


def write(conn: Connection, doc_id: int, document: Document, keys: list[str], *, new: bool = False) -> None:
    """Replace the indexed text (and the filter and visibility ``keys``) of document ``doc_id`` (``new``: it has
    none yet)."""
    if not new:
        conn.execute(_DELETE, {"rowid": doc_id})
    values = {f"f_{f}": document.text(f, folded=True) for f in SEARCH_FIELDS}
    values.update({f"x_{f}": document.text(f, folded=False) for f in SEARCH_FIELDS})
    values["keys"] = " ".join(keys)
    conn.execute(_INSERT, {"rowid": doc_id, **values})


def delete(conn: Connection, doc_id: int) -> None:
    conn.execute(_DELETE, {"rowid": doc_id})


def _term(exact: str, folded: str, prefix: bool) -> str:
    # words are letters and digits only (tokens.WORD_RE), so quoting them is all the escaping FTS5 needs
    alternatives = [f'{FOLDED} : "{folded}"', f'{EXACT} : "{exact}"']
    if prefix and len(folded) >= MIN_PREFIX:
        alternatives.append(f'{FOLDED} : "{folded}" *')
    return "(" + " OR ".join(alternatives) + ")"


def _folded_term(_exact: str, folded: str, prefix: bool) -> str:
    """What ``_term`` matches, as one term: the folded word, or any folded word it begins."""
    return f'{FOLDED} : "{folded}"' + (" *" if prefix and len(folded) >= MIN_PREFIX else "")


def _slot(slot: Slot, scored: bool = True) -> str:
    """One slot: its typed words (each exact, folded or as a prefix), or any of its synonym phrases."""
    term = _term if scored else _folded_term
    last = len(slot.typed) - 1
    alternatives = ["(" + " AND ".join(term(exact, folded, slot.last and i == last)
                                       for i, (exact, folded) in enumerate(slot.typed)) + ")"]
    alternatives += [f'{FOLDED} : "{" ".join(p)}"' for p in slot.alternatives]
    return "(" + " OR ".join(alternatives) + ")"


def match_expression(slots: list[Slot], *, every: bool = True, scored: bool = True) -> str:
    """Every slot must match (AND; ``every=False``: any slot, OR); the typed words together, in order, add a
    phrase hit to the score (it matches nothing more). ``scored=False``: the same documents by the cheapest
    expression (folded words only: an exact word is also in the folded columns), for counting."""
    expression = (" AND " if every else " OR ").join(_slot(slot, scored) for slot in slots)
    typed = [pair for slot in slots for pair in slot.typed]
    if len(typed) > 1 and scored:
        expression = (f'({expression}) OR {FOLDED} : "{" ".join(f for _, f in typed)}"'
                      f' OR {EXACT} : "{" ".join(e for e, _ in typed)}"')
    return expression


def _keys(required: list[str], any_of: list[str] | None) -> str:
    terms = [f'keys : "{t}"' for t in required]
    if any_of is not None:
        terms.append("(" + " OR ".join(f'keys : "{t}"' for t in any_of) + ")")
    return " AND ".join(terms)


def matching(slots: list[Slot], *, every: bool = True, scored: bool = True, floor: int | None = None,
             required: list[str] = (), any_of: list[str] | None = None) -> sa.Subquery:
    """(doc, score) of every document matching the slots (none: every document) that has every ``required`` key
    and one of ``any_of`` (None: no such condition); a higher score is a better match. ``scored=False``: score
    0, for counting, which spares bm25 on every match; ``floor``: only documents from this id on."""
    words = match_expression(slots, every=every, scored=scored) if slots else ""
    keys = _keys(list(required), any_of)
    expression = " AND ".join(part if part == keys else f"({part})" for part in (words, keys) if part)
    score = f"-bm25(search_fts, {BM25_WEIGHTS})" if scored and slots else "0.0"
    where = ["search_fts MATCH :expression"] if expression else []
    if floor is not None:
        where.append("rowid >= :floor")
    query = sa.text(f"SELECT rowid AS doc, {score} AS score FROM search_fts"
                    + (" WHERE " + " AND ".join(where) if where else ""))
    if expression:
        query = query.bindparams(expression=expression)
    if floor is not None:
        query = query.bindparams(floor=floor)
    return query.columns(sa.column("doc", sa.Integer), sa.column("score", sa.Float)).subquery("matching")


def phrase_match(slots: list[Slot], doc: sa.ColumnElement, floor: int | None = None) -> sa.ColumnElement[bool] | None:
    """Whether document ``doc`` has the typed words next to each other, in order (None: a one-word query;
    ``floor``: documents before this id are not asked about)."""
    typed = [f for slot in slots for _, f in slot.typed]
    if len(typed) < 2:
        return None
    since = " AND rowid >= :phrase_floor" if floor is not None else ""
    phrase = sa.text("SELECT rowid FROM search_fts WHERE search_fts MATCH :phrase" + since).bindparams(
        phrase=f'{FOLDED} : "{" ".join(typed)}"')
    if floor is not None:
        phrase = phrase.bindparams(phrase_floor=floor)
    return doc.in_(phrase.columns(sa.column("rowid", sa.Integer)))
