"""``package_revise`` and ``dataset_purge``: CKAN's two precise ways to change or remove a dataset.

``package_revise`` (CKAN 2.9+) edits a dataset without sending all of it, and safely under concurrency:
- ``match``: fields the dataset must have now (``id`` or ``name`` finds it; any other field, nested too, must be
  equal, else a Validation Error names the field: a client's stale view is refused, not overwritten);
- ``filter``: patterns ``-path`` (remove) and ``+path`` (protect from a later ``-``), first match wins; a path
  is keys joined by ``__``, where ``*`` is any key or item and a list item is its index (``-1`` the last) or a
  prefix of its ``id`` (``-resources__*`` drops every resource, ``+resources__2f1c`` keeps one of them);
- ``update``: a dict merged in (nested dicts merge, other values, lists included, replace);
- ``update__<path>``: one value at a path (``update__resources__-1__name``); ``…__extend`` appends to a list.
Flattened ``match__<path>`` keys work as in ``match``. The result is the revised dataset written with
``package_update``'s rules, returned as ``{"package": …}``.

``dataset_purge`` removes a dataset with its versions and files for good (``catalog/purge.py``): site admins only.
"""

from __future__ import annotations

import copy
from typing import Any

from catalog.i18n import N_
from catalog.i18n import gettext as _
from catalog.purge import purge_dataset
from web.ckan.api import action, catalog, find_package, json_param, origin, require_sysadmin, required, show
from web.ckan.errors import validation
from web.ckan.write import update_package


def segment_matches(segment: str, key: Any, value: Any, size: int | None = None) -> bool:
    if segment == "*":
        return True
    if size is None:  # a dict key
        return segment == key
    try:
        index = int(segment)
        return index == key or (index < 0 and size + index == key)
    except ValueError:
        return isinstance(value, dict) and str(value.get("id") or "").startswith(segment)


def children(node: Any) -> list[tuple[Any, Any]]:
    if isinstance(node, dict):
        return list(node.items())
    if isinstance(node, list):
        return list(enumerate(node))
    return []


def path_matches(pattern: list[str], path: list[tuple[Any, Any, int | None]]) -> bool:
    return len(pattern) == len(path) and prefix_matches(pattern, path, exact=True)


def prefix_matches(pattern: list[str], path: list[tuple[Any, Any, int | None]], exact: bool = False) -> bool:
    """Does ``pattern`` start with segments matching ``path`` (and go deeper, unless ``exact``)?"""
    deeper = exact or len(pattern) > len(path)
    return deeper and all(segment_matches(s, k, v, n) for s, (k, v, n) in zip(pattern, path, strict=False))


def apply_filter(node: Any, patterns: list[tuple[str, list[str]]], path: list | None = None) -> Any:
    """``node`` without the fields the first matching ``-`` pattern removes."""
    path = path or []
    size = len(node) if isinstance(node, list) else None
    kept = []
    for key, value in children(node):
        here = [*path, (key, value, size)]
        decision = next((sign for sign, pattern in patterns if path_matches(pattern, here)), None)
        if decision == "-":
            continue
        if decision is None and any(prefix_matches(pattern, here) for _, pattern in patterns):
            value = apply_filter(value, patterns, here)
        kept.append((key, value))
    return dict(kept) if isinstance(node, dict) else [value for _, value in kept]


def parse_patterns(value: Any) -> list[tuple[str, list[str]]]:
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(p, str) and p[:1] in "+-" and len(p) > 1 for p in value):
        raise validation(filter=_("một danh sách mẫu như '-resources__*' hoặc '+resources__0'"))
    return [(p[0], p[1:].split("__")) for p in value]


def merge(target: Any, update: Any) -> Any:
    if isinstance(target, dict) and isinstance(update, dict):
        out = dict(target)
        for key, value in update.items():
            out[key] = merge(target.get(key), value)
        return out
    return copy.deepcopy(update)


