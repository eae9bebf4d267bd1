"""The ``time`` type: ISO times by default (dateutil), strptime patterns, or ``any``; stored as TIME.

Why TIME: the column keeps the wall-clock time as written (an offset in the text is read but not stored).
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

ISO_SHAPE = sql_string(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?$")


def _parse(cell: str, fmt: str) -> dt.time | None:
    from dateutil import parser

    if fmt == "default":
        if len(cell) < 8 or cell[5] != ":":
            return None
        return parser.isoparse(f"2000-01-01T{cell}").timetz()
    if fmt == "any":
        return parser.parse(cell).timetz()
    return dt.datetime.strptime(cell, fmt).timetz()


class TimeType(FieldType):
    name = "time"
    constraints = BOUNDS
    duck = "TIME"
    py_only = False

    def check_format(self, field: dict, where: str) -> None:
        check_strptime_format(field, where)

    def reader(self, field: dict) -> Reader:
        fmt = field.get("format", "default")

        def read(cell: Any) -> Any:
            if isinstance(cell, dt.time):
                return cell
            if not isinstance(cell, str):
                return None
            try:
                return _parse(cell, fmt)
            except Exception:
                return None

        return read

    def canonical(self, field: dict, value: Any) -> str:
        return value.replace(tzinfo=None).isoformat()

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        if plan.field.get("format", "default") != "default":
            return temporal_text_sql(plan, c, self.duck)
        guard = f"(length({c}) < 8 OR substr({c}, 6, 1) <> ':')"
        value = f"TRY_CAST(regexp_extract({c}, '^[0-9:.]+') AS TIME)"
        return iso_text_sql(c, self.duck, guard, ISO_SHAPE, (1, 2, 3, 5), value)

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        return [(f"{k} = {readers.KIND_TIME}", f"TRY_CAST(regexp_extract({c}, '^[0-9:.]+') AS TIME)", str(OK))]

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        fmt = plan.field.get("format", "default")
        if fmt == "any":
            return None
        return fast_strptime_sql(plan, c, "%H:%M:%S" if fmt == "default" else fmt)


TYPE = TimeType()
