"""CKAN's ``datastore_search`` over a version's Parquet parts, with DuckDB.

CKAN's DataStore is a PostgreSQL table per resource; here a resource's table is the union of its version's
immutable Parquet parts, with CKAN's synthetic ``_id`` (1..N in file order, so it is stable for the life of
the version) and CKAN's type names. Every value from the client is a bound parameter and every identifier is
checked against the table's columns and quoted; the total is counted with the same WHERE as the records.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from catalog import jsonlimits
from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.rows import jsonable, number_text
from catalog.sqltext import fold_sql, quote_ident
from catalog.text import fold, nfc
from web.ckan.api import int_param
from web.ckan.errors import ActionError, validation

LIMIT_DEFAULT = 100  # ckan.datastore.search.rows_default
LIMIT_MAX = 32000  # ckan.datastore.search.rows_max: larger limits are capped silently
ALLOWED = {"resource_id", "id", "filters", "q", "full_text", "plain", "language", "distinct", "limit", "offset",
           "fields", "sort", "include_total", "total_estimation_threshold", "records_format",
           "include_next_page", "exact"}  # exact (ours, issue 14): text filters keep accents and case
NUMERIC_TYPES = frozenset({"DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT",
                           "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"})
RECORD_FORMATS = ("objects", "lists", "csv", "tsv")
FILE_COLUMN = "__ckan_file"
SORT_RE = re.compile(r'\s*(?:"((?:[^"]|"")+)"|([^\s,"]+))(?:\s+(asc|desc))?\s*(?:,|$)', re.IGNORECASE)


def ckan_type(duck_type: str) -> str:
    """DuckDB column type → CKAN DataStore type name."""
    t = duck_type.upper()
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT", "UHUGEINT"):
        return "int"
    if t in ("FLOAT", "DOUBLE", "REAL") or t.startswith("DECIMAL"):
        return "numeric"
    if t == "BOOLEAN":
        return "bool"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t.startswith("TIME"):
        return "time"
    if t in ("VARCHAR", "UUID") or t.startswith("ENUM"):
        return "text"
    return "json"


def part_offsets(files: list[Path] | list[str]) -> list[int]:
    """How many rows come before each Parquet part of a version: ``_id`` numbers the rows across the parts, in
    file order (``datastore_search`` and ``datastore_search_sql`` number them the same way)."""
    offsets, start = [], 0
    for path in files:
        offsets.append(start)
        start += pq.ParquetFile(path).metadata.num_rows
    return offsets


# -- parameters ------------------------------------------------------------------------------------------------
def as_json(value: Any, name: str) -> Any:
    """A JSON-valued parameter given as text, parsed with the nesting bound (``catalog/jsonlimits.py``)."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return jsonlimits.loads(value, name)
        except InvalidInput as exc:
            raise validation(**{name: _("Không đọc được thành JSON hợp lệ: {error}", error=exc)}) from None
    return value


