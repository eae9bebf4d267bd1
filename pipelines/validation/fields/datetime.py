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
from pipelines.validation.fields.base import OK
from pipelines.validation.fields.temporal import IsoTemporalType

_DIGITS = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]"


class DatetimeType(IsoTemporalType):
    name = "datetime"
    iso_min_length, iso_colon = 19, 16
    iso_shape = sql_string(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?"
                           r"(Z|[+-][0-9]{2}:[0-9]{2})?$")
    iso_groups = (4, 5, 6, 8)

    def duckdb_type(self, field: dict) -> str:
        fmt = field.get("format", "default")
        return "TIMESTAMPTZ" if fmt in ("default", "any") or "%z" in fmt else "TIMESTAMP"

    def from_native(self, cell: Any) -> Any:
        return cell if isinstance(cell, dt.datetime) else None

    def canonical(self, field: dict, value: Any) -> str:
        if self.duckdb_type(field) == "TIMESTAMP" and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return value.isoformat(sep=" ")

    def iso_value_sql(self, c: str) -> str:
        return f"TRY_CAST({c} AS TIMESTAMPTZ)"

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        return [(f"{k} = {readers.KIND_DATETIME}", f"TRY_CAST({c} AS {target})", str(OK))]

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        if plan.field.get("format", "default") != "default":
            return super().fast_sql(plan, c)
        shape = (f"({c} GLOB '{_DIGITS}' OR {c} GLOB '{_DIGITS}[+-][01][0-9]:[0-5][0-9]' OR {c} GLOB '{_DIGITS}Z' "
                 f"OR {c} GLOB '{_DIGITS.replace('T', ' ')}')")
        return f"TRY_CAST({c} AS TIMESTAMPTZ)", f"({shape} AND substr({c}, 12, 2) <= '23' AND __p IS NOT NULL)"


TYPE = DatetimeType()
