"""The ``any`` type: the cell as it is, also the stand-in field of a label the schema does not list.

Why its own module: ``any`` accepts every native cell unchanged, the one type that needs no kind check.
"""

from __future__ import annotations

from pipelines.validation.fields.base import OK, FieldType


class AnyType(FieldType):
    name = "any"
    duck = "VARCHAR"
    py_only = False

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        return c, str(OK)

    def native_sql(self, plan, c: str, k: str, value: str, state: str, target: str) -> tuple[str, str]:
        return f"({c})::{target}", str(OK)

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        return c, "true"

    def str_sql(self, v: str) -> str | None:
        return v


TYPE = AnyType()
