"""A dataset's CKAN-only state (``extras["_ckan"]``), changed in the catalogue's one write transaction.

Why apart from the mapping (``catalog/ckan/shapes.py``): the mapping is pure (dicts in, dicts out); this is the
one place the CKAN feature writes metadata, and it goes through ``catalog/unit_of_work.py`` like every write.
"""

from __future__ import annotations

from typing import Any

from catalog.ckan.shapes import INTERNAL
from catalog.unit_of_work import change_extras


def save_state(catalog: Any, name: str, change: Any, *, actor: str, origin: str = "",
               visible_extras: dict | None = None, **meta: Any) -> None:
    """Change a dataset's CKAN state (``extras["_ckan"]``) — and optionally its metadata and visible extras — in
    one transaction under the metadata write lock, so two concurrent resource_create calls on one dataset
    cannot lose each other's resources. ``change(state) -> state`` gets a copy of the current state."""
    change_extras(catalog, name, INTERNAL, change, actor=actor, origin=origin, visible_extras=visible_extras,
                  **meta)
