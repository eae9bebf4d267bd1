"""REST API v1: the catalogue as JSON for programs, with shapes other programs can rely on.

Every shape here is described in ``web/openapi/`` (served at ``/api/v1/openapi.json``, rendered at ``/api``)
and checked against it by schemathesis in the tests. Errors are ``{"error": {"code", "message"}}`` with a 4xx
status; every GET may be called from any origin (CORS), and large JSON answers are gzipped when the client
accepts it.
"""

from __future__ import annotations

import gzip
import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from catalog import exports, rows
from catalog.errors import InvalidInput, NotFound, UserError
from catalog.search import FACET_ALIASES, FACETS, SORTS, search
from web import bilingual, row_params
from web.auth import current_viewer, personal_cache
from web.context import get_catalog, int_arg
from web.errors import public_message
from web.i18n import current_lang
from web.openapi import openapi_spec
from web.urls import base_url
from web.views.downloads import latest_of, published_dataset

bp = Blueprint("api", __name__)

GZIP_MIN_BYTES = 1024
ROWS_DEFAULT_LIMIT = 100
SEARCH_DEFAULT_LIMIT = 20
ORGS_DEFAULT_LIMIT = 100
FORMAT_LABELS = {"parquet": "Parquet", "csv": "CSV", "json": "JSON", "jsonl": "JSON Lines", "xlsx": "XLSX"}
DATASET_KEYS = ("id", "name", "title", "description", "org", "org_title", "license", "tags", "frequency",
                "source", "contact", "temporal_coverage", "spatial_coverage", "schema_name", "created_at",
                "updated_at", "latest_version", "rows", "bytes", "title_en", "description_en", "org_title_en")
VERSION_KEYS = ("number", "rows", "bytes", "sha256", "published_at", "changes", "publisher", "note",
                "source_format", "source_bytes", "source_sha256", "validation")


# -- response plumbing ------------------------------------------------------------------------------------------
def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=rows.jsonable)
    return Response(body, status=status, mimetype="application/json")


@bp.errorhandler(UserError)
def user_error(error: UserError) -> Response:
    return json_response({"error": {"code": error.code, "message": public_message(error)}}, error.status)


def compress(response: Response) -> Response:
    """Gzip a JSON answer when the client accepts it and it is worth it (not small, not streamed)."""
    if (response.mimetype != "application/json" or response.direct_passthrough or response.is_streamed
            or "Content-Encoding" in response.headers or response.status_code != 200):
        return response
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] <= 0:
        return response
    data = response.get_data()
    if len(data) < GZIP_MIN_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response


def conditional(response: Response) -> Response:
    """A weak ETag on JSON answers, so polling clients get 304 when nothing changed."""
    if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.direct_passthrough \
            and response.mimetype == "application/json":
        response.add_etag(weak=True)
        response.make_conditional(request)
    return response


bp.after_request(compress)
bp.after_request(conditional)  # registered after, so it runs before compress (Flask runs them in reverse)
bp.after_request(personal_cache)


# -- shapes -----------------------------------------------------------------------------------------------------
def download_links(name: str, number: int) -> dict[str, str]:
    root = base_url()
    return {fmt: f"{root}/datasets/{name}/versions/{number}/data.{fmt}" for fmt in exports.FORMATS}


def dataset_summary(dataset: dict) -> dict:
    """A dataset as lists show it (no schema, no resources)."""
    out = {key: dataset.get(key) for key in DATASET_KEYS}
    out["tags"] = list(out["tags"] or [])
    for key in ("description", "license", "frequency", "source", "contact", "temporal_coverage",
                "spatial_coverage", "schema_name", "org_title", "title_en", "description_en", "org_title_en"):
        out[key] = out[key] or ""
    out["tag_details"] = bilingual.tag_details(out["tags"])  # slugs stay in "tags"; labels per language here
    root = base_url()
    out["url"] = f"{root}/datasets/{dataset['name']}"
    out["api_url"] = f"{root}/api/v1/datasets/{dataset['name']}"
    return out


