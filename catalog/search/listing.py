"""Lists over the active datasets a viewer may see, answered by the search index's tables with SQL and LIMIT.

Why: CKAN's read actions (``package_list``, ``tag_list``, the autocompletes, organisation counts) used to read
every active dataset into each request and filter in Python: time and memory linear in the catalogue, per
request. ``search_documents`` holds one row per active dataset with its visibility and the columns these lists
sort on, and ``search_facets`` its tags and formats, so each list is one indexed query that returns only what is
asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from catalog import db
from catalog.text import fold
from catalog.visibility import Viewer, sql_filter

if TYPE_CHECKING:
    from catalog.metadata import Catalog


CHUNK = 500  # ids per query (SQLite binds at most 32,766 values in one statement)


def datasets(catalog: Catalog, ids: list[str]) -> list[dict]:
    """The datasets with these ids, in this order (those that no longer exist left out)."""
    found: dict[str, dict] = {}
    for start in range(0, len(ids), CHUNK):
        found.update(catalog.datasets_by_id(ids[start:start + CHUNK]))
    return [found[i] for i in ids if i in found]


def resource_owners(catalog: Catalog, resource_id: str) -> list[dict]:
    """The active datasets whose resources may include ``resource_id`` (usually one or none), most recently
    updated first: the index's ``resource_lookup``, so a resource is found without reading every dataset."""
    r = db.resource_lookup
    with catalog.reader.connect() as conn:
        ids = list(conn.execute(sa.select(r.c.dataset_id).where(r.c.id == resource_id)).scalars())
    found = [d for d in catalog.datasets_by_id(ids).values() if d["state"] == "active"]
    return sorted(sorted(found, key=lambda d: d["name"]), key=lambda d: d["updated_at"], reverse=True)


def names(catalog: Catalog, viewer: Viewer, limit: int | None = None, offset: int = 0) -> list[str]:
    """Names of the visible active datasets, sorted."""
    s = db.search_documents
    query = sa.select(s.c.name).where(sql_filter(viewer, s)).order_by(s.c.name).offset(offset)
    with catalog.reader.connect() as conn:
        return list(conn.execute(query.limit(limit) if limit is not None else query).scalars())


def newest(catalog: Catalog, viewer: Viewer, limit: int, offset: int = 0, org_id: str | None = None) -> list[dict]:
    """The visible active datasets, most recently modified first (of one organisation when ``org_id``)."""
    s = db.search_documents
    query = sa.select(s.c.dataset_id).where(sql_filter(viewer, s))
    if org_id is not None:
        query = query.where(s.c.org_id == org_id)
    query = query.order_by(s.c.updated_at.desc(), s.c.name.desc()).limit(limit).offset(offset)
    with catalog.reader.connect() as conn:
        ids = list(conn.execute(query).scalars())
    found = catalog.datasets_by_id(ids)
    return [found[i] for i in ids if i in found]


def org_counts(catalog: Catalog, viewer: Viewer) -> dict[str, int]:
    """{organisation name: its visible active datasets}."""
    s, o = db.search_documents, db.organizations
    query = (sa.select(o.c.name, sa.func.count()).select_from(s.join(o, o.c.id == s.c.org_id))
             .where(sql_filter(viewer, s)).group_by(o.c.name))
    with catalog.reader.connect() as conn:
        return {name: count for name, count in conn.execute(query)}


def facet_values(catalog: Catalog, viewer: Viewer, facet: str) -> dict[str, int]:
    """{value: visible datasets with it} of one facet (``tag``, ``format``, ...)."""
    s, f = db.search_documents, db.search_facets
    query = (sa.select(f.c.value, sa.func.count()).select_from(f.join(s, s.c.dataset_id == f.c.dataset_id))
             .where(f.c.facet == facet, sql_filter(viewer, s)).group_by(f.c.value))
    with catalog.reader.connect() as conn:
        return {value: count for value, count in conn.execute(query)}


