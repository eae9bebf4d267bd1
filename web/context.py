"""Request-time access to the app's catalogue."""

from __future__ import annotations

from flask import current_app

from catalog.metadata import Catalog


def get_catalog() -> Catalog:
    return current_app.extensions["catalog"]
