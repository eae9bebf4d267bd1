"""Readers: put a file's cells into a DuckDB staging table, numbered like frictionless numbers rows.

The staging table has one VARCHAR column per expected field (``c1`` … ``cW``, NFC text, NULL for a cell
the record does not have), ``__n`` (how many cells the record had), ``__extra`` (cells beyond ``W``),
and for XLSX/JSON/Parquet a kind column per field (``k1`` … ``kW``: which native type the cell had,
because frictionless treats a number *cell* in a string field differently from the text "12").

Two CSV readers: DuckDB's ``read_csv`` (fast, parallel) when the file is regular enough that it must
give the same records as Python's ``csv`` module, else a streaming Python ``csv`` reader (exactly what
frictionless does) feeding Arrow batches to DuckDB. Memory stays bounded: nothing holds the whole file.

Every reader counts what a file costs once its format and dialect are known (columns, header bytes, cells,
XLSX dimensions and merged ranges, JSON nesting, a Parquet footer) against ``pipelines.limits`` and stops with
``TooLarge`` before building what the bound protects. Python's csv module has one field limit for the whole
process, so it cannot be a per-read bound: each reader bounds its own records (``RecordBound``, from
``limits.max_line_bytes``) and only ever raises the csv module's limit above that, so a long-lived worker reads
exactly as a fresh CLI process does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from catalog.errors import InvalidInput, TooLarge
from pipelines import limits
from pipelines.source import (
    CsvFormat,
    Dialect,
    Source,
    is_blank_record,
    is_comment,
    labels_from_rows,
    line_too_long,
    not_utf8,
    read_sample,
    sniff_csv,
)

BATCH_ROWS = 50_000
BATCH_CELLS = 2_000_000  # a batch of a wide table holds fewer rows
PARQUET_MAX_FOOTER = 64 * 1024 * 1024
DUCKDB_JSON_DEPTH = 128  # read_json refuses deeper documents  # the metadata pyarrow and DuckDB read before any row
SCAN_CHUNK = 16 * 1024 * 1024

# Kinds of native cells (NULL kind = text). The SQL of each field type decides what a kind means.
KIND_INT, KIND_FLOAT, KIND_BOOL, KIND_DATETIME, KIND_DATE, KIND_TIME, KIND_DECIMAL = 1, 2, 3, 4, 5, 6, 7
KIND_LIST, KIND_DICT, KIND_OTHER = 8, 9, 10


def sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def nfc_text(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


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


@dataclass
class ByteScan:
    """What one pass of memchr-speed searches tells about a text file."""

    newlines: int
    ends_with_newline: bool
    has_nul: bool
    has_combining: bool  # UTF-8 lead bytes 0xCC/0xCD: U+0300..U+037F, i.e. decomposed (NFD) Latin text
    has_cr: bool
    delimiters: int = -1  # occurrences of the (one-byte) delimiter, -1 if not counted


def scan_bytes(path: Path, progress: Callable[[int], None] | None = None, delimiter: str | None = None) -> ByteScan:
    newlines, last, nul, comb, cr, delims = 0, b"", False, False, False, 0
    delim = delimiter.encode() if delimiter and len(delimiter.encode()) == 1 else None
    with open(path, "rb") as handle:
        while chunk := handle.read(SCAN_CHUNK):
            newlines += chunk.count(b"\n")
            if delim:
                delims += chunk.count(delim)
            nul = nul or b"\x00" in chunk
            comb = comb or b"\xcc" in chunk or b"\xcd" in chunk
            cr = cr or b"\r" in chunk
            last = chunk[-1:]
            if progress:
                progress(len(chunk))
            limits.check_cells(f"{path.name} (counting its lines)", newlines, 1)
    return ByteScan(newlines, last == b"\n", nul, comb, cr, delims if delim else -1)


# ------------------------------------------------------------------------------------------ CSV: header


@dataclass
class CsvLayout:
    """Header and dialect of a CSV file, read from its first 100 lines."""

    fmt: CsvFormat
    labels: list[str]
    header_lines: int  # physical lines before the first content row
    header_simple: bool  # those lines are exactly the records before the first content row
    header_delimiters: int = 0  # delimiter characters in those lines


def csv_layout(source: Source, dialect: Dialect, sample: list[str]) -> CsvLayout:
    fmt = sniff_csv(sample, dialect, source.format)
    first = dialect.first_content_row
    consumed, record = [0], RecordBound(source.path)

    def lines() -> Iterator[str]:
        for line in sample:
            consumed[0] += 1
            record.add(line, consumed[0])
            yield nfc_text(line)

    header_records, simple, lines_before, header_chars = [], True, 0, 0
    reader = csv.reader(lines(), **fmt.python())
    try:
        for number, cells in enumerate(reader, start=1):
            record.done()
            if number >= first:
                break
            limits.check_columns(f"{source.path.name}: row {number}", len(cells))
            if dialect.header and number in dialect.header_rows and not is_comment(dialect, number, cells):
                header_records.append(cells)
            header_chars += sum(len(line) for line in sample[lines_before:consumed[0]])
            limits.check_header_bytes(source.path.name, header_chars)
            lines_before = consumed[0]
            if lines_before != number:
                simple = False
    except csv.Error as exc:
        raise InvalidInput(f"{source.path.name}: cannot read the CSV header ({exc})") from exc
    labels = labels_from_rows(header_records, dialect) if dialect.header else []
    limits.check_columns(f"{source.path.name}: the header", len(labels))
    delimiters = sum(line.count(fmt.delimiter) for line in sample[:lines_before])
    return CsvLayout(fmt=fmt, labels=labels, header_lines=lines_before, header_simple=simple,
                     header_delimiters=delimiters)


class RecordBound:
    """Bounds the characters of one CSV record (its physical lines), counted before the csv module parses it."""

    def __init__(self, path: Path) -> None:
        self.path, self.limit, self.size = path, limits.line_limit(), 0
        if csv.field_size_limit() < self.limit:  # only ever raised: this bound, not the csv module's, decides
            csv.field_size_limit(self.limit)

    def add(self, line: str, line_number: int) -> None:
        self.size += len(line)
        if self.size > self.limit:
            raise line_too_long(self.path, line_number)

    def done(self) -> None:
        self.size = 0


def duckdb_csv(source: Source, layout: CsvLayout, width: int, types: list[str] | None = None,
               nullstr: list[str] | None = None, varchar: list[int] | None = None) -> str | None:
    """``read_csv(...)`` for DuckDB when it must read the same records as Python's csv, else None."""
    fmt = layout.fmt
    # one column: DuckDB reads a blank line as a NULL cell, Python as a row without cells
    if not (layout.header_simple and width > 1 and len(fmt.delimiter) == 1 and fmt.quotechar == '"'
            and fmt.doublequote and not fmt.escapechar and not fmt.skipinitialspace
            and source.encoding in ("utf-8", "utf-8-sig")):
        return None
    types = types or ["VARCHAR"] * width
    columns = "{" + ", ".join(f"'c{i + 1}': '{t}'" for i, t in enumerate(types)) + "}"
    options = [
        f"columns={columns}", "header=false", f"skip={layout.header_lines}", f"delim={sql_str(fmt.delimiter)}",
        "quote='\"'", "escape='\"'", "auto_detect=false", "strict_mode=true", "null_padding=false",
        f"max_line_size={limits.line_limit()}", "parallel=true",
    ]
    if nullstr is not None:
        options.append("nullstr=[" + ", ".join(sql_str(v) for v in nullstr) + "]")
    if varchar:  # text columns keep every cell: '' is a value unless the field's missing values say so
        options.append("force_not_null=[" + ", ".join(f"'c{i + 1}'" for i in varchar) + "]")
    return f"read_csv({sql_str(str(source.path))}, {', '.join(options)})"


