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

from web.openapi import read, write
from web.openapi.base import SCHEMAS as BASE_SCHEMAS

SECURITY_SCHEMES = {
    "token": {"type": "http", "scheme": "bearer",
              "description": "An API token (`opendata token create USER`), sent as `Authorization: Bearer <token>` "
                             "(CKAN clients may send the bare token, or `X-CKAN-API-Key`). Reading needs none; "
                             "with one, a member of an organisation also sees its private datasets."},
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
        "description": (
            "Dữ liệu mở Hà Nội cho chương trình: tìm bộ dữ liệu, đọc siêu dữ liệu và các phiên bản, lọc và phân "
            "trang các dòng, tải tệp, truy vấn SQL, công bố và kiểm tra tệp.\n\n"
            "The Hanoi open data catalogue for programs: search datasets, read metadata and versions, filter and "
            "page through rows, download files, query with SQL, publish and validate files. No key is needed for "
            "reading; publishing, webhooks and `/me` need a token. Every GET allows any origin (CORS) and JSON "
            "is gzipped when the client sends `Accept-Encoding: gzip`. Errors are "
            "`{\"error\": {\"code\", \"message\"}}` with a 4xx status. Lists page the same way: `next` (pass it "
            "as `cursor`) and `next_url`, both null on the last page."),
        "license": {"name": "MIT"},
    },
    "tags": [{"name": name} for name in ("Datasets", "Rows", "Organisations", "SQL", "Publishing", "Accounts",
                                          "Activity", "Webhooks", "Downloads", "API")],
    "paths": _paths(),
    "components": {"schemas": {**BASE_SCHEMAS, **write.SCHEMAS}, "securitySchemes": SECURITY_SCHEMES},
}


def openapi_spec(base_url: str | None = None) -> dict:
    """A fresh copy of the document; with ``base_url``, its ``servers`` is that address."""
    spec = copy.deepcopy(SPEC)
    if base_url is not None:
        spec["servers"] = [{"url": base_url, "description": "Cổng dữ liệu mở Hà Nội / this catalogue"}]
    return spec


def operations(spec: dict | None = None) -> list[dict]:
    """(path, method, operation) rows for the reference page, in document order."""
    spec = spec or SPEC
    out = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            out.append({"path": path, "method": method.upper(), **operation})
    return out
