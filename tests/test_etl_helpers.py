"""Helpers for the ETL step tests (no tests here): a DuckDB table from Python rows, one step applied to it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from catalog.i18n import language
from pipelines.etl.steps import apply


def table_from(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict], types: dict | None = None) -> None:
    """Create ``name`` from rows; columns are text unless ``types`` gives a pyarrow type."""
    columns = list(rows[0]) if rows else list(types or {})
    arrays = {c: pa.array([r.get(c) for r in rows], type=(types or {}).get(c, pa.string())) for c in columns}
    con.register(f"{name}_src", pa.table(arrays))
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_src")
    con.unregister(f"{name}_src")


def run_step(rows: list[dict], step: str, options: dict, tmp_path: Path, *, types: dict | None = None,
             con: duckdb.DuckDBPyConnection | None = None, references: dict | None = None):
    """Apply one step to ``rows``; returns (output rows as dicts, the step input with its notes)."""
    con = con or duckdb.connect()
    table_from(con, "t_in", rows, types)
    with language("en"):  # the wording these tests read; tests/test_pipeline_messages.py checks the Vietnamese
        inp = apply(con, "t_in", "t_out", step, options, tmp_path, references)
    cursor = con.execute("SELECT * FROM t_out")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()], inp
