"""Published versions, newest first, across the catalogue or within one organisation, dataset or tag.

Why: a feed reader follows "what was published", which is the versions table read newest first, not the
datasets table; this is that one query, with the visibility rule applied in SQL (``sql_filter``) so a private
dataset's versions can never reach a feed, a count or a page boundary.
"""

from __future__ import annotations

import sqlalchemy as sa

from catalog import db, dialects
from catalog.metadata import Catalog
from catalog.text import nfc
from catalog.visibility import Viewer, sql_filter


def published_versions(catalog: Catalog, viewer: Viewer, *, org: str | None = None, dataset: str | None = None,
                       tag: str | None = None, limit: int = 50, offset: int = 0) -> list[dict]:
    """Versions of the active datasets ``viewer`` may see, newest first (publication time, then insertion)."""
    v, d, o = db.versions, db.datasets, db.organizations
    query = (sa.select(v.c.number, v.c.rows, v.c.bytes, v.c.sha256, v.c.published_at, v.c.changes, v.c.note,
                       d.c.name.label("dataset"), d.c.title, d.c.tags, o.c.name.label("org"),
                       o.c.title.label("org_title"))
             .join(d, d.c.id == v.c.dataset_id).join(o, o.c.id == d.c.org_id)
             .where(d.c.state == "active", sql_filter(viewer))
             .order_by(v.c.published_at.desc(), v.c.id.desc()).limit(limit).offset(offset))
    if org:
        query = query.where(o.c.name == org)
    if dataset:
        query = query.where(d.c.name == dataset)
    if tag:
        query = query.where(dialects.json_array_has(d.c.tags, nfc(tag)))
    with catalog.reader.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
