"""The catalogue's metadata: organisations, datasets, versions and the audit log.

``Catalog`` is the one door to the metadata database; callers get plain dicts, never rows, so the storage
behind it can change. Writes that must be atomic with each other (a version and its audit entry) happen in one
transaction.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import catalog.search.index as search_index
from catalog import db, dialects, published_schema, webhooks
from catalog import tags as tag_labels
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.home import Home
from catalog.i18n import N_, sort_keys
from catalog.i18n import gettext as _
from catalog.storage import Storage
from catalog.storage_url import chosen_url, storage_for
from catalog.visibility import ANONYMOUS, Viewer, sql_filter, visible

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,98}[a-z0-9]$|^[a-z0-9]$")
DATASET_FIELDS = (
    "title", "description", "title_en", "description_en", "license", "tags", "frequency", "source", "contact", "temporal_coverage",
    "spatial_coverage", "schema_name", "schema", "extras", "private", "state",
)


def adopt_english_extras(conn: Connection) -> int:
    """Migration step: English that datasets kept in ``extras`` (``title_en``, ``description_en``) fills the new
    columns; then every dataset is re-indexed with its English. Returns how many datasets had some."""
    d = db.datasets
    adopted = 0
    for row in conn.execute(sa.select(d.c.id, d.c.extras)).all():
        extras = row.extras if isinstance(row.extras, dict) else {}
        english = {k: nfc(extras[k]) for k in ("title_en", "description_en") if isinstance(extras.get(k), str)}
        if english:
            conn.execute(d.update().where(d.c.id == row.id).values(**english))
            adopted += 1
    search_index.rebuild(conn)
    return adopted


# Python steps of migrations that fill new tables from existing rows (catalog/db.py runs them in the migration).
MIGRATION_DATA = {db.SEARCH_MIGRATION: search_index.rebuild, db.SEARCH_VALUES_MIGRATION: search_index.rebuild,
                  db.SOURCE_DESCRIPTION_MIGRATION: published_schema.migrate_versions,
                  db.BILINGUAL_MIGRATION: adopt_english_extras, db.TITLE_KEY_MIGRATION: search_index.fill_title_keys,
                  db.SEARCH_KEYS_MIGRATION: search_index.index_keys,
                  db.RESOURCE_LOOKUP_MIGRATION: search_index.fill_resource_lookup}
ORG_FIELDS = ("title", "description", "title_en", "description_en")


# What a name names, in messages about it.
NAME_MESSAGES = {"dataset": N_("tên bộ dữ liệu {name!r} không hợp lệ"),
                 "organisation": N_("tên tổ chức {name!r} không hợp lệ"),
                 "user": N_("tên người dùng {name!r} không hợp lệ")}


def check_name(name: str, kind: str = "dataset") -> str:
    """Names are URL slugs: lowercase a-z, 0-9 and '-'; nothing that can climb out of a folder."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise InvalidInput(
            _(NAME_MESSAGES.get(kind, NAME_MESSAGES["dataset"]), name=name),
            hint=_("dùng chữ thường a-z không dấu, chữ số và '-', ví dụ 'chat-luong-khong-khi' (tối đa 100 ký tự)"),
        )
    return name


