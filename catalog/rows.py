"""Filtered, sorted, paged reads of a version's rows: what the explorer, the REST API and the CKAN datastore show.

One query builder for all of them, so a filter means the same thing everywhere. DuckDB reads the version's
Parquet parts directly (``read_parquet([...])``); user input only ever reaches SQL as bound parameters, and
column names are checked against the Table Schema and quoted.

Paging is keyset, not OFFSET: the cursor carries the last row's sort key plus its position in the Parquet parts
(part index, row number inside the part), a unique and stable tiebreaker because published files never change.
Deep pages cost what the first page costs, and a page never repeats or skips rows.

Nothing here keeps mutable state between calls: each call takes a cursor on a per-process in-memory DuckDB
database (a fresh connection costs ~30 ms, a cursor ~0.3 ms), so any number of server processes can share one
catalogue home.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
import tempfile
import threading
import unicodedata
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from catalog.errors import InvalidInput

OPS = ("eq", "ne", "lt", "le", "gt", "ge", "contains", "in", "blank", "notblank")
COMPARISONS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
# Query parameters that steer a page or a download and are never filters.
RESERVED = frozenset({
    "_sort", "_limit", "_cursor", "_fields", "_col", "sort", "limit", "cursor", "fields", "format", "lang", "q",
    "bom", "excel", "offset", "page",
})
# Types that have no meaningful order (sorting on them is refused).
UNSORTABLE = frozenset({"object", "array", "geojson", "geopoint"})
MAX_LIMIT = 1000
MAX_IN_VALUES = 1000
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "on", "có", "co", "đúng", "dung"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f", "off", "không", "khong", "sai"})
CURSOR_VERSION = 1


@dataclass(frozen=True)
class Filter:
    """One condition on one column; ``value`` is already coerced to the column's type (a list for ``in``)."""

    column: str
    op: str
    value: Any = None

    def describe(self) -> str:
        return f"{self.column}__{self.op}" if self.op != "eq" else self.column


# -- schema helpers ---------------------------------------------------------------------------------------------
def schema_fields(schema: dict) -> dict[str, dict]:
    """The schema's fields by name, in order."""
    return {f["name"]: f for f in (schema or {}).get("fields", [])}


def quote(name: str) -> str:
    """A SQL identifier, quoted (names come from the schema, but quote anyway)."""
    return '"' + name.replace('"', '""') + '"'


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _unknown_column(name: str, fields: Mapping[str, dict], where: str) -> InvalidInput:
    shown = ", ".join(list(fields)[:40])
    return InvalidInput(f"unknown column {name!r} in {where}", hint=f"the columns are: {shown}")


# -- value coercion -------------------------------------------------------------------------------------------
def _parse_bool(raw: str, field: dict) -> bool:
    text = raw.strip().lower()
    if raw.strip() in field.get("trueValues", ()) or text in TRUE_WORDS:
        return True
    if raw.strip() in field.get("falseValues", ()) or text in FALSE_WORDS:
        return False
    raise ValueError("expected true or false")


def _parse_date(raw: str, field: dict) -> date:
    text = raw.strip()
    fmt = field.get("format")
    formats = ["%Y-%m-%d", "%d/%m/%Y"]
    if fmt and fmt not in ("default", "any") and "%" in fmt:
        formats.insert(0, fmt)
    for candidate in formats:
        try:
            return datetime.strptime(text, candidate).date()
        except ValueError:
            continue
    raise ValueError("expected a date such as 2024-01-31 (or 31/01/2024)")


def _parse_datetime(raw: str, field: dict) -> datetime:
    text = raw.strip()
    fmt = field.get("format")
    if fmt and fmt not in ("default", "any") and "%" in fmt:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.combine(_parse_date(text, {}), time())
    except ValueError:
        raise ValueError("expected a date and time such as 2024-01-31T08:00:00 or 2024-01-31") from None


def _parse_time(raw: str, field: dict) -> time:
    try:
        return time.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError("expected a time such as 08:30 or 08:30:00") from None


def _parse_int(raw: str, field: dict) -> int:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("expected a whole number such as 42")
    return int(text)


def _parse_number(raw: str, field: dict) -> float:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise ValueError("expected a number with '.' as the decimal point, such as 50.5")
    return float(text)


