"""The OpenAPI 3 description of the REST API v1 and the download URLs, written by hand.

Hand-written so that it says what the API promises rather than what a framework guesses; the tests run
schemathesis against a live server to check that every answer matches it. Served at ``/api/v1/openapi.json``
and rendered as the reference page at ``/api``.
"""

from __future__ import annotations

import copy
from typing import Any

FORMATS = ["parquet", "csv", "json", "jsonl", "xlsx"]
FILE_MEDIA_TYPES = {
    "application/vnd.apache.parquet": "parquet",
    "text/csv": "csv",
    "application/json": "json",
    "application/jsonl": "jsonl",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
EXAMPLE_DATASET = "air-quality"
EXAMPLE_ORG = "so-tnmt"


def _str(description: str = "", **extra: Any) -> dict:
    return {"type": "string", **({"description": description} if description else {}), **extra}


def _int(description: str = "", **extra: Any) -> dict:
    return {"type": "integer", **({"description": description} if description else {}), **extra}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required: list[str] | None = None, description: str = "") -> dict:
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": required if required is not None else list(properties)}
    if description:
        schema["description"] = description
    return schema


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_JSON = {"description": "", "content": {"application/json": {"schema": _ref("Error")}}}


def _error(description: str, html: bool = False) -> dict:
    response = copy.deepcopy(ERROR_JSON)
    response["description"] = description
    if html:  # pages and downloads answer people with an HTML error page, programs (Accept: JSON) with JSON
        response["content"]["text/html"] = {"schema": {"type": "string"}}
    return response


NAME = {"name": "name", "in": "path", "required": True, "description": "Dataset name (URL slug).",
        "schema": {"type": "string"}, "example": EXAMPLE_DATASET}
NUMBER = {"name": "number", "in": "path", "required": True, "description": "Version number (1, 2, ...).",
          "schema": {"type": "integer", "minimum": 1}, "example": 1}
FORMAT = {"name": "format", "in": "path", "required": True, "description": "File format.",
          "schema": {"type": "string", "enum": FORMATS}, "example": "csv"}
FILTERS_DOC = (
    "\n\n**Filters** are more query parameters, one per condition, on the columns of the dataset's schema: "
    "`column=value` (equals), `column__ne`, `__lt`, `__le`, `__gt`, `__ge`, `column__contains=text` "
    "(case-insensitive), `column__in=a,b,c` (or a JSON array), `column__blank=1` / `column__notblank=1`. "
    "Values are read as the column's type (numbers with '.', dates as 2024-01-31 or 31/01/2024, date-times in "
    "ISO 8601); an unknown column or a value of the wrong type is a 400 naming the parameter. Filters combine "
    "with AND. Example: `district=Đống Đa&pm25__gt=50`.")
