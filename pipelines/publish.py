"""Publish a file as a new immutable version of a dataset.

The order is what makes a publish safe to kill at any moment:
1. validate (nothing written outside a private work folder),
2. write the typed Parquet into the work folder and hash it,
3. ``catalog.unit_of_work.commit_version``: under the metadata write lock, record the version and its audit
   entry, store the Parquet (atomic rename), commit.
Until step 3 commits, readers keep seeing the previous version; a crash before it leaves only a work folder or an
unreferenced file, both removed by ``opendata fsck``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from catalog import diff, jsonlimits, published_schema
from catalog.errors import InvalidInput, NotFound
from catalog.i18n import _, format_number
from catalog.metadata import Catalog, check_name
from catalog.storage import WorkDir, sha256_file, version_relpath
from catalog.unit_of_work import NewVersion, commit_version
from catalog.visibility import OPERATOR, Viewer
from pipelines import privacy
from pipelines.validate import Validation, validate_file
from schemas import resolve_schema, standard_name

SOURCE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json",
                  ".parquet": "parquet", ".jsonl": "json"}

DIFF_MEMORY = "768MB"  # DuckDB memory for the publish-time diff against the previous version


@dataclass
class PublishResult:
    """What a publish did: ``published``, ``unchanged`` (same content as the latest version) or ``invalid``."""

    status: str
    dataset: str
    version: dict | None = None
    report: dict | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "invalid"

    def to_dict(self) -> dict:
        return {"status": self.status, "dataset": self.dataset, "version": self.version, "report": self.report,
                "messages": self.messages}


def catalog_references(catalog: Catalog, viewer: Viewer = OPERATOR):
    """Foreign keys may point at a dataset already in the catalogue: resolve it to its latest Parquet.

    Only datasets ``viewer`` may see are targets: checking values against a private dataset would tell whoever
    uploads which values it holds, so for anyone outside its organisation it is "not found", as everywhere else.
    The default viewer is the operator at the server's command line, who sees everything.
    """

    def resolve(resource: str) -> Path | list[Path] | None:
        dataset = catalog.find_dataset(resource, viewer=viewer)
        if dataset is None or dataset["latest_version"] is None:
            return None
        version = catalog.get_version(dataset["name"], dataset["latest_version"])
        files = catalog.version_files(version)
        return files[0] if len(files) == 1 else files

    return resolve


def resolve_dataset_schema(catalog: Catalog, dataset: dict | None, schema: dict | str | None) -> tuple[dict, str]:
    """The schema to validate with, and its standard name ('' for a custom one)."""
    if isinstance(schema, dict):
        return schema, ""
    if isinstance(schema, str) and schema:
        return resolve_schema(schema), standard_name(schema)
    if dataset and dataset.get("schema"):
        return dataset["schema"], dataset.get("schema_name") or ""
    raise InvalidInput(
        _("chưa có lược đồ (schema) cho một bộ dữ liệu mới"),
        hint=_("hãy dùng --schema TÊN (xem 'opendata schemas') hoặc --schema TỆP.json; lệnh "
               "'opendata describe TỆP > schema.json' soạn sẵn một lược đồ"),
    )


def target_dataset(catalog: Catalog, dataset: str, org: str | None, *, org_hint: str) -> dict | None:
    """The existing dataset ``dataset`` (None when new), after checking ``org`` fits it or can create it."""
    check_name(dataset)
    existing = catalog.find_dataset(dataset)
    if existing is None:
        if not org:
            raise InvalidInput(_("bộ dữ liệu {dataset} là bộ mới: hãy cho biết tổ chức nào công bố nó",
                                 dataset=repr(dataset)), hint=org_hint)
        catalog.get_org(org)
    elif org and org not in (existing["org"], existing["org_id"]):
        raise InvalidInput(_("bộ dữ liệu {dataset} thuộc tổ chức {owner}, không phải {org}", dataset=repr(dataset),
                             owner=repr(existing["org"]), org=repr(org)))
    return existing


def source_format(path: Path, declared: str | None) -> str:
    if declared:
        return declared.lower()
    return SOURCE_FORMATS.get(path.suffix.lower(), path.suffix.lower().lstrip(".") or "csv")


def compare_versions(con: duckdb.DuckDBPyConnection, new_files: list[Path], old_files: list[Path],
                     new_schema: dict, old_schema: dict) -> dict:
    """The version's ``changes``: ``catalog.diff``'s summary, the same computation as the diff endpoint."""
    return diff.summary(diff.diff_files(con, [str(f) for f in old_files], [str(f) for f in new_files],
                                        old_schema, new_schema, sample=0))


def same_schemas(version: dict, columns: dict) -> bool:
    """Whether ``version`` was stored with these published schema and source description."""
    return (version["schema"] == columns["schema"]
            and (version.get("source_description") or {}) == columns["source_description"])


def summary_of(validation: Validation) -> dict:
    task = (validation.report.get("tasks") or [{}])[0]
    return {"valid": validation.valid, "rows": validation.rows,
            "errors": len(task.get("errors") or []) + len(validation.report.get("errors") or []),
            "warnings": list(task.get("warnings") or []) + list(validation.report.get("warnings") or [])}


def publish(
    catalog: Catalog,
    path: str | Path,
    *,
    dataset: str,
    org: str | None = None,
    schema: dict | str | None = None,
    dialect: dict | None = None,
    encoding: str | None = None,
    format: str | None = None,
    checklist: dict | None = None,
    meta: dict | None = None,
    publisher: str = "cli",
    origin: str = "",
    note: str = "",
    progress: bool = False,
    privacy_override: str | None = None,
    viewer: Viewer = OPERATOR,
) -> PublishResult:
    """Validate ``path`` and, when valid and different from the latest version, store it as a new version.

    ``viewer`` is who publishes (web callers pass the token's user): foreign keys resolve only against the
    datasets this viewer may see.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(_("không tìm thấy tệp: {path}", path=path))
    meta = {k: v for k, v in (meta or {}).items() if v is not None}
    existing = target_dataset(catalog, dataset, org, org_hint=_("hãy dùng --org TỔ_CHỨC ('opendata org list' liệt kê các tổ chức)"))
    schema_dict, schema_name = resolve_dataset_schema(catalog, existing, schema)
    privacy.enforce(privacy.check_schema(schema_dict), what=path.name)  # personal fields: refuse before reading
    fmt = source_format(path, format)
    source_sha = sha256_file(path)

    latest = catalog.latest_version(dataset) if existing and existing["latest_version"] else None
    columns = published_schema.version_columns(schema_dict, {"format": fmt, "encoding": encoding, "dialect": dialect})
    if latest and latest["source_sha256"] == source_sha and same_schemas(latest, columns):
        if meta:
            catalog.update_dataset(dataset, actor=publisher, origin=origin, **meta)
        return PublishResult("unchanged", dataset, version=latest,
                             messages=[_("{name} giống hệt phiên bản {number}: không tạo phiên bản mới",
                                         name=path.name, number=latest["number"])])

    with WorkDir(catalog.home) as work, validate_file(
        path, schema=schema_dict, dialect=dialect, encoding=encoding, format=fmt, checklist=checklist,
        references=catalog_references(catalog, viewer), progress=progress,
    ) as validation:
        if not validation.valid:
            return PublishResult("invalid", dataset, report=validation.report,
                                 messages=[_("{name} không hợp lệ theo lược đồ: không có gì được công bố",
                                             name=path.name)])
        staged = work.file("data.parquet")
        validation.write_parquet(staged, table_schema=columns["schema"])
        overridden = privacy.enforce(privacy.check_file(staged, schema_dict), override=privacy_override,
                                     what=path.name)
        parquet_sha = sha256_file(staged)
        changes: dict[str, Any] = {}
        if latest:
            # Bounded: the diff of two large versions spills to the work folder instead of growing past the
            # upload worker's address-space limit.
            con = duckdb.connect(config={"memory_limit": DIFF_MEMORY, "temp_directory": str(work.path / "spill")})
            try:
                changes = compare_versions(con, [staged], catalog.version_files(latest), columns["schema"],
                                           latest["schema"])
            finally:
                con.close()
        else:
            changes = diff.first_version(validation.rows, columns["schema"])
        relpath = version_relpath(dataset, parquet_sha)
        record = {
            "path": relpath, "parts": [relpath], "sha256": parquet_sha, "source_sha256": source_sha, "rows": validation.rows,
            "bytes": staged.stat().st_size, "source_bytes": path.stat().st_size, "source_format": fmt,
            "schema": schema_dict, "source_description": columns["source_description"],
            "validation": summary_of(validation), "changes": changes,
            "publisher": publisher, "note": note,
        }
        number = commit_version(catalog, NewVersion(
            dataset=dataset, org=org, known=existing, staged=staged, key=relpath, sha256=parquet_sha,
            record=record, publisher=publisher, origin=origin, schema=schema_dict, schema_name=schema_name,
            meta=meta, audit={"rows": validation.rows, "sha256": parquet_sha, "source": path.name,
                              "changes": changes},
            privacy_override=privacy.audit_detail(overridden, privacy_override or "") if overridden else None))
    version = catalog.get_version(dataset, number)
    return PublishResult("published", dataset, version=version, report=validation.report,
                         messages=[_("đã công bố {dataset} phiên bản {number}: {rows} dòng", dataset=dataset,
                                     number=number, rows=format_number(validation.rows))])


def load_json_option(value: str | None, what: str) -> dict | None:
    """A CLI option that is a JSON file path or inline JSON."""
    if not value:
        return None
    text = value
    if not value.lstrip().startswith("{"):
        file = Path(value)
        if not file.is_file():
            raise NotFound(_("không tìm thấy tệp {what}: {path}", what=what, path=value))
        text = file.read_text(encoding="utf-8-sig")
    return jsonlimits.loads_object(text, what)
