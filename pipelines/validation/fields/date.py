"""The ``date`` type: ISO dates by default, any strptime pattern (``%d/%m/%Y``), or ``any`` (dateutil).

Why here: a Vietnamese file writes dates day first; the pattern comes from the descriptor and SQL reads it
(``temporal.py``); a native datetime at midnight from a spreadsheet is a date, as frictionless says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipelines import read as readers
from pipelines.validation.fields.base import BAD, BOUNDS, OK, FieldType, Reader
from pipelines.validation.fields.temporal import check_strptime_format, fast_strptime_sql, temporal_text_sql


def _parse(cell: str, fmt: str) -> dt.date:
    if fmt == "default":
        return dt.datetime.strptime(cell, "%Y-%m-%d").date()
    if fmt == "any":
        from dateutil import parser

        return parser.parse(cell).date()
    return dt.datetime.strptime(cell, fmt).date()


class DateType(FieldType):
    name = "date"
    constraints = BOUNDS
    duck = "DATE"
    py_only = False

    def check_format(self, field: dict, where: str) -> None:
        check_strptime_format(field, where)

    def reader(self, field: dict) -> Reader:
        fmt = field.get("format", "default")

        def read(cell: Any) -> Any:
            if isinstance(cell, dt.datetime):
                return cell.date() if (cell.hour, cell.minute, cell.second) == (0, 0, 0) else None
            if isinstance(cell, dt.date):
                return cell
            if not isinstance(cell, str):
                return None
            try:
                return _parse(cell, fmt)
            except Exception:
                return None

        return read

    def canonical(self, field: dict, value: Any) -> str:
        return value.isoformat()

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        return temporal_text_sql(plan, c, self.duck)

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        ts = f"TRY_CAST({c} AS TIMESTAMP)"
        return [(f"{k} = {readers.KIND_DATETIME}", f"{ts}::DATE",
                 f"CASE WHEN {ts}::TIME = '00:00:00'::TIME THEN {OK} ELSE {BAD} END"),
                (f"{k} = {readers.KIND_DATE}", f"TRY_CAST({c} AS DATE)", str(OK))]

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        fmt = plan.field.get("format", "default")
        if fmt == "any":
            return None
        return fast_strptime_sql(plan, c, "%Y-%m-%d" if fmt == "default" else fmt)

    def str_sql(self, v: str) -> str | None:
        return f"strftime({v}, '%Y-%m-%d')"


TYPE = DateType()
