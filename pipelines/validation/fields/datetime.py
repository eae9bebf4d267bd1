"""The ``datetime`` type: ISO 8601 by default (dateutil's isoparse), strptime patterns, or ``any``.

Why its DuckDB type varies: a datetime whose format can carry an offset (default, any, or ``%z``) is stored as
a UTC instant (TIMESTAMPTZ; a value without an offset is Hanoi time); other formats are stored as written
(TIMESTAMP). See VALIDATION.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from catalog.sqltext import sql_string
from pipelines import read as readers
from pipelines.validation.fields.base import BOUNDS, OK, FieldType, Reader
from pipelines.validation.fields.temporal import (
    check_strptime_format,
    fast_strptime_sql,
    iso_text_sql,
    temporal_text_sql,
)

ISO_SHAPE = sql_string(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?"
                       r"(Z|[+-][0-9]{2}:[0-9]{2})?$")
_DIGITS = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]"


def _parse(cell: str, fmt: str) -> dt.datetime | None:
    from dateutil import parser

    if fmt == "default":
        if len(cell) < 19 or cell[16] != ":":
            return None
        return parser.isoparse(cell)
    if fmt == "any":
        return parser.parse(cell)
    return dt.datetime.strptime(cell, fmt)


class DatetimeType(FieldType):
    name = "datetime"
    constraints = BOUNDS
    py_only = False

    def duckdb_type(self, field: dict) -> str:
        fmt = field.get("format", "default")
        return "TIMESTAMPTZ" if fmt in ("default", "any") or "%z" in fmt else "TIMESTAMP"

    def check_format(self, field: dict, where: str) -> None:
        check_strptime_format(field, where)

    def reader(self, field: dict) -> Reader:
        fmt = field.get("format", "default")

        def read(cell: Any) -> Any:
            if isinstance(cell, dt.datetime):
                return cell
            if not isinstance(cell, str):
                return None
            try:
                return _parse(cell, fmt)
            except Exception:
                return None

        return read

    def canonical(self, field: dict, value: Any) -> str:
        if self.duckdb_type(field) == "TIMESTAMP" and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return value.isoformat(sep=" ")

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        target = self.duckdb_type(plan.field)
        if plan.field.get("format", "default") != "default":
            return temporal_text_sql(plan, c, target)
        guard = f"(length({c}) < 19 OR substr({c}, 17, 1) <> ':')"
        return iso_text_sql(c, target, guard, ISO_SHAPE, (4, 5, 6, 8), f"TRY_CAST({c} AS TIMESTAMPTZ)")

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        return [(f"{k} = {readers.KIND_DATETIME}", f"TRY_CAST({c} AS {target})", str(OK))]

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        fmt = plan.field.get("format", "default")
        if fmt == "any":
            return None
        if fmt != "default":
            return fast_strptime_sql(plan, c, fmt)
        shape = (f"({c} GLOB '{_DIGITS}' OR {c} GLOB '{_DIGITS}[+-][01][0-9]:[0-5][0-9]' OR {c} GLOB '{_DIGITS}Z' "
                 f"OR {c} GLOB '{_DIGITS.replace('T', ' ')}')")
        return f"TRY_CAST({c} AS TIMESTAMPTZ)", f"({shape} AND substr({c}, 12, 2) <= '23' AND __p IS NOT NULL)"


TYPE = DatetimeType()
