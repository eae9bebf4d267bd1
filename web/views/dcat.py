"""The catalogue as linked data: DCAT-AP 3 in Turtle, JSON-LD and RDF/XML, and schema.org for search engines.

Why a blueprint of its own: harvesters (the national portal, CKAN's DCAT harvester, data.europa.eu) fetch
``/catalog.ttl`` page by page (Hydra paging, 100 datasets a page, ``?modified_since=`` for incremental runs,
``?q=`` for the catalogue's search), one dataset at ``/datasets/<name>.ttl``, or ask ``/`` and
``/datasets/<name>`` for RDF by ``Accept`` (content negotiation; HTML stays the default and every such answer
says ``Vary: Accept``). The graphs are built by ``catalog/dcat.py``; this module picks the datasets (always as
the anonymous viewer: these documents are public and cached, so private datasets never appear, whoever asks),
supplies the absolute URLs from ``web/urls.base_url`` and serialises. It also serves each version's Table
Schema (``dct:conformsTo`` points there) and puts schema.org JSON-LD into the page heads.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request
from markupsafe import Markup

from catalog import dcat, schema_org
from catalog.errors import InvalidInput, NotFound, UserError
from catalog.i18n import gettext as _
from catalog.search import MAX_LIMIT, search
from catalog.visibility import ANONYMOUS
from web import errors
from web.context import bounded_int, get_catalog
from web.urls import base_url

bp = Blueprint("dcat", __name__)

PER_PAGE = 100
MAX_PAGE = 100_000
SUFFIX_RULE = "any(ttl, jsonld, rdf)"
# Media types a client may ask for by Accept, and the serialisation each gets.
NEGOTIATED = {media: suffix for suffix, (_fmt, media) in dcat.SERIALIZATIONS.items()}
NEGOTIATED_PAGES = {"pages.home": "catalogue", "pages.dataset": "dataset"}


def json_error(error: UserError) -> Response:
    """Machines ask for these documents: a mistake is answered in JSON, whatever the Accept header says."""
    response = jsonify({"error": {"code": error.code or errors.CODES.get(error.status, "error"),
                                  "message": errors.public_message(error)}})
    response.status_code = error.status
    return response


bp.register_error_handler(UserError, json_error)


def links() -> dcat.Links:
    return dcat.Links(base_url())


def rdf_response(graph: dcat.Graph, suffix: str) -> Response:
    """The graph serialised, public and cacheable for a few minutes, with an ETag and ``Vary: Accept``."""
    body = dcat.serialize(graph, suffix)
    media = dcat.SERIALIZATIONS[suffix][1]
    response = Response(body, mimetype=media)
    if media != "application/ld+json":
        response.charset = "utf-8"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)


# -- which datasets --------------------------------------------------------------------------------------------
def modified_since() -> datetime | None:
    """``?modified_since=`` as an aware date-time (a date means its midnight, UTC), or a 400 saying how."""
    raw = (request.args.get("modified_since") or "").strip()
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("tham số modified_since phải là ngày hoặc ngày giờ ISO 8601, không phải {value!r}",
                             value=raw[:40]),
                           hint=_("ví dụ modified_since=2024-01-31 hoặc modified_since=2024-01-31T08:00:00Z")) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def updated(dataset: dict) -> datetime:
    try:
        when = datetime.fromisoformat(str(dataset.get("updated_at") or ""))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def selected_datasets(org: str | None = None) -> list[dict]:
    """The public datasets the query selects (``q``, ``modified_since``, the organisation), in a stable order:
    relevance for a search, else by name, so that pages do not shift between requests."""
    q = request.args.get("q", "").strip()
    since = modified_since()
    filters = {"organization": [org]} if org else None
    found: list[dict] = []
    while True:
        result = search(get_catalog(), q, filters, limit=MAX_LIMIT, offset=len(found),
                        sort="relevance" if q else "name", viewer=ANONYMOUS)
        found += result["results"]
        if len(found) >= result["count"] or not result["results"]:
            break
    return [d for d in found if since is None or updated(d) >= since]


def page_url(number: int) -> str:
    """This URL with ``page=number`` (the other parameters kept, in a canonical order)."""
    params = [(k, v) for k, v in sorted(request.args.items(multi=True)) if k != "page"]
    if number > 1:
        params.append(("page", str(number)))
    return f"{base_url()}{request.path}" + (f"?{urlencode(params)}" if params else "")


def catalogue(suffix: str, org: str | None = None) -> Response:
    number = bounded_int(request.args.get("page"), "page", 1, 1, MAX_PAGE)
    datasets = selected_datasets(org)
    paging = dcat.Paging(number=number, per_page=PER_PAGE, total=len(datasets), url=page_url)
    if number > paging.last:
        raise NotFound(_("không có trang {number} (page={number}): danh mục này có {count} trang", number=number, count=paging.last),
                       hint=_("hãy đi theo hydra:next từ trang đầu"))
    shown = datasets[(number - 1) * PER_PAGE:number * PER_PAGE]
    modified = max((d.get("updated_at") or "" for d in datasets), default=None)
    graph = dcat.catalog_graph(get_catalog(), links(), shown, paging=paging, modified=modified or None)
    return rdf_response(graph, suffix)


def public_dataset(name: str) -> dict:
    dataset = get_catalog().find_dataset(name, viewer=ANONYMOUS)
    if dataset is None:
        raise NotFound(_("không tìm thấy bộ dữ liệu {name!r}", name=name), hint=_("danh sách ở /datasets có mọi bộ dữ liệu"))
    return dataset


# -- routes ----------------------------------------------------------------------------------------------------
@bp.get(f"/catalog.<{SUFFIX_RULE}:suffix>")
def catalog_document(suffix: str) -> Response:
    return catalogue(suffix)


@bp.get(f"/organizations/<org>/catalog.<{SUFFIX_RULE}:suffix>")
def organization_catalog(org: str, suffix: str) -> Response:
    found = get_catalog().find_org(org, ANONYMOUS)
    if found is None:
        raise NotFound(_("không tìm thấy tổ chức {org!r}", org=org), hint=_("danh sách ở /organizations có mọi tổ chức"))
    return catalogue(suffix, found["name"])


@bp.get(f"/datasets/<name>.<{SUFFIX_RULE}:suffix>")
def dataset_document(name: str, suffix: str) -> Response:
    return rdf_response(dcat.dataset_graph(get_catalog(), links(), public_dataset(name)), suffix)


@bp.get("/datasets/<name>/versions/<int:number>/schema.json")
def version_schema(name: str, number: int) -> Response:
    """The Table Schema of one version (what its distributions ``dct:conformsTo``)."""
    dataset = get_catalog().find_dataset(name, include_deleted=True, viewer=ANONYMOUS)
    if dataset is None:
        raise NotFound(_("không tìm thấy bộ dữ liệu {name!r}", name=name), hint=_("danh sách ở /datasets có mọi bộ dữ liệu"))
    version = get_catalog().get_version(dataset["name"], number)
    body = json.dumps(version.get("schema") or {}, ensure_ascii=False, indent=2).encode("utf-8")
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)


@bp.before_app_request
def negotiate() -> Response | None:
    """``/`` and ``/datasets/<name>`` answer RDF to a client that prefers it to HTML (and to JSON)."""
    kind = NEGOTIATED_PAGES.get(request.endpoint or "")
    if kind is None or request.method not in ("GET", "HEAD") or "format" in request.args:
        return None
    suffix = preferred_rdf()
    if suffix is None:
        return None
    try:
        if kind == "catalogue":
            return catalogue(suffix)
        name = (request.view_args or {}).get("name", "")
        return rdf_response(dcat.dataset_graph(get_catalog(), links(), public_dataset(name)), suffix)
    except UserError as error:
        response = json_error(error)
        response.vary.add("Accept")
        return response


def preferred_rdf() -> str | None:
    """The RDF serialisation the Accept header prefers strictly over HTML and JSON, if any."""
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", "application/json", *NEGOTIATED])
    if best not in NEGOTIATED:
        return None
    if accept.quality(best) <= max(accept.quality("text/html"), accept.quality("application/json")):
        return None
    return NEGOTIATED[best]


# -- schema.org in page heads ----------------------------------------------------------------------------------
def script(data: dict) -> Markup:
    """A JSON-LD data block: not executed (so the CSP's ``script-src`` does not apply). ``<``, ``>`` and ``&``
    are written as JSON escapes, so no text (``</script>``, ``<!--``) can end the block or change how the HTML
    parser reads it."""
    text = (json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))
    return Markup(f'<script type="application/ld+json">{text}</script>')  # noqa: S704 (escaped JSON)


@bp.app_template_global("schema_org_dataset")
def schema_org_dataset(dataset: dict) -> Markup:
    """The dataset page's schema.org ``Dataset`` (the page's own dataset dict, as the viewer sees it)."""
    catalog = get_catalog()
    version = catalog.get_version(dataset["name"], dataset["latest_version"]) if dataset.get("latest_version") \
        else None
    return script(schema_org.dataset(dataset, version, links(), catalog))


@bp.app_template_global("schema_org_catalog")
def schema_org_catalog() -> Markup:
    return script(schema_org.data_catalog(links()))


@bp.app_template_global("rdf_alternates")
def rdf_alternates(path: str) -> Markup:
    """``<link rel="alternate">`` to the RDF forms of a document (``path`` without its suffix)."""
    return Markup("".join(
        f'<link rel="alternate" type="{media}" href="{Markup.escape(path)}.{suffix}">'
        for suffix, (_fmt, media) in dcat.SERIALIZATIONS.items()))
