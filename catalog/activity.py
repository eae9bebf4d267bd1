"""The activity stream: what changed in the catalogue, read from the audit log, safe to show to anyone.

Why from the audit log: every publish, metadata update, deletion and organisation change already writes an audit
entry in the same transaction as the change, so the stream can neither miss a change nor show one that did not
commit. Why a module of its own: the audit log also holds what must not leave the server (client addresses,
token prefixes, membership changes); this module decides what of it is public: a short list of actions, a
whitelist of fields per action, and the visibility rule of ``catalog/visibility.py`` (a private dataset's
activity exists only for those who may see the dataset).

Paging uses the audit row id as the cursor: ids only grow, and the stream is newest first, so a page is
"entries older than the cursor" and changes published while a client pages never shift or repeat its pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from catalog import db
from catalog.jobs import Database
from catalog.visibility import Viewer, sql_filter

DATASET_ACTIONS = ("publish", "dataset.create", "dataset.update")
ORG_ACTIONS = ("org.create", "org.update")
PUBLIC_FIELDS = ("title", "description", "license", "tags", "frequency", "source", "temporal_coverage",
                 "spatial_coverage", "private", "state", "schema_name")  # metadata changes worth naming
MAX_LIMIT = 500


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # ISO UTC lower bound on the time
    org: str | None = None  # an organisation's name
    dataset: str | None = None  # a dataset's name
    before: int | None = None  # the cursor: entries with a smaller id
    offset: int = 0  # CKAN's paging (the REST API uses the cursor)
    limit: int = 50
    datasets_only: bool = False


def _kind(action: str, detail: dict) -> str:
    if action == "publish":
        return "dataset.version_published"
    if action == "dataset.create":
        return "dataset.created"
    if action == "dataset.update":
        return "dataset.deleted" if detail.get("state") == "deleted" else "dataset.updated"
    return "organization.created" if action == "org.create" else "organization.updated"


def _query(viewer: Viewer, f: Filters) -> sa.Select:
    a, d, o = db.audit_log, db.datasets, db.organizations
    actions = DATASET_ACTIONS if f.datasets_only else DATASET_ACTIONS + ORG_ACTIONS
    query = (sa.select(a.c.id, a.c.at, a.c.actor, a.c.action, a.c.dataset, a.c.target, a.c.detail,
                       d.c.id.label("dataset_id"), o.c.name.label("dataset_org"))
             .select_from(a.outerjoin(d, d.c.name == a.c.dataset).outerjoin(o, o.c.id == d.c.org_id))
             .where(a.c.action.in_(actions))
             .where(sa.or_(a.c.action.in_(ORG_ACTIONS), d.c.id.is_not(None) & sql_filter(viewer)))
             .order_by(a.c.id.desc()))
    if f.since:
        query = query.where(a.c.at >= f.since)
    if f.dataset:
        query = query.where(a.c.dataset == f.dataset)
    if f.org:
        query = query.where(sa.or_(o.c.name == f.org, a.c.action.in_(ORG_ACTIONS) & (a.c.target == f.org)))
    if f.before is not None:
        query = query.where(a.c.id < f.before)
    return query.offset(f.offset).limit(min(f.limit, MAX_LIMIT) + 1)


def _entry(row: Any) -> dict:
    detail = dict(row.detail or {})
    kind = _kind(row.action, detail)
    entry: dict[str, Any] = {"id": row.id, "at": row.at, "type": kind, "actor": row.actor}
    if row.action in ORG_ACTIONS:
        entry.update(org=row.target, title=detail.get("title"))
        return entry
    entry.update(dataset=row.dataset, dataset_id=row.dataset_id, org=row.dataset_org)
    if row.action == "publish":
        version = row.target.rpartition("@")[2]
        entry.update(version=int(version) if version.isdigit() else None, rows=detail.get("rows"))
    else:
        entry["changed"] = sorted(k for k in detail if k in PUBLIC_FIELDS)
        if "title" in detail:
            entry["title"] = detail["title"]
    return entry


def list_activity(database: Database, viewer: Viewer, filters: Filters) -> tuple[list[dict], int | None]:
    """(entries newest first, the cursor of the next page or None), for what ``viewer`` may see."""
    with database.reader.connect() as conn:
        rows = conn.execute(_query(viewer, filters)).all()
    more = len(rows) > min(filters.limit, MAX_LIMIT)
    rows = rows[: min(filters.limit, MAX_LIMIT)]
    return [_entry(r) for r in rows], (rows[-1].id if more and rows else None)
