"""Append: a new version that adds rows, written as one new Parquet part.

An appended version lists the previous version's parts plus one new part, so an hourly append to a 10-million-row
dataset writes the new rows only (kilobytes), never the dataset again. The version's single-file download is
built on first request and cached (``catalog.exports``); its ``path`` is therefore empty and its ``sha256`` is
the hash of its part list (parts are named by their own sha256, so this identifies the content).

The order is publish's: validate and write the part in a private work folder, check the key against the rows
already published, then, under the metadata write lock, re-check that nobody appended meanwhile, move the part
into ``data/`` and record the version, its audit entry and (for pipelines) the run's outcome in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from catalog import published_schema
from catalog.errors import InvalidInput
from catalog.i18n import _, format_number
from catalog.metadata import Catalog
from catalog.sqltext import quote_ident, sql_list
from catalog.storage import WorkDir, sha256_file, version_relpath
from catalog.unit_of_work import NewVersion, commit_version
from pipelines import privacy
from pipelines.publish import PublishResult, catalog_references, summary_of, target_dataset
from pipelines.validate import validate_file


class DuplicateKeys(InvalidInput):
    """Rows whose key is already in the dataset (or repeats within the new rows)."""


def parts_of(version: dict) -> list[str]:
    return list(version.get("parts") or [version["path"]])


def parts_sha256(parts: list[str]) -> str:
    """A version made of parts is identified by the ordered list of its parts' hashes (their file names)."""
    return hashlib.sha256("\n".join(Path(p).stem for p in parts).encode()).hexdigest()


def check_key(new_file: Path, existing: list[Path], key: list[str], dataset: str) -> None:
    """Refuse empty key cells, keys repeated within the new rows, and keys already published.

    The existing parts are filtered by the new rows' key range first, which Parquet row-group statistics turn
    into skipped row groups: checking an hour of readings against years of them reads almost nothing.
    """
    cols = ", ".join(quote_ident(k) for k in key)
    con = duckdb.connect()
    try:
        new = f"read_parquet({sql_list([new_file])})"
        described = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {new}").fetchall()]
        absent = [k for k in key if k not in described]
        if absent:
            raise InvalidInput(_("publish.key ghi (các) cột {columns} mà kết quả đầu ra không có",
                                 columns=", ".join(map(repr, absent))),
                               hint=_("các cột khoá phải là trường của lược đồ đích"))
        blanks = con.execute(f"SELECT count(*) FROM {new} WHERE " + " OR ".join(
            f"{quote_ident(k)} IS NULL" for k in key)).fetchone()[0]
        if blanks:
            raise DuplicateKeys(_("{count} dòng mới có khoá trống ({key})", count=format_number(blanks),
                                  key=", ".join(key)))
        repeated = con.execute(f"SELECT {cols}, count(*) FROM {new} GROUP BY ALL HAVING count(*) > 1 "
                               "ORDER BY ALL LIMIT 3").fetchall()
        if repeated:
            raise DuplicateKeys(_("các dòng mới lặp lại giá trị khoá ({key}): {examples}", key=", ".join(key),
                                  examples=_show(repeated)), hint=_("hãy thêm một bước deduplicate"))
        if not existing:
            return
        bounds = con.execute("SELECT " + ", ".join(f"min({quote_ident(k)}), max({quote_ident(k)})" for k in key)
                             + f" FROM {new}").fetchone()
        where = " AND ".join(f"e.{quote_ident(k)} BETWEEN ? AND ?" for k in key)
        on = " AND ".join(f"e.{quote_ident(k)} = n.{quote_ident(k)}" for k in key)
        found = con.execute(
            f"SELECT {', '.join('e.' + quote_ident(k) for k in key)}, 1 FROM read_parquet({sql_list(existing)}) e "
            f"SEMI JOIN {new} n ON {on} WHERE {where} LIMIT 3", list(bounds)).fetchall()
        if found:
            total = con.execute(
                f"SELECT count(*) FROM read_parquet({sql_list(existing)}) e SEMI JOIN {new} n ON {on} "
                f"WHERE {where}", list(bounds)).fetchone()[0]
            raise DuplicateKeys(_("{count} dòng mới có giá trị khoá đã có trong {dataset} ({key}: {examples}): "
                                  "không nối thêm gì", count=format_number(total), dataset=dataset,
                                  key=", ".join(key), examples=_show(found)),
                                hint=_("nguồn lặp lại các dòng đã công bố; hãy lọc bỏ chúng hoặc dùng publish mode: "
                                       "replace"))
    finally:
        con.close()


