"""The HTML pages: home, search, organisations, dataset, table explorer.

Every page is also JSON on the same URL (``?format=json`` or ``Accept: application/json``), Datasette-style: the
view builds one dict of what the page shows and either renders it or returns it. The pages work without
JavaScript; forms that only read use GET. The stable program interface is the REST API (``web/views/api.py``);
these JSON variants mirror the pages.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request

from catalog import rows
from catalog.errors import NotFound, UserError
from catalog.search import FACET_ALIASES, FACETS, fold, search
from web import errors, i18n
from web.auth import current_viewer, personal_cache
from web.context import get_catalog, int_arg
from web.i18n import gettext as _
from web.markdown import plain_text, render_markdown
from web.urls import base_url

bp = Blueprint("pages", __name__)
bp.after_request(personal_cache)

PER_PAGE = 20
PREVIEW_ROWS = 10
EXPLORE_LIMIT = 50
EXPLORE_MAX_LIMIT = 1000
VALUE_COUNTS_LIMIT = 50
AUDIT_LIMIT = 100
ENUM_SHOWN = 6  # allowed values listed in the data dictionary (all of them are in the schema download)
EXCEL_MAX_ROWS = 1_048_575  # one sheet, minus the header row
# Every version is downloadable in these formats (web/views/downloads.py serves them).
DOWNLOAD_FORMATS = [("csv", "CSV"), ("parquet", "Parquet"), ("json", "JSON"), ("jsonl", "JSON Lines"),
                    ("xlsx", "Excel (XLSX)")]
VIEW_FORMATS = [("csv", "CSV", []), ("csv", "CSV (Excel)", [("excel", "1")]), ("json", "JSON", []),
                ("parquet", "Parquet", []), ("xlsx", "Excel (XLSX)", [])]
# Filter operators of catalog/rows.py, in the order the form offers them, with their labels.
OPERATORS = [("eq", "="), ("ne", "≠"), ("lt", "<"), ("le", "≤"), ("gt", ">"), ("ge", "≥"),
             ("contains", "chứa"), ("in", "thuộc"), ("blank", "trống"), ("notblank", "không trống")]
VALUELESS_OPS = {"blank", "notblank"}
# Parameters of the explorer's form: one (column, operator, value) triple per condition, turned into the
# canonical ``column__op=value`` parameters by a redirect so that every view has one shareable URL.
FORM_PARAMS = ("_fc", "_fo", "_fv")
SORT_LABELS = {"relevance": "Liên quan nhất", "updated": "Mới cập nhật nhất", "title": "Tên (A–Z)",
               "created": "Mới tạo nhất"}


def init_app(app: Flask) -> None:
    """Error pages, the interface language and the template filters the pages need."""
    errors.register(app)
    i18n.init_app(app)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plain"] = plain_text
    app.jinja_env.globals["url_with"] = url_with


# -- helpers --------------------------------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """Row values and metadata as JSON: ISO dates, numbers as numbers, NaN as null."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.hex()
    return value


def page(template: str, data: dict, **view: Any) -> Response:
    """Render ``template`` with ``data`` (and view-only extras), or return ``data`` as JSON when asked."""
    if errors.wants_json():
        response = jsonify(jsonable(data))
    else:
        response = Response(render_template(template, **data, **view), mimetype="text/html")
    response.vary.add("Accept")
    return response


def url_with(_path: str | None = None, _drop: Iterable[str] = (), **changes: Any) -> str:
    """The current URL with some parameters replaced (a list sets several values; None removes)."""
    args = [(k, v) for k, v in request.args.items(multi=True)
            if k not in changes and k not in _drop and k != "format"]
    for key, value in changes.items():
        if value is None or value == "":
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            args.append((key, str(item)))
    query = urlencode(args)
    return (_path or request.path) + (f"?{query}" if query else "")


def visible_dataset(name: str) -> dict:
    """The dataset as this viewer sees it: deleted ones, and private ones of other organisations, do not exist."""
    dataset = get_catalog().find_dataset(name, viewer=current_viewer())
    if dataset is None:
        raise NotFound(f"dataset {name!r} not found", hint="the list at /datasets shows every dataset")
    return dataset


def download_url(name: str, ext: str, version: int | None = None, absolute: bool = False) -> str:
    path = (f"/datasets/{name}/versions/{version}/data.{ext}" if version is not None
            else f"/datasets/{name}/latest/data.{ext}")
    return (base_url() if absolute else "") + path


