"""Downloads in every format: a whole version, or the rows a filter selects.

DuckDB writes CSV, JSON, JSONL and Parquet with ``COPY ... TO`` straight from the Parquet parts, so memory
stays bounded whatever the size. XLSX is written by DuckDB too: each row's sheet XML is built in SQL and
streamed into the zip container, about 30x faster than a Python spreadsheet library on a million rows.

A whole version's derived files never change (the version is immutable), so each is produced once and kept
under ``cache/<dataset>/<sha256>.<variant>``; concurrent producers race harmlessly: the first hard link wins
and the file is never replaced, so a client resuming with ``Range`` always reads the bytes it started with.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from catalog import rows, spreadsheet
from catalog.errors import InvalidInput
from catalog.metadata import Catalog
from catalog.storage import WorkDir, fsync_dir, fsync_file

FORMATS = ("parquet", "csv", "json", "jsonl", "xlsx")
MEDIA_TYPES = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/jsonl",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
EXCEL_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header row
EXCEL_MAX_CELL = 32_767
BOM = spreadsheet.BOM


class TooManyRows(InvalidInput):
    """More rows than the format can hold (XLSX)."""

    code = "too_many_rows"
    status = 400


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown download format {fmt!r}", hint="use one of: " + ", ".join(FORMATS))
    return fmt


def variant_name(fmt: str, *, bom: bool = False, excel: bool = False) -> str:
    """The cache file's suffix: ``csv``, ``bom.csv`` (BOM) or ``excel.csv`` (BOM + formula protection)."""
    if fmt != "csv":
        return fmt
    return "excel.csv" if excel else "bom.csv" if bom else "csv"


# -- SQL projections --------------------------------------------------------------------------------------------
def _is_timestamp(kind: str) -> bool:
    return kind.upper().startswith("TIMESTAMP")


def _is_text(kind: str) -> bool:
    return kind.upper() in ("VARCHAR", "TEXT", "STRING")


def _is_float(kind: str) -> bool:
    return kind.upper() in ("DOUBLE", "FLOAT", "REAL")


def text_projection(types: dict[str, str], *, json_safe: bool = False, excel: bool = False) -> dict[str, str]:
    """Column expressions for text formats: ISO 8601 timestamps ('T', as Table Schema reads them back);
    for JSON no NaN/Infinity; for Excel the formula-safe rule of ``catalog/spreadsheet.py``."""
    out: dict[str, str] = {}
    for name, kind in types.items():
        if _is_timestamp(kind):
            out[name] = "replace(CAST({col} AS VARCHAR), ' ', 'T')"
        elif json_safe and _is_float(kind):
            out[name] = "CASE WHEN isfinite({col}) THEN {col} END"
        elif excel and _is_text(kind):
            out[name] = spreadsheet.excel_sql("{col}")
    return out


# -- writers ----------------------------------------------------------------------------------------------------
def write_export(files: Sequence[Path | str], schema: dict, fmt: str, out: Path, *,
                 filters: Sequence[rows.Filter] = (), sort: str | None = None, fields: Any = None,
                 bom: bool = False, excel: bool = False) -> Path:
    """Write the rows that ``filters`` select (all rows without filters) to ``out`` in ``fmt``."""
    check_format(fmt)
    types = rows.duckdb_types(files)
    if fmt == "xlsx":
        return write_xlsx(files, schema, out, types, filters=filters, sort=sort, fields=fields)
    if fmt == "parquet":
        projection: dict[str, str] = {}
        options = "FORMAT parquet, COMPRESSION zstd"
    elif fmt == "csv":
        projection = text_projection(types, excel=excel)
        options = f"FORMAT csv, HEADER {'false' if excel else 'true'}"  # Excel's header is written below
    else:
        projection = text_projection(types, json_safe=True)
        options = "FORMAT json, ARRAY true" if fmt == "json" else "FORMAT json"
    sql, params, names = rows.select_sql(files, schema, filters=filters, sort=sort, fields=fields,
                                         projection=projection)
    target = out.with_name(out.name + ".body") if (fmt == "csv" and (bom or excel)) else out
    with rows.connect(heavy=True) as con:
        rows.run(con, f"COPY ({sql}) TO '{_sql_path(target)}' ({options})", params)
    if target != out:
        with open(out, "wb") as dst, open(target, "rb") as src:
            dst.write(BOM)
            if excel:
                dst.write(csv_line(spreadsheet.excel_header(names)).encode())
            shutil.copyfileobj(src, dst, 1 << 20)
        target.unlink()
    return out


