"""The OpenAPI document's building blocks: small schema helpers, shared parameters and the component schemas.

Why apart from the paths: the read paths (``read.py``) and the write and account paths (``write.py``) both use
them, and each of those files stays short enough to read as the API's contract.
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
    "`column__starts=text`, `column__in=a,b,c` (or a JSON array), `column__blank=1` / `column__notblank=1`. "
    "Text comparisons ignore accents and case (`district=dong da` finds Đống Đa) unless `_exact=1`. "
    "Values are read as the column's type (numbers with '.' or a decimal comma such as 50,5; dates as 2024-01-31 "
    "or 31/01/2024, date-times in ISO 8601); an unknown column or a value of the wrong type is a 400 naming the "
    "parameter. Filters combine with AND; `_version=N` reads version N instead of the latest. "
    "Example: `district=Đống Đa&pm25__gt=50`.")
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


# Every list pages the same way as the rows: ``next`` (the ``cursor`` of the next page) and ``next_url``.
NEXT = {"next": _str("Cursor of the next page (pass it as `cursor`); null on the last page.", nullable=True),
        "next_url": _str("The next page's URL; null on the last page.", nullable=True)}
CURSOR = {"name": "cursor", "in": "query", "description": "The `next` value of the previous page.",
          "schema": {"type": "string"}}

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
        "tags": {"type": "array", "items": {"type": "string"}, "description": "Tag slugs (what `tag=` filters on)."},
        "tag_details": {"type": "array", "description": "Each tag's slug with its Vietnamese and English label.",
                        "items": _obj({"name": _str("The slug."), "title": _str("Vietnamese label (the slug when "
                                       "there is none)."), "title_en": _str("English label, or ''.")})},
        "title_en": _str("English title, or '' (the title is Vietnamese)."),
        "description_en": _str("English description (Markdown), or ''."), "org_title_en": _str(),
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
    "FacetValue": _obj({"value": _str(), "label": _str(), "count": _int(minimum=0),
                        "at_least": {"type": "boolean", "description": (
                            "True when the count is a lower bound (a broad search counts facets over its "
                            "newest 1,000 matches): show it as “≥ count”. Absent when the count is exact.")}},
                       required=["value", "label", "count"]),
    "SearchResult": _obj({
        "count": _int("Datasets matching the query and every filter.", minimum=0),
        "limit": _int(minimum=0), "offset": _int(minimum=0),
        "results": {"type": "array", "items": _ref("SearchHit")},
        **NEXT,
        "facets": _obj({facet: {"type": "array", "items": _ref("FacetValue")}
                        for facet in ("organization", "tag", "format", "license", "frequency", "area")}),
        "partial": {"type": "boolean", "description": (
            "True when no dataset has every word: the results are the nearest ones (those with the words in "
            "matched_words).")},
        "matched_words": {"type": "array", "items": {"type": "string"}},
        "unmatched_words": {"type": "array", "items": {"type": "string"},
                            "description": "The words no result has (only when partial)."},
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
        **NEXT,
    }),
    "ValueCounts": _obj({
        "dataset": _str(), "version": _int(minimum=1), "column": _str(),
        "values": {"type": "array", "items": _obj({"value": {"description": "A value of the column (any type)."},
                                                   "count": _int(minimum=1)})},
    }),
    "Organization": _obj({
        "name": _str(), "title": _str(), "description": _str(), "dataset_count": _int(minimum=0),
        "title_en": _str("English title, or ''."), "description_en": _str("English description, or ''."),
        "created_at": _str(format="date-time"), "url": _str(), "api_url": _str(),
    }),
    "OrganizationList": _obj({"count": _int("Every organisation (all pages).", minimum=0),
                              "results": {"type": "array", "items": _ref("Organization")}, **NEXT}),
    "OrganizationDetail": {"allOf": [_ref("Organization"), _obj({
        "datasets": {"type": "array", "items": _ref("DatasetSummary")}})]},
}

