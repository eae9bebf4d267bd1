"""A dataset's quality over HTTP: ``GET /api/v1/datasets/<name>/quality`` and the panel of the dataset page.

Why a module of its own: the report is computed by ``catalog/quality/`` (from the DCAT-AP graph the catalogue
serves, with this site's addresses); this module only applies the visibility rule (a private dataset's quality
exists only for its organisation, like the dataset), picks the language of the hints and shapes the answer.
"""

from __future__ import annotations

from flask import Blueprint, Response

from catalog import dcat, quality
from catalog.errors import UserError
from web.auth import personal_cache
from web.context import get_catalog
from web.i18n import current_lang
from web.urls import base_url
from web.views import api
from web.views.downloads import published_dataset

bp = Blueprint("quality", __name__)
bp.after_request(personal_cache)
bp.register_error_handler(UserError, api.user_error)


def report_of(dataset: dict) -> dict:
    """The dataset's quality report, with this site's addresses."""
    return quality.assess(get_catalog(), dataset, links=dcat.Links(base_url()))


def panel(dataset: dict) -> dict:
    """What the dataset page shows: the scores and, in the page's language, each failing check with its hint."""
    item = report_of(dataset)
    lang = current_lang()
    return {"score": item["score"], "udata": item["udata"], "mqa": item["mqa"], "stars": item["stars"],
            "data": item["data"], "failing": quality.failing(item, lang), "lang": lang,
            "api": f"{base_url()}/api/v1/datasets/{dataset['name']}/quality"}


@bp.get("/api/v1/datasets/<name>/quality")
def dataset_quality(name: str) -> Response:
    """data.gouv.fr's score, the EU MQA points, the stars and data quality; ``failing`` lists what to fix
    (hints in Vietnamese, or English with ``?lang=en``)."""
    item = report_of(published_dataset(name))
    item["failing"] = quality.failing(item, current_lang())
    return api.json_response(item)
