"""What every HTML page shares: the blueprint, the page-or-JSON answer, and the dataset lookups.

Why: every page is also JSON on the same URL (``?format=json`` or ``Accept: application/json``), Datasette-style:
a view builds one dict of what the page shows and ``page`` either renders it or returns it. Keeping that rule
and the viewer-aware lookups in one module means the home, search, dataset and explorer modules only say what
their page shows.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template

from catalog.errors import NotFound
from catalog.i18n import gettext as _
from catalog.jsonvalues import jsonable
from web import errors
from web.auth import current_viewer, personal_cache
from web.context import get_catalog
from web.urls import base_url

bp = Blueprint("pages", __name__)
bp.after_request(personal_cache)

# Every version is downloadable in these formats (web/views/downloads.py serves them).
DOWNLOAD_FORMATS = [("csv", "CSV"), ("parquet", "Parquet"), ("json", "JSON"), ("jsonl", "JSON Lines"),
                    ("xlsx", "Excel (XLSX)")]


def page(template: str, data: dict, **view: Any) -> Response:
    """Render ``template`` with ``data`` (and view-only extras), or return ``data`` as JSON when asked."""
    if errors.wants_json():
        response = jsonify(jsonable(data))
    else:
        response = Response(render_template(template, **data, **view), mimetype="text/html")
    response.vary.add("Accept")
    return response


def visible_dataset(name: str) -> dict:
    """The dataset as this viewer sees it: deleted ones, and private ones of other organisations, do not exist."""
    dataset = get_catalog().find_dataset(name, viewer=current_viewer())
    if dataset is None:
        raise NotFound(_("không có bộ dữ liệu {name!r}", name=name),
                       hint=_("danh sách ở /datasets có mọi bộ dữ liệu"))
    return dataset


def download_url(name: str, ext: str, version: int | None = None, absolute: bool = False) -> str:
    path = (f"/datasets/{name}/versions/{version}/data.{ext}" if version is not None
            else f"/datasets/{name}/latest/data.{ext}")
    return (base_url() if absolute else "") + path


def summarize(dataset: dict) -> dict:
    """A dataset as a result list shows it (and as the list pages' JSON returns it): no schema."""
    keep = ("name", "title", "description", "org", "org_title", "license", "tags", "frequency", "updated_at",
            "created_at", "latest_version", "rows", "bytes", "formats", "score", "private", "title_en",
            "description_en", "org_title_en")
    return {k: dataset.get(k) for k in keep if k in dataset}


def public_org(org: dict) -> dict:
    return {k: org.get(k) for k in ("name", "title", "description", "title_en", "description_en", "dataset_count",
                                     "created_at")}