def csv_line(values: Sequence[str]) -> str:
    """One CSV line quoted as DuckDB quotes (only where needed), ending in a newline."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _sql_path(path: Path) -> str:
    """A path as a SQL string literal body (COPY TO cannot take a bound parameter)."""
    return str(path).replace("'", "''")


# XLSX: the minimum a spreadsheet needs, with inline strings (no shared-string table to hold in memory).
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>')
# Cell styles: 0 default, 1 date, 2 date-time, 3 time, 4 bold (header).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/><numFmt numFmtId="166" formatCode="hh:mm:ss"/>'
    '</numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
    'state="frozen"/></sheetView></sheetViews><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"
_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
             "HUGEINT", "UHUGEINT")


def _xml_text(expr: str) -> str:
    """SQL for ``expr`` as XML character data (control characters XML forbids are dropped)."""
    cleaned = f"regexp_replace(left(CAST({expr} AS VARCHAR), {EXCEL_MAX_CELL}), '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]', '', 'g')"
    return f"replace(replace(replace({cleaned}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def _string_cell(expr: str, style: str = "") -> str:
    return f"'<c{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">' || {_xml_text(expr)} || '</t></is></c>'"


def _xlsx_cell_sql(name: str, kind: str) -> str:
    """SQL building one ``<c>`` element; NULL becomes an empty cell so later cells keep their columns."""
    col = rows.quote(name)
    upper = kind.upper()
    if upper in _INTEGERS:
        # Excel keeps 15 significant digits: longer integers (ids) stay exact as text.
        cell = (f"CASE WHEN abs({col}) < 1000000000000000 THEN '<c><v>' || CAST({col} AS VARCHAR) || '</v></c>' "
                f"ELSE {_string_cell(col)} END")
    elif _is_float(upper) or upper.startswith("DECIMAL"):
        cell = f"CASE WHEN isfinite(CAST({col} AS DOUBLE)) THEN '<c><v>' || CAST({col} AS VARCHAR) || '</v></c>' END"
    elif upper == "BOOLEAN":
        cell = f"'<c t=\"b\"><v>' || CASE WHEN {col} THEN '1' ELSE '0' END || '</v></c>'"
    elif upper == "DATE":
        cell = (f"CASE WHEN {col} >= DATE '1900-03-01' THEN '<c s=\"1\"><v>' || "
                f"CAST(date_diff('day', DATE '1899-12-30', {col}) AS VARCHAR) || '</v></c>' "
                f"ELSE {_string_cell(col)} END")
    elif upper == "TIMESTAMP" or upper.startswith("TIMESTAMP_") or upper == "TIMESTAMP WITHOUT TIME ZONE":
        cell = (f"CASE WHEN {col} >= TIMESTAMP '1900-03-01' THEN '<c s=\"2\"><v>' || "
                f"CAST(epoch_us({col}) / 86400000000.0 + 25569 AS VARCHAR) || '</v></c>' "
                f"ELSE {_string_cell(col)} END")
    elif upper == "TIME":
        cell = (f"'<c s=\"3\"><v>' || CAST(datediff('microsecond', TIME '00:00:00', {col}) / 86400000000.0 "
                f"AS VARCHAR) || '</v></c>'")
    else:  # text, time zones (Excel has none), lists, structs, intervals: as text
        cell = _string_cell(col)
    return f"COALESCE({cell}, '<c/>')"


def write_xlsx(files: Sequence[Path | str], schema: dict, out: Path, types: dict[str, str] | None = None, *,
               filters: Sequence[rows.Filter] = (), sort: str | None = None, fields: Any = None) -> Path:
    """An XLSX workbook with one sheet; refuses (``TooManyRows``) what Excel cannot open."""
    types = types or rows.duckdb_types(files)
    total = rows.count_rows(files, schema, filters)
    if total > EXCEL_MAX_ROWS:
        raise TooManyRows(
            f"{total:,} rows is more than Excel can open ({EXCEL_MAX_ROWS:,} data rows per sheet)",
            hint="download CSV or Parquet instead, or add filters to select fewer rows")
    names = rows.parse_fields(fields, schema)
    projection = {name: "{col}" for name in names}
    inner, params, _ = rows.select_sql(files, schema, filters=filters, sort=sort, fields=fields,
                                       projection=projection)
    cells = " || ".join(_xlsx_cell_sql(name, types.get(name, "VARCHAR")) for name in names)
    header = "<row>" + "".join(
        "<c s=\"4\" t=\"inlineStr\"><is><t xml:space=\"preserve\">"
        + name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</t></is></c>"
        for name in names) + "</row>"
    sql = f"SELECT '<row>' || {cells} || '</row>' FROM ({inner})" if names else f"SELECT '<row/>' FROM ({inner})"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book, rows.connect(heavy=True) as con:
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS),
                           ("xl/workbook.xml", _WORKBOOK), ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                           ("xl/styles.xml", _STYLES)):
            book.writestr(_fixed_info(name), text)
        result = rows.run(con, sql, params)
        with book.open(_fixed_info("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as sheet:
            sheet.write((_SHEET_HEAD + header).encode())
            while batch := result.fetchmany(20_000):
                sheet.write("".join(r[0] for r in batch).encode())
            sheet.write(_SHEET_TAIL.encode())
    return out


def _fixed_info(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed timestamp, so the same version always gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 1  # ZipInfo has no public setter for it before Python 3.13
    return info


# -- whole versions, cached -------------------------------------------------------------------------------------
def cache_path(catalog: Catalog, version: dict, variant: str) -> Path:
    return catalog.home.cache_dir / version["dataset"] / f"{version['sha256']}.{variant}"


def place_once(tmp: Path, final: Path) -> None:
    """Publish ``tmp`` at ``final`` unless a file is already there (atomic: a hard link never overwrites)."""
    fsync_file(tmp)
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(tmp, final)
    except FileExistsError:
        return
    fsync_dir(final.parent)


def version_export(catalog: Catalog, version: dict, fmt: str, *, bom: bool = False, excel: bool = False) -> Path:
    """The whole version as ``fmt``: the Parquet itself, or a derived file made once and cached."""
    check_format(fmt)
    if fmt == "parquet" and version.get("path"):
        return catalog.version_file(version)  # an appended version (no single file) is consolidated below
    if fmt == "xlsx" and version.get("rows", 0) > EXCEL_MAX_ROWS:
        raise TooManyRows(
            f"version {version['number']} of {version['dataset']} has {version['rows']:,} rows, more than Excel "
            f"can open ({EXCEL_MAX_ROWS:,} data rows per sheet)", hint="download CSV or Parquet instead")
    final = cache_path(catalog, version, variant_name(fmt, bom=bom, excel=excel))
    if final.exists():
        return final
    with WorkDir(catalog.home) as work:
        staged = work.file(f"export.{fmt}")
        write_export(catalog.version_files(version), version["schema"], fmt, staged, bom=bom, excel=excel)
        place_once(staged, final)
    return final


# -- the whole dataset as one zip -------------------------------------------------------------------------------
def datapackage(dataset: dict, version: dict, csv_bytes: int, base_url: str = "") -> dict:
    """A Frictionless Data Package descriptor for the zip: both files, the Table Schema and the license."""
    name = dataset["name"]
    license_id = dataset.get("license") or ""
    package: dict[str, Any] = {
        "name": name,
        "title": dataset.get("title") or name,
        "description": dataset.get("description") or "",
        "version": str(version["number"]),
        "created": version["published_at"],
        "keywords": list(dataset.get("tags") or []),
        "licenses": [{"name": license_id, "title": license_id}] if license_id else [],
        "sources": [{"title": dataset["source"]}] if dataset.get("source") else [],
        "contributors": [{"title": dataset.get("org_title") or dataset.get("org"), "role": "publisher"}],
        "resources": [
            {"name": name, "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
             "bytes": csv_bytes, "schema": version["schema"]},
            {"name": f"{name}-parquet", "path": f"{name}.parquet", "format": "parquet",
             "mediatype": MEDIA_TYPES["parquet"], "bytes": version["bytes"], "hash": f"sha256:{version['sha256']}",
             "schema": version["schema"]},
        ],
    }
    if base_url:
        package["homepage"] = base_url
    return package


class _Pipe:
    """A write-only file whose bytes are collected for a generator to hand out (zipfile needs a file)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        if data:
            self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


