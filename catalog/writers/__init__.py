"""One writer per download format, shared by dataset downloads, explorer views and SQL results.

Why: a download of the same rows must be the same file whichever door it came through (``/datasets/...``,
``/explore``, ``/api/v1/sql``), so each format has exactly one writer and one set of rules, here. A writer takes
a DuckDB relation (a dataset's Parquet parts with filters, or a sandboxed query's result) and streams it to a
file: JSON, JSONL and XLSX rows are built in SQL by the relation's own connection (fast, and possible inside the
locked SQL sandbox, which cannot write files itself); CSV and Parquet go through Arrow batches.

Rules every writer follows: ``catalog/spreadsheet.py`` (formula safety, Excel's limits), ``catalog/jsonvalues.py``
(Python values as JSON), ``max_bytes`` (``TooLarge`` once the file grows past it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.writers import csv, json, parquet, xlsx
from catalog.writers.base import ByteCap

FORMATS = ("parquet", "csv", "json", "jsonl", "xlsx")
MEDIA_TYPES = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/jsonl",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def write(relation: duckdb.DuckDBPyRelation, fmt: str, out: Path, *, max_bytes: int | None = None,
          bom: bool = False, excel: bool = False, quote_text: bool = False, table_schema: dict | None = None) -> int:
    """Write ``relation``'s rows to ``out`` in ``fmt``; returns the number of rows written.

    ``bom`` (CSV): starts with a byte-order mark; ``excel`` (CSV): a BOM and formula-safe header and text;
    ``quote_text`` (CSV): every text value quoted (SQL results), see ``catalog/writers/csv.py``;
    ``table_schema`` (Parquet): the dataset's published schema, carried in the file's metadata."""
    cap = ByteCap(max_bytes)
    if fmt == "csv":
        rows = csv.write(relation, out, cap, bom=bom or excel, excel=excel, quote_text=quote_text)
    elif fmt in ("json", "jsonl"):
        rows = json.write(relation, out, cap, lines=fmt == "jsonl")
    elif fmt == "xlsx":
        rows = xlsx.write(relation, out, cap)
    elif fmt == "parquet":
        rows = parquet.write(relation, out, cap, table_schema)
    else:
        raise InvalidInput(_("không có định dạng tải về {fmt!r}", fmt=fmt),
                           hint=_("dùng một trong: {ops}", ops=", ".join(FORMATS)))
    cap.check(out.stat().st_size)
    return rows


def arrow_relation(reader: Any) -> duckdb.DuckDBPyRelation:
    """A relation over an Arrow record batch reader, for rows that arrive as Arrow (read once, as they stream)."""
    con = duckdb.connect(":memory:", config={"threads": 1, "autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False})
    return con.from_arrow(reader)