def resources_of(dataset: dict, version: dict | None) -> list[dict]:
    if version is None:
        return []
    name, number = dataset["name"], version["number"]
    links = download_links(name, number)
    root = base_url()
    out = []
    for fmt in exports.FORMATS:
        if fmt == "xlsx" and (version.get("rows") or 0) > exports.EXCEL_MAX_ROWS:
            continue
        out.append({
            "name": f"{name}.{fmt}", "format": FORMAT_LABELS[fmt], "mediatype": exports.MEDIA_TYPES[fmt],
            "version": number, "url": links[fmt], "latest_url": f"{root}/datasets/{name}/latest/data.{fmt}",
            "bytes": version["bytes"] if fmt == "parquet" else None,
            "sha256": version["sha256"] if fmt == "parquet" else None,
        })
    out.append({"name": f"{name}.zip", "format": "ZIP", "mediatype": exports.MEDIA_TYPES["zip"], "version": number,
                "url": f"{root}/datasets/{name}/download.zip", "latest_url": f"{root}/datasets/{name}/download.zip",
                "bytes": None, "sha256": None})
    return out


def version_summary(version: dict) -> dict:
    out = {key: version.get(key) for key in VERSION_KEYS}
    out["note"] = out["note"] or ""
    out["changes"] = dict(out["changes"] or {})
    out["validation"] = dict(out["validation"] or {})
    links = download_links(version["dataset"], version["number"])
    out["url"] = links["parquet"]
    out["files"] = links
    return out


def organization_shape(org: dict) -> dict:
    root = base_url()
    return {"name": org["name"], "title": org["title"], "description": org.get("description") or "",
            "title_en": org.get("title_en") or "", "description_en": org.get("description_en") or "",
            "dataset_count": org.get("dataset_count") or 0, "created_at": org["created_at"],
            "url": f"{root}/organizations/{org['name']}", "api_url": f"{root}/api/v1/organizations/{org['name']}"}


def next_link(cursor: str | None) -> dict:
    """Every list's paging fields: ``next`` (the next page's ``cursor``) and ``next_url``, null on the last page."""
    if cursor is None:
        return {"next": None, "next_url": None}
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("cursor", "_cursor", "offset")]
    return {"next": cursor, "next_url": f"{base_url()}{request.path}?{urlencode([*args, ('cursor', cursor)])}"}


def offset_cursor() -> int:
    """The ``cursor`` of an offset-paged list (search, organisations): the position of the page's first item."""
    value = request.args.get("cursor", "").strip()
    if not value:
        return 0
    if not value.isdigit() or len(value) > 18:
        raise InvalidInput(f"cursor {value[:40]!r} is not one this API gave", hint="pass the 'next' of the previous "
                                                                                   "page, or leave cursor out")
    return int(value)


# -- routes -----------------------------------------------------------------------------------------------------
@bp.get("/api/v1")
@bp.get("/api/v1/")
def index() -> Response:
    root = base_url()
    return json_response({"version": 1, "openapi": f"{root}/api/v1/openapi.json", "reference": f"{root}/api",
                          "datasets": f"{root}/api/v1/datasets", "organizations": f"{root}/api/v1/organizations"})


@bp.get("/api/v1/openapi.json")
def openapi_document() -> Response:
    return json_response(openapi_spec(base_url()))




