"""SQL text built from names and values: the one place that quotes for DuckDB and SQLite.

Why: column names come from schemas that departments write, and file paths from the catalogue home. Quoting is
simple but a single slip is an injection, so every module builds SQL text with these three functions only.
Values that can be bound as parameters should be bound instead; these are for identifiers, paths in
``read_parquet([...])`` and the rare literal that DuckDB does not accept as a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def quote_ident(name: str) -> str:
    """A quoted SQL identifier: double quotes inside the name are doubled."""
    return '"' + str(name).replace('"', '""') + '"'


def sql_string(text: str | Path) -> str:
    """A SQL string literal: single quotes inside the text are doubled."""
    return "'" + str(text).replace("'", "''") + "'"


def sql_list(items: Iterable[str | Path]) -> str:
    """A DuckDB list literal of strings, e.g. the Parquet parts of a version: ['a.parquet', 'b.parquet']."""
    return "[" + ", ".join(sql_string(item) for item in items) + "]"


def fold_sql(expr: str) -> str:
    """DuckDB's spelling of ``catalog.text.fold`` for an SQL expression: lower case, no accents, đ as d.

    Filters, the CKAN datastore and the SQL sandbox's ``bo_dau`` macro all fold with this one expression, so
    "dong da" finds "Đống Đa" by the same rule as site search (DuckDB's ``strip_accents`` leaves đ alone).
    """
    return f"replace(strip_accents(lower(CAST({expr} AS VARCHAR))), 'đ', 'd')"
