"""One search's count, facets and page, computed by the database with bounded work for broad queries.

Why bounded: a word like "giao thông" is in a third of a national catalogue. Ranking every match and counting the
facets of every match made such queries cost time linear in the catalogue (near a second at 50,000 datasets).
Here the matches are counted without ranking them (the full-text index counts cheaply), and when there are more
than ``WINDOW``, only the ``WINDOW`` most recently indexed matches are ranked (bm25 / ts_rank inside the full-text
query, restricted by document id) and give the facet counts, which are then lower bounds ("≥ n", ``at_least``).
A word in thousands of datasets says little about which of them is wanted; the newest are the likeliest.

Everything a search filters and sorts on is copied into ``search_documents`` (visibility, organisation, name,
title, dates), so no query joins the datasets table for every match; only the page's datasets are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog import db
from catalog.i18n import collate
from catalog.search import keys
from catalog.search.documents import FACETS, facet_key
from catalog.search.index import backend
from catalog.search.synonyms import Slot
from catalog.visibility import Viewer, sql_filter

WINDOW = 1000  # matches beyond this many: rank and count facets over the newest this many


@dataclass
class Answer:
    """One search's count, facets and page rows (id, score)."""

    count: int = 0
    facets: dict[str, list[dict]] = field(default_factory=lambda: {facet: [] for facet in FACETS})
    page: list = field(default_factory=list)


def hits(conn: Connection, slots: list[Slot], wanted: dict[str, list[str]], viewer: Viewer, *,
         every: bool = True, scored: bool = True, floor: int | None = None, index: bool = True) -> sa.Select:
    """The visible active datasets matching the slots (all; ``every=False``: any) and every filter: (id, doc,
    score, phrase, and what sorts need). ``scored=False`` skips ranking; ``floor``: documents from this id on;
    ``index=False`` without words: read the documents table (its date index serves "newest first" pages)."""
    s, f = db.search_documents, db.search_facets
    engine = backend(conn)
    conditions: list = [s.c.id >= floor] if floor is not None else []
    phrase = None
    if slots or index:  # filters and visibility are terms of the full-text match (catalog/search/keys.py)
        matching = engine.matching(slots, every=every, scored=scored, floor=floor, required=keys.of_filters(wanted),
                                   any_of=keys.of_viewer(conn, viewer))
        source, score = matching.join(s, s.c.id == matching.c.doc), matching.c.score
    else:  # the newest first without words: the documents' date index, filters as conditions on the rows
        conditions += [sql_filter(viewer, s), *(
            s.c.dataset_id.in_(sa.select(f.c.dataset_id).where(f.c.facet == facet, f.c.key == facet_key(facet, value)))
            for facet, values in wanted.items() for value in values)]
        source, score = s, sa.literal(0.0, sa.Float)
    if slots and scored:
        phrase = engine.phrase_match(slots, s.c.id, floor)
    phrase_flag = sa.case((phrase, 1), else_=0) if phrase is not None else sa.literal(0, sa.Integer)
    return (sa.select(s.c.dataset_id.label("id"), s.c.id.label("doc"), score.label("score"),
                      phrase_flag.label("phrase"), s.c.name, s.c.title, s.c.updated_at, s.c.created_at,
                      s.c.sort_title, s.c.title_key)
            .select_from(source).where(*conditions))


def order(found: sa.Subquery, sort: str) -> list:
    c = found.c
    if sort == "name":
        return [c.name]
    if sort == "title":  # Vietnamese order ("Ba Đình" before "Ba Vì") by the stored ICU key; equal titles by name
        return [c.title_key, c.name]
    stamp = c.created_at if sort == "created" else c.updated_at
    # relevance: the typed words side by side ("không khí") before the same words apart ("không phải ... khí")
    return ([c.phrase.desc(), c.score.desc()] if sort == "relevance" else []) + [stamp.desc(), c.name]