def records_match(scan: ByteScan, layout: CsvLayout, records: int) -> bool:
    """DuckDB skips blank lines silently; the record count against the line count tells if it did."""
    lines = scan.newlines + (0 if scan.ends_with_newline else 1)
    return lines == layout.header_lines + records


def delimiters_match(scan: ByteScan, layout: CsvLayout, records: int, width: int, inside_values: int) -> bool:
    """DuckDB also drops empty cells beyond the last column ("a,b," read as two cells). Every record it
    accepted has at least width-1 delimiters, so the file's delimiter count tells if any had more."""
    return scan.delimiters == layout.header_delimiters + (width - 1) * records + inside_values


def delimiter_count_sql(columns: list[str], delimiter: str) -> str:
    """SQL summing the delimiter characters inside the given text columns."""
    d = sql_str(delimiter)
    parts = [f"coalesce(sum(CASE WHEN contains({c}, {d}) THEN strlen({c}) - strlen(replace({c}, {d}, '')) END), 0)"
             for c in columns]
    return " + ".join(parts) or "0"


# ------------------------------------------------------------------------------------ CSV: DuckDB reader


def csv_relation(source: Source, dialect: Dialect, layout: CsvLayout, scan: ByteScan, width: int) -> str | None:
    """A subquery reading the CSV's cells with DuckDB (NFC text, '' for empty), or None when the file's
    shape needs the Python reader (comments, lone CRs, NUL bytes, a delimiter we cannot count)."""
    relation = duckdb_csv(source, layout, width)
    if (relation is None or scan.has_cr or scan.has_nul or dialect.comment_char or dialect.comment_rows
            or scan.delimiters < 0):
        return None
    norm = "nfc_normalize" if scan.has_combining else ""
    cols = ", ".join(f"{norm}(coalesce(c{i + 1}, '')) AS c{i + 1}" for i in range(width))
    return f"(SELECT {cols} FROM {relation})"


