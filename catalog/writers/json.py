"""JSON (one array of objects) and JSONL (one object per line), each row built by DuckDB's ``to_json``.

Rules: one object per row, keyed by column name, in DuckDB's compact form (``{"a":1,"b":"x"}``), the layout
DuckDB's own ``COPY ... (FORMAT json)`` writes; timestamps as ISO 8601 (``2024-01-31T07:00:00``), as
``catalog/jsonvalues.py`` writes them; NaN and infinity as null (JSON has neither).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from catalog.writers.base import ByteCap, column, columns, each_row, is_float, is_timestamp

BATCH_ROWS = 20_000


def _value_sql(name: str, kind: str) -> str:
    col = column(name)
    if is_timestamp(kind):
        return f"{col} := replace(CAST({col} AS VARCHAR), ' ', 'T')"
    if is_float(kind):
        return f"{col} := CASE WHEN isfinite({col}) THEN {col} END"
    return f"{col} := {col}"


def write(relation: duckdb.DuckDBPyRelation, out: Path, cap: ByteCap, *, lines: bool) -> int:
    """Stream the relation into ``out``; returns the number of rows."""
    values = ", ".join(_value_sql(name, kind) for name, kind in columns(relation))
    batches = each_row(relation, f"CAST(to_json(struct_pack({values})) AS VARCHAR)", BATCH_ROWS)
    rows = 0
    with open(out, "wb") as handle:
        if not lines:
            handle.write(b"[\n\t")
        for batch in batches:
            if lines:
                handle.write("".join(r + "\n" for r in batch).encode())
            else:
                handle.write(((",\n\t" if rows else "") + ",\n\t".join(batch)).encode())
            rows += len(batch)
            cap.check(handle.tell())
        if not lines:
            handle.write(b"\n]\n")
    return rows
