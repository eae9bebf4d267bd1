"""The table explorer: a version's rows filtered, sorted and paged in a form that works without JavaScript.

Why its own module: the explorer's form sends (column, operator, value) triples and answers with a redirect to
the canonical ``column__op=value`` URL, so every view has one shareable address that the downloads of the view
reuse; the chips, header sort links and paging links are all rebuilt from that URL here. The filters themselves
are read by ``web/row_params.py`` and run by ``catalog/rows``.

The same view serves ``/datasets/<name>/explore`` (the latest version, with "pin this view": a plain link to the
pinned URL with the same query string) and ``/datasets/<name>/versions/<n>/explore`` (one version, for ever;
its downloads and citation name that version). ``?_version=N`` on the unpinned URL redirects to the pinned one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from flask import Response, redirect, request

from catalog import rows
from catalog.errors import NotFound, UserError
from web import errors, row_params
from web.context import get_catalog, int_arg
from web.i18n import N_
from web.i18n import gettext as _
from web.urls import base_url
from web.views.pages.citebox import cite_box
from web.views.pages.common import bp, page, visible_dataset

EXPLORE_LIMIT = 50
EXPLORE_MAX_LIMIT = 1000
VALUE_COUNTS_LIMIT = 50
VIEW_FORMATS = [("csv", "CSV", []), ("csv", "CSV (Excel)", [("excel", "1")]), ("json", "JSON", []),
                ("parquet", "Parquet", []), ("xlsx", "Excel (XLSX)", [])]
# Filter operators of catalog/rows/filters.py, in the order the form offers them, with their labels.
OPERATORS = [("eq", "="), ("ne", "≠"), ("lt", "<"), ("le", "≤"), ("gt", ">"), ("ge", "≥"),
             ("contains", N_("chứa")), ("starts", N_("bắt đầu bằng")), ("in", N_("thuộc")), ("blank", N_("trống")),
             ("notblank", N_("không trống"))]
# Parameters a view keeps when the form redirects to its canonical URL, or when it is pinned to a version.
VIEW_KEEP = ("_sort", "_col", "_limit", "_exact", "lang", "format")
# Parameters of the explorer's form: one (column, operator, value) triple per condition, turned into the
# canonical ``column__op=value`` parameters by a redirect so that every view has one shareable URL.
FORM_PARAMS = ("_fc", "_fo", "_fv")


def canonical_filter_params(args: Any) -> list[tuple[str, str]]:
    """The form's (column, operator, value) triples as ``column__op=value`` parameters."""
    columns, ops, values = (args.getlist(p) for p in FORM_PARAMS)
    out = []
    for i, column in enumerate(columns):
        column = column.strip()
        op = ops[i] if i < len(ops) else "eq"
        value = values[i] if i < len(values) else ""
        if not column:
            continue
        if op in rows.VALUELESS_OPS:
            value = "1"
        elif value == "":
            continue
        out.append((column if op == "eq" else f"{column}__{op}", value))
    return out


def filter_pairs(args: Any, schema: dict) -> list[tuple[dict, tuple[str, str]]]:
    """Each filter in the query string with the parameter it came from (for the chips that remove it)."""
    found = []
    for key, value in args.items(multi=True):
        if key in FORM_PARAMS or key in (row_params.EXACT_PARAM, row_params.VERSION_PARAM):
            continue
        for f in row_params.parse_filters([(key, value)], schema):
            found.append(({"column": f.column, "op": f.op, "value": value,
                           "display": value if f.op not in rows.VALUELESS_OPS else ""}, (key, value)))
    return found


def query_string(pairs: Iterable[tuple[str, str]]) -> str:
    query = urlencode(list(pairs))
    return f"?{query}" if query else ""


@bp.get("/datasets/<name>/explore")
def explore(name: str) -> Response:
    """The explorer on the latest version (``?_version=N`` moves to the pinned URL of version N)."""
    number = row_params.pinned_version(request.args)
    if number is not None:
        rest = [(k, v) for k, v in request.args.items(multi=True) if k != row_params.VERSION_PARAM]
        return redirect(f"/datasets/{name}/versions/{number}/explore" + query_string(rest), code=302)
    return explore_view(name, None)


@bp.get("/datasets/<name>/versions/<int:number>/explore")
def explore_pinned(name: str, number: int) -> Response:
    """The explorer on one version: the same rows at this URL for ever (what a citation points at)."""
    if row_params.pinned_version(request.args) not in (None, number):
        rest = [(k, v) for k, v in request.args.items(multi=True) if k != row_params.VERSION_PARAM]
        return redirect(f"/datasets/{name}/versions/{row_params.pinned_version(request.args)}/explore"
                        + query_string(rest), code=302)
    return explore_view(name, number)


def view_version(name: str, number: int | None) -> dict:
    """The version a view reads: the pinned one, or the latest."""
    catalog = get_catalog()
    if number is not None:
        return catalog.get_version(name, number)
    latest = catalog.latest_version(name)
    if latest is None:
        raise NotFound(_("bộ dữ liệu {name!r} chưa có phiên bản nào được công bố", name=name),
                       hint=_("xem /datasets/{name}", name=name))
    return latest


