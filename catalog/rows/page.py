"""One page of a version's rows (and the count of the rows a view selects): run the query, shape the answer.

Why apart from the SQL: paging has two plans. A sorted view orders by its keys with the keyset tiebreaker; an
unsorted view reads the parts in file order, starting at the part that holds the cursor, so a deep page of a
big version skips row groups instead of sorting the whole table. Both answer the same shape:
``{"columns", "rows", "total", "next"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.rows.cursor import after_sql, decode_cursor, encode_cursor
from catalog.rows.engine import connect, run, source
from catalog.rows.filters import Filter, schema_fields
from catalog.rows.sql import order_sql, parse_fields, parse_sort, sort_text, text_columns, where_sql
from catalog.rows.values import json_rows
from catalog.sqltext import quote_ident

MAX_LIMIT = 1000


def check_limit(limit: int) -> int:
    """A page size between 1 and ``MAX_LIMIT``."""
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise InvalidInput(_("limit phải từ 1 đến {high}, không phải {limit}", high=MAX_LIMIT, limit=limit))
    return int(limit)


def columns_of(schema: dict, names: Sequence[str]) -> list[dict]:
    fields = schema_fields(schema)
    out = []
    for name in names:
        field = fields[name]
        column = {"name": name, "type": field.get("type", "string")}
        if field.get("title"):
            column["title"] = field["title"]
        out.append(column)
    return out


def count_rows(files: Sequence[Path | str], schema: dict, filters: Sequence[Filter] = ()) -> int:
    src, src_params = source(files)
    where, params = where_sql(filters, schema)
    with connect() as con:
        return run(con, f"SELECT count(*) FROM {src} WHERE {where}", src_params + params).fetchone()[0]


def query_rows(files: Sequence[Path | str], schema: dict, *, filters: Sequence[Filter] = (),
               sort: str | Sequence[str] | None = None, fields: str | Sequence[str] | None = None,
               limit: int = 100, cursor: str | None = None, with_total: bool = True) -> dict:
    """One page of rows: ``{"columns", "rows", "total", "next"}``; values are JSON-ready (see ``jsonable``).

    ``next`` is the cursor of the following page, or None on the last page. ``total`` counts every row that
    matches the filters (None when ``with_total`` is false).
    """
    limit = check_limit(limit)
    keys = parse_sort(sort, schema)
    names = parse_fields(fields, schema)
    sort_key = sort_text(keys)
    where, where_params = where_sql(filters, schema)
    after = decode_cursor(cursor, sort_key, len(keys)) if cursor else None
    files = [str(f) for f in files]
    select = ", ".join(quote_ident(n) for n in names)
    with connect() as con:
        if keys:
            fetched = _sorted_page(con, files, select, keys, where, where_params, after, limit + 1,
                                   text_columns(schema))
        else:
            fetched = _storage_order_page(con, files, select, where, where_params, after, limit + 1)
        total = None
        if with_total:
            src, src_params = source(files)
            total = run(con, f"SELECT count(*) FROM {src} WHERE {where}", src_params + where_params).fetchone()[0]
    page = fetched[:limit]
    width = len(names)
    next_cursor = None
    if len(fetched) > limit and page:
        last = page[-1]
        next_cursor = encode_cursor(sort_key, list(last[width:width + len(keys)]), last[-2], last[-1])
    return {"columns": columns_of(schema, names), "rows": json_rows(names, page), "total": total,
            "next": next_cursor}


def _sorted_page(con: duckdb.DuckDBPyConnection, files: list[str], select: str, keys: list[tuple[str, bool]],
                 where: str, where_params: list, after: tuple | None, want: int,
                 text: frozenset[str] = frozenset()) -> list[tuple]:
    """Rows in the sort order (text columns in Vietnamese order), after the cursor; each row ends with its key
    texts, part and row number."""
    key_cols = "".join(f", CAST({quote_ident(name)} AS VARCHAR) AS __k{i}" for i, (name, _) in enumerate(keys))
    src, src_params = source(files)
    cond, cond_params = where, list(where_params)
    if after:
        after_cond, after_params = after_sql(keys, *after, text=text)
        cond, cond_params = f"{cond} AND {after_cond}", cond_params + after_params
    sql = (f"SELECT {select}{key_cols}, file_index AS __part, file_row_number AS __row FROM {src} "
           f"WHERE {cond} ORDER BY {order_sql(keys, text=text)} LIMIT ?")
    return run(con, sql, src_params + cond_params + [want]).fetchall()


def _storage_order_page(con: duckdb.DuckDBPyConnection, files: list[str], select: str, where: str,
                        where_params: list, after: tuple | None, want: int) -> list[tuple]:
    """Rows in file order without a full sort.

    The part holding the cursor is read alone, so DuckDB can skip row groups by ``file_row_number`` and stop
    after ``want`` rows (a single-part version, the common case, needs nothing more); the parts after it are
    read together, ordered by (part, row).
    """
    start_part, start_row = (after[1], after[2]) if after else (0, -1)
    out: list[tuple] = []
    if start_part < len(files):
        sql = (f"SELECT {select}, ? AS __part, file_row_number AS __row FROM read_parquet(?) "
               f"WHERE {where} AND file_row_number > ? ORDER BY file_row_number LIMIT ?")
        out = run(con, sql, [start_part, [files[start_part]]] + where_params + [start_row, want]).fetchall()
    rest = files[start_part + 1:]
    if len(out) < want and rest:
        src, src_params = source(rest)
        sql = (f"SELECT {select}, file_index + ? AS __part, file_row_number AS __row FROM {src} "
               f"WHERE {where} ORDER BY file_index, file_row_number LIMIT ?")
        out += run(con, sql, [start_part + 1] + src_params + where_params + [want - len(out)]).fetchall()
    return out
