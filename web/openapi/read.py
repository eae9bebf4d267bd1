"""The read API's paths: datasets, versions, rows, organisations, and the downloads beside the API.

Each operation says whether a token helps (``OPTIONAL_TOKEN``: a member of an organisation also sees its private
datasets) or is needed (``write.py``).
"""

from __future__ import annotations

from typing import Any

from catalog.i18n import N_
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

FACET_PARAMETERS = [
    ("organization", N_("Chỉ các bộ dữ liệu của tổ chức này (lặp lại được).")),
    ("tag", N_("Chỉ các bộ dữ liệu có từ khoá này (lặp lại được).")),
    ("license", N_("Chỉ các bộ dữ liệu có giấy phép này (lặp lại được).")),
    ("frequency", N_("Chỉ các bộ dữ liệu có tần suất này (lặp lại được).")),
    ("format", N_("Chỉ các bộ dữ liệu có định dạng này (lặp lại được).")),
    ("area", N_("Chỉ các bộ dữ liệu về địa bàn này (lặp lại được).")),
]
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
    "score": {"type": "number", "minimum": 0, "maximum": 1, "description": N_("Điểm của data.gouv.fr: số điểm / 9.")},
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

def _view_download(operation_id: str, summary: str, example: list, description: str, path_parameters: list,
                   not_found: str) -> dict:
    """The explorer's download of a view (latest or pinned version): the same parameters and answers."""
    return {"get": {
        "tags": ["Downloads"], "operationId": operation_id, "summary": summary, "x-example-query": example,
        "description": description + FILTERS_DOC,
        "parameters": [
            *path_parameters,
            {"name": "_sort", "in": "query", "description": N_("Như `sort` của API dòng."), "schema": {"type": "string"}},
            {"name": "_fields", "in": "query", "description": N_("Như `fields` của API dòng."),
             "schema": {"type": "string"}},
            BOM, EXCEL,
        ],
        "responses": {
            "200": {"description": N_("Các dòng được chọn."), "content": _file_content()},
            "206": {"description": N_("Một phần của tệp cả phiên bản (khung nhìn không lọc chính là tệp "
                                      "đó)."),
                    "content": _file_content(parsed=False)},
            "304": {"description": N_("Không thay đổi (khung nhìn không lọc là tệp phiên bản bất biến).")},
            "400": _error(N_("Bộ lọc sai, cột không có trong `_sort` hoặc `_fields` (thông báo nêu tên và "
                             "liệt kê các cột), hoặc quá nhiều dòng cho XLSX."), html=True),
            "404": _error(not_found, html=True),
            "416": {"description": N_("Không khoảng nào được yêu cầu nằm trong tệp.")},
        },
    }}


