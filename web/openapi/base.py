"""The OpenAPI document's building blocks: small schema helpers, shared parameters and the component schemas.

Why apart from the paths: the read paths (``read.py``) and the write and account paths (``write.py``) both use
them, and each of those files stays short enough to read as the API's contract.
"""

from __future__ import annotations

import copy
from typing import Any

from catalog.i18n import N_

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


NAME = {"name": "name", "in": "path", "required": True, "description": N_("Tên bộ dữ liệu (đoạn đường dẫn URL)."),
        "schema": {"type": "string"}, "example": EXAMPLE_DATASET}
NUMBER = {"name": "number", "in": "path", "required": True, "description": N_("Số phiên bản (1, 2, ...)."),
          "schema": {"type": "integer", "minimum": 1}, "example": 1}
FORMAT = {"name": "format", "in": "path", "required": True, "description": N_("Định dạng tệp."),
          "schema": {"type": "string", "enum": FORMATS}, "example": "csv"}
FILTERS_DOC = (
    "\n\n" + N_("**Bộ lọc** là các tham số truy vấn thêm, mỗi điều kiện một tham số, trên các cột của "
                "lược đồ bộ dữ liệu: `column=value` (bằng), `column__ne`, `__lt`, `__le`, `__gt`, `__ge`, "
                "`column__contains=text` `column__starts=text`, `column__in=a,b,c` (hoặc một mảng JSON), "
                "`column__blank=1` / `column__notblank=1`. So sánh văn bản không phân biệt dấu và chữ hoa "
                "(`district=dong da` tìm ra Đống Đa) trừ khi có `_exact=1`. Giá trị được đọc theo kiểu của "
                "cột (số với dấu '.' hoặc dấu phẩy thập phân như 50,5; ngày dạng 2024-01-31 hoặc "
                "31/01/2024, ngày giờ theo ISO 8601); một cột không có hoặc một giá trị sai kiểu cho lỗi "
                "400 nêu tên tham số. Các bộ lọc kết hợp bằng AND; `_version=N` đọc phiên bản N thay cho "
                "phiên bản mới nhất. Ví dụ: `district=Đống Đa&pm25__gt=50`."))
