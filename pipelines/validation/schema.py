"""Checking a Table Schema descriptor and normalising it into the form the validator works from.

Why one entry point: ``check_schema`` is the gate every schema passes (publish, validate, ETL, uploads); it
raises ``InvalidSchema`` naming the first bad property (``fields[2].type: 'integr' is not a Table Schema
type``). What is particular to a type (its formats, its options) is asked of the type's module; constraints
and keys have modules of their own. Text the checks compare with (enum, missing and boolean values) is NFC
(VALIDATION.md, decision 1).
"""

from __future__ import annotations

import copy
from typing import Any

from catalog.text import nfc
from pipelines.validation.constraints import check_constraints
from pipelines.validation.descriptor_keys import check_foreign_keys, check_primary_key
from pipelines.validation.fields import TYPES, field_type
from pipelines.validation.fields.base import fail

FIELDS_MATCH = ("exact", "equal", "subset", "superset", "partial")


def text_values(value: Any, where: str) -> list[str]:
    """A list of strings (Table Schema v2 ``{"value": ...}`` items too), NFC."""
    if not isinstance(value, list):
        fail(where, f"{value!r} is not a list of strings")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, dict) and isinstance(item.get("value"), str):
            item = item["value"]  # Table Schema v2: {"value": ..., "label": ...}
        if not isinstance(item, str):
            fail(f"{where}[{i}]", f"{item!r} is not a string")
        out.append(nfc(item))
    return out


def check_schema(descriptor: dict) -> dict:
    """Validate a Table Schema descriptor and return a normalised deep copy.

    Normalised: every field has ``type`` and ``format``; ``missingValues`` is a list at schema level;
    ``primaryKey`` is a list; each foreign key has list ``fields`` and a ``reference`` with ``resource``
    ("" = this resource) and list ``fields``; text values the checks compare with (enum, missing and
    boolean values) are NFC. Raises ``InvalidSchema`` with the path of the first bad property.
    """
    if not isinstance(descriptor, dict):
        fail("schema", "a Table Schema must be a JSON object with a 'fields' list")
    schema = copy.deepcopy(descriptor)
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        fail("fields", "a Table Schema needs a non-empty 'fields' list")
    schema["missingValues"] = text_values(schema.get("missingValues", [""]), "missingValues")
    names = _check_fields(fields)
    check_primary_key(schema, names)
    check_foreign_keys(schema, names)
    match = schema.get("fieldsMatch", "exact")
    if match not in FIELDS_MATCH:
        fail("fieldsMatch", f"{match!r} is not one of {', '.join(FIELDS_MATCH)}")
    schema["fieldsMatch"] = match
    return schema


def _check_fields(fields: list) -> set[str]:
    names: set[str] = set()
    for index, field in enumerate(fields):
        where = f"fields[{index}]"
        if not isinstance(field, dict):
            fail(where, "each field must be a JSON object with a 'name'")
        name = field.get("name")
        if not isinstance(name, str) or not name:
            fail(f"{where}.name", "each field needs a non-empty string 'name'")
        if name in names:
            fail(f"{where}.name", f"duplicate field name {name!r}")
        names.add(name)
        check_field(field, where)
    return names


def check_field(field: dict, where: str) -> None:
    """One field descriptor: its type and format, the common options, the type's own, its constraints."""
    ftype = field.setdefault("type", "string")
    if ftype not in TYPES:
        fail(f"{where}.type", f"{ftype!r} is not a Table Schema type (one of: {', '.join(TYPES)})")
    _normalise_format(field, where)
    field_type(ftype).check_format(field, where)
    _check_common_options(field, where)
    field_type(ftype).check_options(field, where)
    check_constraints(field, where)


def _normalise_format(field: dict, where: str) -> None:
    fmt = field.get("format", "default")
    if not isinstance(fmt, str):
        fail(f"{where}.format", f"{fmt!r} is not a string")
    if fmt.startswith("fmt:"):
        fmt = fmt[4:]
    field["format"] = fmt or "default"


def _check_common_options(field: dict, where: str) -> None:
    for key in ("decimalChar", "groupChar"):
        if key in field and (not isinstance(field[key], str) or (key == "decimalChar" and not field[key])):
            fail(f"{where}.{key}", f"{field[key]!r} is not a character")
    for key in ("bareNumber", "floatNumber"):
        if key in field and not isinstance(field[key], bool):
            fail(f"{where}.{key}", f"{field[key]!r} is not true or false")
    for key in ("trueValues", "falseValues", "missingValues"):
        if key in field:
            field[key] = text_values(field[key], f"{where}.{key}")
