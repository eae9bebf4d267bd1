"""Descriptor checks of the keys: ``primaryKey`` and ``foreignKeys`` name fields of the schema.

Why normalise here: the engine works from one form (lists of field names; a reference ``resource`` of ""
meaning this resource), so a descriptor that writes a single name as a string is turned into a list once.
"""

from __future__ import annotations

from typing import Any

from pipelines.validation.effective import check_effective
from pipelines.validation.fields.base import fail


def string_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(where, f"{value!r} is not a field name or a list of field names")
    return list(value)


def check_primary_key(schema: dict, names: set[str]) -> None:
    schema["primaryKey"] = string_list(schema.get("primaryKey", []), "primaryKey")
    for key in schema["primaryKey"]:
        if key not in names:
            fail("primaryKey", f"{key!r} is not a field of this schema")


def check_foreign_keys(schema: dict, names: set[str]) -> None:
    foreign = schema.get("foreignKeys", [])
    if not isinstance(foreign, list):
        fail("foreignKeys", "must be a list")
    for index, fk in enumerate(foreign):
        _check_foreign_key(fk, f"foreignKeys[{index}]", names)
        check_effective(fk, f"foreignKeys[{index}]", schema["fields"])


def _check_foreign_key(fk: Any, where: str, names: set[str]) -> None:
    if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
        fail(where, "each foreign key needs 'fields' and a 'reference' object")
    fk["fields"] = string_list(fk.get("fields"), f"{where}.fields")
    ref = fk["reference"]
    ref["fields"] = string_list(ref.get("fields"), f"{where}.reference.fields")
    resource = ref.get("resource", "")
    if not isinstance(resource, str):
        fail(f"{where}.reference.resource", f"{resource!r} is not a resource name")
    ref["resource"] = resource
    for key in fk["fields"]:
        if key not in names:
            fail(f"{where}.fields", f"{key!r} is not a field of this schema")
    if len(ref["fields"]) != len(fk["fields"]):
        fail(f"{where}.reference.fields", "must list as many fields as 'fields'")