def zip_stream(catalog: Catalog, dataset: dict, version: dict, base_url: str = "") -> Iterator[bytes]:
    """A version as CSV + Parquet + ``datapackage.json``, zipped as it is sent.

    The files are made (or found in the cache) before this returns, so a failure is an error response, not a
    cut-off download. Memory stays bounded: files go through in 1 MiB pieces, each sent before the next read.
    """
    csv_path = version_export(catalog, version, "csv")
    parquet_path = version_export(catalog, version, "parquet")
    descriptor = datapackage(dataset, version, csv_path.stat().st_size, base_url)
    return _zip_chunks(dataset["name"], version, descriptor, csv_path, parquet_path)


def _zip_chunks(name: str, version: dict, descriptor: dict, csv_path: Path, parquet_path: Path) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        info = zipfile.ZipInfo("datapackage.json", date_time=_zip_time(version))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, json.dumps(descriptor, ensure_ascii=False, indent=2))
        yield from pipe.drain()
        for path, arcname, method in ((csv_path, f"{name}.csv", zipfile.ZIP_DEFLATED),
                                      (parquet_path, f"{name}.parquet", zipfile.ZIP_STORED)):
            info = zipfile.ZipInfo(arcname, date_time=_zip_time(version))
            info.compress_type = method
            with open(path, "rb") as src, archive.open(info, "w", force_zip64=True) as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                    yield from pipe.drain()
            yield from pipe.drain()
    yield from pipe.drain()


def _zip_time(version: dict) -> tuple[int, int, int, int, int, int]:
    stamp = version["published_at"]
    return (int(stamp[0:4]), int(stamp[5:7]), int(stamp[8:10]), int(stamp[11:13]), int(stamp[14:16]),
            int(stamp[17:19]))
