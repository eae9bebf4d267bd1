"""A chart's points, computed in DuckDB over a version's Parquet: grouped, bucketed, binned, sampled, capped.

Why on the server: a chart of a million rows needs a few hundred numbers, so the browser (and the SVG renderer)
never sees more than ``MAX_POINTS``. Categories beyond the top ``MAX_CATEGORIES`` (and colour series beyond
``MAX_SERIES``) are pooled into one "other" group whose value is aggregated over all of its rows; histograms
count rows per bin; scatter charts draw a reproducible sample. The rows scanned are those of one version (the
same engine, the same typed filters and the same SQL WHERE as the explorer: ``catalog/rows``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from catalog.charts.spec import NO_AGGREGATION, NUMERIC, TEMPORAL, TIME_BUCKETS, ChartSpec, kind_of
from catalog.errors import InvalidInput
from catalog.i18n import format_number
from catalog.i18n import gettext as _
from catalog.rows.engine import connect, run, source
from catalog.rows.filters import schema_fields
from catalog.rows.sql import where_sql
from catalog.sqltext import quote_ident

MAX_POINTS = 3000
MAX_CATEGORIES = 40
MAX_SERIES = 10
SAMPLE_SEED = 14
MAX_EXACT_INT = 2**53  # the largest integer a JavaScript number holds exactly
BUCKET_DAYS = {"day": 1, "week": 7, "month": 30.44, "quarter": 91.31, "year": 365.25}
AGG_SQL = {"sum": "sum({y})", "mean": "avg({y})", "median": "median({y})", "min": "min({y})", "max": "max({y})"}
WORDS = {"vi": {"other": "Khác", "blank": "(trống)"}, "en": {"other": "Other", "blank": "(blank)"}}


@dataclass
class ChartData:
    """The points of a chart and how to read them.

    ``points`` are dicts with ``x``, ``y`` (and ``series`` with a colour, ``x2`` for a histogram's bin end,
    ``n`` for the rows behind an aggregate); ``x_kind`` is ``nominal``, ``temporal`` or ``quantitative``.
    """

    points: list[dict]
    x_kind: str
    bucket: str | None = None
    pooled: list[str] = field(default_factory=list)  # "x" and/or "series" when an "other" group was made
    sampled_from: int | None = None  # a scatter drawn from a sample: the rows it was drawn from


def aggregate(files: Sequence[Path | str], schema: dict, spec: ChartSpec, lang: str = "vi") -> ChartData:
    """The points of a checked ``spec`` (see ``check_spec``) over the version's files."""
    words = WORDS.get(lang, WORDS["vi"])
    fields = schema_fields(schema)
    src, src_params = source(files)
    where, where_params = where_sql(spec.filters, schema)
    query = _Query(src, src_params, where, where_params)
    with connect() as con:
        query.con = con
        if spec.type == "histogram":
            return _histogram(query, spec)
        if spec.type == "scatter":
            return _scatter(query, spec, fields, words)
        return _grouped(query, spec, fields, words)


@dataclass
class _Query:
    src: str
    src_params: list
    where: str
    where_params: list
    con: object = None

    def rows(self, sql: str, extra: Sequence = ()) -> list[tuple]:
        """``sql`` with ``{src}`` and ``{where}`` filled in; parameters in the order they appear."""
        return run(self.con, sql.format(src=self.src, where=self.where),
                   self.src_params + self.where_params + list(extra)).fetchall()


def _category_sql(name: str, words: dict) -> tuple[str, list]:
    return f"coalesce(CAST({quote_ident(name)} AS VARCHAR), ?)", [words["blank"]]


def _pooled(alias: str, limit: int) -> str:
    """``alias`` kept for the ``limit`` most frequent values, the rest pooled as the "other" label (a ?)."""
    return (f"CASE WHEN {alias} IN (SELECT {alias} FROM base GROUP BY {alias} "
            f"ORDER BY count(*) DESC, {alias} LIMIT {limit}) THEN {alias} ELSE ? END")


