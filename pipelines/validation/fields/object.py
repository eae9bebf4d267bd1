"""The ``object`` type: a JSON object, stored as a JSON column and read in Python.

Why read in Python: SQL cannot tell frictionless's JSON reading apart from DuckDB's; distinct values are few.
"""

from __future__ import annotations

from typing import Any

from pipelines.validation.fields.base import FieldType, Reader
from pipelines.validation.fields.structured import canonical_json, json_reader


class ObjectType(FieldType):
    name = "object"
    constraints = ("required", "minLength", "maxLength", "enum")
    duck = "JSON"

    def reader(self, field: dict) -> Reader:
        return json_reader(dict)

    def canonical(self, field: dict, value: Any) -> str:
        return canonical_json(value)


TYPE = ObjectType()
