"""The ``time`` type: ISO times by default (dateutil), strptime patterns, or ``any``; stored as TIME.

Why TIME: the column keeps the wall-clock time as written (an offset in the text is read but not stored).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from catalog.sqltext import sql_string
from pipelines import read as readers
from pipelines.validation.fields.base import OK
from pipelines.validation.fields.temporal import IsoTemporalType


class TimeType(IsoTemporalType):
    name = "time"
    duck = "TIME"
    default_pattern = "%H:%M:%S"  # the fast pass's; the exact pass reads ISO text
    iso_min_length, iso_colon, iso_prefix = 8, 5, "2000-01-01T"
    iso_shape = sql_string(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?$")
    iso_groups = (1, 2, 3, 5)

    def from_native(self, cell: Any) -> Any:
        return cell if isinstance(cell, dt.time) else None

    def value(self, parsed: dt.datetime) -> Any:
        return parsed.timetz()

    def canonical(self, field: dict, value: Any) -> str:
        return value.replace(tzinfo=None).isoformat()

    def iso_value_sql(self, c: str) -> str:
        return f"TRY_CAST(regexp_extract({c}, '^[0-9:.]+') AS TIME)"

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        return [(f"{k} = {readers.KIND_TIME}", self.iso_value_sql(c), str(OK))]


TYPE = TimeType()
