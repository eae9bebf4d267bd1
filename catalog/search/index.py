"""Keeping the search index current: the write that changes a dataset re-indexes that dataset, in its transaction.

Why here and called from the write path (``catalog/metadata.py``): an index that follows the metadata by being
rebuilt cost time linear in the catalogue after every write and a copy of it in every process. Now each write
touches one document (an organisation's new title touches that organisation's datasets), so the cost of a write
does not grow with the catalogue, and a reader sees the index and the metadata of the same commit.

This module is also the one place that chooses the index's dialect (``backend``): SQLite's FTS5 or PostgreSQL's
full-text search; the table definitions and their migration are in ``catalog/db.py``.
"""

from __future__ import annotations

import secrets
from types import ModuleType

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog import db, tags
from catalog.ckan.shapes import resource_ids
from catalog.i18n import sort_keys
from catalog.search import keys as search_keys
from catalog.search import postgres_fts, sqlite_fts, values
from catalog.search.documents import Document, facet_key

LOG_KEEP = 256  # changes kept in the log (at least this many; a cached answer further behind is computed again)
CHUNK = 500  # datasets re-indexed per query (a rebuild must not bind 100,000 ids at once)


def backend(conn: Connection) -> ModuleType:
    """The index's dialect: ``write``, ``delete`` and ``matching`` for this connection's database."""
    return postgres_fts if conn.dialect.name == "postgresql" else sqlite_fts


def _dataset_rows(conn: Connection, where: sa.ColumnElement[bool]) -> list[dict]:
    """The fields a document is made of, for the datasets ``where`` selects."""
    d, o, v = db.datasets, db.organizations, db.versions
    has_version = sa.exists().where(v.c.dataset_id == d.c.id)
    query = (sa.select(d, o.c.name.label("org"), o.c.title.label("org_title"), o.c.title_en.label("org_title_en"),
                       has_version.label("has_version")).join(o, o.c.id == d.c.org_id).where(where))
    rows = []
    for row in conn.execute(query):
        data = dict(row._mapping)
        data["latest_version"] = 1 if data.pop("has_version") else None  # formats only ask "any version?"
        rows.append(data)
    found = values.of_datasets(conn, [data["id"] for data in rows if data["latest_version"]])
    labels = tags.labels(conn, [tag for data in rows for tag in data.get("tags") or []])
    for data in rows:
        data["values"] = found.get(data["id"], [])
        data["tag_labels"] = labels
    return rows


def _write(conn: Connection, dataset: dict, doc_id: int | None, title_key: str) -> int:
    """Write ``dataset``'s document: a new one when ``doc_id`` is None (nothing of it is indexed yet)."""
    s, f = db.search_documents, db.search_facets
    document = Document.of(dataset)
    columns = {"sort_title": document.sort_title, "title_key": title_key, "private": bool(dataset.get("private")),
               **{key: dataset.get(key) for key in ("org_id", "name", "title", "updated_at", "created_at")}}
    new = doc_id is None
    if new:
        doc_id = conn.execute(s.insert().values(dataset_id=dataset["id"], **columns).returning(s.c.id)).scalar_one()
    else:
        conn.execute(s.update().where(s.c.id == doc_id).values(**columns))
    backend(conn).write(conn, doc_id, document, search_keys.of_dataset(dataset, document.facets), new=new)
    rows = [{"dataset_id": dataset["id"], "facet": facet, "value": value, "key": facet_key(facet, value),
             "label": label} for facet, pairs in document.facets.items() for value, label in pairs]
    if rows:
        conn.execute(f.insert(), rows)
    resources = [{"id": rid, "dataset_id": dataset["id"]} for rid in resource_ids(dataset)]
    if resources:
        conn.execute(db.resource_lookup.insert(), resources)
    return doc_id


def _remove(conn: Connection, dataset_id: str, doc_id: int | None) -> None:
    s, f, r = db.search_documents, db.search_facets, db.resource_lookup
    conn.execute(f.delete().where(f.c.dataset_id == dataset_id))
    conn.execute(r.delete().where(r.c.dataset_id == dataset_id))
    if doc_id is not None:
        backend(conn).delete(conn, doc_id)
        conn.execute(s.delete().where(s.c.id == doc_id))


def refresh(conn: Connection, where: sa.ColumnElement[bool]) -> int:
    """Re-index the datasets ``where`` selects (on ``db.datasets``), inside the caller's transaction: an active
    dataset gets its current document, a deleted one leaves the index. Returns how many were touched."""
    s = db.search_documents
    selected = [row.id for row in conn.execute(sa.select(db.datasets.c.id).where(where))]
    for start in range(0, len(selected), CHUNK):
        datasets = _dataset_rows(conn, db.datasets.c.id.in_(selected[start:start + CHUNK]))
        ids = [dataset["id"] for dataset in datasets]
        docs = {row.dataset_id: row.id for row in conn.execute(
            sa.select(s.c.dataset_id, s.c.id).where(s.c.dataset_id.in_(ids)))} if ids else {}
        title_keys = sort_keys([dataset["title"] for dataset in datasets])
        for dataset, title_key in zip(datasets, title_keys, strict=True):
            _remove(conn, dataset["id"], docs.get(dataset["id"]) if dataset["state"] != "active" else None)
            if dataset["state"] == "active":
                _write(conn, dataset, docs.get(dataset["id"]), title_key)
    if selected:
        bump(conn)
    return len(selected)