def _type_of(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    if "enum" in schema:
        return f"{kind}: " + " | ".join(str(v) for v in schema["enum"])
    bounds = [f"≥ {schema['minimum']}" if "minimum" in schema else "", f"≤ {schema['maximum']}"
              if "maximum" in schema else ""]
    text = kind + (f" ({', '.join(b for b in bounds if b)})" if any(bounds) else "")
    return text + (" | null" if schema.get("nullable") else "")


def _properties(spec: dict, schema: dict) -> list[dict]:
    """A schema's properties, following allOf and references."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema:
        return [p for part in schema["allOf"] for p in _properties(spec, part)]
    required = set(schema.get("required", []))
    return [{"name": name, "type": _type_of(prop), "required": name in required,
             "description": prop.get("description", "")} for name, prop in schema.get("properties", {}).items()]


def _example_command(operation: dict, base: str) -> str:
    """A curl command that works as written (query values URL-encoded by curl itself)."""
    path = operation["path"]
    for param in operation.get("parameters", []):
        if param["in"] == "path":
            example = param.get("example", param["schema"].get("enum", [param["name"]])[0])
            path = path.replace("{" + param["name"] + "}", str(example))
    pairs = operation.get("x-example-query") or []
    if not pairs:
        return f"curl -s '{base}{path}'"
    data = " ".join(f"--data-urlencode '{key}={value}'" for key, value in pairs)
    return f"curl -sG '{base}{path}' {data}"


def reference_model(spec: dict, base: str) -> dict:
    """What the reference page shows, taken from the OpenAPI document."""
    operations = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            responses = []
            for status, response in op.get("responses", {}).items():
                media = response.get("content", {})
                schema = next(iter(media.values()), {}).get("schema", {}) if media else {}
                responses.append({"status": status, "description": response.get("description", ""),
                                  "media": ", ".join(media), "schema": _type_of(schema) if schema else ""})
            params = [{"name": p["name"], "in": p["in"], "type": _type_of(p.get("schema", {})),
                       "required": p.get("required", False), "description": p.get("description", "")}
                      for p in op.get("parameters", [])]
            operations.append({"id": op.get("operationId", ""), "method": method.upper(), "path": path,
                               "summary": op.get("summary", ""), "description": op.get("description", ""),
                               "token": {} not in op.get("security", [{}]),
                               "tag": (op.get("tags") or [""])[0], "parameters": params, "responses": responses,
                               "example": _example_command({"path": path, **op}, base)})
    schemas = [{"name": name, "properties": _properties(spec, schema)}
               for name, schema in spec["components"]["schemas"].items()]
    return {"info": spec["info"], "operations": operations, "schemas": schemas}


@bp.get("/api")
def reference() -> Response:
    """The API reference page, rendered from the same OpenAPI document programs read, in the page's language."""
    spec = openapi_spec(base_url(), lang=current_lang())
    html = render_template("api.html", api=reference_model(spec, base_url()))
    return Response(html, mimetype="text/html")


@bp.get("/api/v1/datasets")
def datasets() -> Response:
    """Search: ``q``, facet filters (repeatable), ``sort``, ``limit``, ``offset``."""
    filters: dict[str, list[str]] = {}
    for key in (*FACETS, *FACET_ALIASES):
        values = [v for v in request.args.getlist(key) if v.strip()]
        if values:
            filters.setdefault(FACET_ALIASES.get(key, key), []).extend(values)
    limit = int_arg("limit", SEARCH_DEFAULT_LIMIT, 0, 1000)
    offset = offset_cursor() if request.args.get("cursor") else int_arg("offset", 0, 0)
    sort = request.args.get("sort")
    if sort is not None and sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}", hint=f"use one of: {', '.join(SORTS)}")
    found = search(get_catalog(), request.args.get("q", ""), filters, limit=limit, offset=offset, sort=sort,
                   viewer=current_viewer())
    results = []
    for dataset in found["results"]:
        summary = dataset_summary(dataset)
        summary["formats"] = list(dataset.get("formats") or [])
        summary["score"] = float(dataset.get("score") or 0.0)
        results.append(summary)
    more = limit > 0 and offset + limit < found["count"]
    return json_response({"count": found["count"], "limit": limit, "offset": offset, "results": results,
                          "facets": found["facets"], "partial": found["partial"],
                          "matched_words": found["matched_words"], "unmatched_words": found["unmatched_words"],
                          **next_link(str(offset + limit) if more else None)})