PATHS: dict[str, Any] = {
    "/api/v1": {"get": {
        "tags": ["API"], "operationId": "index", "summary": N_("Liên kết tới các phần của API"),
        "responses": {"200": _json({"type": "object"}, N_("Các liên kết."))},
    }},
    "/api/v1/openapi.json": {"get": {
        "tags": ["API"], "operationId": "openapi", "summary": N_("Tài liệu OpenAPI này"),
        "responses": {"200": _json({"type": "object", "required": ["openapi", "paths"]}, N_("Tài liệu OpenAPI 3."))},
    }},
    "/api/v1/datasets": {"get": {
        "tags": ["Datasets"], "operationId": "searchDatasets", "summary": N_("Tìm bộ dữ liệu, kèm bộ lọc theo nhóm"),
        "x-example-query": [["q", "dong da"], ["organization", EXAMPLE_ORG]],
        "description": (
            N_("Tìm toàn văn trong tiêu đề, mô tả, từ khoá, tổ chức và tên cột. Không cần dấu mà vẫn biết "
               "dấu: `q=dong da` tìm ra “Đống Đa”, và kết quả đúng dấu xếp trước. Các bộ lọc theo nhóm kết "
               "hợp bằng AND; lặp lại một tham số để chọn nhiều giá trị. Số đếm theo nhóm tính trên kết "
               "quả đã lọc. Cũng tìm theo giá trị trong các dòng của bộ dữ liệu (quận huyện, danh mục; "
               "nhóm `area` chứa các địa danh) và từ đồng nghĩa tiếng Việt (tầm soát = sàng lọc). Khi "
               "không bộ dữ liệu nào có đủ mọi từ, trả về các bộ gần nhất với `partial: true`.")),
        "parameters": [
            {"name": "q", "in": "query", "description": N_("Từ cần tìm (phải khớp hết, nếu không xem "
                                                           "`partial`)."),
             "schema": {"type": "string"}, "example": "không khí"},
            {"name": "limit", "in": "query", "description": N_("Số kết quả mỗi trang (0-1000, mặc định 20)."),
             "schema": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 20}},
            {"name": "offset", "in": "query", "description": N_("Số kết quả bỏ qua."),
             "schema": {"type": "integer", "minimum": 0, "default": 0}},
            CURSOR,
            {"name": "sort", "in": "query", "description": N_("Thứ tự (mặc định: mức liên quan khi có q, nếu không thì ngày cập nhật)."),
             "schema": {"type": "string", "enum": ["relevance", "updated", "title", "name", "created",
                                                   "quality"]}},
            *({"name": facet, "in": "query", "description": description,
               "style": "form", "explode": True, "schema": {"type": "array", "items": {"type": "string"}}}
              for facet, description in FACET_PARAMETERS),
        ],
        "responses": {"200": _json(_ref("SearchResult"), N_("Các bộ dữ liệu phù hợp và số đếm theo nhóm.")),
                      "400": _error(N_("Tham số sai (limit, offset, sort)."))},
    }},
    "/api/v1/datasets/{name}": {"get": {
        "tags": ["Datasets"], "operationId": "getDataset", "summary": N_("Một bộ dữ liệu: siêu dữ liệu, lược đồ, tệp"),
        "parameters": [NAME],
        "responses": {"200": _json(_ref("Dataset"), N_("Bộ dữ liệu, kèm đường dẫn tải về của phiên bản "
                                                       "mới nhất.")),
                      "404": _error(N_("Không có bộ dữ liệu (công khai) này."))},
    }},
    "/api/v1/datasets/{name}/versions": {"get": {
        "tags": ["Datasets"], "operationId": "listVersions", "summary": N_("Mọi phiên bản, mới nhất trước"),
        "parameters": [NAME],
        "responses": {"200": _json(_ref("VersionList"), N_("Các phiên bản.")), "404": _error(N_("Không có bộ dữ liệu này."))},
    }},
    "/api/v1/datasets/{name}/versions/{number}": {"get": {
        "tags": ["Datasets"], "operationId": "getVersion", "summary": N_("Một phiên bản, kèm lược đồ"),
        "parameters": [NAME, NUMBER],
        "responses": {"200": _json(_ref("VersionDetail"), N_("Phiên bản.")),
                      "404": _error(N_("Không có bộ dữ liệu hoặc phiên bản này."))},
    }},
    "/api/v1/datasets/{name}/quality": {"get": {
        "tags": ["Datasets"], "operationId": "getDatasetQuality", "summary": N_("Quality: udata score, EU MQA, stars"),
        "description": (
            N_("Chín tiêu chí của data.gouv.fr (điểm = số điểm / 9), điểm đánh giá chất lượng siêu dữ "
               "liệu của EU (MQA) cho mô tả DCAT-AP của bộ dữ liệu theo từng khía cạnh kèm xếp hạng, năm "
               "sao dữ liệu mở, và chất lượng dữ liệu (dòng hợp lệ, lỗi, ô bị ẩn, độ cập nhật so với tần "
               "suất đã khai). `failing` liệt kê mọi tiêu chí chưa đạt kèm gợi ý bằng tiếng Việt "
               "(`?lang=en`: tiếng Anh).")),
        "parameters": [NAME, {"name": "lang", "in": "query",
                              "description": N_("Ngôn ngữ của `failing`: en là tiếng Anh, giá trị khác là "
                                                "tiếng Việt."),
                              "schema": {"type": "string"}, "example": "en"}],
        "responses": {"200": _json(QUALITY, N_("Báo cáo chất lượng của bộ dữ liệu.")),
                      "404": _error(N_("Không có bộ dữ liệu (công khai) này."))},
    }},
    "/api/v1/datasets/{name}/rows": {"get": {
        "tags": ["Rows"], "operationId": "getRows", "summary": N_("Các dòng của phiên bản mới nhất: lọc, sắp xếp, phân trang"),
        "x-example-query": [["district", "Đống Đa"], ["pm25__gt", "50"], ["sort", "-pm25"], ["limit", "5"]],
        "description": (
            N_("Phân trang theo khoá: theo `next` (hoặc `next_url`) cho tới khi nó là null; các trang "
               "không bao giờ bỏ sót hay lặp dòng, và trang sâu nhanh như trang đầu. `total` đếm mọi dòng "
               "phù hợp.") + FILTERS_DOC),
        "parameters": [
            NAME,
            {"name": "fields", "in": "query", "description": N_("Các cột cần trả về, phân cách bằng dấu phẩy (mặc định tất cả)."),
             "schema": {"type": "string"}},
            {"name": "sort", "in": "query",
             "description": N_("Các cột để sắp xếp, phân cách bằng dấu phẩy; `-col` để xếp giảm dần (mặc "
                               "định: thứ tự trong tệp)."),
             "schema": {"type": "string"}, "example": "-pm25"},
            LIMIT_ROWS,
            {"name": "cursor", "in": "query", "description": N_("Giá trị `next` của trang trước."),
             "schema": {"type": "string"}},
        ],
        "responses": {"200": _json(_ref("RowsPage"), N_("Một trang các dòng.")),
                      "400": _error(N_("Bộ lọc, cách sắp xếp, trường, limit hoặc cursor sai (thông báo "
                                       "nêu tên).")),
                      "404": _error(N_("Không có bộ dữ liệu này, hoặc chưa công bố gì."))},
    }},
    "/api/v1/datasets/{name}/columns/{column}/counts": {"get": {
        "tags": ["Rows"], "operationId": "getValueCounts", "summary": N_("Các giá trị thường gặp nhất của một cột"),
        "x-example-query": [["pm25__gt", "100"]],
        "description": N_("Trong các dòng mà bộ lọc chọn (mọi dòng nếu không lọc).") + FILTERS_DOC,
        "parameters": [
            NAME,
            {"name": "column", "in": "path", "required": True, "schema": {"type": "string"}, "example": "district"},
            {"name": "limit", "in": "query", "description": N_("Số giá trị trả về (1-1000, mặc định 50)."),
             "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}},
        ],
        "responses": {"200": _json(_ref("ValueCounts"), N_("Các giá trị kèm số lần, thường gặp nhất trước.")),
                      "400": _error(N_("Cột không có hoặc bộ lọc sai.")),
                      "404": _error(N_("Không có bộ dữ liệu này, hoặc chưa công bố gì."))},
    }},
    "/api/v1/organizations": {"get": {
        "tags": ["Organisations"], "operationId": "listOrganizations", "summary": N_("Các tổ chức công bố dữ liệu"),
        "parameters": [{"name": "limit", "in": "query", "description": N_("Số tổ chức mỗi trang (1-1000, mặc định 100)."),
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}, CURSOR],
        "responses": {"200": _json(_ref("OrganizationList"), N_("Một trang các tổ chức, theo tên.")),
                      "400": _error(N_("limit hoặc cursor sai."))},
    }},
    "/api/v1/organizations/{name}": {"get": {
        "tags": ["Organisations"], "operationId": "getOrganization", "summary": N_("Một tổ chức và các bộ dữ liệu của nó"),
        "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                        "example": EXAMPLE_ORG}],
        "responses": {"200": _json(_ref("OrganizationDetail"), N_("Tổ chức.")),
                      "404": _error(N_("Không có tổ chức này."))},
    }},
    "/datasets/{name}/versions/{number}/data.{format}": {"get": {
        "tags": ["Downloads"], "operationId": "downloadVersion", "summary": N_("Tệp dữ liệu của một phiên bản (không đổi)"),
        "description": (
            N_("Không bao giờ đổi sau khi công bố: `ETag` mạnh, `Cache-Control: immutable`, "
               "`If-None-Match` → 304, yêu cầu `Range` (một khoảng → 206, nhiều khoảng → "
               "`multipart/byteranges`), nên các trình đọc Parquet từ xa (DuckDB httpfs, pyarrow) chỉ đọc "
               "phần cần thiết. CSV mã hoá UTF-8; XLSX bị từ chối khi quá 1.048.575 dòng của Excel.")),
        "parameters": [NAME, NUMBER, FORMAT, BOM, EXCEL],
        "responses": {
            "200": {"description": N_("Tệp."), "headers": FILE_HEADERS, "content": _file_content()},
            "206": {"description": N_("Một (hay nhiều) phần của tệp."), "headers": FILE_HEADERS,
                    "content": {**_file_content(parsed=False), "multipart/byteranges": {"schema": {"type": "string"}}}},
            "304": {"description": N_("Không thay đổi (khớp If-None-Match).")},
            "400": _error(N_("XLSX được yêu cầu cho nhiều dòng hơn mức Excel mở được."), html=True),
            "404": _error(N_("Không có bộ dữ liệu hoặc phiên bản này."), html=True),
            "416": {"description": N_("Không khoảng nào được yêu cầu nằm trong tệp.")},
        },
    }},
    "/datasets/{name}/latest/data.{format}": {"get": {
        "tags": ["Downloads"], "operationId": "downloadLatest", "summary": N_("Chuyển tới tệp của phiên bản mới nhất"),
        "parameters": [NAME, FORMAT, BOM, EXCEL],
        "responses": {"302": {"description": N_("Location: đường dẫn theo phiên bản."),
                              "headers": {"Location": {"schema": {"type": "string"}}}},
                      "400": _error(N_("Giá trị bom hoặc excel sai."), html=True),
                      "404": _error(N_("Không có bộ dữ liệu này, hoặc chưa công bố gì."), html=True)},
    }},
    "/datasets/{name}/download.zip": {"get": {
        "tags": ["Downloads"], "operationId": "downloadZip",
        "summary": N_("Phiên bản mới nhất gồm CSV + Parquet + datapackage.json, nén ZIP"),
        "parameters": [NAME],
        "responses": {"200": {"description": N_("Một tệp zip (truyền dần)."),
                              "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
                      "404": _error(N_("Không có bộ dữ liệu này, hoặc chưa công bố gì."), html=True)},
    }},
    "/datasets/{name}/explore.{format}": _view_download(
        "downloadView", N_("Tải khung nhìn này: các dòng đã lọc, sắp xếp của phiên bản mới nhất"),
        [["district", "Đống Đa"], ["_sort", "-pm25"]],
        N_("Các dòng mà trình khám phá hiển thị cho cùng chuỗi truy vấn, lấy tất cả."), [NAME, FORMAT],
        N_("Không có bộ dữ liệu này, hoặc chưa công bố gì.")),
    "/datasets/{name}/versions/{number}/explore.{format}": _view_download(
        "downloadPinnedView", N_("Tải khung nhìn này của một phiên bản (trình khám phá gắn với phiên bản)"),
        [["district", "dong da"]], N_("Như downloadView, trên phiên bản `number`; tên tệp mang số phiên bản."),
        [NAME, NUMBER, FORMAT], N_("Không có bộ dữ liệu hoặc phiên bản này.")),
}

