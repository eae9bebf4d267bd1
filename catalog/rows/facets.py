"""Value counts: the most frequent values of one column among the rows a view selects.

Why its own module: it is the explorer's column summary and an API endpoint of its own, a different question
from a page of rows (a GROUP BY, not a scan), sharing only the filters' SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from catalog.rows.engine import connect, run, source
from catalog.rows.filters import Filter, schema_fields, unknown_column
from catalog.rows.page import check_limit
from catalog.rows.sql import where_sql
from catalog.rows.values import jsonable
from catalog.sqltext import quote_ident
from catalog.text import nfc


def value_counts(files: Sequence[Path | str], schema: dict, column: str, *, filters: Sequence[Filter] = (),
                 limit: int = 50) -> list[dict]:
    """The most frequent values of ``column`` among the filtered rows: ``[{"value", "count"}]``, most first."""
    fields = schema_fields(schema)
    column = nfc(column or "")
    if column not in fields:
        raise unknown_column(column, fields, "value counts")
    limit = check_limit(limit)
    src, src_params = source(files)
    where, params = where_sql(filters, schema)
    col = quote_ident(column)
    sql = (f"SELECT {col} AS value, count(*) AS n FROM {src} WHERE {where} GROUP BY {col} "
           f"ORDER BY n DESC, value ASC NULLS LAST LIMIT ?")
    with connect() as con:
        found = run(con, sql, src_params + params + [limit]).fetchall()
    return [{"value": jsonable(value), "count": count} for value, count in found]
