"""The ``yearmonth`` type: ``YYYY-MM`` read in Python, stored as its ISO text.

Why text: DuckDB has no year-month type; ``2024-03`` sorts and compares correctly as written.
"""

from __future__ import annotations

from typing import Any

from pipelines.validation.fields.base import BOUNDS, FieldType, Reader


def _read_yearmonth(cell: Any) -> Any:
    if isinstance(cell, (tuple, list)):
        return tuple(cell) if len(cell) == 2 else None
    if not isinstance(cell, str):
        return None
    try:
        year, month = cell.split("-")
        year, month = int(year), int(month)
    except ValueError:
        return None
    return (year, month) if 1 <= month <= 12 else None


class YearmonthType(FieldType):
    name = "yearmonth"
    constraints = BOUNDS
    duck = "VARCHAR"

    def reader(self, field: dict) -> Reader:
        return _read_yearmonth

    def canonical(self, field: dict, value: Any) -> str:
        return f"{int(value[0]):04d}-{int(value[1]):02d}"


TYPE = YearmonthType()
