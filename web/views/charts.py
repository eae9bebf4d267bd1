"""Every chart is a URL: ``chart.svg``, ``chart.png`` and ``chart.vl.json`` of a dataset (latest or a pinned
version), and ``/embed/…/chart``, the one page other sites may frame.

Why here: this module only reads a chart request from a query string (``type``, ``x``, ``y``, ``agg``, ``color``,
``bucket``, ``bins`` and the explorer's filters) and picks the version; ``catalog/charts`` aggregates and draws.
The chart builder on the dataset page and in the explorer (``_chart_builder.html``) reads the same request from
``_``-prefixed parameters, so it never clashes with the explorer's own filters.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, jsonify, render_template, request

from catalog.charts import (
    AGGREGATIONS,
    CHART_TYPES,
    TIME_BUCKETS,
    Chart,
    ChartSpec,
    build_chart,
    column_title,
    to_png,
    to_svg,
)
from catalog.errors import NotFound, UserError
from catalog.i18n import gettext as _
from web import errors, i18n, row_params
from web.auth import personal_cache
from web.context import bounded_int, get_catalog
from web.i18n import N_, pgettext
from web.views.pages.common import visible_dataset

bp = Blueprint("charts", __name__)
bp.after_request(personal_cache)

# The chart's own parameters; every other parameter is one of the explorer's filters (``col__op=value``). A
# column named like one of these is filtered with the explicit spelling (``type__eq=...``).
CHART_PARAMS = ("type", "x", "y", "agg", "color", "bucket", "bins")
BUILDER_PREFIX = "_"  # the builder form's names: _type, _x, ... (the explorer ignores "_" parameters)
PINNED_CACHE = "public, max-age=86400"
LATEST_CACHE = "public, max-age=300"
AGG_LABELS = [("count", N_("Số dòng")), ("sum", N_("Tổng")), ("mean", N_("Trung bình")), ("median", N_("Trung vị")),
              ("min", N_("Nhỏ nhất")), ("max", N_("Lớn nhất"))]
BUCKET_LABELS = [("auto", N_("Tự động")), ("day", N_("Ngày")), ("week", N_("Tuần")), ("month", N_("Tháng")),
                 ("quarter", N_("Quý")), ("year", N_("Năm"))]


def type_labels() -> list[tuple[str, str]]:
    """The chart types in the page's language ("Cột" is a column elsewhere, bars here: hence the context)."""
    return [("bar", pgettext("chart type", "Cột")), ("line", pgettext("chart type", "Đường")),
            ("area", pgettext("chart type", "Vùng")), ("scatter", pgettext("chart type", "Phân tán")),
            ("histogram", pgettext("chart type", "Tần suất"))]


assert [t for t, _ in type_labels()] == list(CHART_TYPES) and [a for a, _ in AGG_LABELS] == list(AGGREGATIONS)
assert [b for b, _ in BUCKET_LABELS[1:]] == list(TIME_BUCKETS)


def init_app(app: Flask) -> None:
    """English strings, and the builder for the dataset and explorer templates."""
    app.jinja_env.globals["chart_builder"] = chart_builder


# -- reading a request ---------------------------------------------------------------------------------------
def spec_from(args: Any, schema: dict, prefix: str = "",
              filter_args: list[tuple[str, str]] | None = None) -> ChartSpec:
    """A chart request from query parameters (``prefix`` + ``type``, ``x`` ...); the filters are
    ``filter_args``, or else every other parameter."""
    names = {prefix + p for p in CHART_PARAMS}
    x = (args.get(prefix + "x") or "").strip()
    if not x:
        columns = ", ".join(f["name"] for f in schema.get("fields") or [])
        raise UserError(_("cần tham số {prefix}x: cột nằm dọc trục ngang", prefix=prefix),
                        hint=_("các cột là: {columns}", columns=columns))
    if filter_args is None:
        filter_args = [(k, v) for k, v in args.items(multi=True) if k not in names]
    return ChartSpec(type=(args.get(prefix + "type") or "bar").strip(), x=x,
                     y=(args.get(prefix + "y") or "").strip() or None, agg=(args.get(prefix + "agg") or "").strip(),
                     color=(args.get(prefix + "color") or "").strip() or None,
                     bucket=(args.get(prefix + "bucket") or "").strip() or None,
                     bins=bounded_int(args.get(prefix + "bins"), prefix + "bins", 20, 2, 100),
                     filters=tuple(row_params.parse_filters(filter_args, schema)))


def chart_query(spec: ChartSpec, filter_params: list[tuple[str, str]], lang: str | None = None) -> str:
    """The query string of a chart URL for ``spec`` (its filters given as the explorer's parameters)."""
    pairs = [("type", spec.type), ("x", spec.x)]
    pairs += [(k, v) for k, v in (("y", spec.y), ("agg", spec.agg), ("color", spec.color),
                                  ("bucket", spec.bucket)) if v and v != "none"]
    if spec.type == "histogram" and spec.bins != 20:
        pairs.append(("bins", str(spec.bins)))
    return urlencode(pairs + list(filter_params) + ([("lang", lang)] if lang == "en" else []))


def _version(name: str, number: int | None) -> dict:
    visible_dataset(name)
    catalog = get_catalog()
    version = catalog.latest_version(name) if number is None else catalog.get_version(name, number)
    if version is None:
        raise NotFound(_("bộ dữ liệu {name!r} chưa có phiên bản nào được công bố", name=name),
                       hint=_("xem /datasets/{name}", name=name))
    return version


