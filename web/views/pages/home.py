"""The home page: what is new, who publishes, and the way into search.

Why its own module: it is the one page that summarises the whole catalogue (statistics, recent datasets,
organisations, popular tags) rather than showing one thing.
"""

from __future__ import annotations

from flask import Response, redirect

from catalog.i18n import collate
from catalog.search import search
from web.auth import current_viewer
from web.context import get_catalog
from web.views.pages.common import bp, page, public_org, summarize


@bp.get("/favicon.ico")
def favicon() -> Response:
    return redirect("/static/favicon.svg", code=301)


@bp.get("/")
def home() -> Response:
    catalog, viewer = get_catalog(), current_viewer()
    recent = search(catalog, "", None, limit=6, sort="updated", viewer=viewer)
    orgs = sorted(collate(catalog.list_orgs(viewer), key=lambda o: o["title"]),
                  key=lambda o: -(o.get("dataset_count") or 0))
    data = {
        "stats": catalog.stats(viewer),
        "recent": [summarize(d) for d in recent["results"]],
        "organizations": [public_org(o) for o in orgs[:8]],
        "tags": recent["facets"]["tag"][:12],
    }
    return page("home.html", data)