def verify_csv_stage(con: duckdb.DuckDBPyConnection, table: str, scan: ByteScan, layout: CsvLayout,
                     width: int) -> int | None:
    """The number of records DuckDB staged into ``table``, or None if it read the file differently from
    Python's csv module (skipped blank lines, dropped empty extra cells)."""
    inside = delimiter_count_sql([f"c{i + 1}" for i in range(width)], layout.fmt.delimiter)
    rows, inside_count = con.execute(f"SELECT count(*), {inside} FROM {table}").fetchone()
    if not records_match(scan, layout, rows) or not delimiters_match(scan, layout, rows, width, inside_count):
        return None
    return rows


def stage_csv_duckdb(con: duckdb.DuckDBPyConnection, source: Source, dialect: Dialect, layout: CsvLayout,
                     scan: ByteScan, width: int, table: str) -> Staged | None:
    """The fast CSV reader into a table: all-VARCHAR ``read_csv``; None when the Python reader must be used."""
    relation = csv_relation(source, dialect, layout, scan, width)
    if relation is None:
        return None
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {relation}")
    except duckdb.Error:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        return None
    rows = verify_csv_stage(con, table, scan, layout, width)
    if rows is None:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        return None
    return Staged(table=table, labels=layout.labels, header_rows=_csv_header_rows(dialect), width=width,
                  kinds=False, rows=rows, rn=f"(rowid + {layout.header_lines + 1})", n=str(width),
                  extra="NULL::VARCHAR[]")


# ------------------------------------------------------------------------------------ CSV: Python reader


class _Batcher:
    """Collects records and inserts them into DuckDB as Arrow batches."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, width: int, kinds: bool, what: str):
        limits.check_columns(f"{what}: the table", width)
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
        cols = ", ".join(f"{n} {_duck(t)}" for n, t in zip(names, types, strict=True))
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


def _duck(t: pa.DataType) -> str:
    if t == pa.int64():
        return "BIGINT"
    if t == pa.int32():
        return "INTEGER"
    if t == pa.uint8():
        return "UTINYINT"
    if t == pa.string():
        return "VARCHAR"
    return "VARCHAR[]"


def stage_csv_python(con: duckdb.DuckDBPyConnection, source: Source, dialect: Dialect, layout: CsvLayout,
                     width: int, table: str, progress: Callable[[int], None] | None = None) -> Staged:
    """Read with Python's csv module over a TextIOWrapper, as frictionless does, row by row."""
    batcher = _Batcher(con, table, width, kinds=False, what=source.path.name)
    state = {"lines": 0, "error": None, "pending": []}
    record = RecordBound(source.path)
    first = dialect.first_content_row
    with open(source.path, "rb") as raw:
        text = io.TextIOWrapper(raw, source.encoding or "utf-8", newline="")

        def lines() -> Iterator[str]:
            while True:
                try:
                    line = next(text)
                except StopIteration:
                    return
                except UnicodeDecodeError as exc:
                    state["error"] = exc
                    return
                state["lines"] += 1
                record.add(line, state["lines"])
                state["pending"].append(line)
                if progress and state["lines"] % 10000 == 0:
                    progress(raw.tell())
                yield nfc_text(line)

        reader = csv.reader(lines(), **layout.fmt.python())
        number, last = 0, []
        try:
            for number, cells in enumerate(reader, start=1):
                last = state["pending"]
                state["pending"] = []
                record.done()
                if number < first:
                    continue
                if (dialect.comment_char or dialect.comment_rows) and is_comment(dialect, number, cells):
                    continue
                if dialect.skip_blank_rows and is_blank_record(cells):
                    continue
                batcher.add(number, cells)
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise line_too_long(source.path, state["lines"]) from exc
            raise InvalidInput(f"{source.path.name}: not a readable CSV file near line {state['lines']} "
                               f"({exc})") from exc
        if progress:
            progress(raw.tell())
    if number and state["error"] is None and _unterminated(last, layout.fmt):
        raise InvalidInput(f"{source.path.name} ends inside a quoted value (record {number}): "
                           "the file looks truncated", hint="check that the whole file was copied")
    batcher.flush()
    error = state["error"]
    if error is not None and not source.declared:
        raise not_utf8(source.path, error)
    return Staged(table=table, labels=layout.labels, header_rows=_csv_header_rows(dialect),
                  width=width, kinds=False, rows=batcher.count, rn="__rn", n="__n", extra="__extra",
                  encoding_error=str(error) if error is not None else None)


