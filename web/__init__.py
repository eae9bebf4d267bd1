"""The catalogue over HTTP: HTML pages for people, JSON for programs, immutable downloads for both.

``create_app(home)`` is the app factory; each concern is a blueprint in ``web/views/``. The app holds no state
of its own beyond a ``Catalog`` handle: every process serving the same home sees the same catalogue.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask

from catalog.home import Home
from catalog.metadata import Catalog
from web import context

# Blueprint modules, in registration order; each exposes ``bp``.
BLUEPRINTS = [
    "web.security",  # first: its before_request hooks (body and rate limits) run before any other
    "web.views.pages",
    "web.views.downloads",
    "web.views.api",
    "web.views.sql",
    "web.views.publish_api",
    "web.views.ckan",
]

DEFAULT_CONFIG: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 512 * 1024 * 1024,  # request bodies (uploads); larger requests get 413
    "JSON_SORT_KEYS": False,
}


def create_app(home: Home | str | Path | None = None, config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(DEFAULT_CONFIG)
    app.config.from_prefixed_env("OPENDATA")
    if config:
        app.config.from_mapping(config)
    catalog = Catalog(home)
    catalog.ensure_ready()
    app.extensions["catalog"] = catalog
    context.init_app(app)  # bounded <int:...> URL numbers and JSON bodies, before any route is registered
    for module_name in BLUEPRINTS:
        module = importlib.import_module(module_name)
        app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)
    return app
