"""Filtered, sorted, paged reads of a version's rows: what the explorer, the REST API and the downloads show.

One query builder for all of them, so a filter means the same thing everywhere. DuckDB reads the version's
Parquet parts directly (``read_parquet([...])``). The package takes typed values only (``Filter`` objects, sort
and column names, whole numbers); reading them from a query string is the web's work (``web/row_params.py``).

- ``filters``: typed filter objects and how a text value becomes a value of its column's type;
- ``sql``: the WHERE, ORDER BY and SELECT of a view; ``engine``: the per-process DuckDB databases;
- ``cursor``: the keyset paging cursor; ``page``: one page of rows and counts; ``facets``: value counts;
- ``values``: row values as JSON; ``display``: numbers as tables show them (``20.000``, years ungrouped).

Text columns sort in Vietnamese order (``ORDER BY col COLLATE vi``, ICU), in pages, cursors and exports alike.
"""

from catalog.rows.cursor import decode_cursor, encode_cursor
from catalog.rows.engine import connect, duckdb_types, run, source
from catalog.rows.facets import RANGE_TYPES, value_counts, value_range
from catalog.rows.filters import (
                                  FALSE_WORDS,
                                  MAX_IN_VALUES,
                                  OPS,
                                  TEXT_OPS,
                                  TEXT_TYPES,
                                  TRUE_WORDS,
                                  VALUELESS_OPS,
                                  Filter,
                                  coerce,
                                  is_folded,
                                  number_text,
                                  schema_fields,
                                  typed_filter,
                                  unknown_column,
)
from catalog.rows.page import MAX_LIMIT, check_limit, columns_of, count_rows, query_rows
from catalog.rows.sql import (
                                  order_sql,
                                  parse_fields,
                                  parse_sort,
                                  select_sql,
                                  sort_text,
                                  text_columns,
                                  where_sql,
)
from catalog.rows.values import json_rows, jsonable

__all__ = [
    "FALSE_WORDS", "MAX_IN_VALUES", "MAX_LIMIT", "OPS", "RANGE_TYPES", "TEXT_OPS", "TEXT_TYPES", "TRUE_WORDS", "VALUELESS_OPS", "Filter", "check_limit",
    "coerce", "columns_of", "connect", "count_rows", "decode_cursor", "duckdb_types", "encode_cursor",
    "json_rows", "jsonable", "order_sql", "parse_fields", "parse_sort", "query_rows", "run", "schema_fields",
    "select_sql", "sort_text", "source", "typed_filter", "unknown_column", "value_counts", "value_range", "where_sql",
    "is_folded", "number_text", "text_columns",
]