def search_filters(args: Mapping[str, Any]) -> dict[str, list[str]]:
    """Facet filters from the query string (canonical names and their aliases)."""
    found: dict[str, list[str]] = {}
    for key in (*FACETS, *FACET_ALIASES):
        values = [v for v in args.getlist(key) if v.strip()]
        if values:
            found.setdefault(FACET_ALIASES.get(key, key), []).extend(values)
    return found


def search_page(q: str, filters: dict[str, list[str]], sort: str | None) -> tuple[dict, dict]:
    """Run a paginated search; returns the result and the paging facts."""
    page_number = int_arg("page", 1, 1)
    result = search(get_catalog(), q, filters, limit=PER_PAGE, offset=(page_number - 1) * PER_PAGE, sort=sort,
                    viewer=current_viewer())
    pages = max(1, math.ceil(result["count"] / PER_PAGE))
    paging = {"page": page_number, "pages": pages, "per_page": PER_PAGE,
              "previous": url_with(page=page_number - 1 if page_number > 2 else None) if page_number > 1 else None,
              "next": url_with(page=page_number + 1) if page_number < pages else None}
    return result, paging


def facet_links(filters: dict[str, list[str]], facets: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Each facet value with the URL that adds it to (or removes it from) the current filters."""
    links = {}
    for facet, values in facets.items():
        chosen = filters.get(facet, [])
        entries = []
        for item in values:
            selected = item["value"] in chosen or (facet == "format" and item["value"].lower() in
                                                   {c.lower() for c in chosen})
            others = [c for c in chosen if c.lower() != item["value"].lower()] if selected else [*chosen, item["value"]]
            label = _(i18n.FREQUENCIES.get(item["label"].lower(), item["label"])) if facet == "frequency" else item["label"]
            entries.append({**item, "label": label, "selected": selected,
                            "url": url_with(page=None, **{facet: others}, _drop=facet_alias_keys(facet))})
        links[facet] = entries
    return links


def facet_alias_keys(facet: str) -> list[str]:
    return [alias for alias, canonical in FACET_ALIASES.items() if canonical == facet]


def active_filters(filters: dict[str, list[str]], facets: dict[str, list[dict]]) -> list[dict]:
    """The chips above the results: each filter value with the URL that removes it."""
    labels = {(f, v["value"]): v["label"] for f, values in facets.items() for v in values}
    chips = []
    for facet, values in filters.items():
        for value in values:
            rest = [v for v in values if v != value]
            label = labels.get((facet, value), value)
            if facet == "frequency":
                label = i18n.frequency_label(value)
            chips.append({"facet": facet, "value": value, "label": label,
                          "url": url_with(page=None, **{facet: rest}, _drop=facet_alias_keys(facet))})
    return chips


def summarize(dataset: dict) -> dict:
    """A dataset as a result list shows it (and as the list pages' JSON returns it): no schema."""
    keep = ("name", "title", "description", "org", "org_title", "license", "tags", "frequency", "updated_at",
            "created_at", "latest_version", "rows", "bytes", "formats", "score", "private")
    return {k: dataset.get(k) for k in keep if k in dataset}


@bp.get("/favicon.ico")
def favicon() -> Response:
    return redirect("/static/favicon.svg", code=301)


# -- home -----------------------------------------------------------------------------------------------------
@bp.get("/")
def home() -> Response:
    catalog, viewer = get_catalog(), current_viewer()
    recent = search(catalog, "", None, limit=6, sort="updated", viewer=viewer)
    orgs = sorted(catalog.list_orgs(viewer), key=lambda o: (-(o.get("dataset_count") or 0), o["title"]))
    data = {
        "stats": catalog.stats(viewer),
        "recent": [summarize(d) for d in recent["results"]],
        "organizations": [public_org(o) for o in orgs[:8]],
        "tags": recent["facets"]["tag"][:12],
    }
    return page("home.html", data)


def public_org(org: dict) -> dict:
    return {k: org.get(k) for k in ("name", "title", "description", "dataset_count", "created_at")}


# -- search ---------------------------------------------------------------------------------------------------
@bp.get("/datasets")
def datasets() -> Response:
    q = request.args.get("q", "").strip()
    filters = search_filters(request.args)
    sort = request.args.get("sort") or None
    result, paging = search_page(q, filters, sort)
    data = {"q": q, "filters": filters, "sort": sort or ("relevance" if q else "updated"),
            "count": result["count"], "results": [summarize(d) for d in result["results"]],
            "facets": result["facets"], "page": paging["page"], "pages": paging["pages"]}
    sorts = [(key, label) for key, label in SORT_LABELS.items() if key != "relevance" or q]
    return page("search.html", data, paging=paging, facet_links=facet_links(filters, result["facets"]),
                chips=active_filters(filters, result["facets"]), sorts=sorts)


# -- organisations --------------------------------------------------------------------------------------------
@bp.get("/organizations")
def organizations() -> Response:
    orgs = sorted(get_catalog().list_orgs(current_viewer()), key=lambda o: (fold(o["title"]), o["title"]))
    return page("organizations.html", {"organizations": [public_org(o) for o in orgs]})


@bp.get("/organizations/<name>")
def organization(name: str) -> Response:
    org = get_catalog().find_org(name, current_viewer())
    if org is None:
        raise NotFound(f"organisation {name!r} not found", hint="the list at /organizations shows them all")
    q = request.args.get("q", "").strip()
    filters = search_filters(request.args)
    filters["organization"] = [org["name"]]
    result, paging = search_page(q, filters, request.args.get("sort") or None)
    data = {"organization": public_org(org), "q": q, "count": result["count"],
            "results": [summarize(d) for d in result["results"]], "page": paging["page"],
            "pages": paging["pages"]}
    return page("organization.html", data, paging=paging)


# -- dataset --------------------------------------------------------------------------------------------------
def describe_constraints(field: dict) -> list[str]:
    """A field's constraints as short readable phrases."""
    c = field.get("constraints") or {}
    out = []
    if c.get("required"):
        out.append(_("bắt buộc"))
    if c.get("unique"):
        out.append(_("duy nhất"))
    for key, label in (("minimum", "tối thiểu"), ("maximum", "tối đa"), ("minLength", "độ dài tối thiểu"),
                       ("maxLength", "độ dài tối đa"), ("pattern", "mẫu")):
        if key in c:
            out.append(f"{_(label)} {c[key]}")
    if c.get("enum"):
        values = [str(v) for v in c["enum"]]
        shown = ", ".join(values[:ENUM_SHOWN]) + (f", … (+{len(values) - ENUM_SHOWN})" if len(values) > ENUM_SHOWN else "")
        out.append(f"{_('một trong')}: {shown}")
    return out


def data_dictionary(schema: dict) -> list[dict]:
    primary = schema.get("primaryKey") or []
    primary = [primary] if isinstance(primary, str) else list(primary)
    foreign = {}
    for fk in schema.get("foreignKeys") or []:
        fields = fk.get("fields")
        ref = fk.get("reference") or {}
        for i, name in enumerate([fields] if isinstance(fields, str) else fields or []):
            ref_fields = ref.get("fields")
            ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields or []
            target = ref_fields[i] if i < len(ref_fields) else ""
            foreign[name] = f"{ref.get('resource') or ''}.{target}".strip(".")
    out = []
    for f in schema.get("fields") or []:
        fmt = f.get("format") if f.get("format") not in (None, "", "default") else ""
        constraints = describe_constraints(f)
        if f.get("name") in primary:
            constraints.insert(0, _("Khoá chính"))
        if f.get("name") in foreign:
            constraints.append(f"{_('Khoá ngoại')} → {foreign[f['name']]}")
        out.append({"name": f.get("name"), "title": f.get("title") or "", "type": f.get("type", "string"),
                    "format": fmt,
                    "constraints": constraints, "description": f.get("description") or "",
                    "schema_constraints": f.get("constraints") or {}})
    return out


def audit_summary(entry: dict) -> str:
    """One line for the publishing history; never the origin (addresses stay out of public pages)."""
    detail = entry.get("detail") or {}
    if entry["action"] == "publish":
        parts = []
        if detail.get("rows") is not None:
            parts.append(f"{i18n.format_number(detail['rows'])} {_('dòng')}")
        if detail.get("source"):
            parts.append(str(detail["source"]))
        return " · ".join(parts)
    if entry["action"] in ("dataset.update", "dataset.create"):
        return ", ".join(sorted(k for k in detail if k not in ("schema",)))
    return ""


def version_entry(name: str, version: dict, previous: dict | None) -> dict:
    changes = version.get("changes") or {}
    return {
        "number": version["number"], "published_at": version["published_at"], "rows": version["rows"],
        "bytes": version["bytes"], "sha256": version["sha256"], "publisher": version.get("publisher"),
        "note": version.get("note") or "", "source_format": version.get("source_format"),
        "first": previous is None,
        "changes": {"rows_added": changes.get("rows_added", 0), "rows_removed": changes.get("rows_removed", 0),
                    "fields_added": changes.get("fields_added") or [],
                    "fields_removed": changes.get("fields_removed") or [],
                    "fields_changed": changes.get("fields_changed") or []},
        "downloads": {ext: download_url(name, ext, version["number"]) for ext, _label in DOWNLOAD_FORMATS},
    }


def snippets(name: str, number: int) -> list[dict]:
    """Copy-paste code that works as written: absolute, immutable URLs of the latest version."""
    csv_url = download_url(name, "csv", number, absolute=True)
    parquet_url = download_url(name, "parquet", number, absolute=True)
    return [
        {"id": "curl", "label": "curl",
         "code": f'curl -fL -o {name}-v{number}.csv "{csv_url}"'},
        {"id": "pandas", "label": "Python · pandas",
         "code": f'import pandas as pd\n\ndf = pd.read_parquet("{parquet_url}")\n'
                 f'# CSV: df = pd.read_csv("{csv_url}")\nprint(df.head())'},
        {"id": "duckdb", "label": "Python · DuckDB",
         "code": f'import duckdb\n\nduckdb.sql("SELECT * FROM \'{parquet_url}\' LIMIT 10").show()'},
        {"id": "r", "label": "R",
         "code": f'df <- read.csv("{csv_url}", encoding = "UTF-8")\nhead(df)'},
    ]


def preview_rows(version: dict) -> dict:
    catalog = get_catalog()
    try:
        result = rows.query_rows(catalog.version_files(version), version["schema"], limit=PREVIEW_ROWS,
                                 with_total=False)
    except UserError as error:  # a version the engine cannot read is shown as such, not as a broken page
        return {"columns": [], "rows": [], "error": str(error)}
    return {"columns": result["columns"], "rows": result["rows"]}


@bp.get("/datasets/<name>")
def dataset(name: str) -> Response:
    catalog = get_catalog()
    ds = visible_dataset(name)
    versions = catalog.list_versions(name)
    latest = versions[0] if versions else None
    entries = [version_entry(name, v, versions[i + 1] if i + 1 < len(versions) else None)
               for i, v in enumerate(versions)]
    audit = [{"at": a["at"], "actor": a["actor"], "action": a["action"], "target": a.get("target") or "",
              "summary": audit_summary(a)} for a in catalog.list_audit(dataset=name, limit=AUDIT_LIMIT)]
    data: dict[str, Any] = {
        "dataset": {k: v for k, v in ds.items() if k not in ("id", "org_id")},
        "dictionary": data_dictionary(ds.get("schema") or (latest or {}).get("schema") or {}),
        "versions": entries,
        "validation": latest.get("validation") if latest else None,
        "preview": preview_rows(latest) if latest else None,
        "downloads": None,
        "snippets": [],
        "history": audit,
        "suppression": (ds.get("extras") or {}).get("suppression"),
    }
    data["dataset"]["extras"] = {k: v for k, v in (ds.get("extras") or {}).items() if not k.startswith("_")}
    if latest:
        formats = [(ext, label) for ext, label in DOWNLOAD_FORMATS
                   if ext != "xlsx" or (latest["rows"] or 0) <= EXCEL_MAX_ROWS]
        data["downloads"] = {
            "version": latest["number"],
            "files": [{"format": ext, "label": label, "url": download_url(name, ext, latest["number"], True),
                       "latest_url": download_url(name, ext, absolute=True)} for ext, label in formats]
            + [{"format": "csv-excel", "label": "CSV (Excel)", "url": download_url(name, "csv", latest["number"], True)
                + "?excel=1", "latest_url": download_url(name, "csv", absolute=True) + "?excel=1"}],
            "zip": f"{base_url()}/datasets/{name}/download.zip",
        }
        data["snippets"] = snippets(name, latest["number"])
    return page("dataset.html", data, description_html=render_markdown(ds.get("description")))


# -- table explorer -------------------------------------------------------------------------------------------
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
        if op in VALUELESS_OPS:
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
        for f in rows.parse_filters([(key, value)], schema):
            found.append(({"column": f.column, "op": f.op, "value": value,
                           "display": value if f.op not in VALUELESS_OPS else ""}, (key, value)))
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
        filters = rows.parse_filters([p for _f, p in pairs], schema)
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
