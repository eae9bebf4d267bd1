"""The read API's paths: datasets, versions, rows, organisations, and the downloads beside the API.

Each operation says whether a token helps (``OPTIONAL_TOKEN``: a member of an organisation also sees its private
datasets) or is needed (``write.py``).
"""

from __future__ import annotations

from typing import Any

from web.openapi.base import (
    BOM,
    CURSOR,
    EXAMPLE_ORG,
    EXCEL,
    FILE_HEADERS,
    FILTERS_DOC,
    FORMAT,
    LIMIT_ROWS,
    NAME,
    NUMBER,
    _error,
    _file_content,
    _json,
    _ref,
)

_TEXTS = {"type": "object", "properties": {"vi": {"type": "string"}, "en": {"type": "string"}},
          "required": ["vi", "en"]}
_CHECK = {"type": "object", "required": ["id", "passed", "points", "max", "label", "hint"], "properties": {
    "id": {"type": "string"}, "passed": {"type": "boolean"}, "points": {"type": "number", "minimum": 0},
    "max": {"type": "number"}, "label": _TEXTS, "hint": {**_TEXTS, "nullable": True},
    "share": {"type": "number", "minimum": 0, "maximum": 1}}}
_CHECKS = {"type": "array", "items": _CHECK}
_NUMBER_OR_NULL = {"type": "number", "nullable": True}
QUALITY = {"type": "object", "required": ["dataset", "score", "udata", "mqa", "stars", "data", "failing"], "properties": {
    "dataset": {"type": "string"}, "title": {"type": "string"}, "org": {"type": "string"},
    "score": {"type": "number", "minimum": 0, "maximum": 1, "description": "data.gouv.fr's score: points / 9."},
    "assessed_at": {"type": "string"},
    "udata": {"type": "object", "required": ["score", "points", "max", "criteria"], "properties": {
        "score": {"type": "number"}, "points": {"type": "number"}, "max": {"type": "number"}, "criteria": _CHECKS}},
    "mqa": {"type": "object", "required": ["points", "max", "rating", "dimensions"], "properties": {
        "points": {"type": "number"}, "max": {"type": "number"},
        "rating": {"type": "string", "enum": ["excellent", "good", "sufficient", "bad"]},
        "dimensions": {"type": "array", "items": {"type": "object", "required": ["id", "points", "max", "checks"],
                                                  "properties": {"id": {"type": "string"}, "points": {"type": "number"},
                                                                 "max": {"type": "number"}, "checks": _CHECKS}}}}},
    "stars": {"type": "object", "required": ["stars", "max", "checks"], "properties": {
        "stars": {"type": "integer", "minimum": 0, "maximum": 5}, "max": {"type": "integer"}, "checks": _CHECKS}},
    "data": {"type": "object", "properties": {
        "version": {"type": "integer", "nullable": True}, "rows": {"type": "integer", "nullable": True},
        "valid_rows_share": _NUMBER_OR_NULL, "errors": {"type": "integer", "nullable": True},
        "constraint_errors": {"type": "integer", "nullable": True},
        "suppressed": {"type": "object", "nullable": True},
        "freshness": {"type": "object", "required": ["status"], "properties": {
            "status": {"type": "string", "enum": ["fresh", "stale", "unscheduled", "unknown", "empty"]},
            "days_since": _NUMBER_OR_NULL, "period_days": _NUMBER_OR_NULL, "ratio": _NUMBER_OR_NULL,
            "due": {"type": "string", "nullable": True}}}}},
    "failing": {"type": "array", "items": {"type": "object", "required": ["group", "id", "label", "hint"],
                                           "properties": {k: {"type": "string"} for k in ("group", "id", "label",
                                                                                           "hint")}}},
}}

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
            "combine with AND; repeat a parameter for several values. Facet counts are over the filtered result. "
            "Also finds the values in a dataset's rows (districts, categories; the `area` facet holds its place "
            "names) and Vietnamese synonyms (tầm soát = sàng lọc). When no dataset has every word, the nearest "
            "ones are returned with `partial: true`."),
        "parameters": [
            {"name": "q", "in": "query", "description": "Search words (all must match, else see `partial`).",
             "schema": {"type": "string"}, "example": "không khí"},
            {"name": "limit", "in": "query", "description": "Results per page (0-1000, default 20).",
             "schema": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 20}},
            {"name": "offset", "in": "query", "description": "Results to skip.",
             "schema": {"type": "integer", "minimum": 0, "default": 0}},
            CURSOR,
            {"name": "sort", "in": "query", "description": "Order (default: relevance with q, else updated).",
             "schema": {"type": "string", "enum": ["relevance", "updated", "title", "name", "created",
                                                   "quality"]}},
            *({"name": facet, "in": "query", "description": f"Only datasets with this {facet} (repeatable).",
               "style": "form", "explode": True, "schema": {"type": "array", "items": {"type": "string"}}}
              for facet in ("organization", "tag", "license", "frequency", "format", "area")),
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
    "/api/v1/datasets/{name}/quality": {"get": {
        "tags": ["Datasets"], "operationId": "getDatasetQuality", "summary": "Quality: udata score, EU MQA, stars",
        "description": (
            "data.gouv.fr's nine criteria (score = points / 9), the EU Metadata Quality Assessment points of the "
            "dataset's DCAT-AP description by dimension with its rating, the five open-data stars, and data "
            "quality (valid rows, errors, suppressed cells, freshness against the declared frequency). `failing` "
            "lists every failing check with a hint in Vietnamese (`?lang=en`: English)."),
        "parameters": [NAME, {"name": "lang", "in": "query",
                              "description": "Language of `failing`: en for English, anything else Vietnamese.",
                              "schema": {"type": "string"}, "example": "en"}],
        "responses": {"200": _json(QUALITY, "The dataset's quality report."),
                      "404": _error("No such (public) dataset.")},
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
        "parameters": [{"name": "limit", "in": "query", "description": "Organisations per page (1-1000, default 100).",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}, CURSOR],
        "responses": {"200": _json(_ref("OrganizationList"), "One page of organisations, by name."),
                      "400": _error("A bad limit or cursor.")},
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
            "400": _error("A bad filter, an unknown column in `_sort` or `_fields` (the message names it and "
                          "lists the columns), or too many rows for XLSX.", html=True),
            "404": _error("No such dataset, or nothing published yet.", html=True),
            "416": {"description": "No requested range is inside the file."},
        },
    }},
    "/datasets/{name}/versions/{number}/explore.{format}": {"get": {
        "tags": ["Downloads"], "operationId": "downloadPinnedView",
        "summary": "Download this view of one version (the explorer pinned to a version)",
        "x-example-query": [["district", "dong da"]],
        "description": "As downloadView, on version `number`; the file name carries the version." + FILTERS_DOC,
        "parameters": [
            NAME, NUMBER, FORMAT,
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
            "400": _error("A bad filter, an unknown column in `_sort` or `_fields` (the message names it and "
                          "lists the columns), or too many rows for XLSX.", html=True),
            "404": _error("No such dataset or version.", html=True),
            "416": {"description": "No requested range is inside the file."},
        },
    }},
}


