"""The OpenAPI 3 description of the REST API v1 and the download URLs, written by hand.

Hand-written so that it says what the API promises rather than what a framework guesses; the tests run
schemathesis (every check, the write endpoints with a token) against a live server to check that every answer
matches it, and fail when a route under ``/api/v1`` is missing here. Served at ``/api/v1/openapi.json`` with
``servers`` set to the site's address (``web/urls.py``), and rendered as the reference page at ``/api``.

Why a package: the document is the API's contract and is long; ``base.py`` holds the helpers and shared schemas,
``read.py`` the read paths, ``write.py`` publishing, SQL, accounts, activity, diffs and webhooks.
"""

from __future__ import annotations

import copy
from typing import Any

from catalog.i18n import N_, gettext, language
from web.openapi import read, write
from web.openapi.base import SCHEMAS as BASE_SCHEMAS

SECURITY_SCHEMES = {
    "token": {"type": "http", "scheme": "bearer",
              "description": N_("Một khoá API (`opendata token create USER`), gửi dạng `Authorization: "
                                "Bearer <token>` (ứng dụng CKAN có thể gửi khoá trần, hoặc "
                                "`X-CKAN-API-Key`). Đọc không cần khoá; có khoá, thành viên của một tổ "
                                "chức thấy cả các bộ dữ liệu riêng tư của tổ chức đó.")},
}
PUBLISH_PATH = "/api/v1/datasets/{name}/versions"


def _paths() -> dict[str, Any]:
    paths: dict[str, Any] = {path: dict(item) for path, item in read.PATHS.items()}
    paths[PUBLISH_PATH]["post"] = write.PUBLISH  # the same path as listing the versions
    for path, item in write.PATHS.items():
        paths.setdefault(path, {}).update(item)
    for item in paths.values():  # reading: a token only widens what is visible
        for operation in item.values():
            operation.setdefault("security", write.OPTIONAL_TOKEN)
    return paths


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Hanoi Open Data Catalogue API",
        "version": "1.1.0",
        "description": N_(
            "Dữ liệu mở Hà Nội cho chương trình: tìm bộ dữ liệu, đọc siêu dữ liệu và các phiên bản, lọc và phân "
            "trang các dòng, tải tệp, truy vấn SQL, công bố và kiểm tra tệp. Đọc không cần khoá; công bố, webhook "
            "và `/me` cần khoá. Mọi yêu cầu GET cho phép mọi nguồn (CORS) và JSON được nén gzip khi ứng dụng gửi "
            "`Accept-Encoding: gzip`. Lỗi có dạng `{\"error\": {\"code\", \"message\"}}` với mã 4xx. Các danh sách "
            "phân trang giống nhau: `next` (gửi lại làm `cursor`) và `next_url`, cả hai là null ở trang cuối."),
        "license": {"name": "MIT"},
    },
    "tags": [{"name": name} for name in ("Datasets", "Rows", "Organisations", "SQL", "Publishing", "Accounts",
                                          "Activity", "Webhooks", "Downloads", "API")],
    "paths": _paths(),
    "components": {"schemas": {**BASE_SCHEMAS, **write.SCHEMAS}, "securitySchemes": SECURITY_SCHEMES},
}


SERVER = N_("Cổng dữ liệu mở Hà Nội")
TRANSLATED = ("summary", "description")


def openapi_spec(base_url: str | None = None, lang: str = "en") -> dict:
    """A fresh copy of the document in ``lang`` (English for programs by default; every operation also keeps
    its Vietnamese summary in ``x-summary-vi``); with ``base_url``, its ``servers`` is that address."""
    spec = copy.deepcopy(SPEC)
    if base_url is not None:
        spec["servers"] = [{"url": base_url, "description": SERVER}]
    for item in spec["paths"].values():
        for operation in item.values():
            operation["x-summary-vi"] = operation["summary"]
    with language(lang):
        return _translated(spec)


def _translated(node: Any) -> Any:
    """Every ``summary`` and ``description`` text of ``node`` in the current language, paragraph by paragraph
    (a description may end with a shared paragraph, such as the filters' rules)."""
    if isinstance(node, dict):
        return {key: _paragraphs(value) if key in TRANSLATED and isinstance(value, str) else _translated(value)
                for key, value in node.items()}
    if isinstance(node, list):
        return [_translated(value) for value in node]
    return node


def _paragraphs(text: str) -> str:
    return "\n\n".join(gettext(part) if part else part for part in text.split("\n\n"))


def operations(spec: dict | None = None) -> list[dict]:
    """(path, method, operation) rows for the reference page, in document order."""
    spec = spec or SPEC
    out = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            out.append({"path": path, "method": method.upper(), **operation})
    return out
