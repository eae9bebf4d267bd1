"""Parquet files that carry their own Table Schema: column titles, descriptions and units, and the whole schema.

Why: a Parquet file travels alone (a download, a copy in someone's data lake); without its dictionary a reader
sees ``pm25`` and guesses. Each column's title, description and unit go in the Arrow field metadata and the
published Table Schema (``catalog/published_schema.py``) goes in the file's key-value metadata under
``table_schema``, so ``pyarrow.parquet.read_schema`` shows them. The serialisation is deterministic (sorted keys,
no timestamps): the same rows and schema give the same bytes, and so the same sha256 (content addressing).

:func:`arrow_schema` is the one rule; :func:`annotate` applies it to a file written by DuckDB (a publish, an
append part), ``catalog/writers/parquet.py`` to the files it streams (downloads of consolidated versions).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA_KEY = b"table_schema"
FIELD_KEYS = ("title", "description", "unit")
COMPRESSION = {"compression": "zstd", "compression_level": 1}  # as the validation engine writes


def _text(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def schema_for_columns(table_schema: dict, columns: list[str]) -> dict:
    """``table_schema`` cut to ``columns`` (a view download): its fields, and the keys whose fields are all there."""
    present = set(columns)
    out = dict(table_schema)
    out["fields"] = [f for f in table_schema.get("fields") or [] if f.get("name") in present]
    key = table_schema.get("primaryKey")
    key_fields = [key] if isinstance(key, str) else list(key or [])
    if key_fields and not set(key_fields) <= present:
        out.pop("primaryKey")
    foreign = [fk for fk in table_schema.get("foreignKeys") or []
               if set([fk.get("fields")] if isinstance(fk.get("fields"), str) else fk.get("fields") or []) <= present]
    if "foreignKeys" in out:
        out["foreignKeys"] = foreign
        if not foreign:
            out.pop("foreignKeys")
    return out


def arrow_schema(schema: pa.Schema, table_schema: dict | None) -> pa.Schema:
    """``schema`` with each column's title, description and unit, and the Table Schema as file metadata."""
    if not table_schema:
        return schema
    by_name = {f.get("name"): f for f in table_schema.get("fields") or [] if isinstance(f, dict)}
    fields = []
    for field in schema:
        described = by_name.get(field.name) or {}
        meta = {k.encode(): str(described[k]).encode("utf-8") for k in FIELD_KEYS if described.get(k)}
        fields.append(field.with_metadata(meta or None))
    kept = {k: v for k, v in (schema.metadata or {}).items() if k != b"ARROW:schema"}
    kept[SCHEMA_KEY] = _text(schema_for_columns(table_schema, schema.names))
    return pa.schema(fields, metadata=kept)


def dictionary_columns(source: pq.ParquetFile) -> list[str]:
    """The columns DuckDB chose to dictionary-encode: keeping its choice keeps the file as small (pyarrow's
    default, a dictionary for every column, makes files of random measurements about 45% larger)."""
    if source.num_row_groups == 0:
        return []
    group = source.metadata.row_group(0)
    return [group.column(i).path_in_schema for i in range(group.num_columns)
            if any("DICTIONARY" in encoding for encoding in group.column(i).encodings)]


def annotate(path: Path, table_schema: dict | None) -> None:
    """Rewrite ``path`` in place with :func:`arrow_schema`, row group by row group (memory stays bounded)."""
    if not table_schema:
        return
    path = Path(path)
    tmp = path.with_name(path.name + ".annotating")
    source = pq.ParquetFile(path, arrow_extensions_enabled=True)
    try:
        target = arrow_schema(source.schema_arrow, table_schema)
        with pq.ParquetWriter(tmp, target, use_dictionary=dictionary_columns(source), **COMPRESSION) as writer:
            for index in range(source.num_row_groups):
                writer.write_table(source.read_row_group(index))
            if source.num_row_groups == 0:
                writer.write_table(target.empty_table())
    finally:
        source.close()
    os.replace(tmp, path)


def read_table_schema(path: Path | str) -> dict | None:
    """The Table Schema a file carries (None for a file written before schemas were embedded)."""
    metadata = pq.read_schema(path).metadata or {}
    return json.loads(metadata[SCHEMA_KEY]) if SCHEMA_KEY in metadata else None
