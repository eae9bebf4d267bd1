"""Web hardening for every response and request: security headers, body limits, rate limits, cross-site forms.

- Headers: a strict Content-Security-Policy (no inline scripts or styles, nothing from other origins), no MIME
  sniffing, no framing, a referrer policy that keeps URLs (search terms) on our site. A file sent as an
  attachment (downloads, CKAN uploads, SQL results: bytes other people chose) also gets ``Content-Security-Policy:
  sandbox``, so even a browser that renders it runs it in an opaque origin, never as our site.
- CORS: ``Access-Control-Allow-Origin: *`` on every read API (REST GETs, CKAN read actions by GET or POST, SQL,
  downloads), and never on a write (publish, CKAN write actions): no other site's script may read their answers.
- Body limits: every endpoint accepts at most ``MAX_BODY_BYTES``; the upload endpoints (marked with
  ``@upload_endpoint``, or matching ``UPLOAD_PATHS``) accept ``MAX_UPLOAD_BYTES``. Oversize requests get 413 before their body is read.
- Rate limits per client (IP address, or the token's user), shared by all server processes through
  ``catalog.ratelimit``: anonymous API, download and SQL use, with a higher allowance for token holders.
  429 with ``Retry-After`` and ``RateLimit-*`` headers. ``RATELIMIT_ENABLED = False`` turns it off.
- Cross-site form posts are refused: writes are authenticated by tokens in headers (which other sites cannot
  send), and a form posted from another origin is never legitimate here.

``create_app`` registers its blueprint first and calls ``init_app(app)``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from catalog.i18n import format_bytes, format_number
from catalog.i18n import gettext as _
from catalog.ratelimit import Limit, RateLimiter

bp = Blueprint("security", __name__)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def csp_with_images(origin: str) -> str:
    """The CSP with one more image origin (a map page's configured tile server; nothing else ever loads)."""
    if not re.fullmatch(r"https?://(\*\.)?[A-Za-z0-9.-]+(:\d+)?", origin):
        raise ValueError(f"not an origin: {origin!r}")
    return CSP.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")


# /embed/ pages (web/views/charts.py) may be framed by any site; everything else stays unframable.
EMBED_PREFIX = "/embed/"
EMBED_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

DEFAULTS: dict[str, Any] = {
    "MAX_BODY_BYTES": 1024 * 1024,  # any endpoint: a JSON body, a form, a SQL query
    "MAX_UPLOAD_BYTES": 512 * 1024 * 1024,  # endpoints marked @upload_endpoint, and these paths:
    "UPLOAD_PATHS": [r"/action/resource_(create|update|patch)$"],  # CKAN clients upload files there
    "RATELIMIT_ENABLED": True,
    # bucket -> limit for anonymous clients, and for token holders
    "RATELIMITS": {"api": "1200/minute", "download": "300/minute", "sql": "120/minute"},
    "RATELIMITS_TOKEN": {"api": "12000/minute", "download": "3000/minute", "sql": "1200/minute"},
    # which requests count against which bucket: path patterns first (first match wins), then blueprint names
    "RATELIMIT_PATHS": [(r"datastore_search_sql", "sql"), (r"^/api/v1/sql", "sql"), (r"^/api/", "api")],
    "RATELIMIT_BLUEPRINTS": {"downloads": "download", "sql": "sql", "api": "api", "ckan": "api",
                             "publish_api": "api"},
}
# Files people other than us chose the bytes of: never rendered as a page of this site.
ATTACHMENT_HEADERS = {"Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff"}
CORS_EXPOSED = ("Content-Length, Content-Range, Content-Disposition, Content-Encoding, Accept-Ranges, ETag, "
                "Last-Modified, Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset")
CORS_REQUEST_HEADERS = ("Range, If-None-Match, If-Modified-Since, If-Range, If-Match, Accept-Encoding, "
                        "Content-Type, Authorization, X-CKAN-API-Key")
READS = frozenset({"GET", "HEAD", "OPTIONS"})
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Access-Control-Allow-Methods",
                "Access-Control-Allow-Headers", "Access-Control-Max-Age")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})


def upload_endpoint(view: Callable) -> Callable:
    """Mark a view that receives files: its body limit is ``MAX_UPLOAD_BYTES`` instead of ``MAX_BODY_BYTES``."""
    view.upload_endpoint = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    from web import urls

    urls.init_app(app)  # BASE_URL and TRUSTED_HOSTS
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    for table in ("RATELIMITS", "RATELIMITS_TOKEN"):  # a typo in the configuration fails at start, not per request
        app.config[table] = {bucket: Limit.parse(value) for bucket, value in app.config[table].items()}
    app.extensions["ratelimiter"] = RateLimiter(app.extensions["catalog"].home)
    app.before_request(_refuse_cross_site_forms)
    app.before_request(_limit_body)
    app.before_request(_rate_limit)
    app.after_request(_add_headers)


