"""Request-time access to the app's catalogue, and the bounds on what a request may carry.

Numbers from URLs and query strings end up in SQLite and DuckDB, whose integers stop at 2**63 - 1, and as ids and
version numbers in the metadata, whose INTEGER columns stop at 2**31 - 1 on PostgreSQL: a larger one is refused
here (404 in a URL path, 400 in a parameter) instead of overflowing there. JSON bodies read through
Flask (``request.get_json``) go through ``catalog.jsonlimits``, so a deeply nested body is a 400, not a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from catalog import jsonlimits
from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.metadata import Catalog

MAX_INT64 = 2**63 - 1  # the largest integer SQLite and DuckDB (BIGINT) hold
MAX_ID = 2**31 - 1  # the largest id or version number the metadata holds (INTEGER on PostgreSQL)


def get_catalog() -> Catalog:
    return current_app.extensions["catalog"]


def int_arg(name: str, default: int, low: int, high: int | None = None) -> int:
    """A whole-number query parameter within bounds, or a 400 that names it."""
    return bounded_int(request.args.get(name), name, default, low, high)


def bounded_int(value: Any, name: str, default: int, low: int, high: int | None = None) -> int:
    """``value`` (text from a request, or None) as a whole number within bounds, or a 400 that names ``name``."""
    raw = "" if value is None else str(value).strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(_("tham số {name} phải là một số nguyên, không phải {value!r}", name=name,
                             value=raw[:40])) from None
    high = MAX_INT64 if high is None else high
    if value < low or value > high:
        raise InvalidInput(_("tham số {name} phải từ {low} đến {high}, không phải {value}", name=name, low=low,
                             high=high, value=str(value)[:40]))
    return value


class Int64Converter(IntegerConverter):
    """``<int:...>`` in a URL (a version number or an id): one larger than the metadata holds is no such page
    (404), not an overflow."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading with the nesting bound: ``request.get_json()`` answers a deep body like bad JSON."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return jsonlimits.loads(s, _("Nội dung yêu cầu"))
        except InvalidInput as error:
            raise ValueError(str(error)) from None


def init_app(app: Flask) -> None:
    """Install the bounds; before any blueprint is registered, so that every ``<int:...>`` route uses them."""
    app.url_map.converters["int"] = Int64Converter
    app.json = BoundedJSONProvider(app)
