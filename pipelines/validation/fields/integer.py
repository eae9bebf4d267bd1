"""The ``integer`` type: 64-bit integers, read as frictionless does (``int()`` after strip, bareNumber).

Why 64-bit: the Parquet column is BIGINT, so a larger integer is a type error (VALIDATION.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pipelines import read as readers
from pipelines.validation.fields.base import (
    INT_RE,
    OrderedType,
    Reader,
    number_text,
    number_text_sql,
    numeric_state_sql,
    ok_if,
)

INT64 = (-(2**63), 2**63 - 1)


def int64(text: str) -> int | None:
    try:
        value = int(text)
    except (ValueError, TypeError):
        return None
    return value if INT64[0] <= value <= INT64[1] else None


def _native_int(cell: Any) -> Any:
    if cell is True or cell is False:
        return None
    if isinstance(cell, int):
        return cell if INT64[0] <= cell <= INT64[1] else None
    if isinstance(cell, float) and cell.is_integer():
        return int64(str(int(cell)))
    if isinstance(cell, Decimal) and cell.is_finite() and cell % 1 == 0:
        return int64(str(int(cell)))
    return None


def int_sql(s: str, duck: str) -> tuple[str, str]:
    """(value, grammar) SQL of stripped text ``s`` read as Python's int() reads it (underscores between digits)."""
    return f"TRY_CAST(replace({s}, '_', '') AS {duck})", f"regexp_full_match({s}, {INT_RE})"


class IntegerType(OrderedType):
    name = "integer"
    duck = "BIGINT"

    def reader(self, field: dict) -> Reader:
        def read(cell: Any) -> Any:
            if isinstance(cell, str):
                return int64(number_text(cell, field))
            return _native_int(cell)

        return read

    def canonical(self, field: dict, value: Any) -> str:
        return str(int(value))

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        s = number_text_sql(c, plan.field)
        fast = f"(TRY_CAST({c} AS BIGINT)::VARCHAR = {c})"
        slow, grammar = int_sql(s, "BIGINT")
        value = f"CASE WHEN {fast} THEN TRY_CAST({c} AS BIGINT) ELSE {slow} END"
        return value, numeric_state_sql(c, f"{grammar} AND {slow} IS NOT NULL", fast_ok=fast)

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        K = readers
        d = f"TRY_CAST({c} AS DOUBLE)"
        whole = f"({d} = floor({d}) AND isfinite({d}) AND TRY_CAST({d} AS BIGINT) IS NOT NULL)"
        return [(f"{k} = {K.KIND_INT}", f"TRY_CAST({c} AS BIGINT)",
                 ok_if(f"TRY_CAST({c} AS BIGINT) IS NOT NULL")),
                (f"{k} IN ({K.KIND_FLOAT}, {K.KIND_DECIMAL})", f"TRY_CAST({d} AS BIGINT)",
                 ok_if(whole))]

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        return f"TRY_CAST({c} AS BIGINT)", f"(__p::VARCHAR = {c})"

    def str_sql(self, v: str) -> str | None:
        return f"{v}::VARCHAR"


TYPE = IntegerType()
