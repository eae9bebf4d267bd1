"""The ``boolean`` type: the schema's trueValues and falseValues (NFC), or native booleans.

Why its own module: the value lists come from the descriptor, and a value in both lists reads as false
(frictionless checks falseValues last), which the SQL must reproduce.
"""

from __future__ import annotations

from typing import Any

from pipelines import read as readers
from pipelines.validation.fields.base import FALSE_VALUES, OK, TRUE_VALUES, FieldType, Reader, in_list, ok_if


class BooleanType(FieldType):
    name = "boolean"
    duck = "BOOLEAN"
    py_only = False

    def reader(self, field: dict) -> Reader:
        mapping = {v: True for v in field.get("trueValues", TRUE_VALUES)}
        mapping.update({v: False for v in field.get("falseValues", FALSE_VALUES)})

        def read(cell: Any) -> Any:
            if cell is True or cell is False:
                return cell
            return mapping.get(cell) if isinstance(cell, str) else None

        return read

    def canonical(self, field: dict, value: Any) -> str:
        return "true" if value else "false"

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        falses = plan.field.get("falseValues", FALSE_VALUES)
        trues = [v for v in plan.field.get("trueValues", TRUE_VALUES) if v not in falses]
        value = (f"CASE WHEN {c} IN ({in_list(trues) or 'NULL'}) THEN true "
                 f"WHEN {c} IN ({in_list(falses) or 'NULL'}) THEN false END")
        return value, ok_if(f"({value}) IS NOT NULL")

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        return [(f"{k} = {readers.KIND_BOOL}", f"({c} = 'True')", str(OK))]

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        value, _state = self.exact_sql(plan, c)
        return f"({value})::{self.duck}", "(__p IS NOT NULL)"

    def str_sql(self, v: str) -> str | None:
        return f"CASE WHEN {v} THEN 'True' WHEN NOT {v} THEN 'False' END"


TYPE = BooleanType()
