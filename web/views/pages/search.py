"""The dataset search page and the organisation pages: a paged, faceted list of datasets.

Why together: an organisation's page is the search page with its organisation filter fixed, so both share the
paging, the facet links and the filter chips written here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask import Response, request

from catalog.errors import NotFound
from catalog.i18n import collate
from catalog.search import FACET_ALIASES, FACETS, search
from web import i18n
from web.auth import current_viewer
from web.context import get_catalog, int_arg
from web.i18n import N_
from web.i18n import gettext as _
from web.templating import url_with
from web.views.pages.common import bp, page, public_org, summarize

PER_PAGE = 20
SORT_LABELS = {"relevance": N_("Liên quan nhất"), "updated": N_("Mới cập nhật nhất"), "title": N_("Tên (A–Z)"),
               "created": N_("Mới tạo nhất"), "quality": N_("Chất lượng cao nhất")}


def search_filters(args: Mapping[str, Any]) -> dict[str, list[str]]:
    """Facet filters from the query string (canonical names and their aliases)."""
    found: dict[str, list[str]] = {}
    for key in (*FACETS, *FACET_ALIASES):
        values = [v for v in args.getlist(key) if v.strip()]
        if values:
            found.setdefault(FACET_ALIASES.get(key, key), []).extend(values)
    return found


def search_page(q: str, filters: dict[str, list[str]], sort: str | None) -> tuple[dict, dict]:
    """Run a paginated search; returns the result and the paging facts."""
    page_number = int_arg("page", 1, 1)
    result = search(get_catalog(), q, filters, limit=PER_PAGE, offset=(page_number - 1) * PER_PAGE, sort=sort,
                    viewer=current_viewer())
    pages = max(1, math.ceil(result["count"] / PER_PAGE))
    paging = {"page": page_number, "pages": pages, "per_page": PER_PAGE,
              "previous": url_with(page=page_number - 1 if page_number > 2 else None) if page_number > 1 else None,
              "next": url_with(page=page_number + 1) if page_number < pages else None}
    return result, paging


def facet_links(filters: dict[str, list[str]], facets: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Each facet value with the URL that adds it to (or removes it from) the current filters."""
    links = {}
    for facet, values in facets.items():
        chosen = filters.get(facet, [])
        entries = []
        for item in values:
            selected = item["value"] in chosen or (facet == "format" and item["value"].lower() in
                                                   {c.lower() for c in chosen})
            others = [c for c in chosen if c.lower() != item["value"].lower()] if selected else [*chosen, item["value"]]
            label = i18n.frequency_label(item["label"]) if facet == "frequency" else item["label"]
            entries.append({**item, "label": label, "selected": selected,
                            "url": url_with(page=None, **{facet: others}, _drop=facet_alias_keys(facet))})
        links[facet] = entries
    return links


def facet_alias_keys(facet: str) -> list[str]:
    return [alias for alias, canonical in FACET_ALIASES.items() if canonical == facet]


def active_filters(filters: dict[str, list[str]], facets: dict[str, list[dict]]) -> list[dict]:
    """The chips above the results: each filter value with the URL that removes it."""
    labels = {(f, v["value"]): v["label"] for f, values in facets.items() for v in values}
    chips = []
    for facet, values in filters.items():
        for value in values:
            rest = [v for v in values if v != value]
            label = labels.get((facet, value), value)
            if facet == "frequency":
                label = i18n.frequency_label(value)
            chips.append({"facet": facet, "value": value, "label": label,
                          "url": url_with(page=None, **{facet: rest}, _drop=facet_alias_keys(facet))})
    return chips


@bp.get("/datasets")
def datasets() -> Response:
    q = request.args.get("q", "").strip()
    filters = search_filters(request.args)
    sort = request.args.get("sort") or None
    result, paging = search_page(q, filters, sort)
    data = {"q": q, "filters": filters, "sort": sort or ("relevance" if q else "updated"),
            "count": result["count"], "results": [summarize(d) for d in result["results"]],
            "facets": result["facets"], "page": paging["page"], "pages": paging["pages"],
            "partial": result["partial"], "matched_words": result["matched_words"],
            "unmatched_words": result["unmatched_words"]}
    sorts = [(key, label) for key, label in SORT_LABELS.items() if key != "relevance" or q]
    return page("search.html", data, paging=paging, facet_links=facet_links(filters, result["facets"]),
                chips=active_filters(filters, result["facets"]), sorts=sorts)


@bp.get("/organizations")
def organizations() -> Response:
    orgs = [public_org(o) for o in get_catalog().list_orgs(current_viewer())]
    return page("organizations.html", {"organizations": collate(orgs, key=lambda o: o["title"])})  # Vietnamese order


@bp.get("/organizations/<name>")
def organization(name: str) -> Response:
    org = get_catalog().find_org(name, current_viewer())
    if org is None:
        raise NotFound(_("không có tổ chức {name!r}", name=name), hint=_("danh sách ở /organizations có mọi tổ chức"))
    q = request.args.get("q", "").strip()
    filters = search_filters(request.args)
    filters["organization"] = [org["name"]]
    result, paging = search_page(q, filters, request.args.get("sort") or None)
    data = {"organization": public_org(org), "q": q, "count": result["count"],
            "results": [summarize(d) for d in result["results"]], "page": paging["page"],
            "pages": paging["pages"]}
    return page("organization.html", data, paging=paging)