def nfc(value: Any) -> Any:
    """Unicode NFC for every string in a JSON-like value (keys included): one spelling per Vietnamese word; NUL
    characters dropped (they mean nothing in metadata, and PostgreSQL cannot store them)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).replace("\x00", "")
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    return value


class Catalog:
    """Metadata operations over one catalogue home."""

    def __init__(self, home: Home | str | Path | None = None, *, url: str | None = None,
                 storage: Storage | None = None) -> None:
        home = home if isinstance(home, Home) else Home.resolve(home)
        self.home = dataclasses.replace(home, database=url) if url else home
        self.url = self.home.database_url  # SQLite in the home unless told else (``url``, $OPENDATA_DATABASE_URL)
        # Where version files live: the home's storage.url, else OPENDATA_STORAGE_URL, else the home's data/.
        self.storage_url = None if storage else chosen_url(self.home)  # None: a Storage given by the caller
        self.storage: Storage = storage or storage_for(self.home, self.storage_url)
        self._writer: sa.Engine | None = None
        self._reader: sa.Engine | None = None

    # -- connections -------------------------------------------------------------------------------------
    @property
    def writer(self) -> sa.Engine:
        if self._writer is None:
            self._writer = dialects.make_engine(self.url, immediate=True)
        return self._writer

    @property
    def reader(self) -> sa.Engine:
        if self._reader is None:
            self._require_home()
            self._reader = dialects.make_engine(self.url, immediate=False)
        return self._reader

    def _require_home(self) -> None:
        if not self.home.exists():
            raise NotFound(
                _("không có danh mục dữ liệu nào ở {path}", path=self.home.root),
                hint=_("hãy chạy 'opendata init' trước, hoặc đặt OPENDATA_HOME / --home tới một danh mục đã có"),
            )

    def init(self) -> list[str]:
        """Create the folders and bring the database to the latest migration (idempotent)."""
        self.home.create_dirs()
        applied = db.migrate(self.writer, MIGRATION_DATA)
        self.home.record_database(self.url)  # later commands on this home find this database, whatever the env
        if self.storage_url:
            self.home.record_storage(self.storage_url)  # and its version files: never an empty local folder instead
        return applied

    def ensure_ready(self) -> None:
        """Fail clearly when there is no catalogue; apply pending migrations when there is."""
        self._require_home()
        with self.reader.connect() as conn:
            behind = db.pending(conn)
        if behind:
            db.migrate(self.writer, MIGRATION_DATA)

    def dispose(self) -> None:
        for engine in (self._writer, self._reader):
            if engine is not None:
                engine.dispose()

    # -- organisations -----------------------------------------------------------------------------------
    def add_org(self, name: str, title: str, description: str = "", *, actor: str = "cli",
                origin: str = "", org_id: str | None = None, title_en: str = "", description_en: str = "") -> dict:
        """A new organisation; ``org_id`` keeps the id it has in another catalogue (a copy keeps references)."""
        check_name(name, "organisation")
        with self.writer.begin() as conn:
            if conn.execute(sa.select(db.organizations.c.id).where(db.organizations.c.name == name)).first():
                raise Conflict(_("tổ chức {org!r} đã có", org=name))
            if org_id and conn.execute(sa.select(db.organizations.c.id).where(db.organizations.c.id == org_id)).first():
                raise Conflict(_("mã tổ chức {org_id!r} đã được dùng", org_id=org_id))
            row = {"id": org_id or str(uuid.uuid4()), "name": name, "title": nfc(title) or name,
                   "description": nfc(description or ""), "created_at": db.utcnow(),
                   "title_en": nfc(title_en or "").strip(), "description_en": nfc(description_en or "")}
            conn.execute(db.organizations.insert().values(**row))
            self._audit(conn, actor, "org.create", target=name, detail={"title": row["title"]}, origin=origin)
        return row

    def get_org(self, name_or_id: str) -> dict:
        org = self.find_org(name_or_id)
        if org is None:
            raise NotFound(_("không tìm thấy tổ chức {org!r}", org=name_or_id),
                           hint=_("'opendata org list' liệt kê các tổ chức"))
        return org

    def find_org(self, name_or_id: str, viewer: Viewer = ANONYMOUS, *, count: bool = True) -> dict | None:
        """The organisation with ``dataset_count``: its active datasets that ``viewer`` may see (``count=False``:
        without it, for writes that only need the organisation: counting reads all of its datasets)."""
        t, d = db.organizations, db.datasets
        with self.reader.connect() as conn:
            row = conn.execute(sa.select(t).where((t.c.name == name_or_id) | (t.c.id == name_or_id))).first()
            if row is None:
                return None
            org = dict(row._mapping)
            if not count:
                return org
            org["dataset_count"] = conn.execute(
                sa.select(sa.func.count()).select_from(d).where(
                    (d.c.org_id == org["id"]) & (d.c.state == "active") & sql_filter(viewer))).scalar()
        return org

    def list_orgs(self, viewer: Viewer = ANONYMOUS) -> list[dict]:
        """Every organisation with ``dataset_count``: its active datasets that ``viewer`` may see."""
        t, d = db.organizations, db.datasets
        count = (sa.select(sa.func.count()).select_from(d)
                 .where((d.c.org_id == t.c.id) & (d.c.state == "active") & sql_filter(viewer)).scalar_subquery())
        with self.reader.connect() as conn:
            rows = conn.execute(sa.select(t, count.label("dataset_count")).order_by(t.c.name))
            return [dict(r._mapping) for r in rows]

    def update_org(self, name: str, *, actor: str = "cli", origin: str = "", **fields: Any) -> dict:
        org = self.get_org(name)
        changes = {k: nfc(v) for k, v in fields.items() if k in ORG_FIELDS and v is not None}
        if changes:
            with self.writer.begin() as conn:
                conn.execute(db.organizations.update().where(db.organizations.c.id == org["id"]).values(**changes))
                search_index.refresh_org(conn, org["id"])  # its title is in each of its datasets' documents
                self._audit(conn, actor, "org.update", target=name, detail=changes, origin=origin)
        return self.get_org(name)

    # -- datasets ----------------------------------------------------------------------------------------
    @staticmethod
    @functools.cache  # built once: building this select cost more than running it (selects are immutable)
    def _dataset_select() -> sa.Select:
        d, o, v = db.datasets, db.organizations, db.versions
        # the newest version per dataset, looked up per dataset (a GROUP BY over every version read them all)
        newest = sa.select(sa.func.max(v.c.number)).where(v.c.dataset_id == d.c.id).scalar_subquery()
        latest = v.alias("latest")
        return (sa.select(d, o.c.name.label("org"), o.c.title.label("org_title"), o.c.title_en.label("org_title_en"),
                          latest.c.number.label("latest_version"), latest.c.rows.label("rows"),
                          latest.c.bytes.label("bytes"), latest.c.published_at.label("last_published_at"))
                .join(o, o.c.id == d.c.org_id)
                .outerjoin(latest, (latest.c.dataset_id == d.c.id) & (latest.c.number == newest)))

    def _dataset_dict(self, conn: Connection, row: Any, labels: dict | None = None) -> dict:
        """The dataset as a dict, with ``tag_labels`` (``labels``: every tag's, read once by list callers)."""
        data = dict(row._mapping)
        data["tags"] = list(data.get("tags") or [])
        data["extras"] = dict(data.get("extras") or {})
        data["private"] = bool(data.get("private"))
        for key in ("title_en", "description_en"):  # English kept in extras before it had columns still counts
            data[key] = data.get(key) or str(data["extras"].get(key) or "")
        labels = tag_labels.labels(conn, data["tags"]) if labels is None else labels
        data["tag_labels"] = {tag: labels[tag] for tag in data["tags"] if tag in labels}
        return data

    def find_dataset(self, name_or_id: str, *, include_deleted: bool = False,
                     viewer: Viewer | None = None) -> dict | None:
        """The dataset by name or id; with a ``viewer``, None also when that viewer may not see it."""
        d = db.datasets
        query = self._dataset_select().where((d.c.name == name_or_id) | (d.c.id == name_or_id))
        if not include_deleted:
            query = query.where(d.c.state == "active")
        with self.reader.connect() as conn:
            row = conn.execute(query).first()
            dataset = self._dataset_dict(conn, row) if row else None
        return dataset if dataset is None or viewer is None or visible(dataset, viewer) else None

    def get_dataset(self, name_or_id: str, *, include_deleted: bool = False, viewer: Viewer | None = None) -> dict:
        dataset = self.find_dataset(name_or_id, include_deleted=include_deleted, viewer=viewer)
        if dataset is None:
            raise NotFound(_("không tìm thấy bộ dữ liệu {name!r}", name=name_or_id),
                           hint=_("'opendata datasets' liệt kê các bộ dữ liệu; trang /datasets cũng vậy"))
        return dataset

    def datasets_by_id(self, ids: list[str]) -> dict[str, dict]:
        """The datasets with these ids (any state), by id: one query for a page of search results."""
        if not ids:
            return {}
        with self.reader.connect() as conn:
            rows = conn.execute(self._dataset_select().where(db.datasets.c.id.in_(ids))).all()
            labels = tag_labels.labels(conn, [tag for row in rows for tag in row.tags or []])
            return {row.id: self._dataset_dict(conn, row, labels) for row in rows}

    def list_datasets(self, org: str | None = None, *, include_private: bool = True,
                      include_deleted: bool = False, viewer: Viewer | None = None) -> list[dict]:
        """Datasets, newest first: those ``viewer`` may see (``include_private=False``: what anyone may see;
        neither: all of them, for the operator's own tools)."""
        d, o = db.datasets, db.organizations
        query = self._dataset_select().order_by(d.c.updated_at.desc(), d.c.name)
        if org:
            query = query.where((o.c.name == org) | (o.c.id == org))
        if viewer is None and not include_private:
            viewer = ANONYMOUS
        if viewer is not None:
            query = query.where(sql_filter(viewer))
        if not include_deleted:
            query = query.where(d.c.state == "active")
        with self.reader.connect() as conn:
            labels = tag_labels.labels(conn)
            return [self._dataset_dict(conn, r, labels) for r in conn.execute(query)]

    def create_dataset(self, name: str, org: str, *, actor: str = "cli", origin: str = "",
                       conn: Connection | None = None, **meta: Any) -> dict:
        check_name(name)
        title = nfc(meta["title"]) if meta.get("title") is not None else name
        sorted_as = (title, sort_keys([title])[0])  # before the write lock: ICU's sort key is a DuckDB query
        if conn is None:
            with self.writer.begin() as own:
                self._create_dataset(own, name, org, actor, origin, meta, sorted_as)
        else:
            self._create_dataset(conn, name, org, actor, origin, meta, sorted_as)
        return self.get_dataset(name) if conn is None else {"name": name}

    def _create_dataset(self, conn: Connection, name: str, org: str, actor: str, origin: str,
                        meta: dict, sorted_as: tuple[str, str]) -> str:
        d, o = db.datasets, db.organizations
        org_row = conn.execute(sa.select(o.c.id).where((o.c.name == org) | (o.c.id == org))).first()
        if org_row is None:
            raise NotFound(_("không tìm thấy tổ chức {org!r}", org=org),
                           hint=_("tạo bằng 'opendata org add {org} --title ...'", org=org))
        existing = conn.execute(sa.select(d.c.state).where(d.c.name == name)).first()
        if existing is not None:
            raise Conflict(_("bộ dữ liệu {name!r} đã có", name=name))
        now = db.utcnow()
        values = self._with_tag_labels(conn, {k: nfc(v) for k, v in meta.items() if k in DATASET_FIELDS and v is not None})
        dialects.check_lengths(d, values)
        values.setdefault("title", name)
        values.setdefault("tags", [])
        values.setdefault("extras", {})
        dataset_id = str(uuid.uuid4())
        conn.execute(d.insert().values(id=dataset_id, name=name, org_id=org_row.id, created_at=now,
                                       updated_at=now, **values))
        title, title_key = sorted_as  # the search index follows in the same transaction
        search_index.index_created(conn, dataset_id, title_key if values["title"] == title else None)
        self._audit(conn, actor, "dataset.create", dataset=name, target=name,
                    detail={k: v for k, v in values.items() if k != "schema"}, origin=origin)
        return dataset_id

    def update_dataset(self, name: str, *, actor: str = "cli", origin: str = "",
                       conn: Connection | None = None, org: str | None = None, notify: bool = True,
                       **meta: Any) -> dict:
        """Change metadata fields (None means 'leave as is'); ``notify``: queue the webhook event with it."""
        values = {k: nfc(v) for k, v in meta.items() if k in DATASET_FIELDS and v is not None}
        if conn is None:
            with self.writer.begin() as own:
                self._update_dataset(own, name, values, org, actor, origin, notify)
            return self.get_dataset(name, include_deleted=True)
        self._update_dataset(conn, name, values, org, actor, origin, notify)
        return {"name": name}

    def _update_dataset(self, conn: Connection, name: str, values: dict, org: str | None, actor: str,
                        origin: str, notify: bool = True) -> None:
        d, o = db.datasets, db.organizations
        if org is not None:
            org_row = conn.execute(sa.select(o.c.id).where((o.c.name == org) | (o.c.id == org))).first()
            if org_row is None:
                raise NotFound(_("không tìm thấy tổ chức {org!r}", org=org))
            values["org_id"] = org_row.id
        if not conn.execute(sa.select(d.c.id).where(d.c.name == name)).first():
            raise NotFound(_("không tìm thấy bộ dữ liệu {name!r}", name=name))
        if not values:
            return
        values = self._with_tag_labels(conn, values)
        dialects.check_lengths(d, values)
        values["updated_at"] = db.utcnow()
        conn.execute(d.update().where(d.c.name == name).values(**values))
        search_index.refresh_dataset(conn, name)  # a deleted dataset leaves the index
        detail = {k: v for k, v in values.items() if k not in ("schema", "updated_at")}
        self._audit(conn, actor, "dataset.update", dataset=name, target=name, detail=detail, origin=origin)
        if notify:  # the webhook outbox, in this same transaction
            webhooks.record_event(conn, "dataset.deleted" if values.get("state") == "deleted" else "dataset.updated",
                                  name)

    @staticmethod
    def _with_tag_labels(conn: Connection, values: dict) -> dict:
        """``values`` with its tags as slugs; labels given with them (``slug=Nhãn|Label``) are stored, and the
        datasets whose tags got new labels are re-indexed (labels are searchable)."""
        if "tags" not in values:
            return values
        slugs, labelled = tag_labels.split(values["tags"] if isinstance(values["tags"], list) else [values["tags"]])
        for slug in tag_labels.record(conn, labelled):
            search_index.refresh(conn, dialects.json_array_has(db.datasets.c.tags, slug))
        return {**values, "tags": slugs}

    def tag_labels(self, names: list[str] | None = None) -> dict[str, dict[str, str]]:
        """``{slug: {"title", "title_en"}}`` of the tags that have labels (``names``: only these)."""
        with self.reader.connect() as conn:
            return tag_labels.labels(conn, names)

    def delete_dataset(self, name: str, *, actor: str = "cli", origin: str = "") -> None:
        """Soft delete: the dataset disappears from listings; its immutable files stay for existing links."""
        self.update_dataset(name, actor=actor, origin=origin, state="deleted")

    # -- versions ----------------------------------------------------------------------------------------
    def _version_dict(self, row: Any, dataset: str) -> dict:
        data = dict(row._mapping)
        data.pop("id", None)
        data.pop("dataset_id", None)
        data["dataset"] = dataset
        return data

    def list_versions(self, name: str) -> list[dict]:
        dataset = self.get_dataset(name, include_deleted=True)
        v = db.versions
        with self.reader.connect() as conn:
            rows = conn.execute(sa.select(v).where(v.c.dataset_id == dataset["id"]).order_by(v.c.number.desc()))
            return [self._version_dict(r, dataset["name"]) for r in rows]

    def get_version(self, name: str, number: int) -> dict:
        dataset = self.get_dataset(name, include_deleted=True)
        v = db.versions
        with self.reader.connect() as conn:
            row = conn.execute(sa.select(v).where(
                (v.c.dataset_id == dataset["id"]) & (v.c.number == int(number)))).first()
        if row is None:
            raise NotFound(_("bộ dữ liệu {name!r} không có phiên bản {number}", name=name, number=number),
                           hint=_("'opendata versions {name}' liệt kê các phiên bản của nó", name=name))
        return self._version_dict(row, dataset["name"])

    def latest_version(self, name: str) -> dict | None:
        dataset = self.get_dataset(name)
        if dataset["latest_version"] is None:
            return None
        return self.get_version(name, dataset["latest_version"])

    def all_versions(self) -> list[dict]:
        """Every version of every dataset (deleted ones too): what fsck and backups walk."""
        v, d = db.versions, db.datasets
        with self.reader.connect() as conn:
            rows = conn.execute(sa.select(v, d.c.name.label("dataset_name")).join(d, d.c.id == v.c.dataset_id)
                                .order_by(d.c.name, v.c.number))
            out = []
            for r in rows:
                data = dict(r._mapping)
                data["dataset"] = data.pop("dataset_name")
                data.pop("id", None)
                data.pop("dataset_id", None)
                out.append(data)
            return out

    def version_file(self, version: dict) -> Path:
        """The version's single Parquet file as a local file (what downloads send)."""
        return Path(self.storage.location(version["path"]))

    @staticmethod
    def version_keys(version: dict) -> list[str]:
        """The storage keys of the Parquet parts whose union is the version."""
        return list(version.get("parts") or [version["path"]])

    def version_files(self, version: dict) -> list[str]:
        """Where DuckDB and pyarrow read the version's parts (``read_parquet([...])``): paths or URLs."""
        return [self.storage.location(key) for key in self.version_keys(version)]

    def add_version(self, conn: Connection, dataset: str, **fields: Any) -> int:
        """Record a new version inside the caller's (write-locked) transaction; returns its number."""
        d, v = db.datasets, db.versions
        dataset_id = conn.execute(sa.select(d.c.id).where(d.c.name == dataset)).scalar_one()
        number = (conn.execute(sa.select(sa.func.max(v.c.number)).where(v.c.dataset_id == dataset_id))
                  .scalar() or 0) + 1
        conn.execute(v.insert().values(dataset_id=dataset_id, number=number, **fields))
        conn.execute(d.update().where(d.c.id == dataset_id).values(updated_at=db.utcnow()))
        search_index.refresh(conn, d.c.id == dataset_id)  # its formats (a facet) come with the first version
        return number

    def latest_version_in(self, conn: Connection, dataset: str) -> dict | None:
        d, v = db.datasets, db.versions
        row = conn.execute(sa.select(v).join(d, d.c.id == v.c.dataset_id).where(d.c.name == dataset)
                           .order_by(v.c.number.desc()).limit(1)).first()
        return self._version_dict(row, dataset) if row else None

    # -- audit -------------------------------------------------------------------------------------------
    def _audit(self, conn: Connection, actor: str, action: str, *, dataset: str | None = None, target: str = "",
               detail: dict | None = None, origin: str = "") -> None:
        conn.execute(db.audit_log.insert().values(at=db.utcnow(), actor=actor, action=action, dataset=dataset,
                                                  target=target, detail=detail or {}, origin=origin))

    def audit(self, actor: str, action: str, *, dataset: str | None = None, target: str = "",
              detail: dict | None = None, origin: str = "", conn: Connection | None = None) -> None:
        """Append to the audit log (in the caller's transaction when given)."""
        if conn is not None:
            self._audit(conn, actor, action, dataset=dataset, target=target, detail=detail, origin=origin)
            return
        with self.writer.begin() as own:
            self._audit(own, actor, action, dataset=dataset, target=target, detail=detail, origin=origin)

    def list_audit(self, *, dataset: str | None = None, since: str | None = None, limit: int = 1000) -> list[dict]:
        a = db.audit_log
        query = sa.select(a).order_by(a.c.id.desc()).limit(limit)
        if dataset:
            query = query.where(a.c.dataset == dataset)
        if since:
            query = query.where(a.c.at >= since)
        with self.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def stats(self, viewer: Viewer | None = None) -> dict:
        """Totals; with a ``viewer``, over the datasets that viewer may see (the home page's figures)."""
        d, v = db.datasets, db.versions
        shown = sql_filter(viewer) if viewer is not None else sa.true()
        with self.reader.connect() as conn:
            count = lambda t, *w: conn.execute(sa.select(sa.func.count()).select_from(t).where(*w)).scalar()  # noqa: E731
            return {
                "organizations": count(db.organizations),
                "datasets": count(d, d.c.state == "active", shown),
                "versions": count(v, v.c.dataset_id.in_(sa.select(d.c.id).where(shown))),
                "rows": conn.execute(sa.select(sa.func.coalesce(sa.func.sum(v.c.rows), 0)).where(
                    v.c.id.in_(sa.select(sa.func.max(v.c.id)).where(v.c.dataset_id.in_(sa.select(d.c.id).where(shown)))
                               .group_by(v.c.dataset_id)))).scalar(),
            }