def facet_counts(conn: Connection, ids: sa.Select, *, at_least: bool = False) -> dict[str, list[dict]]:
    """Counts of each facet value over the datasets ``ids`` selects, most frequent first (``at_least``: they are
    part of the matches, so each count is a lower bound, shown as "≥ n")."""
    f = db.search_facets
    query = (sa.select(f.c.facet, f.c.value, sa.func.max(f.c.label), sa.func.count())
             .where(f.c.dataset_id.in_(ids)).group_by(f.c.facet, f.c.value))
    facets: dict[str, list[dict]] = {facet: [] for facet in FACETS}
    for facet, value, label, count in conn.execute(query):
        if facet in facets:
            item = {"value": value, "label": label, "count": count}
            facets[facet].append({**item, "at_least": True} if at_least else item)
    # most frequent first; equal counts in Vietnamese order of their labels ("Ba Đình" before "Ba Vì"): one
    # collation for every facet's items (each ``collate`` is a DuckDB query, and this runs on every search)
    ordered = collate([(facet, item) for facet, items in facets.items() for item in items],
                      key=lambda pair: pair[1]["label"] or pair[1]["value"])
    grouped: dict[str, list[dict]] = {facet: [] for facet in facets}
    for facet, item in ordered:
        grouped[facet].append(item)
    return {facet: sorted(items, key=lambda item: -item["count"]) for facet, items in grouped.items()}


def _bare(conn: Connection, slots: list[Slot], wanted: dict[str, list[str]], viewer: Viewer,
          every: bool) -> sa.Subquery:
    """The matching document ids, from the full-text index alone: it holds the filters and visibility (nothing
    joined). Without words or filters, from the documents' visibility index instead: every visible document
    matches, and a b-tree counts them without reading each one (PostgreSQL's GIN cannot)."""
    if not slots and not wanted:
        s = db.search_documents
        return sa.select(s.c.id.label("doc")).where(sql_filter(viewer, s)).subquery("bare")
    return backend(conn).matching(slots, every=every, scored=False, required=keys.of_filters(wanted),
                                  any_of=keys.of_viewer(conn, viewer))


def _floor(conn: Connection, bare: sa.Subquery, size: int) -> int | None:
    """The smallest document id among the ``size`` newest matches (document ids grow as datasets are created);
    None when there are fewer."""
    return conn.execute(sa.select(bare.c.doc).order_by(bare.c.doc.desc()).limit(1).offset(size - 1)).scalar()


def answer(conn: Connection, slots: list[Slot], wanted: dict[str, list[str]], viewer: Viewer, sort: str,
           limit: int, offset: int, *, every: bool = True) -> Answer:
    """Count, facets and the page (``sort`` "quality": every match, unordered, for the caller to rank)."""
    bare = _bare(conn, slots, wanted, viewer, every)
    count = conn.execute(sa.select(sa.func.count()).select_from(bare)).scalar_one()
    if count == 0:
        return Answer()
    window = max(WINDOW, offset + limit)
    ranked = bool(slots) and sort == "relevance"
    floor = _floor(conn, bare, window) if count > window and (ranked or not slots) else None
    counted = hits(conn, slots, wanted, viewer, every=every, scored=False).subquery("counted")
    if count <= WINDOW:
        facets = facet_counts(conn, sa.select(counted.c.id))
    elif floor is not None:
        sample = hits(conn, slots, wanted, viewer, every=every, scored=False, floor=floor).subquery("sample")
        facets = facet_counts(conn, sa.select(sample.c.id), at_least=True)
    else:
        newest = sa.select(counted.c.id).order_by(counted.c.doc.desc()).limit(WINDOW)
        facets = facet_counts(conn, newest, at_least=True)
    found = hits(conn, slots, wanted, viewer, every=every, scored=ranked, floor=floor if ranked else None,
                 index=False).subquery("found")
    if sort == "quality":
        return Answer(count, facets, conn.execute(sa.select(found.c.id, found.c.score)).all())
    page = conn.execute(sa.select(found.c.id, (found.c.score + found.c.phrase).label("score"))
                        .order_by(*order(found, sort)).limit(limit).offset(offset)).all()
    return Answer(count, facets, page)
