"""SQL for everyone: the ``/sql`` page (editor, tables, results, chart) and ``GET|POST /api/v1/sql``.

All the safety lives in ``catalog.sql`` (a pool of sandboxed DuckDB worker processes); this module reads the
request, maps ``QueryError`` to 400/429 JSON or an inline message on the page, and streams downloads. The page
works without JavaScript: the query travels in the URL (``/sql?sql=...``) so a result is a shareable link; the
scripts only add highlighting and shortcuts.
"""

from __future__ import annotations

import functools
import os
from typing import Any
from urllib.parse import urlencode

import duckdb
from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from werkzeug.wsgi import wrap_file

from catalog import charts
from catalog.i18n import gettext as _
from catalog.sql.engine import FORMATS, MEDIA_TYPES, QueryEngine, QueryResult
from catalog.sql.limits import QueryLimits, describe_limits
from catalog.sql.messages import QueryError
from catalog.sql.sandbox import HELPERS
from catalog.sql.tables import Table, column_types
from web import errors, i18n
from web.context import get_catalog
from web.views.charts import svg_data_uri

bp = Blueprint("sql", __name__)

TRUE_FLAGS = ("1", "true", "yes", "on")
CHUNK = 256 * 1024
DOWNLOAD_LABELS = [("csv", "CSV", {}), ("csv", "CSV (Excel)", {"excel": "1"}), ("json", "JSON", {"download": "1"}),
                   ("parquet", "Parquet", {}), ("xlsx", "Excel (XLSX)", {})]
CHART_KINDS = ("bar", "line", "area", "scatter")
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL")



def init_app(app: Flask) -> None:
    """One engine per web process (its worker pool starts with the first query)."""
    app.extensions["sql_engine"] = QueryEngine(app.extensions["catalog"], QueryLimits.from_config(app.config))


def get_engine() -> QueryEngine:
    return current_app.extensions["sql_engine"]


# -- request parsing -------------------------------------------------------------------------------------------
def read_params() -> tuple[str, str, bool]:
    """``sql``, ``format`` and ``download`` from the query string, a form or a JSON body (``excel`` is read
    by ``excel_flag``)."""
    values: dict[str, Any] = dict(request.args.items())
    if request.method == "POST":
        if request.is_json:
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise QueryError("sql_error", _("Nội dung JSON phải là một đối tượng như {\"sql\": \"SELECT 1\"}."))
            values.update(body)
        else:
            values.update(request.form.items())
    sql = values.get("sql", values.get("q", ""))
    if not isinstance(sql, str):
        raise QueryError("sql_error", _("sql phải là một chuỗi chứa một câu lệnh SELECT."))
    if not isinstance(values.get("format", ""), str):
        raise QueryError("sql_error", _("format phải là một chuỗi: một trong {formats}.", formats=", ".join(FORMATS)))
    fmt = str(values.get("format") or "json").lower()
    if fmt not in FORMATS:
        raise QueryError("sql_error", _("Không có định dạng {fmt!r}: dùng một trong {formats}.", fmt=fmt,
                                        formats=", ".join(FORMATS)))
    download = str(values.get("download", "")).lower() in TRUE_FLAGS or fmt != "json"
    return sql, fmt, download


def excel_flag() -> bool:
    """``excel=1``: CSV for Excel (``catalog/spreadsheet.py``); only with ``format=csv``."""
    values = dict(request.args.items())
    if request.method == "POST" and request.is_json and isinstance(request.get_json(silent=True), dict):
        values.update(request.get_json(silent=True))
    elif request.method == "POST":
        values.update(request.form.items())
    return str(values.get("excel", "")).lower() in TRUE_FLAGS