def _show(rows: list[tuple]) -> str:
    return ", ".join(" / ".join(str(v) for v in row[:-1]) for row in rows)


def append(
    catalog: Catalog,
    path: Path,
    *,
    dataset: str,
    schema: dict,
    schema_name: str = "",
    org: str | None = None,
    key: list[str] | None = None,
    meta: dict | None = None,
    publisher: str = "cli",
    origin: str = "",
    note: str = "",
    source_sha256: str = "",
    source_bytes: int | None = None,
    source_format: str = "parquet",
    privacy_override: str | None = None,
    findings: list[privacy.Finding] | None = None,
    in_transaction: Callable[[Any, int], None] | None = None,
) -> PublishResult:
    """Validate ``path`` (rows to add) and record a version = the latest version's parts + one new part.

    ``in_transaction(conn, number)`` runs inside the version's transaction (the runner records its run there,
    so a crash cannot leave a published append that the history does not know about). ``findings``: the privacy
    gate's findings when the caller already scanned exactly these rows (the runner does), else they are scanned.
    """
    meta = {k: v for k, v in (meta or {}).items() if v is not None}
    existing = target_dataset(catalog, dataset, org, org_hint=_("hãy đặt target.org trong quy trình"))
    latest = catalog.latest_version(dataset) if existing and existing["latest_version"] else None
    columns = published_schema.version_columns(schema, {"format": source_format})
    if latest and latest["schema"] != columns["schema"]:
        raise InvalidInput(_("append không thể thay đổi lược đồ của {dataset} (trường hoặc ràng buộc khác với phiên "
                             "bản {number})", dataset=dataset, number=latest["number"]),
                           hint=_("hãy công bố lược đồ mới một lần với mode: replace"))
    with WorkDir(catalog.home) as work, validate_file(path, schema=schema, format="parquet",
                                                     references=catalog_references(catalog)) as validation:
        if not validation.valid:
            return PublishResult("invalid", dataset, report=validation.report,
                                 messages=[_("các dòng mới không hợp lệ theo lược đồ: không nối thêm gì")])
        staged = work.file("part.parquet")
        validation.write_parquet(staged, table_schema=columns["schema"])
        if findings is None:
            findings = privacy.check_file(staged, schema)
        overridden = privacy.enforce(findings, override=privacy_override, what=_("Các dòng cho {dataset}", dataset=dataset))
        existing_files = catalog.version_files(latest) if latest else []
        if key:
            check_key(staged, existing_files, key, dataset)
        part_sha = sha256_file(staged)
        relpath = version_relpath(dataset, part_sha)
        parts = (parts_of(latest) if latest else []) + [relpath]
        if relpath in parts[:-1]:
            raise DuplicateKeys(_("các dòng này giống hệt từng byte một phần mà {dataset} đã có: không nối thêm gì",
                                  dataset=dataset))
        rows = validation.rows
        part_bytes = staged.stat().st_size
        record = {
            "path": relpath if not latest else "", "parts": parts,
            "sha256": part_sha if not latest else parts_sha256(parts),
            "source_sha256": source_sha256 or part_sha, "rows": (latest["rows"] if latest else 0) + rows,
            "bytes": (latest["bytes"] if latest else 0) + part_bytes,
            "source_bytes": source_bytes if source_bytes is not None else part_bytes,
            "source_format": source_format, "schema": schema, "validation": summary_of(validation),
            "source_description": columns["source_description"],
            "changes": {"rows_added": rows, "rows_removed": 0, "fields_added": [] if latest else
                        [f["name"] for f in schema.get("fields", [])], "fields_removed": [], "fields_changed": []},
            "publisher": publisher, "note": note,
        }
        number = commit_version(catalog, NewVersion(
            dataset=dataset, org=org, known=existing, staged=staged, key=relpath, sha256=part_sha, record=record,
            publisher=publisher, origin=origin, schema=schema, schema_name=schema_name, meta=meta,
            update_schema=False, join_raced=False, expect_latest=(latest or {}).get("number"),
            audit={"mode": "append", "rows": rows, "part": relpath, "parts": len(parts),
                   "changes": record["changes"]},
            privacy_override=privacy.audit_detail(overridden, privacy_override or "") if overridden else None,
            also=in_transaction))
    version = catalog.get_version(dataset, number)
    return PublishResult("published", dataset, version=version, report=validation.report,
                         messages=[_("đã nối thêm {rows} dòng vào {dataset}: phiên bản {number} có {total} dòng trong "
                                     "{parts} phần", rows=format_number(rows), dataset=dataset, number=number,
                                     total=format_number(version["rows"]), parts=len(parts))])
