"""The cite box and ``/datasets/<name>/versions/<n>/citation.{json,bib}``: how to cite the version being viewed.

Why here: the version page and the explorer both show the box, and the two files are the same citation for
reference managers; the wording lives in ``catalog/citation.py``. The URL cited is always a pinned one.

A filtered view is cited by passing the explorer's query string as ``view``:
``citation.json?view=district%3Ddong+da%26_sort%3D-pm25`` cites ``/versions/<n>/explore?district=dong+da&_sort=-pm25``.
Its filters are checked against the version's schema (a 400 names a wrong one). Without ``view`` the citation
points at the version page ``/datasets/<name>/versions/<n>``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from flask import Response, jsonify, request

from catalog import citation
from web import row_params
from web.context import get_catalog
from web.urls import base_url
from web.views.pages.common import bp, visible_dataset

# Query parameters of a view that belong in a cited URL (paging, format and language do not).
CITED_EXTRAS = ("_sort", "_exact")


def cited_view(dataset: dict, version: dict, view_params: list[tuple[str, str]] | None) -> citation.CitedView:
    """The facts of a citation; ``view_params`` (the explorer's filters and sort) make it cite the pinned view."""
    path = f"/datasets/{dataset['name']}/versions/{version['number']}"
    if view_params is not None:
        path += "/explore" + (f"?{urlencode(view_params)}" if view_params else "")
    return citation.CitedView(
        name=dataset["name"], title=dataset.get("title") or dataset["name"],
        publisher=dataset.get("org_title") or dataset.get("org") or "", version=version["number"],
        published_at=version["published_at"], url=base_url() + path, accessed=datetime.now(UTC).date(),
        licence=dataset.get("license") or "")


def cite_box(dataset: dict, version: dict, view_params: list[tuple[str, str]] | None) -> dict:
    """What the box shows: the sentence in both languages and links to the two files for this same view."""
    view = cited_view(dataset, version, view_params)
    base = f"/datasets/{dataset['name']}/versions/{version['number']}/citation"
    query = f"?{urlencode({'view': urlencode(view_params)})}" if view_params else ""
    return {"url": view.url, "vi": citation.text(view, "vi"), "en": citation.text(view, "en"),
            "json_url": f"{base}.json{query}", "bib_url": f"{base}.bib{query}"}


def requested_view(version: dict) -> list[tuple[str, str]] | None:
    """The ``view`` parameter as the pinned view's parameters, checked against the schema (None: no view)."""
    raw = request.args.get("view")
    if raw is None:
        return None
    pairs = [(k, v) for k, v in parse_qsl(raw.lstrip("?"), keep_blank_values=False)
             if k in CITED_EXTRAS or not k.startswith("_") and k not in row_params.RESERVED]
    row_params.parse_filters(pairs, version["schema"])  # a wrong filter is a 400 naming it
    return pairs


def _cited(name: str, number: int) -> citation.CitedView:
    dataset = visible_dataset(name)
    version = get_catalog().get_version(name, number)
    return cited_view(dataset, version, requested_view(version))


@bp.get("/datasets/<name>/versions/<int:number>/citation.json")
def citation_json(name: str, number: int) -> Response:
    """The citation as CSL-JSON (a list of one item, as citeproc reads it)."""
    response = jsonify([citation.csl_json(_cited(name, number))])
    response.mimetype = "application/vnd.citationstyles.csl+json"
    return response


@bp.get("/datasets/<name>/versions/<int:number>/citation.bib")
def citation_bib(name: str, number: int) -> Response:
    """The citation as a BibTeX entry."""
    return Response(citation.bibtex(_cited(name, number)), content_type="application/x-bibtex; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{name}-v{number}.bib"'})