def _unterminated(lines: list[str], fmt: CsvFormat) -> bool:
    """Whether the last record ends inside an open quoted value (the strict csv parser says so)."""
    if not lines or not fmt.quotechar:
        return False
    try:
        list(csv.reader(lines, **{**fmt.python(), "strict": True}))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _csv_header_rows(dialect: Dialect) -> list[int]:
    return list(dialect.header_rows) if dialect.header else []


def read_csv_layout(source: Source, dialect: Dialect) -> tuple[CsvLayout | None, str | None]:
    """Sample the file; a decode error inside the sample is frictionless's "error at open"."""
    sample, error = read_sample(source)
    if error is not None:
        if not source.declared:
            raise not_utf8(source.path, error)
        return None, str(error)
    if not sample:
        raise InvalidInput(f"{source.path.name} is empty: there is no table to read")
    return csv_layout(source, dialect, sample), None


def failed_open(table: str, con: duckdb.DuckDBPyConnection, note: str) -> Staged:
    con.execute(f"CREATE OR REPLACE TABLE {table} (__rn BIGINT, __n INTEGER, __extra VARCHAR[])")
    return Staged(table=table, labels=[], header_rows=[], width=0, kinds=False, rows=0, rn="__rn", n="__n",
                  extra="__extra", encoding_error=note, opened=False)


# ------------------------------------------------------------------------------------------------- XLSX


def native_cell(value) -> tuple[str | None, int | None]:
    """A native spreadsheet/JSON value -> (str(value) as Python prints it, kind)."""
    if value is None:
        return None, None
    if isinstance(value, str):
        return nfc_text(value), None
    if isinstance(value, bool):
        return str(value), KIND_BOOL
    if isinstance(value, int):
        return str(value), KIND_INT
    if isinstance(value, float):
        return str(value), KIND_FLOAT
    if isinstance(value, Decimal):
        return str(value), KIND_DECIMAL
    if isinstance(value, dt.datetime):
        return str(value), KIND_DATETIME
    if isinstance(value, dt.date):
        return str(value), KIND_DATE
    if isinstance(value, dt.time):
        return str(value), KIND_TIME
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, default=str), KIND_LIST
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str), KIND_DICT
    return nfc_text(str(value)), KIND_OTHER


