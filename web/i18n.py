"""The interface language of a request: Vietnamese by default, English on request.

Why this module: messages, formats and the gettext catalogues are shared by every layer (``catalog/i18n.py``);
what is the web's own is *choosing* the language per request and handing templates their helpers. flask-babel
picks the locale (``?lang=`` first, then the ``lang`` cookie that remembers a choice; API answers (JSON) also
follow ``Accept-Language``; pages stay Vietnamese until asked, as the city's portal should), and its timezone is
Hanoi's. Templates write the Vietnamese text and wrap it in ``_()``; the English is in
``catalog/locale/en/LC_MESSAGES/web.po``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, request
from flask_babel import Babel

from catalog.i18n import (
    DEFAULT,
    LANGUAGES,
    LOCALE_DIR,
    N_,
    TIMEZONE,
    current_lang,
    format_bytes,
    format_date,
    format_number,
    frequency_label,
    gettext,
    pgettext,
    set_lang,
)
from catalog.rows.display import display_number

__all__ = ["DEFAULT", "LANGUAGES", "N_", "current_lang", "format_bytes", "format_date", "format_number", "gettext",
           "init_app", "lang_url", "pgettext"]

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

# The switch shows the other language's name in that language.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def lang_url(code: str) -> str:
    """The current URL with ``lang`` set to ``code`` (other parameters kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", code))
    return f"{request.path}?{urlencode(args)}"


def wants_json() -> bool:
    """API answers (and ``?format=json``) are for programs, which say their language in ``Accept-Language``."""
    return request.path.startswith("/api/") or request.args.get("format") == "json"


def select_language() -> str:
    """flask-babel's locale selector: ``?lang=``, the cookie, then (for JSON) ``Accept-Language``, else Vietnamese."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return cookie
    if wants_json():
        return request.accept_languages.best_match(LANGUAGES) or DEFAULT
    return DEFAULT


def use_language(code: str) -> None:
    """This request speaks ``code`` (messages, formats and the ``lang`` templates see)."""
    g.lang = code
    set_lang(code)


def _choose_language() -> None:
    """The first hook of every request, so that every answer (security's refusals too) speaks its language."""
    g.language_token = set_lang(select_language())  # restored at teardown: see _restore_language
    g.lang = current_lang()
    g.lang_asked = request.args.get("lang") in LANGUAGES


def _restore_language(_error: BaseException | None) -> None:
    """Give the thread back the language it had: a request's choice must not leak into whatever the thread runs
    next outside a request (a test's direct call, a background job)."""
    token = g.pop("language_token", None)
    if token is not None:
        try:
            token.var.reset(token)
        except ValueError:  # created in another context (a copied request context): nothing to restore here
            pass


def _remember_language(response: Response) -> Response:
    if getattr(g, "lang_asked", False):
        response.set_cookie(COOKIE, g.lang, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    response.headers.setdefault("Content-Language", current_lang())
    if response.mimetype == "text/html":
        # Only pages and messages depend on the language; downloads stay cacheable by anyone.
        response.vary.add("Cookie")
    elif wants_json():
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    """Pick the language per request and give templates ``_``, number/date filters and the switch URLs."""
    Babel(app, locale_selector=select_language, timezone_selector=lambda: TIMEZONE.key,
          default_translation_directories=str(LOCALE_DIR), default_domain="web")
    app.before_request(_choose_language)
    app.after_request(_remember_language)
    app.teardown_request(_restore_language)

    @app.context_processor
    def _template_helpers() -> dict[str, Any]:
        lang = current_lang()
        other = "en" if lang == "vi" else "vi"
        return {"_": gettext, "pgettext": pgettext, "lang": lang, "other_lang": other,
                "other_lang_name": LANGUAGE_NAMES[other], "lang_url": lang_url}

    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["cell_number"] = display_number  # table cells: years and codes ungrouped
    app.jinja_env.filters["bytes"] = format_bytes
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["frequency"] = frequency_label
