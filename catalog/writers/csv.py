"""CSV: a header line, then one line per row; for Excel a BOM and formula-safe header and text.

Rules shared by every CSV download: UTF-8; ``bom`` starts the file with a byte-order mark; ``excel`` adds the BOM
and the formula-safe rule of ``catalog/spreadsheet.py`` on the header and on text values (numbers never get the
prefix); a result without rows still has its header line.

Two quoting styles remain, because tests pin both (see the note in ``tests/test_writers.py``):
- ``quote_text=False`` (published data: dataset and explorer downloads): quotes only where a value needs them
  (RFC 4180), written by DuckDB's CSV writer from the relation; lists and structs in DuckDB's text form;
- ``quote_text=True`` (SQL results): every text value quoted, written by Arrow's CSV writer; nested values as
  JSON text (``catalog/jsonvalues.py``); timestamps without fractions as ``2024-01-31 07:00:00``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from catalog import spreadsheet
from catalog.jsonvalues import jsonable
from catalog.sqltext import sql_string
from catalog.writers.base import VIEW, ByteCap, column, columns

BATCH_ROWS = 65_536


def write(relation: duckdb.DuckDBPyRelation, out: Path, cap: ByteCap, *, bom: bool, excel: bool,
          quote_text: bool = False) -> int:
    """Write the relation into ``out`` as CSV; returns the number of rows."""
    if quote_text:
        return _write_arrow(relation, out, cap, bom=bom, excel=excel)
    return _write_minimal(relation, out, cap, bom=bom, excel=excel)


def line(values: Sequence[str]) -> str:
    """One CSV line quoted only where needed (as DuckDB quotes), ending in a newline."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _is_text(kind: str) -> bool:
    return kind.upper() in ("VARCHAR", "TEXT", "STRING")


def _write_minimal(relation: duckdb.DuckDBPyRelation, out: Path, cap: ByteCap, *, bom: bool, excel: bool) -> int:
    names = relation.columns
    if excel:
        values = ", ".join(f"{spreadsheet.excel_sql(column(name))} AS {column(name)}" if _is_text(kind)
                           else column(name) for name, kind in columns(relation))
        relation = relation.query(VIEW, f"SELECT {values} FROM {VIEW}")
    body = out.with_name(out.name + ".body") if (bom or excel) else out
    header = "false" if excel else "true"  # Excel's header is protected and written below
    rows = relation.query(VIEW, f"COPY {VIEW} TO {sql_string(body)} (FORMAT csv, HEADER {header})").fetchall()[0][0]
    if body != out:
        with open(out, "wb") as dst, open(body, "rb") as src:
            dst.write(spreadsheet.BOM)
            if excel:
                dst.write(line(spreadsheet.excel_header(names)).encode())
            shutil.copyfileobj(src, dst, 1 << 20)
        body.unlink()
    cap.check(out.stat().st_size)
    return rows


def _write_arrow(relation: duckdb.DuckDBPyRelation, out: Path, cap: ByteCap, *, bom: bool, excel: bool) -> int:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    reader = relation.to_arrow_reader(BATCH_ROWS)
    names = spreadsheet.excel_header(reader.schema.names) if excel else list(reader.schema.names)
    writer, rows = None, 0
    with open(out, "wb") as handle:
        if bom or excel:
            handle.write(spreadsheet.BOM)
        for batch in reader:
            batch = plain_batch(batch, readable_times=True)
            if excel:
                batch = pa.RecordBatch.from_arrays(
                    [spreadsheet.excel_arrow(c) if pa.types.is_string(c.type) or pa.types.is_large_string(c.type)
                     else c for c in batch.columns], names=names)
            if writer is None:
                writer = pacsv.CSVWriter(handle, batch.schema)
            writer.write_batch(batch)
            rows += batch.num_rows
            cap.check(handle.tell())
        if writer is None:  # no rows: still a header line
            handle.write((",".join(_cell(n) for n in names) + "\n").encode())
        else:
            writer.close()
    return rows


def _cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if re.search(r'[",\n\r]', text) else text


def plain_batch(batch: Any, readable_times: bool = False) -> Any:
    """Nested columns (lists, structs, maps) as JSON text, for formats that only hold flat values; with
    ``readable_times``, timestamps without fractions as ``2024-01-31 07:00:00`` rather than Arrow's
    ``2024-01-31 07:00:00.000000``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays, changed = [], False
    for col in batch.columns:
        if (readable_times and pa.types.is_timestamp(col.type) and col.type.tz is None
                and not pc.any(pc.not_equal(pc.microsecond(col), 0)).as_py()):
            arrays.append(pc.strftime(col.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S"))
            changed = True
        elif pa.types.is_nested(col.type):
            arrays.append(pa.array([None if v is None else json.dumps(jsonable(v), ensure_ascii=False)
                                    for v in col.to_pylist()], type=pa.string()))
            changed = True
        else:
            arrays.append(col)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names) if changed else batch