def stage_xlsx(con: duckdb.DuckDBPyConnection, source: Source, dialect: Dialect, schema_width: int,
               table: str, progress: Callable[[int], None] | None = None) -> Staged:
    """Read a sheet with openpyxl like frictionless does (cached values, sheet dimensions), always streaming:
    the sheet's ``<dimension>`` and merged ranges are bounded before any cell is built, and ``fillMergedCells``
    fills each merged range row by row instead of loading the whole sheet (which builds every cell)."""
    import warnings

    import openpyxl

    warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
    try:
        book = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise InvalidInput(f"{source.path.name} is not a readable XLSX workbook ({exc})") from exc
    try:
        try:
            sheet = book[dialect.sheet] if isinstance(dialect.sheet, str) else book.worksheets[int(dialect.sheet) - 1]
        except (KeyError, IndexError) as exc:
            raise InvalidInput(f"{source.path.name} has no sheet {dialect.sheet!r}",
                               hint="sheets: " + ", ".join(book.sheetnames)) from exc
        merges = merged_ranges(sheet, source.path.name) if dialect.fill_merged_cells else []
        check_sheet_size(sheet, merges, source.path.name)
        rows = fill_merged(sheet.iter_rows(values_only=True), merges)
        return _stage_sheet(con, source, dialect, schema_width, table, rows, progress)
    finally:
        book.close()


