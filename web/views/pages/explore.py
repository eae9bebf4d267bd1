"""The table explorer: a version's rows filtered, sorted and paged in a form that works without JavaScript.

Why its own module: the explorer's form sends (column, operator, value) triples and answers with a redirect to
the canonical ``column__op=value`` URL, so every view has one shareable address that the downloads of the view
reuse; the chips, header sort links and paging links are all rebuilt from that URL here. The filters themselves
are read by ``web/row_params.py`` and run by ``catalog/rows``.
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
from web.urls import base_url
from web.views.pages.common import bp, page, visible_dataset

EXPLORE_LIMIT = 50
EXPLORE_MAX_LIMIT = 1000
VALUE_COUNTS_LIMIT = 50
VIEW_FORMATS = [("csv", "CSV", []), ("csv", "CSV (Excel)", [("excel", "1")]), ("json", "JSON", []),
                ("parquet", "Parquet", []), ("xlsx", "Excel (XLSX)", [])]
# Filter operators of catalog/rows/filters.py, in the order the form offers them, with their labels.
OPERATORS = [("eq", "="), ("ne", "≠"), ("lt", "<"), ("le", "≤"), ("gt", ">"), ("ge", "≥"),
             ("contains", "chứa"), ("in", "thuộc"), ("blank", "trống"), ("notblank", "không trống")]
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
        if key in FORM_PARAMS:
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
    catalog = get_catalog()
    ds = visible_dataset(name)
    base = f"/datasets/{name}/explore"
    if any(p in request.args for p in FORM_PARAMS):
        # The form posts triples; answer with the canonical URL (shareable, and the one downloads reuse).
        keep = [(k, v) for k, v in request.args.items(multi=True)
                if k in ("_sort", "_col", "_limit", "lang", "format") and v != ""]
        return redirect(base + query_string(canonical_filter_params(request.args) + keep), code=302)

    latest = catalog.latest_version(name)
    if latest is None:
        raise NotFound(f"dataset {name!r} has no published version yet", hint=f"see /datasets/{name}")
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
    try:
        pairs = filter_pairs(request.args, schema)
        filters = row_params.parse_filters([p for _f, p in pairs], schema)
        files = catalog.version_files(latest)
        result = rows.query_rows(files, schema, filters=filters, sort=sort, limit=limit, cursor=cursor,
                                 with_total=True)
        if column:
            counts = rows.value_counts(files, schema, column, filters=filters, limit=VALUE_COUNTS_LIMIT)
    except UserError as exc:
        if errors.wants_json():
            raise
        error = exc  # the page shows the message above the form, with the 400 status

    filter_params = [p for _f, p in pairs]
    view_params = filter_params + ([("_sort", sort)] if sort else [])
    chips = []
    for f, param in pairs:
        rest = [p for p in filter_params if p != param] + ([("_sort", sort)] if sort else [])
        chips.append({**f, "url": base + query_string(rest)})
    data = {
        "dataset": {"name": ds["name"], "title": ds["title"], "org": ds["org"], "org_title": ds["org_title"]},
        "version": latest["number"],
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
        "downloads": [{"format": ext + ("-excel" if extra else ""), "label": label,
                       "url": f"{base_url()}{base}.{ext}{query_string(view_params + extra)}"}
                      for ext, label, extra in VIEW_FORMATS],
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
