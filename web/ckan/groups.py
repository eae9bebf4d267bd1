"""``group_list`` and ``group_show``: the catalogue's topics (EU data themes) as CKAN groups.

The mapping is ``catalog/ckan/groups.py`` (one rule shared with the package dicts); this module answers the two
actions with the counts of the datasets the caller may see.
"""

from __future__ import annotations

from catalog.ckan.groups import find_group, group_dict, group_names, groups_of
from catalog.i18n import collate, pgettext
from web.ckan.api import action, bool_param, int_param, org_cache, required, show, visible_datasets
from web.ckan.errors import not_found

GROUP_LIST_MAX = 1000
GROUP_LIST_ALL_FIELDS_MAX = 25


def members(name: str, include_private: bool) -> list[dict]:
    return [d for d in visible_datasets(include_private) if name in groups_of(d)]


@action("group_list")
def group_list(data: dict) -> list:
    """The topics (EU data themes): names, or dicts with all_fields; q, sort (name|title|package_count)."""
    counts = {name: len(members(name, False)) for name in group_names()}
    groups = [group_dict(name, package_count=counts[name]) for name in group_names()]
    q = str(data.get("q") or "").strip().lower()
    if q:
        groups = [g for g in groups if q in g["name"] or q in g["title"].lower() or q in g["description"].lower()]
    sort = str(data.get("sort") or "title asc").strip().split()
    key = sort[0] if sort and sort[0] in ("name", "title", "package_count") else "title"
    descending = len(sort) > 1 and sort[1].lower() == "desc"
    if key == "package_count":
        groups.sort(key=lambda g: (g[key], g["name"]), reverse=descending)
    else:  # names and titles in Vietnamese order (ICU vi), ties by name
        groups = collate(sorted(groups, key=lambda g: g["name"]), key=lambda g: str(g[key]), reverse=descending)
    all_fields = bool_param(data, "all_fields")
    cap = GROUP_LIST_ALL_FIELDS_MAX if all_fields else GROUP_LIST_MAX
    limit = min(int_param(data, "limit", cap) or 0, cap)
    offset = int_param(data, "offset", 0) or 0
    groups = groups[offset:offset + limit]
    return groups if all_fields else [g["name"] for g in groups]


@action("group_show")
def group_show(data: dict) -> dict:
    """One topic by name (``envi``), theme code (``ENVI``) or id; its datasets with include_datasets."""
    name = find_group(required(data, "id"))
    if name is None:
        raise not_found(pgettext("ckan", "Nhóm chủ đề"))
    found = sorted(members(name, True), key=lambda d: d["name"])
    result = group_dict(name, package_count=len(found))
    result.update(users=[], groups=[], tags=[], num_followers=0)
    if bool_param(data, "include_datasets"):
        orgs = org_cache()
        result["packages"] = [show(d, orgs) for d in found]
    return result
