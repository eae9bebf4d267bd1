"""CSV, TSV and TXT: two readers that give the same records as Python's ``csv`` module, as frictionless does.

Why two: DuckDB's ``read_csv`` is fast and parallel, but reads some files differently from Python (blank lines
skipped, empty trailing cells dropped, comments, lone CRs). It is used only when the file is regular enough, and
checked after (record and delimiter counts against one byte scan); otherwise a streaming Python ``csv`` reader,
exactly what frictionless does, feeds Arrow batches to DuckDB. Nothing holds the whole file.

Python's csv module has one field limit for the whole process, so it cannot be a per-read bound: each reader
bounds its own records (``RecordBound``, from ``limits.max_line_bytes``) and only ever raises the csv module's
limit above that, so a long-lived worker reads exactly as a fresh CLI process does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from catalog.errors import InvalidInput
from catalog.i18n import _
from catalog.sqltext import sql_string
from catalog.text import nfc
from pipelines import limits
from pipelines.read.staging import Batcher, Staged, header_rows
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

SCAN_CHUNK = 16 * 1024 * 1024


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
    """One pass over the bytes: what tells whether DuckDB's reader read the file as Python's would."""
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
            limits.check_cells(_("{name} (khi đếm số dòng)", name=path.name), newlines, 1)
    return ByteScan(newlines, last == b"\n", nul, comb, cr, delims if delim else -1)


# ------------------------------------------------------------------------------------------ CSV: header


@dataclass
class CsvLayout:
    """Header and dialect of a CSV file, read from its sample (``source.read_sample``: up to 100 lines)."""

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
            yield nfc(line)

    header_records, simple, lines_before, header_chars = [], True, 0, 0
    reader = csv.reader(lines(), **fmt.python())
    try:
        for number, cells in enumerate(reader, start=1):
            record.done()
            if number >= first:
                break
            limits.check_columns(_("{name}: dòng {number}", name=source.path.name, number=number), len(cells))
            if dialect.header and number in dialect.header_rows and not is_comment(dialect, number, cells):
                header_records.append(cells)
            header_chars += sum(len(line) for line in sample[lines_before:consumed[0]])
            limits.check_header_bytes(source.path.name, header_chars)
            lines_before = consumed[0]
            if lines_before != number:
                simple = False
    except csv.Error as exc:
        raise InvalidInput(_("{name}: không đọc được dòng tiêu đề CSV ({error})", name=source.path.name,
                               error=exc)) from exc
    labels = labels_from_rows(header_records, dialect) if dialect.header else []
    limits.check_columns(_("{name}: dòng tiêu đề", name=source.path.name), len(labels))
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
        f"columns={columns}", "header=false", f"skip={layout.header_lines}", f"delim={sql_string(fmt.delimiter)}",
        "quote='\"'", "escape='\"'", "auto_detect=false", "strict_mode=true", "null_padding=false",
        f"max_line_size={limits.line_limit()}", "parallel=true",
    ]
    if nullstr is not None:
        options.append("nullstr=[" + ", ".join(sql_string(v) for v in nullstr) + "]")
    if varchar:  # text columns keep every cell: '' is a value unless the field's missing values say so
        options.append("force_not_null=[" + ", ".join(f"'c{i + 1}'" for i in varchar) + "]")
    return f"read_csv({sql_string(str(source.path))}, {', '.join(options)})"


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
    d = sql_string(delimiter)
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
    return Staged(table=table, labels=layout.labels, header_rows=header_rows(dialect), width=width,
                  kinds=False, rows=rows, rn=f"(rowid + {layout.header_lines + 1})", n=str(width),
                  extra="NULL::VARCHAR[]")


# ------------------------------------------------------------------------------------ CSV: Python reader


def stage_csv_python(con: duckdb.DuckDBPyConnection, source: Source, dialect: Dialect, layout: CsvLayout,
                     width: int, table: str, progress: Callable[[int], None] | None = None) -> Staged:
    """Read with Python's csv module over a TextIOWrapper, as frictionless does, row by row."""
    batcher = Batcher(con, table, width, kinds=False, what=source.path.name)
    state = {"lines": 0, "error": None, "pending": []}
    record = RecordBound(source.path)
    first = dialect.first_content_row
    with open(source.path, "rb") as raw:
        text = io.TextIOWrapper(raw, source.encoding or "utf-8", newline="")

        def lines() -> Iterator[str]:
            while True:
                try:
                    line = text.readline(record.limit + 1)  # one past the bound: a longer line is never held
                except UnicodeDecodeError as exc:
                    state["error"] = exc
                    return
                if not line:
                    return
                state["lines"] += 1
                record.add(line, state["lines"])
                state["pending"].append(line)
                if progress and state["lines"] % 10000 == 0:
                    progress(raw.tell())
                yield nfc(line)

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
            raise InvalidInput(_("{name}: không đọc được như một tệp CSV, gần dòng {line} ({error})",
                                 name=source.path.name, line=state["lines"], error=exc)) from exc
        if progress:
            progress(raw.tell())
    if number and state["error"] is None and _unterminated(last, layout.fmt):
        raise InvalidInput(_("{name} kết thúc giữa một giá trị trong dấu ngoặc kép (bản ghi {number}): tệp có vẻ "
                             "bị cắt cụt", name=source.path.name, number=number),
                           hint=_("hãy kiểm tra rằng toàn bộ tệp đã được sao chép"))
    batcher.flush()
    error = state["error"]
    if error is not None and not source.declared:
        raise not_utf8(source.path, error)
    return Staged(table=table, labels=layout.labels, header_rows=header_rows(dialect),
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


def read_csv_layout(source: Source, dialect: Dialect) -> tuple[CsvLayout | None, str | None]:
    """Sample the file; a decode error inside the sample is frictionless's "error at open"."""
    sample, error = read_sample(source)
    if error is not None:
        if not source.declared:
            raise not_utf8(source.path, error)
        return None, str(error)
    if not sample:
        raise InvalidInput(_("{name} trống: không có bảng nào để đọc", name=source.path.name))
    return csv_layout(source, dialect, sample), None