# Vietnamese summaries (the /api page shows them unless ?lang=en).
SUMMARIES_VI = {
    "index": "Liên kết tới các phần của API", "openapi": "Tài liệu OpenAPI này",
    "searchDatasets": "Tìm bộ dữ liệu, kèm bộ lọc theo nhóm", "getDataset": "Một bộ dữ liệu: siêu dữ liệu, lược đồ, tệp",
    "listVersions": "Mọi phiên bản, mới nhất trước", "getVersion": "Một phiên bản, kèm lược đồ",
    "getRows": "Các dòng của phiên bản mới nhất: lọc, sắp xếp, phân trang",
    "getValueCounts": "Các giá trị thường gặp nhất của một cột", "listOrganizations": "Các tổ chức công bố dữ liệu",
    "getOrganization": "Một tổ chức và các bộ dữ liệu của nó",
    "downloadVersion": "Tệp dữ liệu của một phiên bản (không đổi)",
    "downloadLatest": "Chuyển tới tệp của phiên bản mới nhất",
    "downloadZip": "Phiên bản mới nhất gồm CSV + Parquet + datapackage.json, nén ZIP",
    "downloadView": "Tải khung nhìn này: các dòng đã lọc, sắp xếp của phiên bản mới nhất",
    "downloadPinnedView": "Tải khung nhìn này của một phiên bản (trình khám phá gắn với phiên bản)",
}
for _item in PATHS.values():
    for _operation in _item.values():
        _operation.setdefault("x-summary-vi", SUMMARIES_VI.get(_operation["operationId"], _operation["summary"]))