def merged_ranges(sheet, name: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of each ``<mergeCell>``, read with expat: no tree, no cell."""
    from xml.parsers import expat

    from openpyxl.worksheet.cell_range import CellRange

    refs: list[str] = []
    parser = expat.ParserCreate()

    def start(tag: str, attrs: dict) -> None:
        if tag.rpartition(":")[2] == "mergeCell":
            refs.append(attrs.get("ref") or "")

    parser.StartElementHandler = start
    try:
        with sheet._get_source() as src:
            parser.ParseFile(src)
        bounds = [CellRange(ref).bounds for ref in refs]
    except (expat.ExpatError, ValueError, TypeError) as exc:
        raise InvalidInput(f"{name}: the merged cells of sheet {sheet.title!r} cannot be read ({exc})") from exc
    return [(min_row, min_col, max_row, max_col) for min_col, min_row, max_col, max_row in bounds]


def check_sheet_size(sheet, merges: list[tuple[int, int, int, int]], name: str) -> None:
    """The sheet's declared dimension and its merged ranges, against the column and cell limits."""
    where = f"{name}: sheet {sheet.title!r}"
    rows = max([sheet.max_row or 0] + [m[2] for m in merges])
    columns = max([sheet.max_column or 0] + [m[3] for m in merges])
    limits.check_columns(where, columns)
    limits.check_cells(where, rows, columns)
    merged = sum((m[2] - m[0] + 1) * (m[3] - m[1] + 1) for m in merges)
    if merged > limits.current().max_cells:
        raise TooLarge(f"{where}: its merged ranges cover {merged:,} cells, over the limit of "
                       f"{limits.current().max_cells:,} (MAX_UPLOAD_CELLS)", hint="unmerge the cells, or read it "
                       "without fillMergedCells")


def fill_merged(rows: Iterator[tuple], merges: list[tuple[int, int, int, int]]) -> Iterator[tuple]:
    """Rows with every cell of a merged range holding the range's top-left value (as openpyxl's unmerge and
    fill would), computed row by row."""
    if not merges:
        yield from rows
        return
    pending, active, top = sorted(merges), [], {}
    for number, row in enumerate(rows, start=1):
        while pending and pending[0][0] <= number:
            active.append(pending.pop(0))
        active = [m for m in active if m[2] >= number]
        if active:
            row = list(row)
            for merge in active:
                min_row, min_col, _max_row, max_col = merge
                if min_row == number:
                    top[merge] = row[min_col - 1] if len(row) >= min_col else None
                row.extend([None] * (max_col - len(row)))
                row[min_col - 1:max_col] = [top[merge]] * (max_col - min_col + 1)
        yield row


def _stage_sheet(con: duckdb.DuckDBPyConnection, source: Source, dialect: Dialect, schema_width: int, table: str,
                 rows: Iterator[tuple], progress: Callable[[int], None] | None) -> Staged:
    first = dialect.first_content_row
    header_records, batcher, labels = [], None, []
    for number, row in enumerate(rows, start=1):
        values = list(row)
        if number < first:
            limits.check_columns(f"{source.path.name}: row {number}", len(values))
            if dialect.header and number in dialect.header_rows and not is_comment(dialect, number, values):
                header_records.append(values)
            continue
        if batcher is None:
            labels = labels_from_rows(header_records, dialect) if dialect.header else []
            batcher = _Batcher(con, table, len(labels) or schema_width, kinds=True, what=source.path.name)
        if (dialect.comment_char or dialect.comment_rows) and is_comment(dialect, number, values):
            continue
        if dialect.skip_blank_rows and is_blank_record(values):
            continue
        pairs = [native_cell(v) for v in values]
        batcher.add(number, [p[0] for p in pairs], [p[1] for p in pairs])
        if progress and number % 10000 == 0:
            progress(number)
    if batcher is None:
        labels = labels_from_rows(header_records, dialect) if dialect.header else []
        batcher = _Batcher(con, table, len(labels) or schema_width, kinds=True, what=source.path.name)
    batcher.flush()
    return Staged(table=table, labels=labels, header_rows=_csv_header_rows(dialect), width=batcher.width,
                  kinds=True, rows=batcher.count, rn="__rn", n="__n", extra="__extra")


# ------------------------------------------------------------------------------------------------- JSON


def stage_json(con: duckdb.DuckDBPyConnection, source: Source, field_names: list[str], table: str) -> Staged:
    """An array of objects, keyed by the schema's field names (missing keys are empty cells), as
    frictionless reads keyed JSON; numbers keep their kind (integer, decimal)."""
    head = _json_head(source)
    if head != "[":
        raise InvalidInput(f"{source.path.name}: expected a JSON array of objects (rows), found "
                           f"{'an object' if head == '{' else 'something else'} at the top level")
    limits.check_columns(f"{source.path.name}: the rows' keys", len(field_names))
    columns = "{" + ", ".join(f"{sql_str(n)}: 'JSON'" for n in field_names) + "}"
    relation = (f"read_json({sql_str(str(source.path))}, format='array', columns={columns}, "
                f"maximum_object_size={limits.line_limit()})")
    cols = []
    for i, name in enumerate(field_names):
        col = f'"{name.replace(chr(34), chr(34) * 2)}"'
        jtype = f"json_type({col})"
        text = (f"CASE WHEN {col} IS NULL OR {jtype} = 'NULL' THEN NULL "
                f"WHEN {jtype} = 'VARCHAR' THEN nfc_normalize({col} ->> '$') "
                f"WHEN {jtype} = 'BOOLEAN' THEN CASE WHEN {col}::BOOLEAN THEN 'True' ELSE 'False' END "
                f"ELSE {col}::VARCHAR END AS c{i + 1}")
        kind = (f"CASE {jtype} WHEN 'BIGINT' THEN {KIND_INT} WHEN 'UBIGINT' THEN {KIND_INT} "
                f"WHEN 'DOUBLE' THEN {KIND_DECIMAL} WHEN 'BOOLEAN' THEN {KIND_BOOL} WHEN 'ARRAY' THEN {KIND_LIST} "
                f"WHEN 'OBJECT' THEN {KIND_DICT} ELSE NULL END::UTINYINT AS k{i + 1}")
        cols += [text, kind]
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(cols)} FROM {relation}")
    except duckdb.Error as exc:
        if "maximum recursion depth" in str(exc):  # DuckDB's own bound (128), above ours
            limits.check_depth(source.path.name, DUCKDB_JSON_DEPTH + 1, at_least=True)
        raise InvalidInput(f"{source.path.name} is not a JSON array of objects "
                           f"({str(exc).splitlines()[0]})") from exc
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    width = len(field_names)
    limits.check_cells(source.path.name, rows, width)
    check_json_depth(con, source, table, width)
    return Staged(table=table, labels=list(field_names), header_rows=[1], width=width, kinds=True, rows=rows,
                  rn="(rowid + 2)", n=str(width), extra="NULL::VARCHAR[]")


