"""The catalogue over HTTP: HTML pages for people, JSON for programs, immutable downloads for both.

``create_app(home)`` is the app factory: it does the app-wide setup (bounds on request numbers and bodies,
security hooks, error handlers, interface language, template filters) and registers one blueprint per concern
(``web/views/`` and the CKAN Action API in ``web/ckan/``) with plain imports. The app holds no state of its own beyond a ``Catalog`` handle: every process serving the
same home sees the same catalogue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from catalog.home import Home
from catalog.metadata import Catalog
from web import bilingual, context, errors, i18n, security, templating
from web.ckan import views as ckan
from web.views import (
    activity,
    api,
    charts,
    datapackage,
    dcat,
    diff,
    downloads,
    dumps,
    feeds,
    pages,
    publish_api,
    quality,
    sql,
    webhooks,
)

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
    i18n.init_app(app)  # first: the request's language, which every answer below speaks (refusals included)
    app.register_blueprint(security.bp)
    security.init_app(app)  # then its before_request hooks (body and rate limits) run before any other
    errors.register(app)
    templating.init_app(app)
    bilingual.init_app(app)  # metadata (titles, descriptions, tag labels) in the page's language
    for blueprint in (pages.bp, downloads.bp, api.bp, sql.bp, publish_api.bp, ckan.bp, diff.bp, feeds.bp,
                      activity.bp, webhooks.bp, dcat.bp, datapackage.bp, dumps.bp, quality.bp,
                      charts.bp):
        app.register_blueprint(blueprint)
    sql.init_app(app)  # the SQL engine and its interface strings
    charts.init_app(app)  # the chart builder for the dataset and explorer templates
    return app