def _grouped(query: _Query, spec: ChartSpec, fields: dict, words: dict) -> ChartData:
    x_kind = kind_of(fields, spec.x)
    x_params: list = []
    bucket = None
    if x_kind in TEMPORAL:
        bucket = _resolve_bucket(query, spec, spec.bucket)
        x_sql = f"CAST(date_trunc('{bucket}', CAST({quote_ident(spec.x)} AS TIMESTAMP)) AS DATE)"
        kind, x_limit = "temporal", None
    elif x_kind in NUMERIC:
        x_sql, kind, x_limit = quote_ident(spec.x), "quantitative", None
    else:
        (x_sql, x_params), kind, x_limit = _category_sql(spec.x, words), "nominal", MAX_CATEGORIES
    y_sql = "count(*)" if spec.agg == "count" else AGG_SQL[spec.agg].format(y="y")
    c_sql, c_params = _category_sql(spec.color, words) if spec.color else ("NULL", [])
    y_col = quote_ident(spec.y) if spec.y else "NULL"
    keep = f"x IS NOT NULL{' AND y IS NOT NULL' if spec.agg != 'count' else ''}"
    x_out, x_out_params = (_pooled("x", x_limit), [words["other"]]) if x_limit else ("x", [])
    c_out, c_out_params = (_pooled("c", MAX_SERIES), [words["other"]]) if spec.color else ("c", [])
    sql = (f"WITH base AS (SELECT * FROM (SELECT {x_sql} AS x, {c_sql} AS c, {y_col} AS y FROM {{src}} "
           f"WHERE {{where}}) WHERE {keep}) "
           f"SELECT {x_out} AS gx, {c_out} AS gc, {y_sql} AS v, count(*) AS n FROM base "
           f"GROUP BY gx, gc ORDER BY gx, gc LIMIT {MAX_POINTS + 1}")
    # the parameters in the order their ? appear: x and colour expressions (inside {src}/{where} order matters)
    found = _run_grouped(query, sql, x_params, c_params, x_out_params + c_out_params)
    if len(found) > MAX_POINTS:
        raise InvalidInput(_("biểu đồ này sẽ vẽ hơn {limit} điểm", limit=format_number(MAX_POINTS)),
                           hint=_too_many_hint(x_kind))
    points = [_point(gx, gc, v, n, bool(spec.color)) for gx, gc, v, n in found]
    pooled = [axis for axis, label in (("x", x_out), ("series", c_out))
              if label != axis[0] and any(p.get(axis) == words["other"] for p in points)]
    return ChartData(points, kind, bucket=bucket, pooled=pooled)


def _run_grouped(query: _Query, sql: str, x_params: list, c_params: list, out_params: list) -> list[tuple]:
    # base's SELECT list (x, colour) comes before FROM {src} and WHERE {where}: bind in that order
    text = sql.format(src=query.src, where=query.where)
    params = x_params + c_params + query.src_params + query.where_params + out_params
    return run(query.con, text, params).fetchall()


def _too_many_hint(x_kind: str) -> str:
    if x_kind in TEMPORAL:
        return _("chọn một bucket thô hơn ({buckets}) hoặc thêm bộ lọc", buckets=", ".join(TIME_BUCKETS))
    return _("thêm bộ lọc, hoặc dùng type=histogram cho x là cột số")


def _point(gx: object, gc: object, value: object, n: int, with_series: bool) -> dict:
    point = {"x": _plain(gx), "y": _number(value), "n": n}
    if with_series:
        point["series"] = gc
    return point