def _parse_yearmonth(raw: str, field: dict) -> str:
    text = raw.strip()
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        raise ValueError("expected a year and month such as 2024-01")
    return text


PARSERS = {
    "integer": _parse_int, "year": _parse_int, "number": _parse_number, "boolean": _parse_bool,
    "date": _parse_date, "datetime": _parse_datetime, "time": _parse_time, "yearmonth": _parse_yearmonth,
}


def coerce(field: dict, raw: str, where: str) -> Any:
    """``raw`` as a value of the column's Table Schema type; a clear ``InvalidInput`` when it is not one."""
    kind = field.get("type", "string")
    parser = PARSERS.get(kind)
    if parser is None:
        return _nfc(raw)
    try:
        return parser(raw, field)
    except ValueError as exc:
        raise InvalidInput(f"{where}: {raw!r} is not a valid {kind} for column {field['name']!r}",
                           hint=str(exc)) from None


# -- parsing request parameters -------------------------------------------------------------------------------
def _param_items(params: Mapping[str, str] | Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    if hasattr(params, "items") and callable(params.items):
        try:
            return list(params.items(multi=True))  # werkzeug MultiDict: keep repeated keys
        except TypeError:
            return list(params.items())
    return list(params)


def parse_filters(params: Mapping[str, str] | Sequence[tuple[str, str]], schema: dict) -> list[Filter]:
    """Filters from query parameters: ``col=v``, ``col__gt=v``, ``col__in=a,b``, ``col__blank=1`` ...

    Reserved parameters (paging, sorting, format) are skipped, and so is a filter with an empty value (what an
    untouched form field sends). An unknown column or operator, or a value that is not of the column's type,
    raises ``InvalidInput`` naming the parameter.
    """
    fields = schema_fields(schema)
    filters: list[Filter] = []
    for key, raw in _param_items(params):
        key = _nfc(str(key))
        raw = _nfc(str(raw))
        if not key or key in RESERVED or (key.startswith("_") and key not in fields):
            continue
        column, op = key, "eq"
        if key not in fields and "__" in key:
            column, op = key.rsplit("__", 1)
            if op not in OPS:
                raise InvalidInput(f"unknown filter operator {op!r} in {key!r}",
                                   hint="use one of: " + ", ".join(OPS) + f" (e.g. {column}__gt=10)")
        if column not in fields:
            raise _unknown_column(column, fields, f"filter {key!r}")
        field = fields[column]
        if op in ("blank", "notblank"):
            text = raw.strip().lower()
            if text in FALSE_WORDS:
                op = "notblank" if op == "blank" else "blank"
            elif text and text not in TRUE_WORDS:
                raise InvalidInput(f"filter {key!r}: expected 1 or 0, got {raw!r}")
            filters.append(Filter(column, op))
            continue
        if raw.strip() == "":
            continue
        if op == "contains":
            filters.append(Filter(column, op, raw))
        elif op == "in":
            items = _split_list(raw)
            if len(items) > MAX_IN_VALUES:
                raise InvalidInput(f"filter {key!r} lists {len(items)} values", hint=f"at most {MAX_IN_VALUES}")
            values = [coerce(field, item, f"filter {key!r}") for item in items]
            if values:
                filters.append(Filter(column, op, values))
        else:
            filters.append(Filter(column, op, coerce(field, raw, f"filter {key!r}")))
    return filters


def _split_list(raw: str) -> list[str]:
    """``a,b,c`` or a JSON array (for values that contain commas)."""
    text = raw.strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, list):
            return [_nfc(str(v)) for v in data]
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_sort(sort: str | Sequence[str] | None, schema: dict) -> list[tuple[str, bool]]:
    """``"col"``, ``"-col"`` or ``"a,-b"`` as [(column, descending)]."""
    if not sort:
        return []
    parts = sort.split(",") if isinstance(sort, str) else list(sort)
    fields = schema_fields(schema)
    keys: list[tuple[str, bool]] = []
    for part in parts:
        name = _nfc(part.strip())
        if not name:
            continue
        desc = name.startswith("-")
        name = name.lstrip("-+").strip()
        if name not in fields:
            raise _unknown_column(name, fields, "sort")
        if fields[name].get("type") in UNSORTABLE:
            raise InvalidInput(f"cannot sort by column {name!r} of type {fields[name].get('type')}")
        if name not in (k for k, _ in keys):
            keys.append((name, desc))
    return keys