def _json_error(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


# -- headers -------------------------------------------------------------------------------------------------
def _add_headers(response: Response) -> Response:
    if response.headers.get("Content-Disposition", "").lower().startswith("attachment"):
        response.headers.update(ATTACHMENT_HEADERS)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith(EMBED_PREFIX) and response.headers.get("Content-Security-Policy") == CSP:
        response.headers["Content-Security-Policy"] = EMBED_CSP  # embeddable charts: the only framable pages
        response.headers.pop("X-Frame-Options", None)
    decision = g.get("ratelimit")
    if decision is not None:
        for name, value in decision.headers().items():
            response.headers.setdefault(name, value)
    _cors(response)
    return response


def is_read_api() -> bool:
    """Whether this request reads through an API (CORS allowed), as opposed to a page or a write."""
    if request.endpoint == "ckan.dispatch":  # CKAN actions: reads by GET or POST, writes never
        from web.ckan.api import ACTIONS, WRITE_ACTIONS

        name = (request.view_args or {}).get("name", "")
        return name in ACTIONS and name not in WRITE_ACTIONS
    if request.endpoint == "sql.api_sql":  # read-only SQL, by GET or POST
        return True
    if request.method not in READS:
        return False
    return request.blueprint in ("api", "downloads", "ckan") or request.path.startswith("/api/")


def _cors(response: Response) -> Response:
    """Anyone may read public data from a browser (with the headers range readers need); nobody may read
    the answer of a write from another site."""
    for name in CORS_HEADERS:
        response.headers.pop(name, None)
    if not is_read_api():
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
    if request.method == "OPTIONS":
        post = request.endpoint in ("ckan.dispatch", "sql.api_sql")
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS" if post else "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = CORS_REQUEST_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


# -- bodies --------------------------------------------------------------------------------------------------
def _is_upload() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "upload_endpoint", False):
        return True
    return any(re.search(pattern, request.path) for pattern in current_app.config["UPLOAD_PATHS"])


def _limit_body() -> Response | None:
    limit = int(current_app.config["MAX_UPLOAD_BYTES" if _is_upload() else "MAX_BODY_BYTES"])
    request.max_content_length = limit  # enforced while the body is read, chunked bodies included
    if request.content_length is not None and request.content_length > limit:
        size = format_bytes(limit) if limit >= 1024 * 1024 else _("{count} byte", count=format_number(limit))
        # no "Connection: close": a hop-by-hop header WSGI apps may not send (PEP 3333); the server read the body
        return _json_error(413, "too_large", _("nội dung yêu cầu lớn hơn giới hạn {size} của địa chỉ này", size=size))
    return None


# -- cross-site forms ----------------------------------------------------------------------------------------
def _refuse_cross_site_forms() -> Response | None:
    if request.method not in UNSAFE or request.mimetype not in FORM_TYPES:
        return None
    cross_site = request.headers.get("Sec-Fetch-Site") == "cross-site"
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        cross_site = cross_site or urlsplit(origin).netloc != request.host
    elif origin == "null":
        cross_site = True
    if cross_site:
        return _json_error(403, "cross_site", _("biểu mẫu gửi từ một trang web khác: bị từ chối"))
    return None


# -- rate limits ---------------------------------------------------------------------------------------------
def bucket_of() -> str | None:
    """Which rate-limit bucket this request counts against (None: not limited, e.g. pages and static files)."""
    config = current_app.config
    for pattern, bucket in config["RATELIMIT_PATHS"]:
        if re.search(pattern, request.path):
            return bucket
    return config["RATELIMIT_BLUEPRINTS"].get(request.blueprint or "")


def _rate_limit() -> Response | None:
    config = current_app.config
    if not config["RATELIMIT_ENABLED"] or request.method == "OPTIONS":
        return None
    bucket = bucket_of()
    if bucket is None:
        return None
    from web.auth import current_user

    user = current_user() if ("Authorization" in request.headers or "X-CKAN-API-Key" in request.headers) else None
    limits = config["RATELIMITS_TOKEN"] if user else config["RATELIMITS"]
    if bucket not in limits:
        return None
    client = f"user:{user['id']}" if user else f"ip:{request.remote_addr or '-'}"
    limiter: RateLimiter = current_app.extensions["ratelimiter"]
    try:
        decision = limiter.hit(f"{bucket}+token" if user else bucket, client, Limit.parse(limits[bucket]))
    except sqlite3.Error as error:  # counting must never break serving: fail open, and say so in the log
        current_app.logger.warning("rate limiter unavailable (%s): request let through", error)
        return None
    g.ratelimit = decision
    if decision.allowed:
        return None
    values = {"bucket": bucket, "limit": decision.limit, "window": decision.window, "reset": decision.reset}
    message = _("quá nhiều yêu cầu {bucket} từ token này: tối đa {limit} mỗi {window} giây; thử lại sau {reset} giây",
                **values) if user else _("quá nhiều yêu cầu {bucket} từ địa chỉ của bạn: tối đa {limit} mỗi {window} "
                                         "giây; thử lại sau {reset} giây", **values)
    return _json_error(429, "rate_limited", message)