def _plain(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return _number(value) if isinstance(value, (int, float)) or hasattr(value, "as_integer_ratio") else value


def _number(value: object) -> float | int | None:
    """A value as a JSON number Vega can read: an integer beyond 64 bits (DuckDB's HUGEINT, a sum of BIGINTs)
    becomes a float, since the SVG renderer refuses such integers and JavaScript reads every number as one."""
    if value is None:
        return None
    if isinstance(value, int) and abs(value) <= MAX_EXACT_INT:
        return value
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _resolve_bucket(query: _Query, spec: ChartSpec, bucket: str | None) -> str:
    """``auto``: the finest bucket that keeps the chart within its point budget (per colour series)."""
    if bucket in TIME_BUCKETS:
        return bucket
    col = quote_ident(spec.x)
    low, high = query.rows(f"SELECT min(CAST({col} AS TIMESTAMP)), max(CAST({col} AS TIMESTAMP)) "
                           f"FROM {{src}} WHERE {{where}}")[0]
    if low is None:
        return "day"
    span_days = (high - low).total_seconds() / 86400 + 1
    budget = MAX_POINTS // ((MAX_SERIES + 1) if spec.color else 1) // 3  # readable, not just within the cap
    return next((b for b in TIME_BUCKETS if span_days / BUCKET_DAYS[b] <= budget), "year")


def nice_step(span: float, bins: int) -> float:
    """A bin width of 1, 2 or 5 times a power of ten, close to ``span / bins``."""
    raw = span / bins if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _histogram(query: _Query, spec: ChartSpec) -> ChartData:
    col = quote_ident(spec.x)
    low, high = query.rows(f"SELECT min({col}), max({col}) FROM {{src}} WHERE {{where}}")[0]
    if low is None:
        return ChartData([], "quantitative")
    step = nice_step(float(high) - float(low), spec.bins)
    start = math.floor(float(low) / step) * step
    count = max(1, math.ceil((float(high) - start) / step + 1e-9))
    if start + count * step <= float(high):
        count += 1
    found = dict(_bins(query, col, start, step, count))
    points = [{"x": _round(start + i * step), "x2": _round(start + (i + 1) * step), "y": found.get(i, 0)}
              for i in range(count)]
    return ChartData(points, "quantitative")


def _bins(query: _Query, col: str, start: float, step: float, count: int) -> list[tuple]:
    text = (f"SELECT least(CAST(floor(({col} - ?) / ?) AS BIGINT), ?) AS b, count(*) "
            f"FROM {query.src} WHERE {query.where} AND {col} IS NOT NULL GROUP BY b")
    return run(query.con, text, [start, step, count - 1] + query.src_params + query.where_params).fetchall()


def _round(value: float) -> float | int:
    rounded = round(value, 10)
    return int(rounded) if rounded == int(rounded) else rounded


def _scatter(query: _Query, spec: ChartSpec, fields: dict, words: dict) -> ChartData:
    x, y = quote_ident(spec.x), quote_ident(spec.y)
    c_sql, c_params = _category_sql(spec.color, words) if spec.color else ("NULL", [])
    text = (f"SELECT * FROM (SELECT {x} AS x, {y} AS y, {c_sql} AS c FROM {query.src} "
            f"WHERE {query.where} AND {x} IS NOT NULL AND {y} IS NOT NULL) "
            f"USING SAMPLE reservoir({MAX_POINTS} ROWS) REPEATABLE ({SAMPLE_SEED})")
    found = run(query.con, text, c_params + query.src_params + query.where_params).fetchall()
    x_kind = "temporal" if kind_of(fields, spec.x) in TEMPORAL else "quantitative"
    points = [{"x": _plain(a), "y": _plain(b), **({"series": c} if spec.color else {})} for a, b, c in found]
    total = None
    if len(found) >= MAX_POINTS:
        total = query.rows(f"SELECT count(*) FROM {{src}} WHERE {{where}} AND {x} IS NOT NULL AND {y} IS NOT NULL")[0][0]
    points.sort(key=lambda p: (p["x"], p["y"]))
    return ChartData(points, x_kind, sampled_from=total)


def from_rows(names: Sequence[str], kinds: Sequence[str], rows: Sequence[Sequence], x: str, y: str,
              chart_type: str) -> ChartData:
    """Points straight from rows already computed (a SQL result): one point per row, at most ``MAX_POINTS``.

    ``kinds`` are Table Schema types of the columns; the rows are drawn as they come (the query aggregates).
    """
    xi, yi = list(names).index(x), list(names).index(y)
    x_type = kinds[xi]
    x_kind = "temporal" if x_type in TEMPORAL else ("quantitative" if x_type in NUMERIC and chart_type != "bar"
                                                    else "nominal")
    points = [{"x": _plain(row[xi]) if x_kind != "nominal" else _label(row[xi]), "y": _number(row[yi])}
              for row in rows[:MAX_POINTS] if row[yi] is not None]
    return ChartData(points, x_kind, sampled_from=len(rows) if len(rows) > MAX_POINTS else None)


def _label(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return "" if value is None else str(value)


__all__ = ["MAX_CATEGORIES", "MAX_POINTS", "MAX_SERIES", "NO_AGGREGATION", "ChartData", "aggregate",
           "from_rows", "nice_step"]