LIMIT_ROWS = {"name": "limit", "in": "query", "description": N_("Số dòng mỗi trang (1-1000, mặc định 100)."),
              "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}
FLAG_VALUES = ["0", "1", "true", "false"]
BOM = {"name": "bom", "in": "query", "description": N_("Chỉ cho CSV: bắt đầu bằng dấu BOM UTF-8 (cho "
                                                       "Excel)."),
       "schema": {"type": "string", "enum": FLAG_VALUES}}
EXCEL = {"name": "excel", "in": "query",
         "description": N_("Chỉ cho CSV: dấu BOM, và một dấu `'` đứng đầu các ô tiêu đề và ô văn bản mà "
                           "Excel sẽ chạy như công thức (bắt đầu bằng = + - @, một dấu tab hoặc ký tự về "
                           "đầu dòng)."),
         "schema": {"type": "string", "enum": FLAG_VALUES}}

FILE_HEADERS = {
    "ETag": {"description": N_("Mã kiểm tra mạnh từ mã băm nội dung."), "schema": {"type": "string"}},
    "Last-Modified": {"description": N_("Thời điểm công bố phiên bản."), "schema": {"type": "string"}},
    "Cache-Control": {"description": N_("`public, max-age=31536000, immutable`."), "schema": {"type": "string"}},
    "Accept-Ranges": {"description": N_("`bytes`."), "schema": {"type": "string"}},
}


def _file_content(parsed: bool = True) -> dict:
    """Download bodies; the JSON format is an array of row objects (unless it is a byte range of one)."""
    content = {media: {"schema": {"type": "string", "format": "binary"}} for media in FILE_MEDIA_TYPES}
    if parsed:
        content["application/json"] = {"schema": {"type": "array", "items": {"type": "object"}}}
    return content


# Every list pages the same way as the rows: ``next`` (the ``cursor`` of the next page) and ``next_url``.
NEXT = {"next": _str(N_("Con trỏ của trang sau (gửi làm `cursor`); null ở trang cuối."), nullable=True),
        "next_url": _str(N_("Đường dẫn của trang sau; null ở trang cuối."), nullable=True)}
CURSOR = {"name": "cursor", "in": "query", "description": N_("Giá trị `next` của trang trước."),
          "schema": {"type": "string"}}

SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": _obj({
        "code": _str(N_("Mã cho máy đọc, ví dụ not_found, invalid_input, bad_request.")),
        "message": _str(N_("Lỗi gì và cách sửa.")),
    })}),
    "DatasetSummary": _obj({
        "id": _str(N_("Mã định danh ổn định (UUID).")),
        "name": _str(N_("Đoạn đường dẫn URL: chữ thường a-z, 0-9 và '-'.")),
        "title": _str(), "description": _str(N_("Markdown.")),
        "org": _str(N_("Tên của tổ chức công bố.")), "org_title": _str(),
        "license": _str(N_("Mã giấy phép, ví dụ CC-BY-4.0.")),
        "tags": {"type": "array", "items": {"type": "string"}, "description": N_("Các slug của từ khoá (thứ `tag=` lọc theo).")},
        "tag_details": {"type": "array", "description": N_("Slug của mỗi từ khoá kèm nhãn tiếng Việt và "
                                                           "tiếng Anh."),
                        "items": _obj({"name": _str(N_("Slug.")), "title": _str(N_("Nhãn tiếng Việt (là slug khi không có nhãn).")), "title_en": _str(N_("Nhãn tiếng Anh, hoặc ''."))})},
        "title_en": _str(N_("Tiêu đề tiếng Anh, hoặc '' (tiêu đề là tiếng Việt).")),
        "description_en": _str(N_("Mô tả tiếng Anh (Markdown), hoặc ''.")), "org_title_en": _str(),
        "frequency": _str(N_("Tần suất cập nhật: hourly, daily, weekly, monthly, quarterly, yearly, "
                             "irregular hoặc ''.")),
        "source": _str(), "contact": _str(), "temporal_coverage": _str(), "spatial_coverage": _str(),
        "schema_name": _str(N_("Lược đồ chuẩn của thành phố mà nó theo, hoặc '' nếu là lược đồ riêng.")),
        "created_at": _str(N_("ISO 8601, giờ UTC."), format="date-time"),
        "updated_at": _str(N_("ISO 8601, giờ UTC."), format="date-time"),
        "latest_version": _int(N_("Số phiên bản mới nhất; null trước lần công bố đầu."), nullable=True),
        "rows": _int(N_("Số dòng của phiên bản mới nhất."), nullable=True),
        "bytes": _int(N_("Dung lượng tệp Parquet của phiên bản mới nhất."), nullable=True),
        "url": _str(N_("Trang của bộ dữ liệu.")), "api_url": _str(N_("Bộ dữ liệu này trong API.")),
    }),
    "SearchHit": {"allOf": [_ref("DatasetSummary"), _obj({
        "formats": {"type": "array", "items": {"type": "string"}},
        "score": {"type": "number", "description": N_("Mức liên quan (0 khi không có từ tìm).")},
    })]},
    "FacetValue": _obj({"value": _str(), "label": _str(), "count": _int(minimum=0),
                        "at_least": {"type": "boolean", "description": (
                            N_("True khi số đếm là cận dưới (một tìm kiếm rộng đếm theo nhóm trên 1.000 "
                               "kết quả mới nhất): hiển thị là “≥ số đếm”. Không có khi số đếm là chính "
                               "xác."))}},
                       required=["value", "label", "count"]),
    "SearchResult": _obj({
        "count": _int(N_("Các bộ dữ liệu khớp từ tìm và mọi bộ lọc."), minimum=0),
        "limit": _int(minimum=0), "offset": _int(minimum=0),
        "results": {"type": "array", "items": _ref("SearchHit")},
        **NEXT,
        "facets": _obj({facet: {"type": "array", "items": _ref("FacetValue")}
                        for facet in ("organization", "tag", "format", "license", "frequency", "area")}),
        "partial": {"type": "boolean", "description": (
            N_("True khi không bộ dữ liệu nào có đủ mọi từ: kết quả là các bộ gần nhất (có các từ trong "
               "matched_words)."))},
        "matched_words": {"type": "array", "items": {"type": "string"}},
        "unmatched_words": {"type": "array", "items": {"type": "string"},
                            "description": N_("Các từ không kết quả nào có (chỉ khi partial).")},
    }),
    "Field": {"type": "object", "required": ["name"], "description": N_("Một trường của Table Schema."),
              "properties": {"name": _str(), "type": _str(), "title": _str(), "description": _str(),
                             "format": _str(), "constraints": {"type": "object"}}},
    "TableSchema": {"type": "object", "required": ["fields"], "description": N_("Table Schema của Frictionless."),
                    "properties": {"fields": {"type": "array", "items": _ref("Field")},
                                   "primaryKey": {"oneOf": [_str(), {"type": "array", "items": _str()}]},
                                   "missingValues": {"type": "array", "items": _str()}}},
    "Resource": _obj({
        "name": _str(), "format": _str(), "mediatype": _str(), "version": _int(),
        "url": _str(N_("Đường dẫn bất biến tới tệp của phiên bản này.")),
        "latest_url": _str(N_("Chuyển hướng (302) tới tệp của phiên bản mới nhất.")),
        "bytes": _int(nullable=True), "sha256": _str(nullable=True),
    }),
    "Dataset": {"allOf": [_ref("DatasetSummary"), _obj({
        "extras": {"type": "object"},
        "schema": _ref("TableSchema"),
        "resources": {"type": "array", "items": _ref("Resource")},
        "versions_url": _str(), "rows_url": _str(),
    })]},
    "Changes": {"type": "object", "description": N_("Những gì thay đổi so với phiên bản trước."),
                "properties": {"rows_added": _int(), "rows_removed": _int(),
                               "fields_added": {"type": "array", "items": _str()},
                               "fields_removed": {"type": "array", "items": _str()},
                               "fields_changed": {"type": "array", "items": _str()}}},
    "Version": _obj({
        "number": _int(minimum=1), "rows": _int(minimum=0), "bytes": _int(N_("Dung lượng Parquet."), minimum=0),
        "sha256": _str(N_("SHA-256 của tệp Parquet.")),
        "published_at": _str(N_("ISO 8601, giờ UTC."), format="date-time"),
        "changes": _ref("Changes"),
        "publisher": _str(), "note": _str(),
        "source_format": _str(), "source_bytes": _int(minimum=0), "source_sha256": _str(),
        "validation": {"type": "object", "description": N_("Tóm tắt kiểm tra (valid, rows, errors, "
                                                           "warnings).")},
        "url": _str(N_("Tệp Parquet của phiên bản.")),
        "files": _obj({fmt: _str() for fmt in FORMATS}, description=N_("Phiên bản ở mọi định dạng.")),
    }),
    "VersionList": _obj({"dataset": _str(), "versions": {"type": "array", "items": _ref("Version")}}),
    "VersionDetail": {"allOf": [_ref("Version"), _obj({"schema": _ref("TableSchema")})]},
    "Column": {"type": "object", "required": ["name", "type"],
               "properties": {"name": _str(), "type": _str(N_("Kiểu theo Table Schema.")), "title": _str()}},
    "RowsPage": _obj({
        "dataset": _str(), "version": _int(minimum=1),
        "columns": {"type": "array", "items": _ref("Column")},
        "rows": {"type": "array", "items": {"type": "object", "additionalProperties": True,
                                            "description": N_("cột → giá trị (ngày dạng văn bản ISO 8601)")}},
        "total": _int(N_("Số dòng khớp bộ lọc (mọi trang)."), minimum=0),
        **NEXT,
    }),
    "ValueCounts": _obj({
        "dataset": _str(), "version": _int(minimum=1), "column": _str(),
        "values": {"type": "array", "items": _obj({"value": {"description": N_("Một giá trị của cột (kiểu bất kỳ).")},
                                                   "count": _int(minimum=1)})},
    }),
    "Organization": _obj({
        "name": _str(), "title": _str(), "description": _str(), "dataset_count": _int(minimum=0),
        "title_en": _str(N_("Tiêu đề tiếng Anh, hoặc ''.")), "description_en": _str(N_("Mô tả tiếng Anh, hoặc ''.")),
        "created_at": _str(format="date-time"), "url": _str(), "api_url": _str(),
    }),
    "OrganizationList": _obj({"count": _int(N_("Mọi tổ chức (mọi trang)."), minimum=0),
                              "results": {"type": "array", "items": _ref("Organization")}, **NEXT}),
    "OrganizationDetail": {"allOf": [_ref("Organization"), _obj({
        "datasets": {"type": "array", "items": _ref("DatasetSummary")}})]},
}

