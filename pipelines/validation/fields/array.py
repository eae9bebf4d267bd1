"""The ``array`` type: a JSON array, stored as a JSON column and read in Python.

Why read in Python: as for objects, frictionless's JSON reading decides; distinct values are few.
"""

from __future__ import annotations

from typing import Any

from pipelines.validation.fields.base import FieldType, Reader
from pipelines.validation.fields.structured import canonical_json, json_reader


class ArrayType(FieldType):
    name = "array"
    constraints = ("required", "minLength", "maxLength", "enum")
    duck = "JSON"

    def reader(self, field: dict) -> Reader:
        return json_reader(list)

    def canonical(self, field: dict, value: Any) -> str:
        return canonical_json(value)


TYPE = ArrayType()
