"""Upload limits are counted where they mean something, the same in the CLI, the REST API and the CKAN API.

Each attack below once held a worker for minutes or drove it to gigabytes (issue 10): a CSV whose columns hide
past its first MiB, a CSV with a declared delimiter the old check did not count, a small but wide XLSX, a 5 KB
XLSX with one huge merged range read with ``fillMergedCells``, deeply nested JSON and a wide Parquet file.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ONE_FIELD = {"fields": [{"name": "a", "type": "string"}]}
ARRAY_FIELD = {"fields": [{"name": "a", "type": "array"}]}


def wide_csv_past_first_mib(folder: Path) -> tuple[Path, dict | None, dict]:
    """1.9 MB: nine long labels fill the first MiB, then 400,000 more columns the old check never saw."""
    path = folder / "wide-past-first-mib.csv"
    path.write_bytes(b"a" + (b"," + b"x" * 120_000) * 9 + b",c" * 400_000 + b"\n1\n")
    return path, None, ONE_FIELD


def wide_csv_other_delimiter(folder: Path) -> tuple[Path, dict | None, dict]:
    """440 KB with the declared delimiter ':' (the old check counted only , tab ; and |)."""
    path = folder / "wide-colon.csv"
    path.write_bytes(b"a" + b":c" * 147_000 + b"\n" + b"1" + b":" * 147_000 + b"\n")
    return path, {"delimiter": ":"}, ONE_FIELD


def wide_xlsx(folder: Path) -> tuple[Path, dict | None, dict]:
    """About 128 KB: every one of a sheet's 16,384 columns, over a few rows."""
    import openpyxl

    path = folder / "wide.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["a"] + [f"c{i}" for i in range(1, 16_384)])
    sheet.append([1] * 16_384)
    book.save(path)
    return path, None, ONE_FIELD


def merged_xlsx(folder: Path) -> tuple[Path, dict | None, dict]:
    """5 KB: one value merged over the whole sheet, read with fillMergedCells."""
    path = folder / "merged.xlsx"
    write_xlsx(path, [["a"], ["x"]], merged=["A2:XFD1048576"])
    return path, {"excel": {"fillMergedCells": True}}, ONE_FIELD


def write_xlsx(path: Path, rows: list[list], *, merged: list[str] = (), dimension: str | None = None) -> Path:
    """An XLSX written by openpyxl, then given merged ranges (and a <dimension>) in its sheet XML directly:
    openpyxl itself would build a cell object for every cell of a merged range while writing it."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    sheet_name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts[sheet_name].decode()
    if merged:
        refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in merged)
        xml = xml.replace("</sheetData>", f'</sheetData><mergeCells count="{len(merged)}">{refs}</mergeCells>', 1)
    if dimension:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', xml, count=1)
    parts[sheet_name] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def deep_json(folder: Path) -> tuple[Path, dict | None, dict]:
    """One row whose cell nests 100,000 arrays deep."""
    path = folder / "deep.json"
    path.write_text('[{"a": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    return path, None, ARRAY_FIELD


def wide_parquet(folder: Path) -> tuple[Path, dict | None, dict]:
    """20,000 columns of one row."""
    path = folder / "wide.parquet"
    table = pa.table({("a" if i == 0 else f"c{i}"): [1] for i in range(20_000)})
    pq.write_table(table, path)
    return path, None, ONE_FIELD


ATTACKS = [wide_csv_past_first_mib, wide_csv_other_delimiter, wide_xlsx, merged_xlsx, deep_json, wide_parquet]


def write_schema(folder: Path, schema: dict) -> Path:
    path = folder / "schema.json"
    path.write_text(json.dumps(schema))
    return path
