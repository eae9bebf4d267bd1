"""The ``object`` type: a JSON object, stored as a JSON column and read in Python.

Why read in Python: SQL cannot tell frictionless's JSON reading apart from DuckDB's; distinct values are few.
"""

from __future__ import annotations

from pipelines.validation.fields.structured import JsonKindType


class ObjectType(JsonKindType):
    name = "object"
    kind = dict


TYPE = ObjectType()
