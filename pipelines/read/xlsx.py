"""XLSX: a sheet read with openpyxl as frictionless reads it, streaming, bounded before any cell is built.

Why its own module: a workbook's cost is not its bytes. A 5 KB file can declare a sheet of a million rows or
merge one value over 17 billion cells, so the sheet's ``<dimension>`` and merged ranges are counted against
``pipelines.limits`` first, and ``fillMergedCells`` fills each range row by row instead of loading the sheet.
Cells keep their native kind (number, date, boolean), because frictionless reads them differently from text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal

import duckdb

import pipelines.read.staging as staging
from catalog.errors import InvalidInput, TooLarge
from catalog.i18n import _, format_number
from catalog.text import nfc
from pipelines import limits
from pipelines.source import Dialect, Source, is_blank_record, is_comment, labels_from_rows


def native_cell(value) -> tuple[str | None, int | None]:
    """A native spreadsheet/JSON value -> (str(value) as Python prints it, kind)."""
    if value is None:
        return None, None
    if isinstance(value, str):
        return nfc(value), None
    if isinstance(value, bool):
        return str(value), staging.KIND_BOOL
    if isinstance(value, int):
        return str(value), staging.KIND_INT
    if isinstance(value, float):
        return str(value), staging.KIND_FLOAT
    if isinstance(value, Decimal):
        return str(value), staging.KIND_DECIMAL
    if isinstance(value, dt.datetime):
        return str(value), staging.KIND_DATETIME
    if isinstance(value, dt.date):
        return str(value), staging.KIND_DATE
    if isinstance(value, dt.time):
        return str(value), staging.KIND_TIME
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, default=str), staging.KIND_LIST
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str), staging.KIND_DICT
    return nfc(str(value)), staging.KIND_OTHER


def stage_xlsx(con: duckdb.DuckDBPyConnection, source: Source, dialect: Dialect, schema_width: int,
               table: str, progress: Callable[[int], None] | None = None) -> staging.Staged:
    """Read a sheet with openpyxl like frictionless does (cached values, sheet dimensions), always streaming:
    the sheet's ``<dimension>`` and merged ranges are bounded before any cell is built, and ``fillMergedCells``
    fills each merged range row by row instead of loading the whole sheet (which builds every cell)."""
    import warnings

    import openpyxl

    warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
    try:
        book = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise InvalidInput(_("{name} không phải một sổ tính XLSX đọc được ({error})", name=source.path.name,
                             error=exc)) from exc
    try:
        try:
            sheet = book[dialect.sheet] if isinstance(dialect.sheet, str) else book.worksheets[int(dialect.sheet) - 1]
        except (KeyError, IndexError) as exc:
            raise InvalidInput(_("{name} không có trang tính {sheet}", name=source.path.name,
                                 sheet=repr(dialect.sheet)),
                               hint=_("các trang tính: {sheets}", sheets=", ".join(book.sheetnames))) from exc
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
        raise InvalidInput(_("{name}: không đọc được các ô gộp của trang tính {sheet} ({error})", name=name,
                             sheet=repr(sheet.title), error=exc)) from exc
    return [(min_row, min_col, max_row, max_col) for min_col, min_row, max_col, max_row in bounds]


def check_sheet_size(sheet, merges: list[tuple[int, int, int, int]], name: str) -> None:
    """The sheet's declared dimension and its merged ranges, against the column and cell limits."""
    where = _("{name}: trang tính {sheet}", name=name, sheet=repr(sheet.title))
    rows = max([sheet.max_row or 0] + [m[2] for m in merges])
    columns = max([sheet.max_column or 0] + [m[3] for m in merges])
    limits.check_columns(where, columns)
    limits.check_cells(where, rows, columns)
    merged = sum((m[2] - m[0] + 1) * (m[3] - m[1] + 1) for m in merges)
    if merged > limits.current().max_cells:
        raise TooLarge(_("{where}: các vùng ô gộp phủ {cells} ô, vượt giới hạn {limit} (MAX_UPLOAD_CELLS)",
                         where=where, cells=format_number(merged), limit=format_number(limits.current().max_cells)),
                       hint=_("hãy bỏ gộp các ô, hoặc đọc tệp mà không dùng fillMergedCells"))


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
                 rows: Iterator[tuple], progress: Callable[[int], None] | None) -> staging.Staged:
    first = dialect.first_content_row
    header_records, batcher, labels = [], None, []
    for number, row in enumerate(rows, start=1):
        values = list(row)
        if number < first:
            limits.check_columns(_("{name}: dòng {number}", name=source.path.name, number=number), len(values))
            if dialect.header and number in dialect.header_rows and not is_comment(dialect, number, values):
                header_records.append(values)
            continue
        if batcher is None:
            labels, batcher = _start(con, source, dialect, header_records, schema_width, table)
        if (dialect.comment_char or dialect.comment_rows) and is_comment(dialect, number, values):
            continue
        if dialect.skip_blank_rows and is_blank_record(values):
            continue
        pairs = [native_cell(v) for v in values]
        batcher.add(number, [p[0] for p in pairs], [p[1] for p in pairs])
        if progress and number % 10000 == 0:
            progress(number)
    if batcher is None:
        labels, batcher = _start(con, source, dialect, header_records, schema_width, table)
    batcher.flush()
    return staging.Staged(table=table, labels=labels, header_rows=staging.header_rows(dialect), width=batcher.width,
                          kinds=True, rows=batcher.count, rn="__rn", n="__n", extra="__extra")


def _start(con: duckdb.DuckDBPyConnection, source: Source, dialect: Dialect, header_records: list[list],
           schema_width: int, table: str) -> tuple[list[str], staging.Batcher]:
    """The labels (once the header rows are read) and the batcher of the staging table they size."""
    labels = labels_from_rows(header_records, dialect) if dialect.header else []
    return labels, staging.Batcher(con, table, len(labels) or schema_width, kinds=True, what=source.path.name)