def as_bool(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on", "t")


def field_list(value: Any, columns: dict[str, str], name: str = "fields") -> list[str] | None:
    value = as_json(value, name)
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise validation(**{name: _("Phải là một danh sách tên trường hoặc một chuỗi cách nhau bằng dấu phẩy")})
    unknown = [v for v in value if v not in columns]
    if unknown:
        raise validation(**{name: [_("trường \"{field}\" không có trong bảng", field=v) for v in unknown]})
    return list(dict.fromkeys(value))


def parse_sort(value: Any, columns: dict[str, str]) -> list[tuple[str, str]]:
    value = as_json(value, "sort")
    if value in (None, "", []):
        return []
    parts = value if isinstance(value, list) else [value]
    order: list[tuple[str, str]] = []
    for part in parts:
        text = str(part)
        pos = 0
        while pos < len(text.rstrip()):
            match = SORT_RE.match(text, pos)
            if not match or match.end() == pos:
                raise validation(sort=_("Không đọc được sort {sort!r}: dùng 'field [asc|desc], ...'", sort=text))
            name = match.group(1).replace('""', '"') if match.group(1) else match.group(2)
            if name not in columns:
                raise validation(sort=_("trường \"{field}\" không có trong bảng", field=name))
            order.append((name, (match.group(3) or "asc").lower()))
            pos = match.end()
    return order


# -- the search -----------------------------------------------------------------------------------------------
class Table:
    """One resource's table: its Parquet parts, columns and the SQL that numbers its rows."""

    def __init__(self, files: list[Path], schema: dict | None = None) -> None:
        self.files = [str(f) for f in files]
        self.con = duckdb.connect(config={"threads": 2})
        described = self.con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [self.files]).fetchall()
        self.types = {row[0]: row[1] for row in described}
        self.columns = {"_id": "BIGINT", **self.types}
        self.info = {f.get("name"): f for f in (schema or {}).get("fields") or [] if isinstance(f, dict)}

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def source(self) -> tuple[str, list[Any]]:
        """A subquery over the parts with ``_id`` = position in the union, in file order."""
        cols = ", ".join(quote_ident(c) for c in self.types)
        params: list[Any] = []
        number = "file_row_number + 1"
        if len(self.files) > 1:
            cases = []
            for path, offset in zip(self.files, part_offsets(self.files), strict=True):
                cases.append("WHEN ? THEN ?")
                params.extend([path, offset])
            number = f"(CASE {quote_ident(FILE_COLUMN)} {' '.join(cases)} END) + file_row_number + 1"
        params.extend([self.files, FILE_COLUMN])
        sql = f'(SELECT {cols}, {number} AS "_id" FROM read_parquet(?, file_row_number=true, filename=?)) AS t'
        return sql, params

    def field_dict(self, name: str) -> dict:
        field = {"id": name, "type": "int" if name == "_id" else ckan_type(self.columns[name])}
        meta = self.info.get(name) or {}
        info = {k: v for k, v in (("label", meta.get("title")), ("notes", meta.get("description"))) if v}
        if info:
            field["info"] = info
        return field

    def value(self, name: str, item: Any) -> Any:
        """A filter value for ``CAST(? AS type)``: numbers may be written with a decimal comma (``50,5``)."""
        if isinstance(item, dict | list):
            return json.dumps(item)
        if isinstance(item, str) and self.columns[name] in NUMERIC_TYPES:
            return number_text(item)
        return item

    def where(self, filters: Any, q: Any, exact: bool = False) -> tuple[list[str], list[Any]]:
        """``filters`` (text without accents and case unless ``exact``) and ``q`` (always folded)."""
        clauses: list[str] = []
        params: list[Any] = []
        filters = as_json(filters, "filters")
        if filters not in (None, ""):
            if not isinstance(filters, dict):
                raise validation(filters=_("Không phải một đối tượng JSON"))
            for name, value in filters.items():
                if name not in self.columns:
                    raise validation(filters=_("trường \"{field}\" không có trong bảng", field=name))
                column = quote_ident(name)
                cast = f"CAST(? AS {self.columns[name]})"
                values = value if isinstance(value, list) else [value]
                if not values:
                    clauses.append("FALSE")
                    continue
                parts = []
                for item in values:
                    if item is None:
                        parts.append(f"{column} IS NULL")
                    elif isinstance(item, str) and self.columns[name] == "VARCHAR" and not exact:
                        parts.append(f"{fold_sql(column)} = ?")  # accents and case ignored, as in q
                        params.append(fold(nfc(item)))
                    else:
                        parts.append(f"{column} = {cast}")
                        params.append(self.value(name, item))
                clauses.append("(" + " OR ".join(parts) + ")")
        q = as_json(q, "q")
        if isinstance(q, dict):
            for name, text in q.items():
                if name not in self.columns:
                    raise validation(q=_("trường \"{field}\" không có trong bảng", field=name))
                for word in str(text).split():
                    clauses.append(f"contains({self._folded(name)}, ?)")
                    params.append(fold(word))
        elif q not in (None, ""):
            searchable = [c for c in self.types]
            for word in str(q).split():
                ors = " OR ".join(f"contains({self._folded(c)}, ?)" for c in searchable)
                clauses.append(f"({ors})")
                params.extend([fold(word)] * len(searchable))
        return clauses, params

    @staticmethod
    def _folded(name: str) -> str:
        return fold_sql(quote_ident(name))

    def search(self, resource_id: str, params: dict) -> dict:
        unknown = sorted(set(params) - ALLOWED)
        if unknown:
            raise validation(**{k: _("Không cần trường đầu vào {field}.", field=k) for k in unknown})
        limit = min(int_param(params, "limit", LIMIT_DEFAULT), LIMIT_MAX)
        offset = int_param(params, "offset", 0)
        records_format = params.get("records_format") or "objects"
        if records_format not in RECORD_FORMATS:
            raise validation(records_format=_("Giá trị phải là một trong {values}", values=list(RECORD_FORMATS)))
        distinct = as_bool(params.get("distinct"), False)
        include_total = as_bool(params.get("include_total"), True)
        fields = field_list(params.get("fields"), self.columns)
        if fields is None:
            fields = [c for c in self.columns if not (distinct and c == "_id")]
        sort = parse_sort(params.get("sort"), self.columns)
        clauses, where_params = self.where(params.get("filters"), params.get("q") or params.get("full_text"),
                                           exact=as_bool(params.get("exact"), False))
        source, source_params = self.source()
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        selected = ", ".join(quote_ident(f) for f in fields)
        distinct_sql = "DISTINCT " if distinct else ""
        if sort:
            order = ", ".join(f"{quote_ident(n)} {d.upper()} NULLS LAST" for n, d in sort)
        else:
            order = '"_id"' if not distinct else ", ".join(str(i + 1) for i in range(len(fields)))
        if distinct and sort and any(n not in fields for n, _order in sort):
            raise validation(sort=_("khi có distinct, chỉ sắp xếp theo các trường được trả về"))
        base = f"SELECT {distinct_sql}{selected} FROM {source}{where}"
        rows: list[tuple] = []
        if limit:
            rows = self.con.execute(f"{base} ORDER BY {order} LIMIT ? OFFSET ?",
                                    [*source_params, *where_params, limit, offset]).fetchall()
        total = None
        if include_total:
            total = self.con.execute(f"SELECT count(*) FROM ({base})", [*source_params, *where_params]).fetchone()[0]
        result: dict[str, Any] = {
            "resource_id": resource_id, "include_total": include_total, "limit": limit,
            "records_format": records_format, "total_estimation_threshold": None,
            "fields": [self.field_dict(f) for f in fields],
            "records": format_records(fields, rows, records_format),
            "total_was_estimated": False,
            "_links": {"start": f"/api/3/action/datastore_search?resource_id={resource_id}",
                       "next": f"/api/3/action/datastore_search?resource_id={resource_id}&offset={offset + limit}"},
        }
        if total is not None:
            result["total"] = int(total)
        for key in ("filters", "q", "sort", "distinct", "offset"):
            if key in params:
                result[key] = params[key] if key != "offset" else offset
        return result


def format_records(fields: list[str], rows: list[tuple], records_format: str) -> Any:
    if records_format == "objects":
        return [{f: jsonable(v) for f, v in zip(fields, row, strict=True)} for row in rows]
    if records_format == "lists":
        return [[jsonable(v) for v in row] for row in rows]
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if records_format == "csv" else "\t", lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else jsonable(v) for v in row])
    return out.getvalue()


def datastore_search(files: list[Path], schema: dict | None, resource_id: str, params: dict) -> dict:
    try:
        with Table(files, schema) as table:
            return table.search(resource_id, params)
    except duckdb.ConversionException as exc:
        raise validation(filters=_("một giá trị không hợp với cột của nó: {error}", error=str(exc).splitlines()[0])) from None
    except duckdb.Error as exc:
        if isinstance(exc, ActionError):
            raise
        raise validation(query=str(exc).splitlines()[0]) from None
