"""CKAN groups are the catalogue's topics: the EU data themes (``catalog/dcat_vocab.py``).

Why themes and not tags: a CKAN group is a short, curated list a portal shows as "topics", while tags are free
words. The themes are exactly that list, and DCAT already derives each dataset's themes from its standard schema
and its tags (``themes_for``), so a dataset is in group ``envi`` exactly when its DCAT record says
``dcat:theme …/data-theme/ENVI``. The rule, in one place: group name = the theme code in lowercase, title = its
Vietnamese label, description = its English label; every theme is a group, even with no dataset yet.
"""

from __future__ import annotations

import uuid

from catalog.dcat_vocab import THEME_SCHEME, THEMES, themes_for

NAMESPACE = uuid.UUID("0b6f3c9e-2a51-4d8e-9c47-1f2e3d4c5b6a")  # group ids: stable, derived from the theme code


def group_names() -> list[str]:
    return sorted(code.lower() for code in THEMES)


def find_group(ident: str) -> str | None:
    """The group's name for a name, a theme code or a group id; None when no theme matches."""
    text = str(ident or "").strip()
    for code in THEMES:
        if text.lower() == code.lower() or text == group_id(code):
            return code.lower()
    return None


def group_id(code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "group:" + code.upper()))


def group_dict(name: str, *, package_count: int | None = None) -> dict:
    """A group as CKAN shows it (``group_show``, ``group_list`` with all_fields, a package's ``groups``)."""
    code = name.upper()
    vietnamese, english = THEMES[code]
    data = {"id": group_id(code), "name": name, "title": vietnamese, "display_name": vietnamese,
            "description": english, "image_url": "", "image_display_url": "", "type": "group",
            "is_organization": False, "state": "active", "approval_status": "approved", "created": None,
            "extras": [{"key": "uri", "value": f"{THEME_SCHEME}/{code}"}]}
    if package_count is not None:
        data["package_count"] = package_count
    return data


def groups_of(dataset: dict) -> list[str]:
    """The group names of a dataset (its themes, lowercase)."""
    return [code.lower() for code in themes_for(dataset)]
