"""What the format writers share: the byte cap, column-type tests and the relation's rows as SQL.

Why apart: each format module stays about its format; the few rules they have in common (how big a file may
grow, which DuckDB types are timestamps or floats) must not drift between them.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from catalog.errors import TooLarge
from catalog.i18n import format_number
from catalog.i18n import gettext as _
from catalog.sqltext import quote_ident

VIEW = "opendata_download_rows"  # the name a writer's SQL gives the relation it writes


class ByteCap:
    """Stops a writer once its file is larger than ``max_bytes`` (no cap when None)."""

    def __init__(self, max_bytes: int | None) -> None:
        self.max_bytes = max_bytes

    def check(self, size: int) -> None:
        if self.max_bytes is not None and size > self.max_bytes:
            raise TooLarge(_("Kết quả lớn hơn giới hạn tải về {limit} MB. Hãy lọc hoặc gộp dữ liệu trước.",
                             limit=format_number(self.max_bytes // 1_000_000)))


def columns(relation: duckdb.DuckDBPyRelation) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column."""
    return [(name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)]


def is_timestamp(kind: str) -> bool:
    return kind.upper().startswith("TIMESTAMP")


def is_float(kind: str) -> bool:
    return kind.upper() in ("DOUBLE", "FLOAT", "REAL")


def each_row(relation: duckdb.DuckDBPyRelation, text_sql: str, batch_rows: int) -> Iterator[list[str]]:
    """``text_sql`` (one text expression over the relation's columns) for every row, in the relation's order,
    a batch at a time; run by the relation's own connection (inside the SQL sandbox for query results)."""
    reader = relation.query(VIEW, f"SELECT {text_sql} FROM {VIEW}").to_arrow_reader(batch_rows)
    for batch in reader:
        yield batch.column(0).to_pylist()


def column(name: str) -> str:
    return quote_ident(name)
