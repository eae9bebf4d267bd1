"""The difference between two versions of a dataset, as JSON for programs and as a page for people.

Why its own module: a diff is its own concept (``catalog.diff`` computes it; this module finds the versions the
viewer may see, bounds the samples and presents it). Versions are immutable, so a diff never changes: each
process keeps the latest few it computed, and public answers may be cached by anyone.
``/api/v1/datasets/<name>/versions/<a>/diff/<b>`` and ``/datasets/<name>/versions/<a>/diff/<b>`` (the page,
also ``?format=json``) take the versions in either order: the diff is always *from* ``a`` *to* ``b``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from flask import Blueprint, Response

from catalog import diff
from catalog.rows import engine
from web.auth import personal_cache
from web.context import get_catalog, int_arg
from web.urls import base_url
from web.views import api
from web.views.downloads import published_dataset
from web.views.pages.common import page

bp = Blueprint("diff", __name__)
bp.after_request(api.compress)
bp.after_request(api.conditional)
bp.after_request(personal_cache)

CACHE_SIZE = 32
MAX_SAMPLE = 100
_cache: OrderedDict[tuple, dict] = OrderedDict()
_cache_lock = threading.Lock()


def _version_shape(name: str, version: dict) -> dict:
    root = base_url()
    return {"number": version["number"], "published_at": version["published_at"], "rows": version["rows"],
            "sha256": version["sha256"], "url": f"{root}/datasets/{name}/versions/{version['number']}/data.parquet",
            "api_url": f"{root}/api/v1/datasets/{name}/versions/{version['number']}"}


def _compute(old: dict, new: dict, sample: int) -> dict:
    """The diff of two version records (cached per process: the records and their files never change)."""
    key = (tuple(old.get("parts") or [old["path"]]), tuple(new.get("parts") or [new["path"]]), sample,
           old["sha256"], new["sha256"])
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    catalog = get_catalog()
    with engine.connect(heavy=True) as con:
        result = diff.diff_files(con, catalog.version_files(old), catalog.version_files(new), old["schema"],
                                 new["schema"], sample=sample)
    with _cache_lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def version_diff(name: str, a: int, b: int) -> dict[str, Any]:
    """What changed from version ``a`` to version ``b`` of ``name`` (404 when the viewer may not see the dataset
    or either version does not exist)."""
    dataset = published_dataset(name)
    catalog = get_catalog()
    old, new = catalog.get_version(name, a), catalog.get_version(name, b)
    sample = int_arg("sample", diff.SAMPLE_ROWS, 0, MAX_SAMPLE)
    result = _compute(old, new, sample)
    root = base_url()
    return {"dataset": name, "title": dataset["title"], "from": _version_shape(name, old),
            "to": _version_shape(name, new), "summary": diff.summary(result), "rows": result["rows"],
            "schema": result["schema"], "sample_limit": sample,
            "url": f"{root}/datasets/{name}/versions/{a}/diff/{b}",
            "api_url": f"{root}/api/v1/datasets/{name}/versions/{a}/diff/{b}"}


def _cacheable(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "public, max-age=3600")  # personal_cache makes it private
    return response


@bp.get("/api/v1/datasets/<name>/versions/<int:a>/diff/<int:b>")
def diff_api(name: str, a: int, b: int) -> Response:
    return _cacheable(api.json_response(version_diff(name, a, b)))


@bp.get("/datasets/<name>/versions/<int:a>/diff/<int:b>")
def diff_page(name: str, a: int, b: int) -> Response:
    data = version_diff(name, a, b)
    samples = data["rows"].get("samples") or {}
    columns = {kind: list((samples.get(kind) or [{}])[0]) for kind in ("added", "removed")}
    return _cacheable(page("diff.html", data, old=data["from"], sample_columns=columns))
