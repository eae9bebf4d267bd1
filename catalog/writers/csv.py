"""CSV: a header line, then one line per row, written by Arrow's CSV writer.

Rules: text is always quoted (Arrow's "needed" style), numbers never; nested values (lists, structs, maps) as
JSON text (``catalog/jsonvalues.py``); timestamps without fractions as ``2024-01-31 07:00:00``. For Excel
(``excel``): a BOM, and the formula-safe rule of ``catalog/spreadsheet.py`` on the header and on text values.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb

from catalog import spreadsheet
from catalog.jsonvalues import jsonable
from catalog.writers.base import ByteCap

BATCH_ROWS = 65_536


def write(relation: duckdb.DuckDBPyRelation, out: Path, cap: ByteCap, *, bom: bool, excel: bool) -> int:
    """Stream the relation into ``out`` as CSV; returns the number of rows."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    reader = relation.to_arrow_reader(BATCH_ROWS)
    names = spreadsheet.excel_header(reader.schema.names) if excel else list(reader.schema.names)
    writer, rows = None, 0
    with open(out, "wb") as handle:
        if bom:
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
    for column in batch.columns:
        if (readable_times and pa.types.is_timestamp(column.type) and column.type.tz is None
                and not pc.any(pc.not_equal(pc.microsecond(column), 0)).as_py()):
            arrays.append(pc.strftime(column.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S"))
            changed = True
        elif pa.types.is_nested(column.type):
            arrays.append(pa.array([None if v is None else json.dumps(jsonable(v), ensure_ascii=False)
                                    for v in column.to_pylist()], type=pa.string()))
            changed = True
        else:
            arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names) if changed else batch