def autocomplete(catalog: Catalog, viewer: Viewer, typed: str, limit: int) -> list[tuple[int, str, str]]:
    """(0 name match | 1 title match, name, title) of the visible datasets whose name starts with ``typed`` or
    whose title (folded) or one of its words does; name matches first, then by name."""
    s = db.search_documents
    typed = fold(typed).strip()
    if not typed:
        return []
    pattern = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    title_match = (s.c.sort_title.like(pattern + "%", escape="\\")
                   | s.c.sort_title.like("% " + pattern + "%", escape="\\"))
    name_match = s.c.name.like(pattern + "%", escape="\\")
    kind = sa.case((name_match, 0), else_=1)
    query = (sa.select(kind, s.c.name, s.c.title).where(sql_filter(viewer, s), name_match | title_match)
             .order_by(kind, s.c.name).limit(limit))
    with catalog.reader.connect() as conn:
        return [(k, name, title or name) for k, name, title in conn.execute(query)]


# -- CKAN package_search without free text: the index narrows, so only the datasets that may match are read -------
TERM_FIELDS = ("id", "name", "organization", "owner_org", "tags")  # fields whose exact values the index holds
ORDER_COLUMNS = {"metadata_modified": "updated_at", "metadata_created": "created_at", "name": "name",
                 "id": "dataset_id"}  # CKAN sort keys the index's columns order exactly as the documents do


def _term(field: str, value: str) -> sa.ColumnElement[bool]:
    """Datasets whose ``field`` equals ``value`` ignoring case (``value`` already case-folded, ASCII)."""
    s, o, f = db.search_documents, db.organizations, db.search_facets
    if field == "tags":
        return s.c.dataset_id.in_(sa.select(f.c.dataset_id).where(f.c.facet == "tag", sa.func.lower(f.c.value) == value))
    if field == "organization":
        return s.c.org_id.in_(sa.select(o.c.id).where(sa.func.lower(o.c.name) == value))
    column = {"id": s.c.dataset_id, "name": s.c.name, "owner_org": s.c.org_id}[field]
    return sa.func.lower(column) == value


def _selected(viewer: Viewer, terms: list[tuple[str, str]]) -> list[sa.ColumnElement[bool]]:
    return [sql_filter(viewer, db.search_documents), *(_term(field, value) for field, value in terms)]


def matching_ids(catalog: Catalog, viewer: Viewer, terms: list[tuple[str, str]] = (), *,
                 order: list[tuple[str, bool]] = (), limit: int | None = None, offset: int = 0) -> list[str]:
    """Ids of the visible active datasets having every (field, value) of ``terms`` (``TERM_FIELDS``; the value
    case-folded and ASCII), ordered by ``order`` ((CKAN sort key of ``ORDER_COLUMNS``, descending) pairs), then
    by name, as package_search orders them; a page of them with ``limit`` and ``offset``."""
    s = db.search_documents
    bytewise = catalog.reader.dialect.name == "postgresql"  # Python compares code points: PostgreSQL's "C" does
    keys = [getattr(s.c, ORDER_COLUMNS[key]) for key, _ in order] + [s.c.name]
    keys = [key.collate("C") if bytewise else key for key in keys]
    ordering = [key.desc() if descending else key.asc() for key, (_, descending) in zip(keys, [*order, ("", False)],
                                                                                          strict=True)]
    query = sa.select(s.c.dataset_id).where(*_selected(viewer, list(terms))).order_by(*ordering)
    query = query.offset(offset) if offset else query
    with catalog.reader.connect() as conn:
        return list(conn.execute(query.limit(limit) if limit is not None else query).scalars())


def count(catalog: Catalog, viewer: Viewer, terms: list[tuple[str, str]] = ()) -> int:
    """How many visible active datasets have every (field, value) of ``terms``."""
    query = sa.select(sa.func.count()).select_from(db.search_documents).where(*_selected(viewer, list(terms)))
    with catalog.reader.connect() as conn:
        return conn.execute(query).scalar_one()