LIMIT_ROWS = {"name": "limit", "in": "query", "description": "Rows per page (1-1000, default 100).",
              "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}
FLAG_VALUES = ["0", "1", "true", "false"]
BOM = {"name": "bom", "in": "query", "description": "CSV only: start with a UTF-8 byte order mark (for Excel).",
       "schema": {"type": "string", "enum": FLAG_VALUES}}
EXCEL = {"name": "excel", "in": "query",
         "description": "CSV only: a BOM, and a leading `'` on header and text cells that Excel would run as "
                        "a formula (starting with = + - @, a tab or a carriage return).",
         "schema": {"type": "string", "enum": FLAG_VALUES}}

FILE_HEADERS = {
    "ETag": {"description": "Strong validator from the content hash.", "schema": {"type": "string"}},
    "Last-Modified": {"description": "When the version was published.", "schema": {"type": "string"}},
    "Cache-Control": {"description": "`public, max-age=31536000, immutable`.", "schema": {"type": "string"}},
    "Accept-Ranges": {"description": "`bytes`.", "schema": {"type": "string"}},
}


def _file_content(parsed: bool = True) -> dict:
    """Download bodies; the JSON format is an array of row objects (unless it is a byte range of one)."""
    content = {media: {"schema": {"type": "string", "format": "binary"}} for media in FILE_MEDIA_TYPES}
    if parsed:
        content["application/json"] = {"schema": {"type": "array", "items": {"type": "object"}}}
    return content


SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": _obj({
        "code": _str("Machine-readable code, e.g. not_found, invalid_input, bad_request."),
        "message": _str("What went wrong and how to fix it."),
    })}),
    "DatasetSummary": _obj({
        "id": _str("Stable identifier (UUID)."),
        "name": _str("URL slug: lowercase a-z, 0-9 and '-'."),
        "title": _str(), "description": _str("Markdown."),
        "org": _str("Publishing organisation's name."), "org_title": _str(),
        "license": _str("License id, e.g. CC-BY-4.0."),
        "tags": {"type": "array", "items": {"type": "string"}},
        "frequency": _str("Update frequency: hourly, daily, weekly, monthly, quarterly, yearly, irregular or ''."),
        "source": _str(), "contact": _str(), "temporal_coverage": _str(), "spatial_coverage": _str(),
        "schema_name": _str("The city's standard schema it follows, or '' for a custom one."),
        "created_at": _str("ISO 8601 UTC.", format="date-time"),
        "updated_at": _str("ISO 8601 UTC.", format="date-time"),
        "latest_version": _int("Latest version number; null before the first publish.", nullable=True),
        "rows": _int("Rows in the latest version.", nullable=True),
        "bytes": _int("Size of the latest version's Parquet file.", nullable=True),
        "url": _str("The dataset's page."), "api_url": _str("This dataset in the API."),
    }),
    "SearchHit": {"allOf": [_ref("DatasetSummary"), _obj({
        "formats": {"type": "array", "items": {"type": "string"}},
        "score": {"type": "number", "description": "Relevance (0 without a query)."},
    })]},
    "FacetValue": _obj({"value": _str(), "label": _str(), "count": _int(minimum=0)}),
    "SearchResult": _obj({
        "count": _int("Datasets matching the query and every filter.", minimum=0),
        "limit": _int(minimum=0), "offset": _int(minimum=0),
        "results": {"type": "array", "items": _ref("SearchHit")},
        "facets": _obj({facet: {"type": "array", "items": _ref("FacetValue")}
                        for facet in ("organization", "tag", "format", "license", "frequency")}),
    }),
    "Field": {"type": "object", "required": ["name"], "description": "A Table Schema field.",
              "properties": {"name": _str(), "type": _str(), "title": _str(), "description": _str(),
                             "format": _str(), "constraints": {"type": "object"}}},
    "TableSchema": {"type": "object", "required": ["fields"], "description": "Frictionless Table Schema.",
                    "properties": {"fields": {"type": "array", "items": _ref("Field")},
                                   "primaryKey": {"oneOf": [_str(), {"type": "array", "items": _str()}]},
                                   "missingValues": {"type": "array", "items": _str()}}},
    "Resource": _obj({
        "name": _str(), "format": _str(), "mediatype": _str(), "version": _int(),
        "url": _str("Immutable URL of this version's file."),
        "latest_url": _str("Redirects (302) to the newest version's file."),
        "bytes": _int(nullable=True), "sha256": _str(nullable=True),
    }),
    "Dataset": {"allOf": [_ref("DatasetSummary"), _obj({
        "extras": {"type": "object"},
        "schema": _ref("TableSchema"),
        "resources": {"type": "array", "items": _ref("Resource")},
        "versions_url": _str(), "rows_url": _str(),
    })]},
    "Changes": {"type": "object", "description": "What changed from the previous version.",
                "properties": {"rows_added": _int(), "rows_removed": _int(),
                               "fields_added": {"type": "array", "items": _str()},
                               "fields_removed": {"type": "array", "items": _str()},
                               "fields_changed": {"type": "array", "items": _str()}}},
    "Version": _obj({
        "number": _int(minimum=1), "rows": _int(minimum=0), "bytes": _int("Parquet size.", minimum=0),
        "sha256": _str("SHA-256 of the Parquet file."),
        "published_at": _str("ISO 8601 UTC.", format="date-time"),
        "changes": _ref("Changes"),
        "publisher": _str(), "note": _str(),
        "source_format": _str(), "source_bytes": _int(minimum=0), "source_sha256": _str(),
        "validation": {"type": "object", "description": "Validation summary (valid, rows, errors, warnings)."},
        "url": _str("The version's Parquet file."),
        "files": _obj({fmt: _str() for fmt in FORMATS}, description="The version in every format."),
    }),
    "VersionList": _obj({"dataset": _str(), "versions": {"type": "array", "items": _ref("Version")}}),
    "VersionDetail": {"allOf": [_ref("Version"), _obj({"schema": _ref("TableSchema")})]},
    "Column": {"type": "object", "required": ["name", "type"],
               "properties": {"name": _str(), "type": _str("Table Schema type."), "title": _str()}},
    "RowsPage": _obj({
        "dataset": _str(), "version": _int(minimum=1),
        "columns": {"type": "array", "items": _ref("Column")},
        "rows": {"type": "array", "items": {"type": "object", "additionalProperties": True,
                                            "description": "column → value (dates as ISO 8601 text)"}},
        "total": _int("Rows matching the filters (all pages).", minimum=0),
        "next": _str("Cursor of the next page; null on the last page.", nullable=True),
        "next_url": _str("The next page's URL; null on the last page.", nullable=True),
    }),
    "ValueCounts": _obj({
        "dataset": _str(), "version": _int(minimum=1), "column": _str(),
        "values": {"type": "array", "items": _obj({"value": {"description": "A value of the column (any type)."},
                                                   "count": _int(minimum=1)})},
    }),
    "Organization": _obj({
        "name": _str(), "title": _str(), "description": _str(), "dataset_count": _int(minimum=0),
        "created_at": _str(format="date-time"), "url": _str(), "api_url": _str(),
    }),
    "OrganizationList": _obj({"count": _int(minimum=0), "results": {"type": "array", "items": _ref("Organization")}}),
    "OrganizationDetail": {"allOf": [_ref("Organization"), _obj({
        "datasets": {"type": "array", "items": _ref("DatasetSummary")}})]},
}

