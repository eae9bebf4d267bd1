"""What every reader shares: the staging table it fills, the kinds of native cells, and the Arrow batcher.

Why a module of its own: each format's reader (``csv``, ``xlsx``, ``json``, ``parquet``) puts a file's cells into
one DuckDB table of the same shape, and the validator and ``describe`` read that table without knowing the
format. That shape (``Staged``), the kind numbers of native cells and the batched insert are one contract, so
they live in one place that the format modules import and never the other way round.

The staging table has one VARCHAR column per expected field (``c1`` … ``cW``, NFC text, NULL for a cell the
record does not have), ``__n`` (how many cells the record had), ``__extra`` (cells beyond ``W``), and for
XLSX/JSON/Parquet a kind column per field (``k1`` … ``kW``: which native type the cell had, because
frictionless treats a number *cell* in a string field differently from the text "12").
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from catalog.i18n import _
from pipelines import limits
from pipelines.source import Dialect

BATCH_ROWS = 50_000
BATCH_CELLS = 2_000_000  # a batch of a wide table holds fewer rows

# Kinds of native cells (NULL kind = text). The SQL of each field type decides what a kind means.
KIND_INT, KIND_FLOAT, KIND_BOOL, KIND_DATETIME, KIND_DATE, KIND_TIME, KIND_DECIMAL = 1, 2, 3, 4, 5, 6, 7
KIND_LIST, KIND_DICT, KIND_OTHER = 8, 9, 10


@dataclass
class Staged:
    """Cells of one table in DuckDB, plus what the header said."""

    table: str
    labels: list[str]
    header_rows: list[int]
    width: int
    kinds: bool
    rows: int
    rn: str  # SQL for the row number
    n: str  # SQL for the number of cells of the record
    extra: str  # SQL for the list of cells beyond ``width``
    encoding_error: str | None = None
    opened: bool = True  # False: reading failed before the header (frictionless reports only that error)
    direct: bool = False  # ``table`` is a read_csv subquery: typed straight from the file, checked after


class Batcher:
    """Collects records and inserts them into DuckDB as Arrow batches."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, width: int, kinds: bool, what: str):
        limits.check_columns(_("{what}: bảng", what=what), width)
        self.con, self.table, self.width, self.kinds = con, table, width, kinds
        self.rows: list[tuple] = []
        self.count = 0
        self.budget = limits.CellBudget(what, width)
        self.batch_rows = max(1, min(BATCH_ROWS, BATCH_CELLS // max(width, 1)))
        names = ["__rn", "__n", "__extra"] + [f"c{i + 1}" for i in range(width)]
        types = [pa.int64(), pa.int32(), pa.list_(pa.string())] + [pa.string()] * width
        if kinds:
            names += [f"k{i + 1}" for i in range(width)]
            types += [pa.uint8()] * width
        self.schema = pa.schema(list(zip(names, types, strict=True)))
        cols = ", ".join(f"{n} {duck_type(t)}" for n, t in zip(names, types, strict=True))
        con.execute(f"CREATE OR REPLACE TABLE {table} ({cols})")

    def add(self, rn: int, cells: list, kinds: list | None = None) -> None:
        n, width = len(cells), self.width
        self.budget.add(rn, n)
        extra = [None if c is None else str(c) for c in cells[width:]] if n > width else None
        if n < width:
            cells = list(cells) + [None] * (width - n)
            if kinds is not None:
                kinds = list(kinds) + [None] * (width - len(kinds))
        elif n > width:
            cells = cells[:width]
            kinds = kinds[:width] if kinds is not None else None
        row = (rn, n, extra, *cells)
        if self.kinds:
            row += tuple(kinds or [None] * width)
        self.rows.append(row)
        if len(self.rows) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        columns = list(zip(*self.rows, strict=True))
        arrays = [pa.array(col, type=t) for col, t in zip(columns, self.schema.types, strict=True)]
        batch = pa.Table.from_arrays(arrays, schema=self.schema)  # noqa: F841 (scanned by DuckDB)
        self.con.execute(f"INSERT INTO {self.table} SELECT * FROM batch")
        self.count += len(self.rows)
        self.rows = []


def duck_type(t: pa.DataType) -> str:
    """The DuckDB column type of a staging column's Arrow type."""
    if t == pa.int64():
        return "BIGINT"
    if t == pa.int32():
        return "INTEGER"
    if t == pa.uint8():
        return "UTINYINT"
    if t == pa.string():
        return "VARCHAR"
    return "VARCHAR[]"


def header_rows(dialect: Dialect) -> list[int]:
    """The row numbers the dialect reads labels from (none without a header)."""
    return list(dialect.header_rows) if dialect.header else []


def progress_bar(total: int, enabled: bool, desc: str):
    """A tqdm bar over bytes on a terminal, or None (quiet when piped)."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False, file=sys.stderr)
