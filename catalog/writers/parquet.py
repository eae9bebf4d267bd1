"""Parquet: the rows as they are typed, compressed with zstd (what the catalogue stores, too).

Rules: no conversion at all (Parquet holds every type a query can give), one row group per Arrow batch.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from catalog.writers.base import ByteCap

BATCH_ROWS = 122_880  # DuckDB's row group size


def write(relation: duckdb.DuckDBPyRelation, out: Path, cap: ByteCap, table_schema: dict | None = None) -> int:
    """Stream the relation into ``out``; returns the number of rows. ``table_schema`` (a dataset's published
    schema) goes into the file's metadata, by the one rule of ``catalog/parquet_schema.py``."""
    import pyarrow.parquet as pq

    from catalog.parquet_schema import arrow_schema

    reader = relation.to_arrow_reader(BATCH_ROWS)
    schema = arrow_schema(reader.schema, table_schema)
    rows = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)  # field metadata comes from the writer's schema
            rows += batch.num_rows
            cap.check(out.stat().st_size)
    return rows
