"""Parquet: a typed file staged as text plus each column's native kind, bounded by its footer first.

Why its own module: a Parquet file carries its own column types, so there is no dialect to guess; what costs is
its metadata (a small file can describe 20,000 columns), so the footer's length, then its columns and rows, are
checked against ``pipelines.limits`` before DuckDB reads a row.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

import pipelines.read.staging as staging
from catalog.errors import InvalidInput, TooLarge
from catalog.i18n import _, format_number
from catalog.sqltext import quote_ident, sql_string
from catalog.text import nfc
from pipelines import limits
from pipelines.source import Source

PARQUET_MAX_FOOTER = 64 * 1024 * 1024  # the metadata pyarrow and DuckDB read before any row


def stage_parquet(con: duckdb.DuckDBPyConnection, source: Source, table: str) -> staging.Staged:
    check_parquet_size(source.path)
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({sql_string(str(source.path))})").fetchall()
    except duckdb.Error as exc:
        raise unreadable(source.path, str(exc).splitlines()[0]) from exc
    names = [row[0] for row in described]
    cols = []
    for i, (name, ctype, *_rest) in enumerate(described):
        col = quote_ident(name)
        kind, text = _parquet_kind(ctype), f"{col}::VARCHAR"
        if kind == staging.KIND_BOOL:
            text = f"CASE WHEN {col} THEN 'True' WHEN NOT {col} THEN 'False' END"
        elif kind is None:
            text = f"nfc_normalize({col}::VARCHAR)"
        elif kind in (staging.KIND_LIST, staging.KIND_DICT):
            text = f"to_json({col})::VARCHAR"
        cols += [f"{text} AS c{i + 1}", f"{'NULL' if kind is None else kind}::UTINYINT AS k{i + 1}"]
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(cols)} "
                    f"FROM read_parquet({sql_string(str(source.path))})")
    except duckdb.Error as exc:
        raise unreadable(source.path, str(exc).splitlines()[0]) from exc
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return staging.Staged(table=table, labels=[nfc(n) for n in names], header_rows=[1], width=len(names),
                          kinds=True, rows=rows, rn="(rowid + 2)", n=str(len(names)), extra="NULL::VARCHAR[]")


def check_parquet_size(path: Path) -> None:
    """Columns and rows from the footer, read only once its length is known to be bounded."""
    import pyarrow.parquet as pq

    with open(path, "rb") as handle:
        handle.seek(-8, 2)
        footer = int.from_bytes(handle.read(4), "little")
    if footer > PARQUET_MAX_FOOTER:
        raise TooLarge(_("{name}: phần chân Parquet (siêu dữ liệu) dài {size} byte, vượt giới hạn {limit}",
                         name=path.name, size=format_number(footer), limit=format_number(PARQUET_MAX_FOOTER)),
                       hint=_("hãy ghi tệp với ít cột hoặc ít nhóm dòng (row group) hơn"))
    try:
        meta = pq.read_metadata(path)
    except (OSError, pa.ArrowException) as exc:
        raise unreadable(path, exc) from exc
    limits.check_columns(path.name, meta.num_columns)
    limits.check_cells(path.name, meta.num_rows, meta.num_columns)


def unreadable(path: Path, reason: object) -> InvalidInput:
    return InvalidInput(_("{name} không phải một tệp Parquet đọc được ({error})", name=path.name, error=reason))


def _parquet_kind(ctype: str) -> int | None:
    ctype = ctype.upper()
    if ctype in ("VARCHAR", "UUID") or ctype.startswith("ENUM"):
        return None
    if ctype == "BOOLEAN":
        return staging.KIND_BOOL
    if ctype in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT"):
        return staging.KIND_INT
    if ctype in ("FLOAT", "DOUBLE"):
        return staging.KIND_FLOAT
    if ctype.startswith("DECIMAL"):
        return staging.KIND_DECIMAL
    if ctype.startswith("TIMESTAMP"):
        return staging.KIND_DATETIME
    if ctype == "DATE":
        return staging.KIND_DATE
    if ctype.startswith("TIME"):
        return staging.KIND_TIME
    if ctype.endswith("]") or ctype.startswith("LIST"):
        return staging.KIND_LIST
    if ctype.startswith(("STRUCT", "MAP", "JSON")):
        return staging.KIND_DICT
    return staging.KIND_OTHER
