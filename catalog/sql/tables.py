"""The tables a public query sees: each public dataset's latest version, its alias, and fixed versions.

Why apart from the engine: the table list is catalogue state, re-read only when the catalogue's fingerprint (the
newest version id and dataset change) moves, so a publish is queryable at once, in every web process; the SQL
page lists the same tables with their column types.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from catalog import db
from catalog.metadata import Catalog
from catalog.visibility import ANONYMOUS


@dataclass(frozen=True)
class Table:
    """One queryable view: a dataset's latest version (``air-quality``) or a fixed version (``air-quality@3``)."""

    name: str
    dataset: str
    version: int
    latest: bool
    files: tuple[str, ...]  # Parquet parts, relative to the data folder
    alias: str | None = None  # unquoted name for the latest version (air_quality)
    title: str = ""
    schema: dict = field(default_factory=dict, compare=False, hash=False)
    rows: int | None = None


# The lookbehind keeps this linear: a match can only start at the beginning of a name (no ReDoS on long words).
VERSION_REF = re.compile(r"(?<![a-z0-9-])([a-z0-9][a-z0-9-]*)@(\d+)")


def table_alias(dataset: str) -> str | None:
    alias = dataset.replace("-", "_")
    return alias if alias != dataset else None


class TableDirectory:
    """The catalogue's public tables, re-read only when the catalogue changed (one cheap query per use).

    The SQL endpoint is public and its results are shared, so its tables are what an anonymous viewer may see
    (``catalog.visibility``): a private dataset is no table here, whoever asks.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._lock = threading.Lock()
        self._fingerprint: tuple | None = None
        self._latest: list[Table] = []
        self._versions: dict[str, Table] = {}

    def fingerprint(self) -> tuple:
        v, d = db.versions, db.datasets
        with self.catalog.reader.connect() as conn:
            return tuple(conn.execute(sa.select(
                sa.select(sa.func.max(v.c.id)).scalar_subquery(),
                sa.select(sa.func.count(v.c.id)).scalar_subquery(),
                sa.select(sa.func.max(d.c.updated_at)).scalar_subquery(),
                sa.select(sa.func.count(d.c.id)).scalar_subquery(),
            )).one())

    def _load(self) -> None:
        public = {d["name"]: d for d in self.catalog.list_datasets(viewer=ANONYMOUS)
                  if d["latest_version"] is not None}
        latest: list[Table] = []
        versions: dict[str, Table] = {}
        for version in self.catalog.all_versions():
            dataset = public.get(version["dataset"])
            if dataset is None:
                continue
            files = tuple(self.catalog.version_keys(version))
            is_latest = version["number"] == dataset["latest_version"]
            common = {"dataset": dataset["name"], "version": version["number"], "files": files,
                      "title": dataset["title"], "schema": version.get("schema") or {}, "rows": version["rows"]}
            versions[f"{dataset['name']}@{version['number']}"] = Table(
                name=f"{dataset['name']}@{version['number']}", latest=False, **common)
            if is_latest:
                latest.append(Table(name=dataset["name"], latest=True, alias=table_alias(dataset["name"]), **common))
        latest.sort(key=lambda t: t.name)
        self._latest, self._versions = latest, versions

    def refresh(self) -> None:
        fingerprint = self.fingerprint()
        with self._lock:
            if fingerprint != self._fingerprint:
                self._load()
                self._fingerprint = fingerprint

    def latest(self) -> list[Table]:
        self.refresh()
        return list(self._latest)

    def versions_of(self, dataset: str) -> list[Table]:
        self.refresh()
        return sorted((t for t in self._versions.values() if t.dataset == dataset), key=lambda t: -t.version)

    def views_for(self, sql: str) -> list[dict]:
        """Views for one query: every latest table (and its alias), plus the fixed versions the SQL names."""
        self.refresh()
        views: list[dict] = []
        for table in self._latest:
            views.append({"name": table.name, "files": list(table.files)})
            if table.alias:
                views.append({"name": table.alias, "target": table.name})
        named = {f"{m.group(1)}@{int(m.group(2))}" for m in VERSION_REF.finditer(sql.lower())}
        for name in sorted(named):
            table = self._versions.get(name)
            if table is not None:
                views.append({"name": table.name, "files": list(table.files)})
        return views



@functools.lru_cache(maxsize=1024)
def _column_types(paths: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    con = duckdb.connect(":memory:", config={"threads": 1, "autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False})
    try:
        union = ", union_by_name = true" if len(paths) > 1 else ""
        rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet(?{union})", [list(paths)]).fetchall()
        return tuple((r[0], r[1]) for r in rows)
    finally:
        con.close()


def column_types(catalog: Catalog, table: Table) -> dict[str, str]:
    """The SQL type of each column of a table, as queries see it (read from our own Parquet footers, trusted
    files, cached for good: the files are immutable and named by their hash)."""
    try:
        if catalog.storage.remote:  # read only the footers (a whole catalogue is not fetched to list tables)
            return dict(_remote_column_types(catalog.storage, tuple(table.files)))
        return dict(_column_types(tuple(catalog.storage.location(f) for f in table.files)))
    except (duckdb.Error, OSError, pa.ArrowException):
        return {}


@functools.lru_cache(maxsize=1024)
def _remote_column_types(storage, keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    schema = pa.unify_schemas([storage.parquet_schema(key) for key in keys])
    con = duckdb.connect(":memory:", config={"threads": 1})
    try:
        relation = con.from_arrow(schema.empty_table())
        return tuple((name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True))
    finally:
        con.close()

