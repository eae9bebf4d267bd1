"""The ``array`` type: a JSON array, stored as a JSON column and read in Python.

Why read in Python: as for objects, frictionless's JSON reading decides; distinct values are few.
"""

from __future__ import annotations

from pipelines.validation.fields.structured import JsonKindType


class ArrayType(JsonKindType):
    name = "array"
    kind = list


TYPE = ArrayType()
