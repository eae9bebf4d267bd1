"""Removing for good: purging a dataset (its rows, versions and files) and deleting an empty organisation.

Why a module apart from ``metadata.py``: everything else in the catalogue is append-only (versions are immutable,
a deleted dataset only changes state), and the CKAN API's ``dataset_purge`` and ``organization_delete`` are the
two exceptions. Keeping them here makes the exception visible and keeps its rules in one place: the metadata goes
in one transaction (with an audit entry that says what went), and the version files go through
``catalog.storage`` only after that transaction committed, so a failure never leaves versions without files.
"""

from __future__ import annotations

import sqlalchemy as sa

from catalog import db
from catalog.errors import Conflict, NotFound
from catalog.i18n import gettext as _
from catalog.metadata import Catalog


def purge_dataset(catalog: Catalog, name_or_id: str, *, actor: str, origin: str = "") -> dict:
    """Remove the dataset, its versions and their files; returns what was removed (name, versions, files)."""
    dataset = catalog.get_dataset(name_or_id, include_deleted=True)
    versions = catalog.list_versions(dataset["name"])
    keys = sorted({key for version in versions for key in catalog.version_keys(version)})
    d, v = db.datasets, db.versions
    with catalog.writer.begin() as conn:
        if dataset.get("state") != "deleted":  # leaves the search index in the same transaction
            catalog.update_dataset(dataset["name"], actor=actor, origin=origin, conn=conn, state="deleted")
        conn.execute(db.search_facets.delete().where(db.search_facets.c.dataset_id == dataset["id"]))
        conn.execute(db.search_values.delete().where(db.search_values.c.dataset_id == dataset["id"]))
        conn.execute(v.delete().where(v.c.dataset_id == dataset["id"]))
        conn.execute(d.delete().where(d.c.id == dataset["id"]))
        detail = {"id": dataset["id"], "versions": len(versions), "files": len(keys)}
        catalog.audit(actor, "dataset.purge", dataset=dataset["name"], target=dataset["name"], detail=detail,
                      origin=origin, conn=conn)
    for key in keys:  # after the commit: a failed transaction keeps every file its versions name
        catalog.storage.delete(key)
    return {"name": dataset["name"], "versions": len(versions), "files": keys}


def delete_org(catalog: Catalog, name_or_id: str, *, actor: str, origin: str = "") -> dict:
    """Delete an organisation that has no datasets left (purged ones do not count; deleted ones do)."""
    org = catalog.find_org(name_or_id)
    if org is None:
        raise NotFound(_("không tìm thấy tổ chức {org!r}", org=name_or_id),
                       hint=_("'opendata org list' liệt kê các tổ chức"))
    o, d = db.organizations, db.datasets
    with catalog.writer.begin() as conn:
        held = conn.execute(sa.select(sa.func.count()).select_from(d).where(d.c.org_id == org["id"])).scalar()
        if held:
            raise Conflict(_("tổ chức {org!r} vẫn còn {count} bộ dữ liệu", org=org["name"], count=held),
                           hint=_("hãy xoá hẳn hoặc chuyển các bộ dữ liệu của nó trước"))
        conn.execute(db.memberships.delete().where(db.memberships.c.org_id == org["id"]))
        hooks = sa.select(db.webhooks.c.id).where(db.webhooks.c.org_id == org["id"])
        conn.execute(db.webhook_deliveries.delete().where(db.webhook_deliveries.c.webhook_id.in_(hooks)))
        conn.execute(db.webhooks.delete().where(db.webhooks.c.org_id == org["id"]))
        conn.execute(o.delete().where(o.c.id == org["id"]))
        catalog.audit(actor, "org.delete", target=org["name"], detail={"id": org["id"], "title": org["title"]},
                      origin=origin, conn=conn)
    return org
