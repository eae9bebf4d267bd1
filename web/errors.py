"""Errors as real pages (HTML) or ``{"error": {"code", "message"}}`` (JSON), with the right status code.

A ``UserError`` from any layer becomes its ``status`` and message; HTTP errors (404, 405, 413, ...) keep their
code; anything else is a bug: it is logged with its traceback and answered with a bare 500 that leaks no
traceback, path or SQL. JSON is chosen for every ``/api/`` path, for ``?format=json`` and for clients that
prefer ``application/json``; everyone else gets a page.
"""

from __future__ import annotations

import tempfile

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, default_exceptions

from catalog.errors import UserError
from catalog.i18n import N_, gettext

# HTTP error codes as short machine-readable names (the JSON "code"), and page titles.
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
         414: "uri_too_long", 415: "unsupported_media_type", 416: "range_not_satisfiable",
         422: "unprocessable", 429: "too_many_requests", 431: "headers_too_large", 500: "server_error",
         501: "not_implemented", 503: "unavailable"}
TITLES = {400: N_("Yêu cầu không hợp lệ"), 401: N_("Không được phép"), 403: N_("Không được phép"),
          404: N_("Không tìm thấy"), 405: N_("Phương thức không được hỗ trợ"), 409: N_("Xung đột"),
          413: N_("Dữ liệu gửi lên quá lớn"), 429: N_("Quá nhiều yêu cầu"), 500: N_("Lỗi máy chủ")}
OTHER_TITLE = N_("Lỗi")
# What the error page says when the error came with werkzeug's stock (English) description, not our own message.
PAGE_DETAILS = {
    400: N_("Máy chủ không hiểu yêu cầu này."),
    404: N_("Địa chỉ này không có trên cổng. Nếu bạn gõ địa chỉ, hãy kiểm tra lại chính tả."),
    405: N_("Địa chỉ này không nhận phương thức đó."),
    413: N_("Dữ liệu gửi lên vượt quá giới hạn của cổng."),
    414: N_("Địa chỉ quá dài."),
    429: N_("Bạn gửi quá nhiều yêu cầu. Vui lòng đợi một lát rồi thử lại."),
}
SERVER_ERROR_MESSAGE = N_("lỗi máy chủ nội bộ: lỗi đã được ghi lại; hãy thử lại sau")


def wants_json() -> bool:
    """Does this request want JSON: an API path, ``?format=json``, or an Accept header preferring JSON?"""
    if request.path.startswith("/api/") or request.path.endswith(".geojson"):  # GeoJSON readers parse errors too
        return True
    if request.args.get("format", "").lower() == "json":
        return True
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", "application/json"])
    return best == "application/json" and accept["application/json"] > accept["text/html"]


def error_response(status: int, message: str, code: str | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    code = code or CODES.get(status, "error")
    if wants_json():  # in the request's language (a lazy message becomes its text now); werkzeug's stock words too
        response = jsonify({"error": {"code": code, "message": page_message(status, str(message))}})
    else:
        response = Response(render_template("error.html", status=status, code=code, message=page_message(status, message),
                                            title=TITLES.get(status, OTHER_TITLE)), mimetype="text/html")
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def page_message(status: int, message: str) -> str:
    """The error page's text: werkzeug's stock English description is replaced by ours, in the page's language."""
    stock = default_exceptions.get(status)
    if stock is not None and message == (stock.description or "").strip():
        return gettext(PAGE_DETAILS.get(status, TITLES.get(status, OTHER_TITLE)))
    return message


def public_message(error: UserError) -> str:
    """The error's message with the server's own folders (the catalogue home, its work folders, the temp folder)
    replaced by "…": a message may name the file a user sent, never where the server keeps it."""
    from flask import current_app

    message = str(error)
    catalog = current_app.extensions.get("catalog")
    roots = {str(catalog.home.root.resolve()) if catalog else "", str(catalog.home.root) if catalog else "",
             tempfile.gettempdir()}
    for root in sorted(filter(None, roots), key=len, reverse=True):
        message = message.replace(root.rstrip("/") + "/", "").replace(root, "…")
    return message


def _user_error(error: UserError) -> Response:
    return error_response(error.status, public_message(error), error.code)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status < 400:  # redirects raised as exceptions (RequestRedirect) are not errors
        return error.get_response()
    headers = {}
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if getattr(error, "retry_after", None):
        headers["Retry-After"] = str(error.retry_after)
    message = (error.description or error.name or "").strip()
    if status >= 500:
        message = gettext(SERVER_ERROR_MESSAGE)
    return error_response(status, message, headers=headers)


def _server_error(error: Exception) -> Response:
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, gettext(SERVER_ERROR_MESSAGE))


def register(app: Flask) -> None:
    """Install the handlers (app-wide: they also answer 404s for URLs no blueprint owns)."""
    app.register_error_handler(UserError, _user_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
