"""The ``duration`` type: ISO 8601 durations (``P1Y2M``) checked with isodate, stored as their text.

Why text: an ISO duration with months or years has no fixed length, so no interval type stores it faithfully.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipelines.validation.fields.base import FieldType, Reader


def _read_duration(cell: Any) -> Any:
    if isinstance(cell, dt.timedelta):
        return cell
    if not isinstance(cell, str):
        return None
    try:
        import isodate

        isodate.parse_duration(cell)
    except Exception:
        return None
    return cell


class DurationType(FieldType):
    name = "duration"
    duck = "VARCHAR"

    def reader(self, field: dict) -> Reader:
        return _read_duration


TYPE = DurationType()
