"""The one transaction that makes a version: dataset, file, version row and audit entries, all or nothing.

Publish, ETL append and the CKAN write path each need the same few steps: place the staged Parquet in storage,
then, under the metadata write lock, create the dataset (or update its metadata), record the version, write the
audit entries, commit. Writing them once here keeps the rules in one place: the order (nothing is visible before
the commit), the "raced creation" rule, and what a failure leaves (no version row; at most an unreferenced file,
which ``fsck`` removes). Callers describe the version with a typed :class:`NewVersion` and call
:func:`commit_version`; nothing outside ``catalog/`` opens the metadata writer.

The file is stored *before* the lock is taken: an upload to an object store can take minutes, and no other publish,
on any node, should wait for it. Keys are content addresses that are never overwritten, so two publishes of the
same content storing the same key at once is harmless, and a failed transaction does not delete the file it
stored (a concurrent publish of the same content may be about to reference it): ``fsck``, which runs under the
lock, removes it. Inside the lock the publish checks that its file is still there, so a file that ``fsck`` removed
meanwhile makes the publish refuse rather than record a version without its file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog import db, published_schema, webhooks
from catalog.errors import Conflict, InvalidInput
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from catalog.search import values as search_values

UNCHECKED = -1  # ``expect_latest``: do not compare the latest version number


@dataclass(frozen=True)
class NewVersion:
    """Everything one new version needs, decided before the write lock is taken.

    ``known`` is the dataset as the caller saw it while validating (None: the caller creates it). When another
    writer created the dataset meanwhile, ``join_raced`` says whether to become its next version (publish: yes,
    if the organisation is the same) or to refuse (append: the key check must see what is there).
    ``expect_latest`` (append) refuses when another version landed since the caller looked (None: none yet).
    ``update_schema``: an existing dataset takes ``schema`` when it differs (publish); else only ``meta``.
    """

    dataset: str
    org: str | None
    known: dict | None
    staged: Path  # the local file to store under ``key``
    key: str
    sha256: str  # of ``staged``; checked by the storage before anything is stored
    record: dict  # the version row's columns (path, parts, sha256, rows, bytes, schema, changes, ...)
    publisher: str
    audit: dict  # detail of the "publish" audit entry
    schema: dict
    schema_name: str = ""
    meta: dict = field(default_factory=dict)
    origin: str = ""
    update_schema: bool = True
    join_raced: bool = True
    expect_latest: int | None = UNCHECKED
    privacy_override: dict | None = None  # detail of the "privacy.override" audit entry, when one applies
    also: Callable[[Connection, int], None] | None = None  # more writes in the same transaction (a run's outcome)


def commit_version(catalog: Catalog, new: NewVersion) -> int:
    """Store the file of ``new``, then record the version in one transaction; returns the version number.

    Only the metadata transaction runs under the write lock (module docstring). When it fails, nothing of the
    version is recorded and the stored file, unreferenced, is left for ``fsck``.
    """
    found = search_values.column_values(new.staged)  # read before the file moves: what the rows are about
    catalog.storage.put(new.staged, new.key, sha256=new.sha256)  # the slow part, outside the lock
    with catalog.writer.begin() as conn:
        _check_still_stored(catalog, new)
        known = _check_latest_and_race(catalog, conn, new)
        _dataset_metadata(catalog, conn, new, known)
        search_values.record(conn, new.dataset, found, append=len(new.record.get("parts") or []) > 1)
        number = catalog.add_version(conn, new.dataset, published_at=db.utcnow(), **version_row(new.record))
        _audit(catalog, conn, new, number)
        webhooks.record_event(conn, "dataset.version_published", new.dataset, number)  # the outbox
        if new.also is not None:
            new.also(conn, number)
    return number


def _check_still_stored(catalog: Catalog, new: NewVersion) -> None:
    """``fsck`` (under the lock) removes unreferenced files: one stored just before the lock may have gone."""
    if not catalog.storage.exists(new.key):
        raise Conflict(_("tệp {key} của phiên bản mới đã bị gỡ khỏi kho lưu trữ trước khi phiên bản được ghi "
                         "(fsck chạy cùng lúc)", key=new.key), hint=_("hãy công bố lại: không có gì được ghi"))


def version_row(record: dict) -> dict:
    """The version's columns: ``record["schema"]`` (the validation schema) becomes the published schema, and its
    source hints (with ``record["source_description"]``: how the file was read) the source description."""
    return {**record, **published_schema.version_columns(record["schema"], record.get("source_description"))}


def _check_latest_and_race(catalog: Catalog, conn: Connection, new: NewVersion) -> dict | None:
    """The dataset to add to (None: create it), after the concurrency rules of ``new``."""
    if new.expect_latest != UNCHECKED:
        current = catalog.latest_version_in(conn, new.dataset)
        if (current or {}).get("number") != new.expect_latest:
            raise Conflict(_("{dataset} vừa nhận phiên bản {number} trong khi lần nối thêm này đang chạy",
                             dataset=new.dataset, number=current["number"]),
                           hint=_("hãy chạy lại: việc kiểm tra khoá phải thấy phiên bản mới"))
    if new.known is not None or not new.join_raced:
        return new.known
    raced = catalog.find_dataset(new.dataset)
    if raced is not None and new.org not in (raced["org"], raced["org_id"]):
        raise InvalidInput(_("bộ dữ liệu {name!r} vừa được tổ chức {org!r} tạo", name=new.dataset, org=raced["org"]),
                           hint=_("chọn một tên bộ dữ liệu khác"))
    return raced  # another publish created it while we validated: become its next version


def _dataset_metadata(catalog: Catalog, conn: Connection, new: NewVersion, known: dict | None) -> None:
    who = {"actor": new.publisher, "origin": new.origin, "conn": conn}
    updated = {**who, "notify": False}  # a publish sends dataset.version_published, not also dataset.updated
    if known is None:
        catalog.create_dataset(new.dataset, new.org, schema=new.schema, schema_name=new.schema_name, **who,
                               **new.meta)
    elif new.update_schema and (new.meta or new.schema != known.get("schema")):
        catalog.update_dataset(new.dataset, schema=new.schema, schema_name=new.schema_name or None, **updated,
                               **new.meta)
    elif not new.update_schema and new.meta:
        catalog.update_dataset(new.dataset, **updated, **new.meta)


def _audit(catalog: Catalog, conn: Connection, new: NewVersion, number: int) -> None:
    target = f"{new.dataset}@{number}"
    catalog.audit(new.publisher, "publish", dataset=new.dataset, target=target, origin=new.origin,
                  detail=new.audit, conn=conn)
    if new.privacy_override is not None:
        catalog.audit(new.publisher, "privacy.override", dataset=new.dataset, target=target, origin=new.origin,
                      detail=new.privacy_override, conn=conn)


def change_extras(catalog: Catalog, name: str, key: str, change: Callable[[dict], dict], *, actor: str,
                  origin: str = "", visible_extras: dict | None = None, **meta: Any) -> None:
    """Read-modify-write ``extras[key]`` of dataset ``name`` under the metadata write lock, so two concurrent
    changes cannot lose each other's work. ``change(state) -> state`` gets a copy of the current value; the
    other extras are kept, or replaced by ``visible_extras`` when given; ``meta`` is written in the same step."""
    with catalog.writer.begin() as conn:
        row = conn.execute(sa.select(db.datasets.c.extras).where(db.datasets.c.name == name)).first()
        extras = dict((row.extras if row else None) or {})
        current = extras.get(key)
        state = change(dict(current) if isinstance(current, dict) else {})
        visible = visible_extras if visible_extras is not None else {k: v for k, v in extras.items() if k != key}
        catalog.update_dataset(name, actor=actor, origin=origin, conn=conn, extras={**visible, key: state}, **meta)
