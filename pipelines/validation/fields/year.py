"""The ``year`` type: four characters that read as an integer from 0 to 9999.

Why its own module: frictionless checks the length of the text before reading it, so ``0123`` is a year and
``123`` is not, which the SQL reproduces.
"""

from __future__ import annotations

from typing import Any

from pipelines import read as readers
from pipelines.validation.fields.base import OK, WS, Reader, numeric_state_sql, ok_if
from pipelines.validation.fields.integer import IntegerType, int_sql


def _read_year(cell: Any) -> Any:
    if not isinstance(cell, int):
        if not isinstance(cell, str) or len(cell) != 4:
            return None
        try:
            cell = int(cell)
        except ValueError:
            return None
    return None if cell < 0 or cell > 9999 else int(cell)


class YearType(IntegerType):
    """An integer of four characters: its canonical text and str() are an integer's."""

    name = "year"
    duck = "INTEGER"

    def reader(self, field: dict) -> Reader:
        return _read_year

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        v, grammar = int_sql(f"trim({c}, {WS})", self.duck)
        return v, numeric_state_sql(c, f"{grammar} AND {v} BETWEEN 0 AND 9999", refuse=f"length({c}) <> 4")

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        K = readers
        return [(f"{k} = {K.KIND_INT}", f"TRY_CAST({c} AS INTEGER)",
                 ok_if(f"TRY_CAST({c} AS BIGINT) BETWEEN 0 AND 9999")),
                (f"{k} = {K.KIND_BOOL}", f"CASE WHEN {c} = 'True' THEN 1 ELSE 0 END", str(OK))]

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        return f"TRY_CAST({c} AS INTEGER)", f"({c} GLOB '[0-9][0-9][0-9][0-9]')"


TYPE = YearType()