def error_json(error: QueryError) -> Response:
    response = jsonify({"error": error.to_dict()})
    response.status_code = error.status
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def result_response(result: QueryResult) -> Response:
    response = Response(result.to_json_bytes(), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def download_response(sql: str, fmt: str) -> Response:
    """Send the full result as a file; the work folder is removed once the file is open (Unix keeps it)."""
    download = get_engine().download(sql, fmt, excel=fmt == "csv" and excel_flag())
    try:
        handle = open(download.path, "rb")  # noqa: SIM115 - closed by the response
        size = os.fstat(handle.fileno()).st_size
    finally:
        download.close()
    response = Response(wrap_file(request.environ, handle, CHUNK), content_type=MEDIA_TYPES[fmt],
                        direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="sql-result.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Elapsed-Ms"] = str(download.elapsed_ms)
    return response


# -- the API ---------------------------------------------------------------------------------------------------
@bp.route("/api/v1/sql", methods=["GET", "POST"])
def api_sql() -> Response:
    """Run one read-only SELECT: JSON (first rows) or the full result as CSV, JSON, Parquet or XLSX."""
    try:
        sql, fmt, download = read_params()
        if download:
            return download_response(sql, fmt)
        return result_response(get_engine().query(sql))
    except QueryError as error:
        return error_json(error)


# -- the page --------------------------------------------------------------------------------------------------
@functools.cache
def reserved_words() -> frozenset[str]:
    con = duckdb.connect()
    try:
        return frozenset(r[0].lower() for r in con.execute(
            "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'").fetchall())
    finally:
        con.close()


def sql_name(table: Table) -> str:
    """How to write the table in SQL: unquoted when that is valid (the alias ``air_quality``), else quoted."""
    for name in (table.alias, table.name):
        if name and name.isidentifier() and name[0].isalpha() and name.lower() not in reserved_words():
            return name
    return '"' + table.name.replace('"', '""') + '"'


def examples(table: Table) -> list[dict]:
    """A few queries that work on this table as published, chosen from its Table Schema."""
    fields = table.schema.get("fields") or []
    name = sql_name(table)

    def ident(field: dict) -> str:
        column = field["name"]
        return column if column.isidentifier() and column.islower() else '"' + column.replace('"', '""') + '"'

    def label(field: dict) -> str:  # an English page names a column by its English title, else by its name
        if i18n.current_lang() == "en":
            return field.get("title_en") or field["name"]
        return field.get("title") or field["name"]

    def looks_like_id(column: str) -> bool:
        lowered = column.lower()
        return lowered.endswith(("id", "_id", "code", "ma")) or lowered in ("lat", "lon", "latitude", "longitude")

    texts = [f for f in fields if f.get("type", "string") == "string" and not looks_like_id(f["name"])]
    category = next((f for f in texts if (f.get("constraints") or {}).get("enum")), texts[0] if texts else None)
    number = next((f for f in fields if f.get("type") in ("number", "integer") and not looks_like_id(f["name"])),
                  None)
    moment = next((f for f in fields if f.get("type") in ("datetime", "date")), None)
    found = [{"title": i18n.gettext("10 dòng đầu"), "sql": f"SELECT * FROM {name} LIMIT 10"}]
    if category:
        col = ident(category)
        found.append({"title": i18n.gettext("Số dòng theo {col}", col=label(category)),
                      "sql": f"SELECT {col}, count(*) AS so_dong\nFROM {name}\nGROUP BY {col}\nORDER BY so_dong DESC"})
        if number:
            num = ident(number)
            found.append({"title": i18n.gettext("Trung bình {num} theo {col}", num=label(number),
                                                col=label(category)),
                          "sql": f"SELECT {col}, round(avg({num}), 2) AS trung_binh_{number['name']}\n"
                                 f"FROM {name}\nGROUP BY {col}\nORDER BY 2 DESC"})
    if moment:
        col = ident(moment)
        found.append({"title": i18n.gettext("Số dòng theo tháng ({col})", col=label(moment)),
                      "sql": f"SELECT date_trunc('month', {col}) AS thang, count(*) AS so_dong\nFROM {name}\n"
                             f"GROUP BY thang\nORDER BY thang"})
    found.append({"title": i18n.gettext("Tóm tắt các cột"), "sql": f"SUMMARIZE {name}"})
    return found


def table_entry(table: Table, versions: list[Table]) -> dict:
    types = column_types(get_catalog(), table)
    fields = {f["name"]: f for f in table.schema.get("fields") or []}
    names = list(types) or list(fields)
    columns = []
    for column in names:
        field = fields.get(column, {})
        columns.append({"name": column, "type": types.get(column, (field.get("type") or "").upper()),
                        "title": field.get("title", ""), "description": field.get("description", "")})
    return {"name": table.name, "sql_name": sql_name(table), "alias": table.alias, "title": table.title,
            "rows": table.rows, "version": table.version, "columns": columns,
            "versions": [{"name": v.name, "sql": f'"{v.name}"', "rows": v.rows} for v in versions],
            "examples": [{**e, "url": "/sql?" + urlencode({"sql": e["sql"]})} for e in examples(table)]}


def is_numeric(type_name: str) -> bool:
    return type_name.upper().split("(")[0].strip() in NUMERIC_TYPES


def schema_type(type_name: str) -> str:
    """A DuckDB result column's type as the Table Schema type the chart builder reads."""
    name = type_name.upper().split("(")[0].strip()
    if is_numeric(name):
        return "number"
    if name == "DATE":
        return "date"
    return "datetime" if name.startswith("TIMESTAMP") else "string"


def chart(columns: list[dict], rows: list[list], kind: str | None, x: str | None, y: str | None,
          lang: str = "vi") -> dict | None:
    """A chart of the result's rows (``catalog/charts``, as on the dataset pages): column ``y`` against ``x``,
    one point per row (the query does the aggregating), drawn on the server and enhanced by charts.js."""
    names = [c["name"] for c in columns]
    numeric = [c["name"] for c in columns if is_numeric(c["type"])]
    if len(columns) < 2 or not numeric or not rows:
        return None
    x = x if x in names else names[0]
    y = y if y in numeric else next((n for n in numeric if n != x), numeric[0])
    kind = kind if kind in CHART_KINDS else "bar"
    kinds = [schema_type(c["type"]) for c in columns]
    spec = charts.ChartSpec(kind, x, y, agg=charts.NO_AGGREGATION)
    data = charts.from_rows(names, kinds, rows, x, y, kind)
    if not data.points:
        return None
    built = charts.chart_of(spec, data, charts.Titles(x, y), lang)
    return {"kind": kind, "x": x, "y": y, "names": names, "numeric": numeric, "figure": built,
            "img": svg_data_uri(charts.to_svg(built.vega_lite)), "spec": built.vega_lite,
            "clipped": len(rows) > charts.MAX_POINTS, "max_points": charts.MAX_POINTS}


@bp.get("/sql")
def sql_page() -> Response:
    engine = get_engine()
    sql = request.args.get("sql", "")
    result, error, status = None, None, 200
    if sql.strip():
        try:
            result = engine.query(sql)
        except QueryError as failure:
            error, status = failure, failure.status
    if errors.wants_json():  # the page's JSON twin is the API answer
        response = error_json(error) if error else (result_response(result) if result else
                                                    jsonify({"tables": [t.name for t in engine.tables.latest()],
                                                             "helpers": [{"name": n, "doc": _(d)} for n, _s, d in HELPERS]}))
        return response
    tables = [table_entry(t, engine.tables.versions_of(t.dataset)) for t in engine.tables.latest()]
    rows = result.rows if result else []
    data = {
        "sql": sql, "tables": tables, "result": result, "rows": rows, "error": error,
        "limits": describe_limits(engine.limits),
        "helpers": [(n, s, _(d)) for n, s, d in HELPERS],
        "downloads": [{"format": f + ("-excel" if "excel" in extra else ""), "label": label,
                       "url": "/api/v1/sql?" + urlencode({"sql": sql, "format": f} | extra)}
                      for f, label, extra in DOWNLOAD_LABELS] if result else [],
        "chart": chart(result.columns, rows, request.args.get("chart"), request.args.get("x"),
                       request.args.get("y"), i18n.current_lang()) if result else None,
    }
    response = Response(render_template("sql.html", **data), status=status, mimetype="text/html")
    if error and error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response
