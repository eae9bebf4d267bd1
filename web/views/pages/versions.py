"""The page of one version: ``/datasets/<name>/versions/<n>``, what that version was, for ever.

Why its own page: a citation, a news story or a pipeline points at one version; the dataset page always shows the
latest. This page shows the version's own record (its schema, row count, publisher, note, validation summary,
changes from the previous version and its immutable downloads) with the dataset's current title and licence
(titles and licences are not versioned: the page says so), links to the explorer pinned to this version and the
cite box.
"""

from __future__ import annotations

from flask import Response

from web.context import get_catalog
from web.views.pages.citebox import cite_box
from web.views.pages.common import DOWNLOAD_FORMATS, bp, download_url, page, visible_dataset
from web.views.pages.dataset import data_dictionary, version_entry


def validation_summary(validation: dict | None) -> dict | None:
    """The version's validation report reduced to what a reader checks: valid or not, and how many problems."""
    if not validation:
        return None
    def count(value: object) -> int:
        return value if isinstance(value, int) else len(value or [])  # type: ignore[arg-type]

    errors, warnings = count(validation.get("errors")), count(validation.get("warnings"))
    return {"valid": bool(validation.get("valid", not errors)), "errors": errors, "warnings": warnings,
            "rows": validation.get("rows")}


@bp.get("/datasets/<name>/versions/<int:number>")
def version_page(name: str, number: int) -> Response:
    catalog = get_catalog()
    ds = visible_dataset(name)
    version = catalog.get_version(name, number)
    numbers = [v["number"] for v in catalog.list_versions(name)]
    previous = max((n for n in numbers if n < number), default=None)
    entry = version_entry(name, version, {"number": previous} if previous else None)
    data = {
        "dataset": {k: ds.get(k) for k in ("name", "title", "org", "org_title", "license", "description", "title_en",
                                           "description_en", "org_title_en")},
        "version": {**entry, "previous": previous, "latest": max(numbers) if numbers else number,
                    "is_latest": number == max(numbers, default=number)},
        "dictionary": data_dictionary(version.get("schema") or {}),
        "schema_url": f"/datasets/{name}/versions/{number}/schema.json",
        "validation": validation_summary(version.get("validation")),
        "downloads": [{"format": ext, "label": label, "url": download_url(name, ext, number, absolute=True)}
                      for ext, label in DOWNLOAD_FORMATS],
        "explore_url": f"/datasets/{name}/versions/{number}/explore",
        "diff_url": f"/datasets/{name}/versions/{previous}/diff/{number}" if previous else None,
        "citation": cite_box(ds, version, None),
    }
    return page("version.html", data)
