"""The Action API's activity actions: ``package_activity_list``, ``organization_activity_list`` and
``recently_changed_packages_activity_list``, in CKAN's shape, over ``catalog/activity.py``.

Why a module of its own: the activity stream has its own source (the audit log, filtered by
``catalog/activity.py`` to public fields and to what the caller may see); this module only maps its entries to
CKAN's activity dicts (``activity_type`` "new package", "changed package", "deleted package", ...) with the
package or organisation dict in ``data``, as CKAN's own activity plugin returns them.
"""

from __future__ import annotations

from catalog.activity import Filters, list_activity
from catalog.ckan.shapes import ckan_time, organization_dict
from catalog.i18n import pgettext
from web.auth import current_viewer
from web.ckan.api import action, catalog, find_package, int_param, org_cache, required, show
from web.ckan.errors import not_found

LIMIT_DEFAULT = 31  # CKAN's ckan.activity_list_limit
LIMIT_MAX = 100  # CKAN's ckan.activity_list_limit_max
CKAN_TYPES = {"dataset.created": "new package", "dataset.version_published": "changed package",
              "dataset.updated": "changed package", "dataset.deleted": "deleted package",
              "organization.created": "new organization", "organization.updated": "changed organization"}


def _activities(data: dict, **filters) -> list[dict]:
    limit = min(int_param(data, "limit", LIMIT_DEFAULT) or LIMIT_DEFAULT, LIMIT_MAX)
    offset = int_param(data, "offset", 0) or 0
    entries, _ = list_activity(catalog(), current_viewer(), Filters(offset=offset, limit=limit, **filters))
    orgs = org_cache()
    by_name = {org["name"]: org for org in orgs.values()}
    packages: dict[str, dict] = {}
    return [_activity(entry, orgs, by_name, packages) for entry in entries]


def _activity(entry: dict, orgs: dict, by_name: dict, packages: dict) -> dict:
    result = {"id": str(entry["id"]), "timestamp": ckan_time(entry["at"]), "user_id": entry["actor"],
              "activity_type": CKAN_TYPES[entry["type"]]}
    if entry["type"].startswith("organization."):
        org = by_name.get(entry["org"])
        return {**result, "object_id": org["id"] if org else entry["org"],
                "data": {"group": organization_dict(org) if org else {"name": entry["org"]}}}
    if entry["dataset"] not in packages:
        found = catalog().find_dataset(entry["dataset"], include_deleted=True)
        packages[entry["dataset"]] = show(found, orgs) if found else {"name": entry["dataset"]}
    return {**result, "object_id": entry["dataset_id"], "data": {"package": packages[entry["dataset"]]}}


@action("package_activity_list")
def package_activity_list(data: dict) -> list[dict]:
    """The activity of one dataset (id or name), newest first; ``offset`` and ``limit`` (31, at most 100)."""
    dataset = find_package(required(data, "id"))
    return _activities(data, dataset=dataset["name"])


@action("organization_activity_list")
def organization_activity_list(data: dict) -> list[dict]:
    """The activity of an organisation and of its datasets the caller may see, newest first."""
    org = catalog().find_org(required(data, "id"))
    if org is None:
        raise not_found(pgettext("ckan", "Tổ chức"))
    return _activities(data, org=org["name"])


@action("recently_changed_packages_activity_list")
def recently_changed_packages_activity_list(data: dict) -> list[dict]:
    """The latest dataset activity across the catalogue (datasets the caller may see), newest first."""
    return _activities(data, datasets_only=True)
