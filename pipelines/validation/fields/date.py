"""The ``date`` type: ISO dates by default, any strptime pattern (``%d/%m/%Y``), or ``any`` (dateutil).

Why here: a Vietnamese file writes dates day first; the pattern comes from the descriptor and SQL reads it
(``temporal.py``); a native datetime at midnight from a spreadsheet is a date, as frictionless says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipelines import read as readers
from pipelines.validation.fields.base import OK, ok_if
from pipelines.validation.fields.temporal import TemporalType


class DateType(TemporalType):
    name = "date"
    duck = "DATE"
    default_pattern = "%Y-%m-%d"

    def from_native(self, cell: Any) -> Any:
        if isinstance(cell, dt.datetime):
            return cell.date() if (cell.hour, cell.minute, cell.second) == (0, 0, 0) else None
        return cell if isinstance(cell, dt.date) else None

    def value(self, parsed: dt.datetime) -> Any:
        return parsed.date()

    def canonical(self, field: dict, value: Any) -> str:
        return value.isoformat()

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        ts = f"TRY_CAST({c} AS TIMESTAMP)"
        return [(f"{k} = {readers.KIND_DATETIME}", f"{ts}::DATE",
                 ok_if(f"{ts}::TIME = '00:00:00'::TIME")),
                (f"{k} = {readers.KIND_DATE}", f"TRY_CAST({c} AS DATE)", str(OK))]

    def str_sql(self, v: str) -> str | None:
        return f"strftime({v}, '%Y-%m-%d')"


TYPE = DateType()