def item_index(items: list, segment: str, path: str) -> int:
    try:
        index = int(segment)
        if -len(items) <= index < len(items):
            return index % len(items)
    except ValueError:
        found = [i for i, item in enumerate(items) if isinstance(item, dict)
                 and str(item.get("id") or "").startswith(segment)]
        if len(found) == 1:
            return found[0]
    raise validation(**{path: _("không có đúng một phần tử {segment!r} (một chỉ số, hoặc đầu của id một phần tử)",
                               segment=segment)})


def set_path(node: Any, segments: list[str], value: Any, path: str) -> Any:
    """``node`` with ``value`` at ``segments`` (the last one ``extend`` appends to a list)."""
    head, rest = segments[0], segments[1:]
    if isinstance(node, list):
        if head == "extend" and not rest:
            return [*node, *(value if isinstance(value, list) else [value])]
        out = list(node)
        index = item_index(out, head, path)
        out[index] = set_path(out[index], rest, value, path) if rest else merge(out[index], value)
        return out
    if isinstance(node, dict) or node is None:
        out = dict(node or {})
        out[head] = set_path(out.get(head), rest, value, path) if rest else merge(out.get(head), value)
        return out
    raise validation(**{path: _("không đi vào {head!r} được: giá trị ở đó không phải đối tượng cũng không phải danh "
                               "sách", head=head)})


def mismatches(current: Any, wanted: Any, path: str = "") -> list[str]:
    if isinstance(wanted, dict) and isinstance(current, dict):
        return [m for key, value in wanted.items() for m in mismatches(current.get(key), value, f"{path}{key}__")]
    if isinstance(wanted, list) and isinstance(current, list) and len(wanted) == len(current):
        return [m for i, (c, w) in enumerate(zip(current, wanted, strict=True)) for m in mismatches(c, w, f"{path}{i}__")]
    return [] if current == wanted else [path.rstrip("_")]


def flattened(data: dict, prefix: str, into: Any) -> Any:
    for key in sorted(k for k in data if k.startswith(prefix)):
        into = set_path(into, key[len(prefix):].split("__"), json_param(data, key, data[key]), key)
    return into


@action("package_revise", write=True)
def package_revise(data: dict) -> dict:
    """Change a dataset with match / filter / update / update__<path> (see CKAN's package_revise)."""
    match = flattened(data, "match__", json_param(data, "match", {}))
    if not isinstance(match, dict) or not (match.get("id") or match.get("name")):
        raise validation(match=_("ghi id hoặc tên bộ dữ liệu trong match, ví dụ {\"name\": \"air-quality\"}"))
    dataset = find_package(str(match.get("id") or match.get("name")), for_edit=True)
    current = show(dataset)
    wrong = mismatches(current, match)
    if wrong:
        raise validation(match=[_("trường {path!r} không khớp với giá trị hiện tại của bộ dữ liệu", path=path)
                                for path in wrong])
    revised = copy.deepcopy(current)
    if data.get("filter") not in (None, ""):
        revised = apply_filter(revised, parse_patterns(json_param(data, "filter", [])))
    update = json_param(data, "update", {})
    if not isinstance(update, dict):
        raise validation(update=_("phải là một đối tượng gồm các trường cần đổi"))
    revised = flattened(data, "update__", merge(revised, update))
    revised["id"] = current["id"]
    if revised.get("name") != current["name"]:
        raise validation(name=_("Không đổi tên bộ dữ liệu được: tên của nó là một phần trong các địa chỉ tải về"))
    return {"package": update_package(revised, replace=True)}


@action("dataset_purge", write=True)
def dataset_purge(data: dict) -> None:
    """Remove a dataset for good: its metadata, every version and their files (site admins only)."""
    user = require_sysadmin(N_("xoá hẳn bộ dữ liệu"))
    dataset = find_package(required(data, "id"))
    purge_dataset(catalog(), dataset["id"], actor=user["name"], origin=origin())
    return None