def explore_view(name: str, number: int | None) -> Response:
    catalog = get_catalog()
    ds = visible_dataset(name)
    pinned_base = f"/datasets/{name}/versions/{{}}/explore"
    base = f"/datasets/{name}/explore" if number is None else pinned_base.format(number)
    if any(p in request.args for p in FORM_PARAMS):
        # The form posts triples; answer with the canonical URL (shareable, and the one downloads reuse).
        keep = [(k, v) for k, v in request.args.items(multi=True) if k in VIEW_KEEP and v != ""]
        return redirect(base + query_string(canonical_filter_params(request.args) + keep), code=302)

    latest = view_version(name, number)
    schema = latest["schema"]
    fields = schema.get("fields") or []
    column_names = [f["name"] for f in fields]
    sort = request.args.get("_sort") or None
    column = request.args.get("_col") or None
    limit = int_arg("_limit", EXPLORE_LIMIT, 1, EXPLORE_MAX_LIMIT)
    cursor = request.args.get("_cursor") or None

    error = None
    pairs: list[tuple[dict, tuple[str, str]]] = []
    result: dict[str, Any] = {"columns": [{"name": f["name"], "type": f.get("type", "string")} for f in fields],
                              "rows": [], "total": None, "next": None}
    counts = None
    ranges: dict[str, dict] = {}
    exact = False
    try:
        exact = row_params.exact_flag(request.args)
        pairs = filter_pairs(request.args, schema)
        filters = row_params.parse_filters([p for _f, p in pairs] + exact_param(exact), schema)
        files = catalog.version_files(latest)
        result = rows.query_rows(files, schema, filters=filters, sort=sort, limit=limit, cursor=cursor,
                                 with_total=True)
        if column:
            counts = rows.value_counts(files, schema, column, filters=filters, limit=VALUE_COUNTS_LIMIT)
        ranges = date_ranges(files, schema)
    except UserError as exc:
        if errors.wants_json():
            raise
        error = exc  # the page shows the message above the form, with the 400 status

    filter_params = [p for _f, p in pairs] + exact_param(exact)
    view_params = filter_params + ([("_sort", sort)] if sort else [])
    chips = []
    for f, param in pairs:
        rest = [p for p in filter_params if p != param] + ([("_sort", sort)] if sort else [])
        chips.append({**f, "url": base + query_string(rest)})
    data = {
        "dataset": {"name": ds["name"], "title": ds["title"], "org": ds["org"], "org_title": ds["org_title"]},
        "version": latest["number"],
        "pinned": number is not None,
        "pin_url": pinned_base.format(latest["number"]) + query_string(view_params),
        "exact": exact,
        "filters": [f for f, _p in pairs],
        "sort": sort,
        "columns": result["columns"],
        "rows": result["rows"],
        "total": result.get("total"),
        "next": result.get("next"),
        "next_url": (base + query_string(view_params + [("_cursor", result["next"])]
                                         + ([("_limit", str(limit))] if limit != EXPLORE_LIMIT else [])))
        if result.get("next") else None,
        "value_counts": {"column": column, "values": counts} if column and counts is not None else None,
        "date_ranges": ranges,
        "downloads": [{"format": ext + ("-excel" if extra else ""), "label": label,
                       "url": f"{base_url()}{base}.{ext}{query_string(view_params + extra)}"}
                      for ext, label, extra in VIEW_FORMATS],
        "citation": cite_box(ds, latest, view_params),
    }
    types = {c["name"]: c.get("type", "string") for c in result["columns"]}
    numeric = {n for n, t in types.items() if t in ("integer", "number", "year")}
    response = page("explore.html", data, fields=fields, column_names=column_names, operators=OPERATORS,
                    chips=chips, numeric=numeric, error=error, cursor=cursor, base=base,
                    filter_params=filter_params, first_url=base + query_string(view_params),
                    sort_url=lambda col: sort_link(base, filter_params, sort, col))
    if error is not None:
        response.status_code = error.status
    return response


def exact_param(exact: bool) -> list[tuple[str, str]]:
    return [(row_params.EXACT_PARAM, "1")] if exact else []


def date_ranges(files: list[str], schema: dict) -> dict[str, dict]:
    """The first and last value of each date and time column of the version (shown beside the filters)."""
    return {f["name"]: rows.value_range(files, schema, f["name"]) for f in schema.get("fields") or []
            if f.get("type") in rows.RANGE_TYPES}


def sort_link(base: str, filter_params: list[tuple[str, str]], sort: str | None, column: str) -> str:
    """Clicking a header sorts by it ascending, then descending, then not at all."""
    if sort == column:
        new = f"-{column}"
    elif sort == f"-{column}":
        new = None
    else:
        new = column
    keep = [(k, v) for k, v in request.args.items(multi=True) if k in ("_col", "_limit")]
    return base + query_string(filter_params + ([("_sort", new)] if new else []) + keep)
