"""Value counts: the most frequent values of one column among the rows a view selects.

Why its own module: it is the explorer's column summary and an API endpoint of its own, a different question
from a page of rows (a GROUP BY, not a scan), sharing only the filters' SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from catalog.i18n import gettext as _
from catalog.rows.engine import connect, run, source
from catalog.rows.filters import Filter, schema_fields, unknown_column
from catalog.rows.page import check_limit
from catalog.rows.sql import text_columns, where_sql
from catalog.rows.values import jsonable
from catalog.sqltext import fold_sql, quote_ident
from catalog.text import fold, nfc

# Types whose smallest and largest values make a useful range to show next to a filter.
RANGE_TYPES = frozenset({"date", "datetime", "yearmonth", "year", "time"})


def _known(schema: dict, column: str, where: str) -> str:
    fields = schema_fields(schema)
    column = nfc(column or "")
    if column not in fields:
        raise unknown_column(column, fields, where)
    return column


def value_counts(files: Sequence[Path | str], schema: dict, column: str, *, filters: Sequence[Filter] = (),
                 limit: int = 50, prefix: str | None = None) -> list[dict]:
    """The most frequent values of ``column`` among the filtered rows: ``[{"value", "count"}]``, most first.

    ``prefix`` keeps the values where it begins the value or one of its words, accents and case ignored
    ("dong" and "da" both find "Đống Đa"), so a long list can be searched as one types.
    """
    column = _known(schema, column, _("đếm giá trị"))
    limit = check_limit(limit)
    src, src_params = source(files)
    where, params = where_sql(filters, schema)
    col = quote_ident(column)
    if prefix and prefix.strip():
        folded = fold(nfc(prefix.strip()))
        where += f" AND (starts_with({fold_sql(col)}, ?) OR contains({fold_sql(col)}, ?))"
        params = params + [folded, " " + folded]
    # equal counts in Vietnamese order for text ("Ba Đình" before "Ba Vì"), by value for the rest
    tie = "value COLLATE vi" if column in text_columns(schema) else "value"
    sql = (f"SELECT {col} AS value, count(*) AS n FROM {src} WHERE {where} GROUP BY {col} "
           f"ORDER BY n DESC, {tie} ASC NULLS LAST LIMIT ?")
    with connect() as con:
        found = run(con, sql, src_params + params + [limit]).fetchall()
    return [{"value": jsonable(value), "count": count} for value, count in found]


def value_range(files: Sequence[Path | str], schema: dict, column: str, *,
                filters: Sequence[Filter] = ()) -> dict:
    """The smallest and largest value of ``column`` among the filtered rows: ``{"min", "max"}`` (None when no row
    has one); what the explorer shows beside a date column so that a range can be typed without guessing."""
    column = _known(schema, column, _("khoảng giá trị"))
    src, src_params = source(files)
    where, params = where_sql(filters, schema)
    col = quote_ident(column)
    with connect() as con:
        low, high = run(con, f"SELECT min({col}), max({col}) FROM {src} WHERE {where}",
                        src_params + params).fetchone()
    return {"min": jsonable(low), "max": jsonable(high)}
