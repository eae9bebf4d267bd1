"""Catalogue dumps: ``/catalog/<dump>.csv`` with its Table Schema at ``/catalog/<dump>.schema.json``, and
``/catalog/datasets.jsonl.gz`` (CKAN ``package_show`` dicts, for ``ckanapi load datasets -z``).

Why a module: the dumps are a way in for bulk users (harvesters, the national portal, data journalists) that
the page-by-page APIs serve badly. What goes in them is decided in ``catalog/dumps.py``; this module only
answers HTTP. Dumps list public datasets only, whoever asks, so they can be cached like any public page.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from catalog import dumps
from catalog.errors import NotFound
from catalog.i18n import gettext as _
from web.context import get_catalog
from web.urls import base_url

bp = Blueprint("dumps", __name__)
DUMP_RULE = "any(" + ", ".join(dumps.DUMPS) + ")"
CACHE = "public, max-age=300"


def _schema_url(dump: str) -> str:
    return f"{base_url()}/catalog/{dump}.schema.json"


@bp.get(f"/catalog/<{DUMP_RULE}:dump>.csv")
def dump_csv(dump: str) -> Response:
    text = dumps.csv_text(dump, get_catalog(), base_url(), dumps.extra_columns(dump, get_catalog()))
    response = Response(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'inline; filename="{dump}.csv"'
    response.headers["Link"] = f'<{_schema_url(dump)}>; rel="describedby"; type="application/schema+json"'
    response.headers["Cache-Control"] = CACHE
    return response


@bp.get(f"/catalog/<{DUMP_RULE}:dump>.schema.json")
def dump_schema(dump: str) -> Response:
    response = jsonify(dumps.table_schema(dump, [f["name"] for f in dumps.OPTIONAL_COLUMNS.get(dump, [])]))
    response.headers["Cache-Control"] = CACHE
    return response


@bp.get("/catalog/<dump>.jsonl.gz")
def dump_jsonl(dump: str) -> Response:
    if dump != "datasets":
        raise NotFound(_("không có /catalog/{dump}.jsonl.gz", dump=dump),
                       hint=_("bản kết xuất JSON Lines là /catalog/datasets.jsonl.gz"))
    response = Response(dumps.datasets_jsonl_gz(get_catalog(), base_url()), content_type="application/gzip")
    response.headers["Content-Disposition"] = 'attachment; filename="datasets.jsonl.gz"'
    response.headers["Cache-Control"] = CACHE
    return response
