"""Parquet: the rows as they are typed, compressed with zstd (what the catalogue stores, too).

Rules: no conversion at all (Parquet holds every type a query can give), one row group per Arrow batch.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from catalog.writers.base import ByteCap

BATCH_ROWS = 122_880  # DuckDB's row group size


def write(relation: duckdb.DuckDBPyRelation, out: Path, cap: ByteCap) -> int:
    """Stream the relation into ``out``; returns the number of rows."""
    import pyarrow.parquet as pq

    reader = relation.to_arrow_reader(BATCH_ROWS)
    rows = 0
    with pq.ParquetWriter(out, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
            cap.check(out.stat().st_size)
    return rows