def _chart(name: str, number: int | None) -> tuple[dict, Chart]:
    version = _version(name, number)
    spec = spec_from(request.args, version["schema"])
    files = get_catalog().version_files(version)
    return version, build_chart(files, version["schema"], spec, i18n.current_lang())


def _answer(make: Callable[[], Response], pinned: bool) -> Response:
    """Bad parameters are a 400 in JSON (an <img> or a script asked), whatever the Accept header."""
    try:
        response = make()
    except UserError as error:
        response = jsonify({"error": {"code": error.code, "message": errors.public_message(error)}})
        response.status_code = error.status
        return response
    response.headers["Cache-Control"] = PINNED_CACHE if pinned else LATEST_CACHE
    response.vary.add("Cookie")  # the language cookie changes titles and number formats
    return response


def with_meta(version: dict, chart: Chart) -> dict:
    """The Vega-Lite spec with what the page needs beside the picture (``usermeta`` is Vega-Lite's own slot)."""
    return {**chart.vega_lite, "usermeta": {"dataset": version["dataset"], "version": version["number"],
                                            "summary": chart.summary, "table": chart.table}}


# -- the chart URLs ------------------------------------------------------------------------------------------
@bp.get("/datasets/<name>/chart.svg")
@bp.get("/datasets/<name>/versions/<int:number>/chart.svg")
def chart_svg(name: str, number: int | None = None) -> Response:
    return _answer(lambda: Response(to_svg(_chart(name, number)[1].vega_lite), mimetype="image/svg+xml"),
                   number is not None)


@bp.get("/datasets/<name>/chart.png")
@bp.get("/datasets/<name>/versions/<int:number>/chart.png")
def chart_png(name: str, number: int | None = None) -> Response:
    return _answer(lambda: Response(to_png(_chart(name, number)[1].vega_lite), mimetype="image/png"),
                   number is not None)


@bp.get("/datasets/<name>/chart.vl.json")
@bp.get("/datasets/<name>/versions/<int:number>/chart.vl.json")
def chart_json(name: str, number: int | None = None) -> Response:
    return _answer(lambda: jsonify(with_meta(*_chart(name, number))), number is not None)


@bp.get("/embed/datasets/<name>/versions/<int:number>/chart")
def embed(name: str, number: int) -> Response:
    """A chart alone on a page, pinned to a version, with its summary, table and source: framable elsewhere."""
    try:
        version, chart = _chart(name, number)
    except UserError as error:
        if errors.wants_json() or error.status != 400:
            raise
        return errors.error_response(error.status, errors.public_message(error), error.code)
    dataset = visible_dataset(name)
    query = request.query_string.decode("latin-1")
    base = f"/datasets/{name}/versions/{number}/chart"
    return Response(render_template("embed_chart.html", dataset=dataset, version=version, chart=chart,
                                    svg_url=f"{base}.svg?{query}", spec_url=f"{base}.vl.json?{query}",
                                    source_url=f"/datasets/{name}/versions/{number}"), mimetype="text/html")


# -- the builder on the dataset page and in the explorer -----------------------------------------------------
def chart_builder(name: str, version: int, filter_params: list[tuple[str, str]], action: str) -> dict:
    """What ``_charts.html`` shows: the form's choices and, once asked, the chart of version ``version`` with
    the view's filters (``filter_params``, the explorer's parameters) and its links."""
    pinned = get_catalog().get_version(name, version)
    fields = pinned["schema"].get("fields") or []
    lang = i18n.current_lang()
    choices = {"columns": [(f["name"], column_title(f, lang)) for f in fields],
               "numeric": [(f["name"], column_title(f, lang)) for f in fields
                           if f.get("type") in ("integer", "number", "year")],
               "types": type_labels(), "aggs": [(code, i18n.gettext(label)) for code, label in AGG_LABELS],
               "buckets": [(code, i18n.gettext(label)) for code, label in BUCKET_LABELS]}
    builder = {"choices": choices, "action": action, "filter_params": filter_params, "asked": False,
               "selected": {p: request.args.get(BUILDER_PREFIX + p, "") for p in CHART_PARAMS}}
    if not request.args.get(BUILDER_PREFIX + "x"):
        return builder
    builder["asked"] = True
    try:
        schema = pinned["schema"]
        spec = spec_from(request.args, schema, BUILDER_PREFIX, list(filter_params))
        files = get_catalog().version_files(pinned)
        chart = build_chart(files, schema, spec, lang)
    except UserError as error:
        builder["error"] = errors.public_message(error)
        return builder
    query = chart_query(chart.spec, filter_params, lang)
    base = f"/datasets/{name}/versions/{version}/chart"
    builder.update(chart=chart, svg_url=f"{base}.svg?{query}", links=[
        ("SVG", f"{base}.svg?{query}"), ("PNG", f"{base}.png?{query}"), ("Vega-Lite JSON", f"{base}.vl.json?{query}"),
        (i18n.gettext("Nhúng"), f"/embed/datasets/{name}/versions/{version}/chart?{query}")],
        spec_url=f"{base}.vl.json?{query}")
    return builder


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI for an <img> (the site's CSP allows ``img-src data:``)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
