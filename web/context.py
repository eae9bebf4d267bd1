"""Request-time access to the app's catalogue."""

from __future__ import annotations

from flask import current_app, request

from catalog.errors import InvalidInput
from catalog.metadata import Catalog


def get_catalog() -> Catalog:
    return current_app.extensions["catalog"]


def int_arg(name: str, default: int, low: int, high: int | None = None) -> int:
    """A whole-number query parameter within bounds, or a 400 that names it."""
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"parameter {name} must be a whole number, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidInput(f"parameter {name} must be {bound}, not {value}")
    return value
