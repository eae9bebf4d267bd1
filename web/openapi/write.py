"""The paths beyond reading datasets: SQL, publishing and validating files, standard schemas, the token's user,
the activity stream, version diffs and webhooks.

Operations that need a token carry ``security: TOKEN``; those where a token only widens what is visible carry
``OPTIONAL_TOKEN``. Texts are Vietnamese messages (``N_``); ``web/openapi/__init__.py`` gives the document in
English (with ``x-summary-vi``) and the ``/api`` page in the reader's language.
"""

from __future__ import annotations

from typing import Any

from catalog.i18n import N_
from web.openapi.base import EXAMPLE_DATASET, NAME, _error, _int, _json, _obj, _ref, _str

TOKEN: list[dict] = [{"token": []}]
OPTIONAL_TOKEN: list[dict] = [{}, {"token": []}]
UNAUTHORIZED = _error(N_("Không có khoá, hoặc khoá không biết, đã thu hồi hay đã hết hạn (thông báo nói "
                         "rõ trường hợp nào)."))
FORBIDDEN = _error(N_("Người dùng của khoá không được làm việc này cho tổ chức đó."))
HOOK_ID = {"name": "hook_id", "in": "path", "required": True, "schema": {"type": "string"},
           "description": N_("Mã của webhook."), "example": "a1b2c3d4e5f60718"}
DELIVERY_ID = {"name": "delivery_id", "in": "path", "required": True, "schema": {"type": "string"},
               "description": N_("Mã của lần gửi."), "example": "1"}
