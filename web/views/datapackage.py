"""Each version as a Data Package v2 descriptor: ``/datasets/<name>/versions/<n>/datapackage.json``.

Why a URL of its own: ``frictionless validate <url>``, ``frictionless extract``, and Data Package readers in R,
Python and JavaScript take a descriptor URL and fetch what it lists. Its resources point at the version's
immutable file URLs, with their sizes and sha256 hashes, so a reader can check what it downloaded. The
descriptor is built by ``catalog/exports.py`` (the same one the zip carries, with relative paths there).
``/datasets/<name>/latest/datapackage.json`` redirects to the current version's.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect

from catalog import exports
from web.auth import personal_cache
from web.context import get_catalog
from web.urls import base_url
from web.views.downloads import latest_of, published_dataset

bp = Blueprint("datapackage", __name__)
bp.after_request(personal_cache)


@bp.get("/datasets/<name>/versions/<int:number>/datapackage.json")
def version_descriptor(name: str, number: int) -> Response:
    """The version's descriptor; its metadata (title, licence) follows the dataset, so it is revalidated."""
    dataset = published_dataset(name, include_deleted=True)
    version = get_catalog().get_version(dataset["name"], number)
    response = jsonify(exports.version_datapackage(get_catalog(), dataset, version, base_url()))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/datasets/<name>/latest/datapackage.json")
def latest_descriptor(name: str) -> Response:
    """Where the current version's descriptor is (302), like ``/latest/data.<ext>``."""
    version = latest_of(published_dataset(name))
    response = redirect(f"/datasets/{name}/versions/{version['number']}/datapackage.json", code=302)
    response.headers["Cache-Control"] = "no-cache"
    return response
