"""Who is making this request: the API token in its headers, resolved once per request.

Clients send the token the way CKAN clients do (``Authorization: <token>``, with or without ``Bearer ``, or
``X-CKAN-API-Key: <token>``). A missing or bad token makes the request anonymous, as in CKAN; endpoints that
need a user call ``require_user()``, which says exactly why the token was refused.
"""

from __future__ import annotations

from flask import Response, current_app, g, request

from catalog.accounts import Accounts
from catalog.errors import Unauthorized
from catalog.i18n import lazy_gettext
from catalog.visibility import Viewer
from web.context import get_catalog

HINT = lazy_gettext("gửi 'Authorization: <token>'; quản trị viên tạo token bằng 'opendata token create USER'")


def get_accounts() -> Accounts:
    accounts = current_app.extensions.get("accounts")
    if accounts is None:
        accounts = current_app.extensions["accounts"] = Accounts(get_catalog())
    return accounts


def request_token() -> str | None:
    """The raw token from the request headers, or None."""
    value = (request.headers.get("Authorization") or "").strip()
    if value:
        scheme, _, rest = value.partition(" ")
        if rest and scheme.lower() == "bearer":
            return rest.strip() or None
        if not rest:  # CKAN style: the bare token
            return value
        # another scheme (e.g. Basic from a browser): not ours, fall through to the CKAN header
    return (request.headers.get("X-CKAN-API-Key") or "").strip() or None


def _resolve() -> tuple[dict | None, str, str | None]:
    if "auth" not in g:
        token = request_token()
        user, reason = get_accounts().check_token(token)
        g.auth = (user, reason, token)
    return g.auth


def current_user() -> dict | None:
    """The authenticated user (with ``memberships``), or None for an anonymous request."""
    return _resolve()[0]


def current_viewer() -> Viewer:
    """Who is asking, for ``catalog.visibility.visible``: anonymous unless the request carries a valid token."""
    return Viewer.of(current_user())


def personal_cache(response: Response) -> Response:
    """An answer to a token holder may show private datasets: never store it in a shared cache, and tell caches
    that it depends on the token headers. (Blueprints that show datasets register this as an after_request.)"""
    if request_token() is not None:
        response.vary.update(("Authorization", "X-CKAN-API-Key"))
        if current_user() is not None:
            control = response.headers.get("Cache-Control") or "no-cache"
            response.headers["Cache-Control"] = ", ".join(
                ["private", *(part for part in control.replace(" ", "").split(",") if part and part != "public")])
    return response


def require_user() -> dict:
    """The authenticated user, or ``Unauthorized`` saying why (missing, expired on ..., unknown or revoked)."""
    user, reason, token = _resolve()
    if user is None:
        raise Unauthorized(get_accounts().token_message(token, reason), hint=str(HINT))
    return user


def client_origin() -> str:
    """Where the request comes from, for the audit log."""
    return request.remote_addr or ""