def sort_text(keys: list[tuple[str, bool]]) -> str:
    return ",".join(("-" if desc else "") + name for name, desc in keys)


def parse_fields(fields: str | Sequence[str] | None, schema: dict) -> list[str]:
    """The columns to return (all of them when empty), checked against the schema."""
    known = schema_fields(schema)
    if not fields:
        return list(known)
    names = fields.split(",") if isinstance(fields, str) else list(fields)
    chosen: list[str] = []
    for name in (_nfc(n.strip()) for n in names):
        if not name:
            continue
        if name not in known:
            raise _unknown_column(name, known, "fields")
        if name not in chosen:
            chosen.append(name)
    return chosen or list(known)


def parse_limit(value: Any, default: int = 100, maximum: int = MAX_LIMIT) -> int:
    if value in (None, ""):
        return default
    try:
        limit = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"limit must be a whole number, got {value!r}") from None
    if not 1 <= limit <= maximum:
        raise InvalidInput(f"limit must be between 1 and {maximum}, got {limit}")
    return limit


# -- cursors --------------------------------------------------------------------------------------------------
def encode_cursor(sort: str, keys: list[str | None], part: int, row: int) -> str:
    payload = json.dumps([CURSOR_VERSION, sort, keys, part, row], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, nkeys: int) -> tuple[list[str | None], int, int]:
    bad = InvalidInput("invalid cursor", hint="pass the 'next' value of the previous page unchanged")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, cursor_sort, keys, part, row = json.loads(text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    if version != CURSOR_VERSION or not isinstance(keys, list) or len(keys) != nkeys \
            or not isinstance(part, int) or not isinstance(row, int) or part < 0 or row < 0 \
            or not all(k is None or isinstance(k, str) for k in keys):
        raise bad
    if cursor_sort != sort:
        raise InvalidInput("this cursor belongs to a different sort order",
                           hint=f"it was made for sort={cursor_sort or '(none)'}; start again without a cursor")
    return keys, part, row


# -- DuckDB ---------------------------------------------------------------------------------------------------
# Two in-memory databases per process: pages and counts run single-threaded (a server answers many small
# queries at once, and parallelism inside each one only adds contention), exports use every core.
_lock = threading.Lock()
_databases: dict[bool, tuple[int, duckdb.DuckDBPyConnection]] = {}


def _open_database(heavy: bool) -> duckdb.DuckDBPyConnection:
    cores = os.cpu_count() or 2
    threads = int(os.environ.get("OPENDATA_DUCKDB_THREADS", "0") or 0) or (cores if heavy else 1)
    config = {"memory_limit": os.environ.get("OPENDATA_DUCKDB_MEMORY", "1GB"), "threads": threads,
              # big sorts (an export in a sort order) spill here instead of failing; one folder per database,
              # since DuckDB names its spill files alike in every process
              "temp_directory": os.path.join(tempfile.gettempdir(),
                                             f"opendata-duckdb-{os.getpid()}-{'heavy' if heavy else 'light'}")}
    con = duckdb.connect(":memory:", config=config)
    con.execute("LOAD parquet")
    # Published Parquet files are content-addressed and never rewritten, so caching their footers is safe.
    con.execute("SET GLOBAL parquet_metadata_cache = true")
    try:
        con.execute("SET GLOBAL TimeZone = 'UTC'")
    except duckdb.Error:
        pass
    return con


@contextmanager
def connect(*, heavy: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB cursor for one request, on this process's database (re-created after a fork).

    ``heavy`` work (a whole-table export) gets the database that uses every core.
    """
    with _lock:
        found = _databases.get(heavy)
        if found is None or found[0] != os.getpid():
            found = _databases[heavy] = (os.getpid(), _open_database(heavy))
        cur = found[1].cursor()
    try:
        yield cur
    finally:
        cur.close()


def run(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> duckdb.DuckDBPyConnection:
    """Execute, turning DuckDB's complaints about a user's value into ``InvalidInput``."""
    try:
        return con.execute(sql, params)
    except duckdb.ConversionException as exc:
        raise InvalidInput("a filter or cursor value does not fit its column's type",
                           hint=str(exc).splitlines()[0]) from None


def source(files: Sequence[Path | str]) -> tuple[str, list]:
    """The FROM clause for a version's parts; ``file_index``/``file_row_number`` are DuckDB virtual columns."""
    if not files:
        raise InvalidInput("this version has no data files")
    paths = [str(f) for f in files]
    if len(paths) == 1:
        return "read_parquet(?)", [paths]
    return "read_parquet(?, union_by_name = true)", [paths]


def where_sql(filters: Sequence[Filter], schema: dict) -> tuple[str, list]:
    """``filters`` as one SQL condition with its bound parameters ("TRUE" when there are none)."""
    fields = schema_fields(schema)
    parts: list[str] = []
    params: list = []
    for f in filters:
        if f.column not in fields:
            raise _unknown_column(f.column, fields, "filter")
        col = quote(f.column)
        is_text = fields[f.column].get("type", "string") in ("string", "any")
        if f.op in COMPARISONS:
            parts.append(f"{col} {COMPARISONS[f.op]} ?")
            params.append(f.value)
        elif f.op == "in":
            values = list(f.value)
            parts.append(f"{col} IN ({', '.join('?' * len(values))})")
            params.extend(values)
        elif f.op == "contains":
            parts.append(f"contains(lower(CAST({col} AS VARCHAR)), lower(?))")
            params.append(str(f.value))
        elif f.op == "blank":
            parts.append(f"({col} IS NULL OR CAST({col} AS VARCHAR) = '')" if is_text else f"{col} IS NULL")
        elif f.op == "notblank":
            parts.append(f"({col} IS NOT NULL AND CAST({col} AS VARCHAR) <> '')" if is_text
                         else f"{col} IS NOT NULL")
        else:
            raise InvalidInput(f"unknown filter operator {f.op!r}", hint="use one of: " + ", ".join(OPS))
    return (" AND ".join(parts) or "TRUE"), params


def order_sql(keys: list[tuple[str, bool]], tiebreak: bool = True) -> str:
    terms = [f"{quote(name)} {'DESC' if desc else 'ASC'} NULLS LAST" for name, desc in keys]
    if tiebreak:
        terms += ["file_index", "file_row_number"]
    return ", ".join(terms)


def _after_sql(keys: list[tuple[str, bool]], values: list[str | None], part: int, row: int) -> tuple[str, list]:
    """Rows strictly after the cursor in ``ORDER BY keys NULLS LAST, file_index, file_row_number``."""
    terms: list[tuple[str, str, list, list]] = []  # (greater-than sql, equal sql, gt params, eq params)
    for (name, desc), value in zip(keys, values, strict=True):
        col = quote(name)
        if value is None:  # NULLs sort last: nothing comes after a NULL within this key
            terms.append(("FALSE", f"{col} IS NULL", [], []))
        else:
            op = "<" if desc else ">"
            terms.append((f"({col} {op} ? OR {col} IS NULL)", f"{col} = ?", [value], [value]))
    terms.append(("file_index > ?", "file_index = ?", [part], [part]))
    terms.append(("file_row_number > ?", "", [row], []))
    ors: list[str] = []
    params: list = []
    for i, (gt, _eq, gt_params, _) in enumerate(terms):
        ands = [terms[j][1] for j in range(i)] + [gt]
        for j in range(i):
            params.extend(terms[j][3])
        params.extend(gt_params)
        ors.append("(" + " AND ".join(ands) + ")")
    return "(" + " OR ".join(ors) + ")", params


# -- JSON-ready values ----------------------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """A DuckDB value as JSON can carry it: ISO 8601 for dates and times, no NaN, base64 for bytes."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"P{value.days}DT{value.seconds + value.microseconds / 1e6:g}S" if value.days else \
            f"PT{value.seconds + value.microseconds / 1e6:g}S"
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def json_rows(names: Sequence[str], fetched: Sequence[tuple]) -> list[dict]:
    """Rows as dicts of JSON-ready values. A DuckDB column holds one Python type, so each column is converted
    only when its type needs it (text, integers and booleans pass as they are)."""
    convert: list[tuple[int, Any]] = []
    for i in range(len(names)):
        sample = next((row[i] for row in fetched if row[i] is not None), None)
        if isinstance(sample, float):
            convert.append((i, _finite))
        elif sample is not None and not isinstance(sample, str | int):
            convert.append((i, jsonable))
    out = []
    for row in fetched:
        values = list(row[:len(names)])
        for i, function in convert:
            values[i] = function(values[i])
        out.append(dict(zip(names, values, strict=True)))
    return out


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


# -- queries --------------------------------------------------------------------------------------------------
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
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    keys = parse_sort(sort, schema)
    names = parse_fields(fields, schema)
    sort_key = sort_text(keys)
    where, where_params = where_sql(filters, schema)
    after: tuple[list[str | None], int, int] | None = decode_cursor(cursor, sort_key, len(keys)) if cursor else None
    files = [str(f) for f in files]
    select = ", ".join(quote(n) for n in names)
    key_cols = "".join(f", CAST({quote(name)} AS VARCHAR) AS __k{i}" for i, (name, _) in enumerate(keys))
    fetched: list[tuple] = []
    with connect() as con:
        if keys:
            src, src_params = source(files)
            cond, cond_params = where, list(where_params)
            if after:
                after_cond, after_params = _after_sql(keys, *after)
                cond, cond_params = f"{cond} AND {after_cond}", cond_params + after_params
            sql = (f"SELECT {select}{key_cols}, file_index AS __part, file_row_number AS __row FROM {src} "
                   f"WHERE {cond} ORDER BY {order_sql(keys)} LIMIT ?")
            fetched = run(con, sql, src_params + cond_params + [limit + 1]).fetchall()
        else:
            fetched = _storage_order_page(con, files, select, where, where_params, after, limit + 1)
        total = None
        if with_total:
            src, src_params = source(files)
            total = run(con, f"SELECT count(*) FROM {src} WHERE {where}", src_params + where_params).fetchone()[0]
    page = fetched[:limit]
    width = len(names)
    rows = json_rows(names, page)
    next_cursor = None
    if len(fetched) > limit and page:
        last = page[-1]
        next_cursor = encode_cursor(sort_key, list(last[width:width + len(keys)]), last[-2], last[-1])
    return {"columns": columns_of(schema, names), "rows": rows, "total": total, "next": next_cursor}


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


def value_counts(files: Sequence[Path | str], schema: dict, column: str, *, filters: Sequence[Filter] = (),
                 limit: int = 50) -> list[dict]:
    """The most frequent values of ``column`` among the filtered rows: ``[{"value", "count"}]``, most first."""
    fields = schema_fields(schema)
    column = _nfc(column or "")
    if column not in fields:
        raise _unknown_column(column, fields, "value counts")
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    src, src_params = source(files)
    where, params = where_sql(filters, schema)
    col = quote(column)
    sql = (f"SELECT {col} AS value, count(*) AS n FROM {src} WHERE {where} GROUP BY {col} "
           f"ORDER BY n DESC, value ASC NULLS LAST LIMIT ?")
    with connect() as con:
        found = run(con, sql, src_params + params + [int(limit)]).fetchall()
    return [{"value": jsonable(value), "count": count} for value, count in found]


def select_sql(files: Sequence[Path | str], schema: dict, *, filters: Sequence[Filter] = (),
               sort: str | Sequence[str] | None = None, fields: str | Sequence[str] | None = None,
               projection: Mapping[str, str] | None = None) -> tuple[str, list, list[str]]:
    """The full (unpaged) query for an export: SQL, parameters and column names, in a stable order.

    ``projection`` maps a column name to the SQL expression written in its place (``{col}`` stands for the
    quoted column), e.g. ISO 8601 text for timestamps in CSV.
    """
    keys = parse_sort(sort, schema)
    names = parse_fields(fields, schema)
    src, src_params = source(files)
    where, params = where_sql(filters, schema)
    projection = projection or {}
    select = ", ".join(
        (projection[n].format(col=quote(n)) + f" AS {quote(n)}") if n in projection else quote(n) for n in names)
    # Without a sort, DuckDB's preserved insertion order is file order (an ORDER BY would cost a full sort).
    order = f" ORDER BY {order_sql(keys)}" if keys else ""
    return f"SELECT {select} FROM {src} WHERE {where}{order}", src_params + params, names


def duckdb_types(files: Sequence[Path | str]) -> dict[str, str]:
    """The physical column types of a version's Parquet (what exports format by)."""
    src, src_params = source(files)
    with connect() as con:
        return {name: kind for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {src}", src_params).fetchall()}