@bp.get("/api/v1/datasets/<name>")
def dataset(name: str) -> Response:
    found = published_dataset(name)
    version = latest_of(found) if found["latest_version"] is not None else None
    out = dataset_summary(found)
    out["extras"] = dict(found.get("extras") or {})
    out["schema"] = (version or {}).get("schema") or found.get("schema") or {"fields": []}
    out["resources"] = resources_of(found, version)
    root = base_url()
    out["versions_url"] = f"{root}/api/v1/datasets/{name}/versions"
    out["rows_url"] = f"{root}/api/v1/datasets/{name}/rows"
    return json_response(out)


@bp.get("/api/v1/datasets/<name>/versions")
def versions(name: str) -> Response:
    published_dataset(name)
    return json_response({"dataset": name,
                          "versions": [version_summary(v) for v in get_catalog().list_versions(name)]})


@bp.get("/api/v1/datasets/<name>/versions/<int:number>")
def version(name: str, number: int) -> Response:
    published_dataset(name)
    found = get_catalog().get_version(name, number)
    out = version_summary(found)
    out["schema"] = found["schema"]
    return json_response(out)


def _rows_args() -> tuple[str | None, str | None, int, str | None]:
    def pick(*names: str) -> str | None:
        for key in names:
            value = request.args.get(key, "").strip()
            if value:
                return value
        return None

    raw_limit = pick("limit", "_limit")
    limit = row_params.parse_limit(raw_limit, ROWS_DEFAULT_LIMIT)
    return pick("sort", "_sort"), pick("fields", "_fields"), limit, pick("cursor", "_cursor")


def rows_version(name: str) -> dict:
    """The version a rows request reads: ``_version=N`` or the latest."""
    dataset = published_dataset(name)
    number = row_params.pinned_version(request.args)
    return latest_of(dataset) if number is None else get_catalog().get_version(name, number)


@bp.get("/api/v1/datasets/<name>/rows")
def dataset_rows(name: str) -> Response:
    """The latest version's rows (``_version=N``: version N's): filters as ``column__op=value`` (text without
    accents and case unless ``_exact=1``), ``fields``, ``sort``, ``limit``, ``cursor``."""
    latest = rows_version(name)
    schema = latest["schema"]
    sort, fields, limit, cursor = _rows_args()
    filters = row_params.parse_filters(request.args, schema)
    page = rows.query_rows(get_catalog().version_files(latest), schema, filters=filters, sort=sort,
                           fields=fields, limit=limit, cursor=cursor)
    return json_response({"dataset": name, "version": latest["number"], "columns": page["columns"],
                          "rows": page["rows"], "total": page["total"], **next_link(page["next"])})


@bp.get("/api/v1/datasets/<name>/columns/<column>/counts")
def column_counts(name: str, column: str) -> Response:
    """The most frequent values of one column among the filtered rows (``q``: a prefix, accents ignored)."""
    latest = rows_version(name)
    schema = latest["schema"]
    limit = int_arg("limit", 50, 1, 1000)
    filters = row_params.parse_filters(request.args, schema)
    values = rows.value_counts(get_catalog().version_files(latest), schema, column, filters=filters, limit=limit,
                               prefix=request.args.get("q"))
    return json_response({"dataset": name, "version": latest["number"], "column": column, "values": values})


@bp.get("/api/v1/organizations")
def organizations() -> Response:
    orgs = sorted(get_catalog().list_orgs(current_viewer()), key=lambda o: o["name"])
    limit = int_arg("limit", ORGS_DEFAULT_LIMIT, 1, 1000)
    offset = offset_cursor()
    page = [organization_shape(o) for o in orgs[offset:offset + limit]]
    more = offset + limit < len(orgs)
    return json_response({"count": len(orgs), "results": page, **next_link(str(offset + limit) if more else None)})


@bp.get("/api/v1/organizations/<name>")
def organization(name: str) -> Response:
    catalog, viewer = get_catalog(), current_viewer()
    org = catalog.find_org(name, viewer)
    if org is None:
        raise NotFound(f"organisation {name!r} not found", hint="GET /api/v1/organizations lists them")
    out = organization_shape(org)
    out["datasets"] = [dataset_summary(d) for d in catalog.list_datasets(org=org["name"], viewer=viewer)]
    return json_response(out)
