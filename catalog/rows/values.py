"""Row values as JSON can carry them, converted per column so a page of plain text and numbers costs nothing.

Why apart from the page: the REST API serialises with ``jsonable`` too, and a DuckDB column holds one Python
type, so the choice of converter is made once per column rather than once per cell.
"""

from __future__ import annotations

import base64
import math
import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """A DuckDB value as JSON can carry it: ISO 8601 for dates and times, no NaN, base64 for bytes."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"P{value.days}DT{value.seconds + value.microseconds / 1e6:g}S" if value.days else \
            f"PT{value.seconds + value.microseconds / 1e6:g}S"
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def json_rows(names: Sequence[str], fetched: Sequence[tuple]) -> list[dict]:
    """Rows as dicts of JSON-ready values. A DuckDB column holds one Python type, so each column is converted
    only when its type needs it (text, integers and booleans pass as they are)."""
    convert: list[tuple[int, Any]] = []
    for i in range(len(names)):
        sample = next((row[i] for row in fetched if row[i] is not None), None)
        if isinstance(sample, float):
            convert.append((i, _finite))
        elif sample is not None and not isinstance(sample, str | int):
            convert.append((i, jsonable))
    out = []
    for row in fetched:
        values = list(row[:len(names)])
        for i, function in convert:
            values[i] = function(values[i])
        out.append(dict(zip(names, values, strict=True)))
    return out