SQL_FORMATS = ["json", "csv", "parquet", "xlsx"]
SQL_FILES = {"text/csv": {"schema": {"type": "string", "format": "binary"}},
             "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                 {"schema": {"type": "string", "format": "binary"}}}
FLAG = {"type": "string", "description": N_("1, true, yes hoặc on; giá trị khác là tắt.")}
SQL_FIELDS = {
    "sql": _str(N_("Một câu SELECT chỉ đọc (DuckDB); tên bảng là tên các bộ dữ liệu."), example="SELECT 1 AS one",
                minLength=1),
    "format": _str(N_("json (các dòng đầu, mặc định) hoặc một tệp chứa mọi dòng."), enum=SQL_FORMATS),
    "download": {**FLAG, "description": N_("Chỉ cho json: toàn bộ kết quả dạng tệp (1, true, yes hoặc on).")},
    "excel": {**FLAG, "description": N_("Chỉ cho csv: dấu BOM và ô an toàn với công thức cho Excel (1, "
                                        "true, yes hoặc on).")},
}
UPLOAD_FIELDS = {
    "org": _str(N_("Tổ chức công bố (cần khi bộ dữ liệu còn mới).")),
    "schema": _str(N_("Tên một lược đồ chuẩn (GET /api/v1/schemas) hoặc một Table Schema dạng JSON.")),
    "title": _str(), "description": _str(), "license": _str(), "frequency": _str(), "source": _str(),
    "contact": _str(), "temporal_coverage": _str(), "spatial_coverage": _str(), "tags": _str(N_("Phân cách bằng dấu phẩy.")),
    "note": _str(N_("Những gì thay đổi trong phiên bản này.")), "encoding": _str(), "format": _str(),
    "dialect": _str(N_("Kiểu CSV (dialect) dạng JSON.")), "checklist": _str(N_("Danh sách kiểm tra (checklist) dạng JSON.")),
}
FILE_BODY = {"type": "string", "format": "binary"}


def upload_body(extra: dict[str, Any], description: str, required: bool = True) -> dict:
    """A file as a multipart part named ``file`` (or ``upload``), or as the raw body."""
    multipart = {"type": "object", "properties": {"file": FILE_BODY, **extra}}
    if required:  # publishing with ``check`` sends no file
        multipart["required"] = ["file"]
    return {"required": required, "description": description, "content": {
        "multipart/form-data": {"schema": multipart},
        "text/csv": {"schema": FILE_BODY}, "application/octet-stream": {"schema": FILE_BODY}}}


SCHEMAS: dict[str, Any] = {
    "SqlResult": _obj({
        "columns": {"type": "array", "items": {"type": "object", "required": ["name", "type"],
                                               "properties": {"name": _str(), "type": _str(N_("Kiểu của DuckDB."))}}},
        "rows": {"type": "array", "items": {"type": "array", "items": {}}},
        "truncated": {"type": "boolean", "description": N_("Còn dòng nữa: tải tệp về để có tất cả.")},
        "elapsed_ms": {"type": "number"},
    }),
    "PublishResult": {"type": "object", "required": ["status", "dataset"], "properties": {
        "status": _str(N_("published, unchanged hoặc invalid.")), "dataset": _str(),
        "version": {"type": "object", "nullable": True, "description": N_("Phiên bản mới (null khi không hợp lệ).")},
        "report": {"type": "object", "nullable": True, "description": N_("Báo cáo kiểm tra.")},
        "messages": {"type": "array", "items": _str()},
        "error": {"type": "object", "description": N_("Lý do không công bố gì (422)."),
                  "properties": {"code": _str(), "message": _str()}},
    }},
    "PublishCheck": _obj({"ok": {"type": "boolean"}, "user": _str(), "org": _str(nullable=True),
                          "exists": {"type": "boolean"}, "max_upload_bytes": _int(minimum=0)}),
    "ValidationResult": _obj({"valid": {"type": "boolean"}, "rows": _int(nullable=True),
                              "report": {"type": "object"}}),
    "StandardSchema": _obj({"name": _str(), "title": _str(), "fields": _int(N_("Số trường."), minimum=0),
                            "schema": _ref("TableSchema")}),
    "User": {"type": "object", "required": ["name", "sysadmin", "memberships"], "properties": {
        "id": _str(), "name": _str(), "fullname": _str(), "email": _str(), "sysadmin": {"type": "boolean"},
        "state": _str(), "created_at": _str(),
        "memberships": {"type": "object", "additionalProperties": _str(N_("admin, editor hoặc member")),
                        "description": N_("tổ chức → vai trò")}}},
    "ActivityPage": _obj({
        "activity": {"type": "array", "items": {"type": "object", "required": ["id", "at", "type"],
                                                "properties": {"id": _int(), "at": _str(), "type": _str(),
                                                               "actor": _str(nullable=True)}}},
        "next": _int(N_("Con trỏ của trang sau (gửi làm `cursor`); null ở trang cuối."), nullable=True),
        "next_url": _str(N_("Đường dẫn của trang sau; null ở trang cuối."), nullable=True),
    }),
    "VersionDiff": {"type": "object", "required": ["dataset", "from", "to", "summary"], "properties": {
        "dataset": _str(), "title": _str(), "from": {"type": "object"}, "to": {"type": "object"},
        "summary": {"type": "object"}, "rows": {"type": "object"}, "schema": {"type": "object"},
        "sample_limit": _int(minimum=0), "url": _str(), "api_url": _str()}},
    "Webhook": {"type": "object", "required": ["id", "org", "url", "events"], "properties": {
        "id": _str(), "org": _str(), "url": _str(), "events": {"type": "array", "items": _str()},
        "active": {"type": "boolean"}}},
    "Delivery": {"type": "object", "required": ["id"], "properties": {"id": {}, "event": _str(),
                                                                   "status": _str(nullable=True)}},
}


def op(op_id: str, tag: str, summary: str, responses: dict, **more: Any) -> dict:
    return {"tags": [tag], "operationId": op_id, "summary": summary, "responses": responses,
            **more}


def sql_op(method: str) -> dict:
    common = dict(description=(
        N_("Đúng một câu SELECT chỉ đọc trên các bộ dữ liệu đã công bố (tên mỗi bộ dữ liệu, và các phiên "
           "bản của nó dạng `name@3`). Câu trả lời JSON chứa các dòng đầu (`truncated` cho biết khi còn "
           "dòng); `format=csv|parquet|xlsx` (hoặc `download=1`) truyền toàn bộ kết quả thành tệp. Thời "
           "gian, bộ nhớ và dung lượng đều có giới hạn: lỗi 400 nói truy vấn chạm giới hạn nào, lỗi 429 đề "
           "nghị thử lại sau.")))
    as_file = {"type": "array", "items": {"type": "object"}, "description": N_("download=1: mọi dòng, dạng đối tượng.")}
    responses = {"200": {"description": N_("Kết quả (JSON) hoặc toàn bộ kết quả dạng tệp."),
                         "content": {"application/json": {"schema": {"oneOf": [_ref("SqlResult"), as_file]}},
                                     **SQL_FILES}},
                 "400": _error(N_("Không phải đúng một câu SELECT, lỗi cú pháp, bảng không có, hoặc chạm "
                                  "giới hạn.")),
                 "429": _error(N_("Quá nhiều truy vấn cùng lúc: thử lại sau `Retry-After` giây."))}
    if method == "get":
        params = [{"name": k, "in": "query", "required": k == "sql", "schema": v,
                   "description": v.get("description", "")} for k, v in SQL_FIELDS.items()]
        return op("runSqlGet", "SQL", N_("Chạy một truy vấn SQL chỉ đọc"), responses,
                  parameters=params, security=OPTIONAL_TOKEN, **common)
    # in a body, download and excel may be any JSON value: 1, true, "yes" or "on" turn them on
    flags = {name: {"description": SQL_FIELDS[name]["description"]} for name in ("download", "excel")}
    body = {"type": "object", "required": ["sql"], "properties": {**SQL_FIELDS, **flags}}
    return op("runSqlPost", "SQL", N_("Chạy một truy vấn SQL chỉ đọc (câu truy vấn trong thân yêu cầu)"), responses,
              requestBody={"required": True, "content": {"application/json": {"schema": body},
                                                         "application/x-www-form-urlencoded": {"schema": body}}},
              security=OPTIONAL_TOKEN, **common)


PUBLISH = op(
    "publishVersion", "Publishing", N_("Công bố một tệp thành phiên bản mới của bộ dữ liệu"), {"200": _json({"oneOf": [_ref("PublishResult"), _ref("PublishCheck")]},
                  N_("Không đổi (cùng dữ liệu với phiên bản mới nhất), hoặc câu trả lời cho `check=1`.")),
     "201": {"description": N_("Đã công bố: phiên bản mới."), "content": {"application/json": {
         "schema": _ref("PublishResult")}}, "headers": {"Location": {"schema": {"type": "string"}}}},
     "400": _error(N_("Một trường sai, tệp rỗng, hoặc tên bộ dữ liệu không phải dạng slug.")),
     "401": UNAUTHORIZED, "403": FORBIDDEN, "404": _error(N_("Không biết tổ chức hoặc lược đồ chuẩn này.")),
     "413": _error(N_("Tệp lớn hơn giới hạn tải lên.")),
     "422": _json(_ref("PublishResult"), N_("Tệp không hợp lệ theo lược đồ: chưa công bố gì.")),
     "503": _error(N_("Mọi tiến trình nhận tệp đều bận: thử lại sau `Retry-After` giây."))},
    description=(
        N_("Tệp được kiểm tra theo Table Schema của nó và, khi hợp lệ và khác phiên bản mới nhất, được "
           "lưu thành một phiên bản mới bất biến (bộ dữ liệu được tạo nếu chưa có: gửi kèm `org`). Gửi tệp "
           "trong phần `file` của multipart (các phần khác là các trường dưới đây) hoặc làm thân yêu cầu, "
           "với các trường trong chuỗi truy vấn. `check=1` không đọc và không ghi gì: nó cho biết khoá này "
           "có được công bố ở đây không và `size` byte có vừa không, trước khi tải lên một tệp lớn.")),
    parameters=[NAME,
                {"name": "check", "in": "query", "schema": {"type": "string", "minLength": 1}, "example": "1",
                 "description": N_("Giá trị bất kỳ: chỉ kiểm tra quyền và dung lượng; không đọc, không "
                                   "ghi gì.")},
                {"name": "size", "in": "query", "schema": {"type": "integer", "minimum": 0},
                 "description": N_("Cùng `check`: dung lượng tệp sẽ gửi, tính bằng byte.")},
                {"name": "org", "in": "query", "schema": {"type": "string"},
                 "description": N_("Tổ chức (kiểm tra trước khi đọc thân yêu cầu).")},
                {"name": "filename", "in": "query", "schema": {"type": "string"},
                 "description": N_("Thân yêu cầu là tệp: tên tệp (phần đuôi cho biết định dạng).")}],
    requestBody=upload_body(UPLOAD_FIELDS, N_("Tệp, và các trường siêu dữ liệu của bộ dữ liệu (không có "
                                              "khi dùng `check`)."),
                            required=False),
    security=TOKEN)

VALIDATE = op(
    "validateFile", "Publishing", N_("Kiểm tra một tệp theo lược đồ (không công bố)"), {"200": _json(_ref("ValidationResult"), N_("Báo cáo kiểm tra.")),
     "400": _error(N_("Thiếu lược đồ hoặc bộ dữ liệu, một trường sai, hoặc tệp rỗng.")),
     "404": _error(N_("Không biết lược đồ chuẩn hoặc bộ dữ liệu này.")),
     "413": _error(N_("Tệp lớn hơn giới hạn (nhỏ hơn khi không có khoá).")),
     "503": _error(N_("Mọi tiến trình nhận tệp đều bận: thử lại sau `Retry-After` giây."))},
    description=N_("Ai cũng kiểm tra được; tệp của người có khoá được lớn hơn. Gửi `schema` hoặc "
                   "`dataset`."),
    requestBody=upload_body({"schema": UPLOAD_FIELDS["schema"], "dataset": _str(N_("Kiểm tra theo lược đồ của bộ dữ liệu này.")),
                             "encoding": _str(), "format": _str(), "dialect": UPLOAD_FIELDS["dialect"],
                             "checklist": UPLOAD_FIELDS["checklist"]}, N_("Tệp và thứ dùng để kiểm tra nó.")),
    security=OPTIONAL_TOKEN)


def webhook_ops() -> dict:
    hook = {"type": "object", "required": ["webhook"], "properties": {"webhook": _ref("Webhook")}}
    delivery = {"type": "object", "required": ["delivery"], "properties": {"delivery": _ref("Delivery")}}
    refused = {"401": UNAUTHORIZED, "403": FORBIDDEN, "404": _error(N_("Không có webhook hoặc lần gửi này."))}
    new = {"type": "object", "required": ["org", "url", "events"], "properties": {
        "org": _str(minLength=1), "url": _str(N_("Nơi gửi POST các sự kiện (https)."), minLength=1),
        "events": {"type": "array", "items": _str(minLength=1),
                   "description": N_("Tên sự kiện, ví dụ dataset.version_published.")},
        "secret": _str(N_("Khoá HMAC-SHA256 của tiêu đề `x-hook-signature`; máy chủ tự chọn khi bỏ trống."))}}
    return {
        "/api/v1/webhooks": {
            "get": op("listWebhooks", "Webhooks", N_("Các webhook của những tổ chức bạn biên tập"), {"200": _json(_obj({"webhooks": {"type": "array", "items": _ref("Webhook")}}), N_("Các webhook.")),
                       "401": UNAUTHORIZED},
                      parameters=[{"name": "org", "in": "query", "schema": {"type": "string"},
                                   "description": N_("Chỉ của tổ chức này.")}], security=TOKEN),
            "post": op("addWebhook", "Webhooks", N_("Đăng ký một URL nhận sự kiện của tổ chức"), {"201": _json({**hook, "properties": {**hook["properties"], "secret": _str()}},
                                     N_("Đăng ký (và khoá bí mật, một lần, khi máy chủ chọn nó).")),
                        "400": _error(N_("Thiếu một trường, sự kiện không biết hoặc URL không được phép.")),
                        **refused, "404": _error(N_("Không có tổ chức này."))},
                       requestBody={"required": True, "content": {"application/json": {"schema": new}}},
                       security=TOKEN)},
        "/api/v1/webhooks/{hook_id}": {
            "get": op("getWebhook", "Webhooks", N_("Một webhook"), {"200": _json(hook, N_("Webhook.")),
                                                                              **refused},
                      parameters=[HOOK_ID], security=TOKEN),
            "delete": op("deleteWebhook", "Webhooks", N_("Xoá một webhook"), {"200": _json(hook, N_("Webhook đã xoá.")), **refused},
                         parameters=[HOOK_ID], security=TOKEN)},
        "/api/v1/webhooks/{hook_id}/deliveries": {"get": op(
            "listDeliveries", "Webhooks", N_("Các lần gửi của một webhook"), {"200": _json(_obj({"deliveries": {"type": "array", "items": _ref("Delivery")}}), N_("Các lần gửi.")),
             **refused},
            parameters=[HOOK_ID, {"name": "limit", "in": "query", "description": N_("Tối đa (1-1000, mặc định 50)."),
                                  "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
            security=TOKEN)},
        "/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}": {"get": op(
            "getDelivery", "Webhooks", N_("Một lần gửi"), {"200": _json(delivery, N_("Lần gửi.")), **refused}, parameters=[HOOK_ID, DELIVERY_ID],
            security=TOKEN)},
        "/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}/redeliver": {"post": op(
            "redeliver", "Webhooks", N_("Gửi lại một lần gửi"), {"202": _json(delivery, N_("Đã xếp hàng gửi lại.")), **refused}, parameters=[HOOK_ID, DELIVERY_ID],
            security=TOKEN)},
    }


PATHS: dict[str, Any] = {
    "/api/v1/sql": {"get": sql_op("get"), "post": sql_op("post")},
    "/api/v1/validate": {"post": VALIDATE},
    "/api/v1/schemas": {"get": op(
        "listSchemas", "Publishing", N_("Các lược đồ chuẩn của thành phố"), {"200": _json(_obj({"schemas": {"type": "array", "items": _ref("StandardSchema")}}), N_("Mọi lược đồ chuẩn."))})},
    "/api/v1/schemas/{schema_name}": {"get": op(
        "getSchema", "Publishing", N_("Một lược đồ chuẩn"), {"200": _json(_ref("TableSchema"), N_("Table Schema.")), "404": _error(N_("Không có lược đồ chuẩn này."))},
        parameters=[{"name": "schema_name", "in": "path", "required": True, "schema": {"type": "string"},
                     "example": "air_quality"}])},
    "/api/v1/me": {"get": op("whoAmI", "Accounts", N_("Người dùng của khoá và vai trò"), {"200": _json(_ref("User"), N_("Người dùng.")), "401": UNAUTHORIZED}, security=TOKEN)},
    "/api/v1/activity": {"get": op(
        "listActivity", "Activity", N_("Những thay đổi trong danh mục, mới nhất trước"), {"200": _json(_ref("ActivityPage"), N_("Một trang hoạt động.")),
         "400": _error(N_("since, limit hoặc cursor sai.")), "404": _error(N_("Không có bộ dữ liệu hoặc tổ chức (nhìn thấy được) này."))},
        description=N_("Theo `next_url` (hoặc gửi `next` làm `cursor`) cho tới khi nó là null."),
        parameters=[
            {"name": "since", "in": "query", "schema": {"type": "string"},
             "description": N_("Một ngày, một ngày giờ hoặc một khoảng thời gian như `7d`."), "example": "7d"},
            {"name": "org", "in": "query", "schema": {"type": "string"}},
            {"name": "dataset", "in": "query", "schema": {"type": "string"}, "example": EXAMPLE_DATASET},
            {"name": "cursor", "in": "query", "schema": {"type": "integer", "minimum": 1},
             "description": N_("Giá trị `next` của trang trước.")},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500},
             "description": N_("Số mục mỗi trang (1-500, mặc định 50).")}],
        security=OPTIONAL_TOKEN)},
    "/api/v1/datasets/{name}/versions/{a}/diff/{b}": {"get": op(
        "diffVersions", "Datasets", N_("Thay đổi giữa hai phiên bản"), {"200": _json(_ref("VersionDiff"), N_("Khác biệt: các dòng thêm, bớt, đổi; thay đổi của lược đồ.")),
         "400": _error(N_("sample sai.")), "404": _error(N_("Không có bộ dữ liệu hoặc phiên bản này."))},
        parameters=[NAME, *({"name": v, "in": "path", "required": True, "example": n,
                             "schema": {"type": "integer", "minimum": 1}} for v, n in (("a", 1), ("b", 2))),
                    {"name": "sample", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100},
                     "description": N_("Số dòng ví dụ cho mỗi loại (0-100).")}],
        security=OPTIONAL_TOKEN)},
    **webhook_ops(),
}