def check_json_depth(con: duckdb.DuckDBPyConnection, source: Source, table: str, width: int) -> None:
    """Nesting of the array and object cells (plus 2: the top-level array and the row object). Counting the
    cell's opening brackets in SQL is an upper bound; only cells over it are measured exactly."""
    cell_limit = limits.current().max_json_depth - 2
    nested = [f"c{j}" for j in range(1, width + 1)]
    if not nested:
        return
    openers = " OR ".join(f"(k{j} IN ({KIND_LIST}, {KIND_DICT}) AND length(c{j}) - length(regexp_replace("
                          f"c{j}, '[\\[{{]', '', 'g')) > {cell_limit})" for j in range(1, width + 1))
    suspects = con.execute(f"SELECT {', '.join(nested)} FROM {table} WHERE {openers} LIMIT 1000").fetchall()
    deepest = max((json_depth(cell) for row in suspects for cell in row if cell), default=0)
    limits.check_depth(source.path.name, deepest + 2)


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped), without recursion."""
    depth = deepest = 0
    for bracket in re.sub(r"[^\[\]{}]", "", re.sub(r'"(?:[^"\\]|\\.)*"', "", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _json_head(source: Source) -> str:
    with open(source.path, encoding=source.encoding or "utf-8", errors="replace") as handle:
        while chunk := handle.read(4096):
            stripped = chunk.lstrip()
            if stripped:
                return stripped[0]
    return ""


# ---------------------------------------------------------------------------------------------- Parquet


def stage_parquet(con: duckdb.DuckDBPyConnection, source: Source, table: str) -> Staged:
    check_parquet_size(source.path)
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({sql_str(str(source.path))})").fetchall()
    except duckdb.Error as exc:
        raise InvalidInput(f"{source.path.name} is not a readable Parquet file ({str(exc).splitlines()[0]})") from exc
    names = [row[0] for row in described]
    cols = []
    for i, (name, ctype, *_rest) in enumerate(described):
        col = f'"{name.replace(chr(34), chr(34) * 2)}"'
        kind, text = _parquet_kind(ctype), f"{col}::VARCHAR"
        if kind == KIND_BOOL:
            text = f"CASE WHEN {col} THEN 'True' WHEN NOT {col} THEN 'False' END"
        elif kind is None:
            text = f"nfc_normalize({col}::VARCHAR)"
        elif kind in (KIND_LIST, KIND_DICT):
            text = f"to_json({col})::VARCHAR"
        cols += [f"{text} AS c{i + 1}", f"{'NULL' if kind is None else kind}::UTINYINT AS k{i + 1}"]
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(cols)} "
                    f"FROM read_parquet({sql_str(str(source.path))})")
    except duckdb.Error as exc:
        raise InvalidInput(f"{source.path.name} is not a readable Parquet file ({str(exc).splitlines()[0]})") from exc
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return Staged(table=table, labels=[nfc_text(n) for n in names], header_rows=[1], width=len(names),
                  kinds=True, rows=rows, rn="(rowid + 2)", n=str(len(names)), extra="NULL::VARCHAR[]")


def check_parquet_size(path: Path) -> None:
    """Columns and rows from the footer, read only once its length is known to be bounded."""
    import pyarrow.parquet as pq

    with open(path, "rb") as handle:
        handle.seek(-8, 2)
        footer = int.from_bytes(handle.read(4), "little")
    if footer > PARQUET_MAX_FOOTER:
        raise TooLarge(f"{path.name}: its Parquet footer (the metadata) is {footer:,} bytes, over the limit of "
                       f"{PARQUET_MAX_FOOTER:,}", hint="write it with fewer columns or row groups")
    try:
        meta = pq.read_metadata(path)
    except (OSError, pa.ArrowException) as exc:
        raise InvalidInput(f"{path.name} is not a readable Parquet file ({exc})") from exc
    limits.check_columns(path.name, meta.num_columns)
    limits.check_cells(path.name, meta.num_rows, meta.num_columns)


def _parquet_kind(ctype: str) -> int | None:
    ctype = ctype.upper()
    if ctype in ("VARCHAR", "UUID") or ctype.startswith("ENUM"):
        return None
    if ctype == "BOOLEAN":
        return KIND_BOOL
    if ctype in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT"):
        return KIND_INT
    if ctype in ("FLOAT", "DOUBLE"):
        return KIND_FLOAT
    if ctype.startswith("DECIMAL"):
        return KIND_DECIMAL
    if ctype.startswith("TIMESTAMP"):
        return KIND_DATETIME
    if ctype == "DATE":
        return KIND_DATE
    if ctype.startswith("TIME"):
        return KIND_TIME
    if ctype.endswith("]") or ctype.startswith("LIST"):
        return KIND_LIST
    if ctype.startswith(("STRUCT", "MAP", "JSON")):
        return KIND_DICT
    return KIND_OTHER


def progress_bar(total: int, enabled: bool, desc: str):
    """A tqdm bar over bytes on a terminal, or None (quiet when piped)."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False, file=sys.stderr)