def bump(conn: Connection, created: int | None = None) -> None:
    """Increase the index's change serial (in the caller's transaction) and log the change: ``created``, the
    document a create added (a cached answer that does not match it stays valid), or None for any other change
    (every older cached answer goes; ``catalog/search/changes.py``)."""
    t, c = db.search_state, db.search_changes
    now = conn.execute(t.update().where(t.c.id == 1).values(serial=t.c.serial + 1).returning(t.c.serial)).scalar()
    if now is None:
        # a random start: a database dropped and made again under the same URL never reuses a cached serial
        now = secrets.randbelow(2**30) + 1
        conn.execute(t.insert().values(id=1, serial=now))
    conn.execute(c.insert().values(serial=now, created_doc=created))
    if now % LOG_KEEP == 0:  # now and then, the log forgets what no cached answer can still ask about
        conn.execute(c.delete().where(c.c.serial <= now - LOG_KEEP))


def serial(conn: Connection) -> int:
    """The index's change serial as this connection sees it."""
    t = db.search_state
    return conn.execute(sa.select(t.c.serial).where(t.c.id == 1)).scalar() or 0


def refresh_dataset(conn: Connection, name: str) -> None:
    """Re-index one dataset (by name): what every dataset write calls."""
    refresh(conn, db.datasets.c.name == name)


def index_created(conn: Connection, dataset_id: str, title_key: str | None = None) -> None:
    """Index a dataset created in this transaction: what ``refresh_dataset`` does, without looking for the
    document and facets it cannot have yet (a create is the most frequent write of a harvesting portal);
    ``title_key``: the title's sort key, when the caller computed it before taking the write lock."""
    for dataset in _dataset_rows(conn, db.datasets.c.id == dataset_id):
        key = title_key if title_key is not None else sort_keys([dataset["title"]])[0]
        bump(conn, created=_write(conn, dataset, None, key))


def index_keys(conn: Connection) -> None:
    """The data step of ``db.SEARCH_KEYS_MIGRATION``: on PostgreSQL, every document again, its vector now holding
    its filter and visibility keys (SQLite's full-text table has held them since ``db.SEARCH_VALUES_MIGRATION``)."""
    if conn.dialect.name == "postgresql":
        rebuild(conn)


def fill_resource_lookup(conn: Connection) -> None:
    """The data step of ``db.RESOURCE_LOOKUP_MIGRATION``: the resource ids of every active dataset, from scratch
    (a re-index run by an earlier data step of the same upgrade has already written some)."""
    conn.execute(db.resource_lookup.delete())
    active = [row.id for row in conn.execute(sa.select(db.datasets.c.id).where(db.datasets.c.state == "active"))]
    for start in range(0, len(active), CHUNK):
        rows = [{"id": rid, "dataset_id": dataset["id"]}
                for dataset in _dataset_rows(conn, db.datasets.c.id.in_(active[start:start + CHUNK]))
                for rid in resource_ids(dataset)]
        if rows:
            conn.execute(db.resource_lookup.insert(), rows)


def fill_title_keys(conn: Connection) -> None:
    """The data step of ``db.TITLE_KEY_MIGRATION``: the sort key of every indexed title, a chunk at a time."""
    s = db.search_documents
    rows = conn.execute(sa.select(s.c.id, s.c.title).order_by(s.c.id)).all()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        keys = sort_keys([row.title or "" for row in chunk])
        conn.execute(s.update().where(s.c.id == sa.bindparam("doc")).values(title_key=sa.bindparam("key")),
                     [{"doc": row.id, "key": key} for row, key in zip(chunk, keys, strict=True)])


def refresh_org(conn: Connection, org_id: str) -> None:
    """Re-index an organisation's datasets: its title is part of each of their documents."""
    refresh(conn, db.datasets.c.org_id == org_id)


def rebuild(conn: Connection) -> int:
    """Index every dataset from scratch (the migration that creates the index; ``opendata`` repair tools)."""
    s, f = db.search_documents, db.search_facets
    for (doc_id,) in conn.execute(sa.select(s.c.id)).all():
        backend(conn).delete(conn, doc_id)
    conn.execute(f.delete())
    conn.execute(s.delete())
    conn.execute(db.resource_lookup.delete())
    return refresh(conn, sa.true())


def document_count(conn: Connection) -> int:
    """How many datasets the index holds (one document each)."""
    return conn.execute(sa.select(sa.func.count()).select_from(db.search_documents)).scalar_one()

