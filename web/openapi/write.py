"""The paths beyond reading datasets: SQL, publishing and validating files, standard schemas, the token's user,
the activity stream, version diffs and webhooks.

Operations that need a token carry ``security: TOKEN``; those where a token only widens what is visible carry
``OPTIONAL_TOKEN``. Each operation has an English ``summary`` and a Vietnamese ``x-summary-vi`` (the ``/api``
page shows the one of the interface language).
"""

from __future__ import annotations

from typing import Any

from web.openapi.base import EXAMPLE_DATASET, NAME, _error, _int, _json, _obj, _ref, _str

TOKEN: list[dict] = [{"token": []}]
OPTIONAL_TOKEN: list[dict] = [{}, {"token": []}]
UNAUTHORIZED = _error("No token, or an unknown, revoked or expired one (the message says which).")
FORBIDDEN = _error("The token's user may not do this for that organisation.")
HOOK_ID = {"name": "hook_id", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "The webhook's id.", "example": "a1b2c3d4e5f60718"}
DELIVERY_ID = {"name": "delivery_id", "in": "path", "required": True, "schema": {"type": "string"},
               "description": "The delivery's id.", "example": "1"}
SQL_FORMATS = ["json", "csv", "parquet", "xlsx"]
SQL_FILES = {"text/csv": {"schema": {"type": "string", "format": "binary"}},
             "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                 {"schema": {"type": "string", "format": "binary"}}}
FLAG = {"type": "string", "description": "1, true, yes or on; anything else is off."}
SQL_FIELDS = {
    "sql": _str("One read-only SELECT (DuckDB); tables are the datasets' names.", example="SELECT 1 AS one",
                minLength=1),
    "format": _str("json (first rows, default) or a file with every row.", enum=SQL_FORMATS),
    "download": {**FLAG, "description": "json only: the whole result as a file (1, true, yes or on)."},
    "excel": {**FLAG, "description": "csv only: a BOM and formula-safe cells for Excel (1, true, yes or on)."},
}
UPLOAD_FIELDS = {
    "org": _str("The publishing organisation (needed when the dataset is new)."),
    "schema": _str("A standard schema name (GET /api/v1/schemas) or a Table Schema as JSON."),
    "title": _str(), "description": _str(), "license": _str(), "frequency": _str(), "source": _str(),
    "contact": _str(), "temporal_coverage": _str(), "spatial_coverage": _str(), "tags": _str("Comma-separated."),
    "note": _str("What changed in this version."), "encoding": _str(), "format": _str(),
    "dialect": _str("CSV dialect as JSON."), "checklist": _str("Validation checklist as JSON."),
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
                                               "properties": {"name": _str(), "type": _str("DuckDB type.")}}},
        "rows": {"type": "array", "items": {"type": "array", "items": {}}},
        "truncated": {"type": "boolean", "description": "More rows exist: download the file for all of them."},
        "elapsed_ms": {"type": "number"},
    }),
    "PublishResult": {"type": "object", "required": ["status", "dataset"], "properties": {
        "status": _str("published, unchanged or invalid."), "dataset": _str(),
        "version": {"type": "object", "nullable": True, "description": "The new version (null when invalid)."},
        "report": {"type": "object", "nullable": True, "description": "The validation report."},
        "messages": {"type": "array", "items": _str()},
        "error": {"type": "object", "description": "Why nothing was published (422).",
                  "properties": {"code": _str(), "message": _str()}},
    }},
    "PublishCheck": _obj({"ok": {"type": "boolean"}, "user": _str(), "org": _str(nullable=True),
                          "exists": {"type": "boolean"}, "max_upload_bytes": _int(minimum=0)}),
    "ValidationResult": _obj({"valid": {"type": "boolean"}, "rows": _int(nullable=True),
                              "report": {"type": "object"}}),
    "StandardSchema": _obj({"name": _str(), "title": _str(), "fields": _int("Number of fields.", minimum=0),
                            "schema": _ref("TableSchema")}),
    "User": {"type": "object", "required": ["name", "sysadmin", "memberships"], "properties": {
        "id": _str(), "name": _str(), "fullname": _str(), "email": _str(), "sysadmin": {"type": "boolean"},
        "state": _str(), "created_at": _str(),
        "memberships": {"type": "object", "additionalProperties": _str("admin, editor or member"),
                        "description": "organisation → role"}}},
    "ActivityPage": _obj({
        "activity": {"type": "array", "items": {"type": "object", "required": ["id", "at", "type"],
                                                "properties": {"id": _int(), "at": _str(), "type": _str(),
                                                               "actor": _str(nullable=True)}}},
        "next": _int("Cursor of the next page (pass it as `cursor`); null on the last page.", nullable=True),
        "next_url": _str("The next page's URL; null on the last page.", nullable=True),
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


def op(op_id: str, tag: str, summary: str, vi: str, responses: dict, **more: Any) -> dict:
    return {"tags": [tag], "operationId": op_id, "summary": summary, "x-summary-vi": vi, "responses": responses,
            **more}


def sql_op(method: str) -> dict:
    common = dict(description=(
        "Exactly one read-only SELECT over the published datasets (each dataset's name, and its versions as "
        "`name@3`). JSON answers hold the first rows (`truncated` says when there are more); `format=csv|"
        "parquet|xlsx` (or `download=1`) streams the full result as a file. Time, memory and size are bounded: "
        "a 400 says which bound a query hit, a 429 asks to retry later."))
    as_file = {"type": "array", "items": {"type": "object"}, "description": "download=1: every row, as objects."}
    responses = {"200": {"description": "The result (JSON) or the full result as a file.",
                         "content": {"application/json": {"schema": {"oneOf": [_ref("SqlResult"), as_file]}},
                                     **SQL_FILES}},
                 "400": _error("Not one SELECT, a syntax error, an unknown table, or a bound hit."),
                 "429": _error("Too many queries at once: retry after `Retry-After` seconds.")}
    if method == "get":
        params = [{"name": k, "in": "query", "required": k == "sql", "schema": v,
                   "description": v.get("description", "")} for k, v in SQL_FIELDS.items()]
        return op("runSqlGet", "SQL", "Run one read-only SQL query", "Chạy một truy vấn SQL chỉ đọc", responses,
                  parameters=params, security=OPTIONAL_TOKEN, **common)
    # in a body, download and excel may be any JSON value: 1, true, "yes" or "on" turn them on
    flags = {name: {"description": SQL_FIELDS[name]["description"]} for name in ("download", "excel")}
    body = {"type": "object", "required": ["sql"], "properties": {**SQL_FIELDS, **flags}}
    return op("runSqlPost", "SQL", "Run one read-only SQL query (the query in the body)",
              "Chạy một truy vấn SQL chỉ đọc (câu truy vấn trong thân yêu cầu)", responses,
              requestBody={"required": True, "content": {"application/json": {"schema": body},
                                                         "application/x-www-form-urlencoded": {"schema": body}}},
              security=OPTIONAL_TOKEN, **common)


PUBLISH = op(
    "publishVersion", "Publishing", "Publish a file as the dataset's next version",
    "Công bố một tệp thành phiên bản mới của bộ dữ liệu",
    {"200": _json({"oneOf": [_ref("PublishResult"), _ref("PublishCheck")]},
                  "Unchanged (the same data as the latest version), or the answer to `check=1`."),
     "201": {"description": "Published: the new version.", "content": {"application/json": {
         "schema": _ref("PublishResult")}}, "headers": {"Location": {"schema": {"type": "string"}}}},
     "400": _error("A bad field, an empty file, or a dataset name that is not a slug."),
     "401": UNAUTHORIZED, "403": FORBIDDEN, "404": _error("The organisation or the standard schema is unknown."),
     "413": _error("The file is larger than the upload limit."),
     "422": _json(_ref("PublishResult"), "The file is not valid against the schema: nothing was published."),
     "503": _error("Every upload worker is busy: retry after `Retry-After` seconds.")},
    description=(
        "The file is validated against its Table Schema and, when valid and different from the latest version, "
        "stored as a new immutable version (the dataset is created when new: send `org`). Send it as the "
        "multipart part `file` (other parts are the fields below) or as the raw body with the fields in the "
        "query string. `check=1` reads and writes nothing: it says whether this token may publish here and "
        "whether `size` bytes fit, before a large upload."),
    parameters=[NAME,
                {"name": "check", "in": "query", "schema": {"type": "string", "minLength": 1}, "example": "1",
                 "description": "Any value: only check permission and size; nothing is read or written."},
                {"name": "size", "in": "query", "schema": {"type": "integer", "minimum": 0},
                 "description": "With `check`: the size of the file to send, in bytes."},
                {"name": "org", "in": "query", "schema": {"type": "string"},
                 "description": "The organisation (checked before the body is read)."},
                {"name": "filename", "in": "query", "schema": {"type": "string"},
                 "description": "Raw body: the file's name (its suffix gives the format)."}],
    requestBody=upload_body(UPLOAD_FIELDS, "The file, and the dataset's metadata fields (none with `check`).",
                            required=False),
    security=TOKEN)

VALIDATE = op(
    "validateFile", "Publishing", "Validate a file against a schema (nothing is published)",
    "Kiểm tra một tệp theo lược đồ (không công bố)",
    {"200": _json(_ref("ValidationResult"), "The validation report."),
     "400": _error("No schema or dataset given, a bad field, or an empty file."),
     "404": _error("Unknown standard schema or dataset."),
     "413": _error("The file is larger than the limit (smaller without a token)."),
     "503": _error("Every upload worker is busy: retry after `Retry-After` seconds.")},
    description="Anyone may validate; files from token holders may be larger. Send `schema` or `dataset`.",
    requestBody=upload_body({"schema": UPLOAD_FIELDS["schema"], "dataset": _str("Validate with its schema."),
                             "encoding": _str(), "format": _str(), "dialect": UPLOAD_FIELDS["dialect"],
                             "checklist": UPLOAD_FIELDS["checklist"]}, "The file and what to validate it with."),
    security=OPTIONAL_TOKEN)


def webhook_ops() -> dict:
    hook = {"type": "object", "required": ["webhook"], "properties": {"webhook": _ref("Webhook")}}
    delivery = {"type": "object", "required": ["delivery"], "properties": {"delivery": _ref("Delivery")}}
    refused = {"401": UNAUTHORIZED, "403": FORBIDDEN, "404": _error("No such webhook or delivery.")}
    new = {"type": "object", "required": ["org", "url", "events"], "properties": {
        "org": _str(minLength=1), "url": _str("Where to POST the events (https).", minLength=1),
        "events": {"type": "array", "items": _str(minLength=1),
                   "description": "Event names, e.g. dataset.version_published."},
        "secret": _str("HMAC-SHA256 key of the `x-hook-signature` header; the server picks one when left out.")}}
    return {
        "/api/v1/webhooks": {
            "get": op("listWebhooks", "Webhooks", "The webhooks of the organisations you edit",
                      "Các webhook của những tổ chức bạn biên tập",
                      {"200": _json(_obj({"webhooks": {"type": "array", "items": _ref("Webhook")}}), "The webhooks."),
                       "401": UNAUTHORIZED},
                      parameters=[{"name": "org", "in": "query", "schema": {"type": "string"},
                                   "description": "Only this organisation's."}], security=TOKEN),
            "post": op("addWebhook", "Webhooks", "Subscribe a URL to an organisation's events",
                       "Đăng ký một URL nhận sự kiện của tổ chức",
                       {"201": _json({**hook, "properties": {**hook["properties"], "secret": _str()}},
                                     "The subscription (and the secret, once, when the server chose it)."),
                        "400": _error("A missing field, an unknown event or a URL that is not allowed."),
                        **refused, "404": _error("No such organisation.")},
                       requestBody={"required": True, "content": {"application/json": {"schema": new}}},
                       security=TOKEN)},
        "/api/v1/webhooks/{hook_id}": {
            "get": op("getWebhook", "Webhooks", "One webhook", "Một webhook", {"200": _json(hook, "The webhook."),
                                                                              **refused},
                      parameters=[HOOK_ID], security=TOKEN),
            "delete": op("deleteWebhook", "Webhooks", "Remove a webhook", "Xoá một webhook",
                         {"200": _json(hook, "The removed webhook."), **refused},
                         parameters=[HOOK_ID], security=TOKEN)},
        "/api/v1/webhooks/{hook_id}/deliveries": {"get": op(
            "listDeliveries", "Webhooks", "A webhook's deliveries, newest first", "Các lần gửi của một webhook",
            {"200": _json(_obj({"deliveries": {"type": "array", "items": _ref("Delivery")}}), "The deliveries."),
             **refused},
            parameters=[HOOK_ID, {"name": "limit", "in": "query", "description": "At most (1-1000, default 50).",
                                  "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
            security=TOKEN)},
        "/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}": {"get": op(
            "getDelivery", "Webhooks", "One delivery, with the answer it got", "Một lần gửi",
            {"200": _json(delivery, "The delivery."), **refused}, parameters=[HOOK_ID, DELIVERY_ID],
            security=TOKEN)},
        "/api/v1/webhooks/{hook_id}/deliveries/{delivery_id}/redeliver": {"post": op(
            "redeliver", "Webhooks", "Send a delivery again", "Gửi lại một lần gửi",
            {"202": _json(delivery, "Queued again."), **refused}, parameters=[HOOK_ID, DELIVERY_ID],
            security=TOKEN)},
    }


PATHS: dict[str, Any] = {
    "/api/v1/sql": {"get": sql_op("get"), "post": sql_op("post")},
    "/api/v1/validate": {"post": VALIDATE},
    "/api/v1/schemas": {"get": op(
        "listSchemas", "Publishing", "The city's standard schemas", "Các lược đồ chuẩn của thành phố",
        {"200": _json(_obj({"schemas": {"type": "array", "items": _ref("StandardSchema")}}), "Every standard schema.")})},
    "/api/v1/schemas/{schema_name}": {"get": op(
        "getSchema", "Publishing", "One standard schema (a Table Schema)", "Một lược đồ chuẩn",
        {"200": _json(_ref("TableSchema"), "The Table Schema."), "404": _error("No such standard schema.")},
        parameters=[{"name": "schema_name", "in": "path", "required": True, "schema": {"type": "string"},
                     "example": "air_quality"}])},
    "/api/v1/me": {"get": op("whoAmI", "Accounts", "The token's user and roles", "Người dùng của khoá và vai trò",
                             {"200": _json(_ref("User"), "The user."), "401": UNAUTHORIZED}, security=TOKEN)},
    "/api/v1/activity": {"get": op(
        "listActivity", "Activity", "What changed in the catalogue, newest first",
        "Những thay đổi trong danh mục, mới nhất trước",
        {"200": _json(_ref("ActivityPage"), "One page of activity."),
         "400": _error("A bad since, limit or cursor."), "404": _error("No such (visible) dataset or organisation.")},
        description="Follow `next_url` (or pass `next` as `cursor`) until it is null.",
        parameters=[
            {"name": "since", "in": "query", "schema": {"type": "string"},
             "description": "A date, a date-time or an age such as `7d`.", "example": "7d"},
            {"name": "org", "in": "query", "schema": {"type": "string"}},
            {"name": "dataset", "in": "query", "schema": {"type": "string"}, "example": EXAMPLE_DATASET},
            {"name": "cursor", "in": "query", "schema": {"type": "integer", "minimum": 1},
             "description": "The `next` value of the previous page."},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500},
             "description": "Entries per page (1-500, default 50)."}],
        security=OPTIONAL_TOKEN)},
    "/api/v1/datasets/{name}/versions/{a}/diff/{b}": {"get": op(
        "diffVersions", "Datasets", "What changed from version a to version b", "Thay đổi giữa hai phiên bản",
        {"200": _json(_ref("VersionDiff"), "The difference: rows added, removed, changed; schema changes."),
         "400": _error("A bad sample."), "404": _error("No such dataset or version.")},
        parameters=[NAME, *({"name": v, "in": "path", "required": True, "example": n,
                             "schema": {"type": "integer", "minimum": 1}} for v, n in (("a", 1), ("b", 2))),
                    {"name": "sample", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100},
                     "description": "Example rows of each kind (0-100)."}],
        security=OPTIONAL_TOKEN)},
    **webhook_ops(),
}