PATHS: dict[str, Any] = {
    "/api/v1": {"get": {
        "tags": ["API"], "operationId": "index", "summary": "Links to the API's parts",
        "responses": {"200": _json({"type": "object"}, "Links.")},
    }},
    "/api/v1/openapi.json": {"get": {
        "tags": ["API"], "operationId": "openapi", "summary": "This OpenAPI document",
        "responses": {"200": _json({"type": "object", "required": ["openapi", "paths"]}, "OpenAPI 3 document.")},
    }},
    "/api/v1/datasets": {"get": {
        "tags": ["Datasets"], "operationId": "searchDatasets", "summary": "Search datasets, with facets",
        "x-example-query": [["q", "dong da"], ["organization", EXAMPLE_ORG]],
        "description": (
            "Full-text search over titles, descriptions, tags, organisations and column names. Accent-"
            "insensitive and tone-aware: `q=dong da` finds “Đống Đa”, and exact tones rank first. Facet filters "
            "combine with AND; repeat a parameter for several values. Facet counts are over the filtered result."),
        "parameters": [
            {"name": "q", "in": "query", "description": "Search words (all must match).",
             "schema": {"type": "string"}, "example": "không khí"},
            {"name": "limit", "in": "query", "description": "Results per page (0-1000, default 20).",
             "schema": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 20}},
            {"name": "offset", "in": "query", "description": "Results to skip.",
             "schema": {"type": "integer", "minimum": 0, "default": 0}},
            {"name": "sort", "in": "query", "description": "Order (default: relevance with q, else updated).",
             "schema": {"type": "string", "enum": ["relevance", "updated", "title", "name", "created"]}},
            *({"name": facet, "in": "query", "description": f"Only datasets with this {facet} (repeatable).",
               "style": "form", "explode": True, "schema": {"type": "array", "items": {"type": "string"}}}
              for facet in ("organization", "tag", "license", "frequency", "format")),
        ],
        "responses": {"200": _json(_ref("SearchResult"), "Matching datasets and facet counts."),
                      "400": _error("A bad parameter (limit, offset, sort).")},
    }},
    "/api/v1/datasets/{name}": {"get": {
        "tags": ["Datasets"], "operationId": "getDataset", "summary": "A dataset: metadata, schema, files",
        "parameters": [NAME],
        "responses": {"200": _json(_ref("Dataset"), "The dataset, with download URLs of its latest version."),
                      "404": _error("No such (public) dataset.")},
    }},
    "/api/v1/datasets/{name}/versions": {"get": {
        "tags": ["Datasets"], "operationId": "listVersions", "summary": "Every version, newest first",
        "parameters": [NAME],
        "responses": {"200": _json(_ref("VersionList"), "The versions."), "404": _error("No such dataset.")},
    }},
    "/api/v1/datasets/{name}/versions/{number}": {"get": {
        "tags": ["Datasets"], "operationId": "getVersion", "summary": "One version, with its schema",
        "parameters": [NAME, NUMBER],
        "responses": {"200": _json(_ref("VersionDetail"), "The version."),
                      "404": _error("No such dataset or version.")},
    }},
    "/api/v1/datasets/{name}/rows": {"get": {
        "tags": ["Rows"], "operationId": "getRows", "summary": "Rows of the latest version: filter, sort, page",
        "x-example-query": [["district", "Đống Đa"], ["pm25__gt", "50"], ["sort", "-pm25"], ["limit", "5"]],
        "description": (
            "Keyset pagination: follow `next` (or `next_url`) until it is null; pages never skip or repeat rows, "
            "and deep pages are as fast as the first. `total` counts every matching row." + FILTERS_DOC),
        "parameters": [
            NAME,
            {"name": "fields", "in": "query", "description": "Columns to return, comma-separated (default all).",
             "schema": {"type": "string"}},
            {"name": "sort", "in": "query",
             "description": "Sort columns, comma-separated; `-col` for descending (default: file order).",
             "schema": {"type": "string"}, "example": "-pm25"},
            LIMIT_ROWS,
            {"name": "cursor", "in": "query", "description": "The `next` value of the previous page.",
             "schema": {"type": "string"}},
        ],
        "responses": {"200": _json(_ref("RowsPage"), "One page of rows."),
                      "400": _error("A bad filter, sort, field, limit or cursor (the message names it)."),
                      "404": _error("No such dataset, or nothing published yet.")},
    }},
    "/api/v1/datasets/{name}/columns/{column}/counts": {"get": {
        "tags": ["Rows"], "operationId": "getValueCounts", "summary": "Most frequent values of a column",
        "x-example-query": [["pm25__gt", "100"]],
        "description": "Among the rows the filters select (all rows without filters)." + FILTERS_DOC,
        "parameters": [
            NAME,
            {"name": "column", "in": "path", "required": True, "schema": {"type": "string"}, "example": "district"},
            {"name": "limit", "in": "query", "description": "Values to return (1-1000, default 50).",
             "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}},
        ],
        "responses": {"200": _json(_ref("ValueCounts"), "Values with their counts, most frequent first."),
                      "400": _error("Unknown column or a bad filter."),
                      "404": _error("No such dataset, or nothing published yet.")},
    }},
    "/api/v1/organizations": {"get": {
        "tags": ["Organisations"], "operationId": "listOrganizations", "summary": "Publishing organisations",
        "responses": {"200": _json(_ref("OrganizationList"), "Every organisation.")},
    }},
    "/api/v1/organizations/{name}": {"get": {
        "tags": ["Organisations"], "operationId": "getOrganization", "summary": "An organisation and its datasets",
        "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                        "example": EXAMPLE_ORG}],
        "responses": {"200": _json(_ref("OrganizationDetail"), "The organisation."),
                      "404": _error("No such organisation.")},
    }},
    "/datasets/{name}/versions/{number}/data.{format}": {"get": {
        "tags": ["Downloads"], "operationId": "downloadVersion", "summary": "A version's data file (immutable)",
        "description": (
            "Never changes once published: strong `ETag`, `Cache-Control: immutable`, `If-None-Match` → 304, "
            "`Range` requests (one range → 206, several → `multipart/byteranges`), so remote Parquet readers "
            "(DuckDB httpfs, pyarrow) can read only the parts they need. CSV is UTF-8; XLSX is refused beyond "
            "Excel's 1,048,575 rows."),
        "parameters": [NAME, NUMBER, FORMAT, BOM, EXCEL],
        "responses": {
            "200": {"description": "The file.", "headers": FILE_HEADERS, "content": _file_content()},
            "206": {"description": "Part(s) of the file.", "headers": FILE_HEADERS,
                    "content": {**_file_content(parsed=False), "multipart/byteranges": {"schema": {"type": "string"}}}},
            "304": {"description": "Not modified (If-None-Match matched)."},
            "400": _error("XLSX asked for more rows than Excel can open.", html=True),
            "404": _error("No such dataset or version.", html=True),
            "416": {"description": "No requested range is inside the file."},
        },
    }},
    "/datasets/{name}/latest/data.{format}": {"get": {
        "tags": ["Downloads"], "operationId": "downloadLatest", "summary": "Redirect to the newest version's file",
        "parameters": [NAME, FORMAT, BOM, EXCEL],
        "responses": {"302": {"description": "Location: the versioned URL.",
                              "headers": {"Location": {"schema": {"type": "string"}}}},
                      "400": _error("A bad value of bom or excel.", html=True),
                      "404": _error("No such dataset, or nothing published yet.", html=True)},
    }},
    "/datasets/{name}/download.zip": {"get": {
        "tags": ["Downloads"], "operationId": "downloadZip",
        "summary": "The latest version as CSV + Parquet + datapackage.json, zipped",
        "parameters": [NAME],
        "responses": {"200": {"description": "A zip (streamed).",
                              "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
                      "404": _error("No such dataset, or nothing published yet.", html=True)},
    }},
    "/datasets/{name}/explore.{format}": {"get": {
        "tags": ["Downloads"], "operationId": "downloadView",
        "summary": "Download this view: the filtered, sorted rows of the latest version",
        "x-example-query": [["district", "Đống Đa"], ["_sort", "-pm25"]],
        "description": "The rows the explorer shows for the same query string, all of them." + FILTERS_DOC,
        "parameters": [
            NAME, FORMAT,
            {"name": "_sort", "in": "query", "description": "As `sort` of the rows API.", "schema": {"type": "string"}},
            {"name": "_fields", "in": "query", "description": "As `fields` of the rows API.",
             "schema": {"type": "string"}},
            BOM, EXCEL,
        ],
        "responses": {
            "200": {"description": "The selected rows.", "content": _file_content()},
            "206": {"description": "Part of the whole-version file (a view without filters is that file).",
                    "content": _file_content(parsed=False)},
            "304": {"description": "Not modified (a view without filters is the immutable version file)."},
            "400": _error("A bad filter or sort, or too many rows for XLSX.", html=True),
            "404": _error("No such dataset, or nothing published yet.", html=True),
            "416": {"description": "No requested range is inside the file."},
        },
    }},
}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Hanoi Open Data Catalogue API",
        "version": "1.0.0",
        "description": (
            "Dữ liệu mở Hà Nội cho chương trình: tìm bộ dữ liệu, đọc siêu dữ liệu và các phiên bản, lọc và phân "
            "trang các dòng, tải tệp.\n\n"
            "The Hanoi open data catalogue for programs: search datasets, read metadata and versions, filter and "
            "page through rows, download files. No key is needed for reading; every GET allows any origin (CORS) "
            "and JSON is gzipped when the client sends `Accept-Encoding: gzip`. Errors are "
            "`{\"error\": {\"code\", \"message\"}}` with a 4xx status."),
        "license": {"name": "MIT"},
    },
    "tags": [{"name": "Datasets"}, {"name": "Rows"}, {"name": "Organisations"}, {"name": "Downloads"},
             {"name": "API"}],
    "paths": PATHS,
    "components": {"schemas": SCHEMAS},
}


def openapi_spec() -> dict:
    """A fresh copy of the document (callers may add ``servers``)."""
    return copy.deepcopy(SPEC)


def operations(spec: dict | None = None) -> list[dict]:
    """(path, method, operation) rows for the reference page, in document order."""
    spec = spec or SPEC
    out = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            out.append({"path": path, "method": method.upper(), **operation})
    return out
