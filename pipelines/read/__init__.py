"""Readers: put a file's cells into a DuckDB staging table, numbered like frictionless numbers rows.

Why a package of one module per source format (frictionless's ``formats/`` layout): a contributor fixing how
XLSX merged cells are read opens ``xlsx.py`` and nothing else. Every reader fills the same staging table
(``staging.py``), so the validator and ``describe`` never need to know the format; ``stage`` picks the reader.

- ``csv.py``: CSV, TSV and TXT (DuckDB's reader where it reads as Python's csv would, else Python's);
- ``xlsx.py``: a sheet through openpyxl, streaming, merged ranges filled row by row;
- ``json.py``: an array of row objects through DuckDB's ``read_json``;
- ``parquet.py``: a typed file, bounded by its footer;
- ``geojson.py``: a FeatureCollection, one row per feature, its geometry in the ``geometry`` column;
- ``staging.py``: the staging table (``Staged``), the kinds of native cells, the Arrow batcher.

Every reader counts what a file costs once its format and dialect are known (columns, header bytes, cells,
XLSX dimensions and merged ranges, JSON nesting, a Parquet footer) against ``pipelines.limits`` and stops with
``TooLarge`` before building what the bound protects. Opening a file, its dialect and its sample are in
``pipelines/source.py``.

The names of the modules are re-exported here: callers write ``from pipelines import read as readers`` and
``readers.stage_xlsx(...)``, whatever module the reader lives in.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from pipelines.read.csv import (
    SCAN_CHUNK,
    ByteScan,
    CsvLayout,
    RecordBound,
    csv_layout,
    csv_relation,
    delimiter_count_sql,
    delimiters_match,
    duckdb_csv,
    read_csv_layout,
    records_match,
    scan_bytes,
    stage_csv_duckdb,
    stage_csv_python,
    verify_csv_stage,
)
from pipelines.read.geojson import GEOMETRY_FIELD, geojson_field_names, stage_geojson
from pipelines.read.json import DUCKDB_JSON_DEPTH, check_json_depth, json_depth, stage_json
from pipelines.read.parquet import PARQUET_MAX_FOOTER, check_parquet_size, stage_parquet
from pipelines.read.staging import (
    BATCH_CELLS,
    BATCH_ROWS,
    KIND_BOOL,
    KIND_DATE,
    KIND_DATETIME,
    KIND_DECIMAL,
    KIND_DICT,
    KIND_FLOAT,
    KIND_INT,
    KIND_LIST,
    KIND_OTHER,
    KIND_TIME,
    Batcher,
    Staged,
    header_rows,
    progress_bar,
)
from pipelines.read.xlsx import check_sheet_size, fill_merged, merged_ranges, native_cell, stage_xlsx
from pipelines.source import Dialect, Source

__all__ = [
    "BATCH_CELLS", "BATCH_ROWS", "DUCKDB_JSON_DEPTH", "GEOMETRY_FIELD", "KIND_BOOL", "KIND_DATE", "KIND_DATETIME", "KIND_DECIMAL",
    "KIND_DICT", "KIND_FLOAT", "KIND_INT", "KIND_LIST", "KIND_OTHER", "KIND_TIME", "PARQUET_MAX_FOOTER",
    "SCAN_CHUNK", "Batcher", "ByteScan", "CsvLayout", "RecordBound", "Staged", "check_json_depth",
    "check_parquet_size", "check_sheet_size", "csv_layout", "csv_relation", "delimiter_count_sql",
    "delimiters_match", "duckdb_csv", "fill_merged", "geojson_field_names", "header_rows", "json_depth",
    "merged_ranges",
    "native_cell", "progress_bar", "read_csv_layout", "records_match", "scan_bytes", "stage",
    "stage_csv_duckdb", "stage_csv_python", "stage_geojson", "stage_json", "stage_parquet", "stage_xlsx", "verify_csv_stage",
]


def stage(con: duckdb.DuckDBPyConnection, source: Source, dialect: Dialect, table: str, field_names: list[str],
          *, layout: CsvLayout | None = None, progress: Callable[[int], None] | None = None) -> Staged:
    """Stage ``source`` into ``table`` with the reader of its format, row by row as frictionless reads it.

    ``field_names`` are the schema's (JSON rows are keyed by them; a file without a header has that many
    columns); ``layout`` is the CSV's header and dialect (``read_csv_layout``); ``progress`` gets the bytes
    read so far (CSV only)."""
    if source.format in ("csv", "tsv"):
        if layout is None:
            raise ValueError("staging a CSV needs its layout (read_csv_layout)")
        width = len(layout.labels) or len(field_names)
        return stage_csv_python(con, source, dialect, layout, width, table, progress)
    if source.format == "xlsx":
        return stage_xlsx(con, source, dialect, len(field_names), table)
    if source.format == "json":
        return stage_json(con, source, field_names, table)
    if source.format == "geojson":
        return stage_geojson(con, source, field_names, table)
    return stage_parquet(con, source, table)
