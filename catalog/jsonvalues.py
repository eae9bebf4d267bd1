"""JSON values: how any value we read (DuckDB, pyarrow, the metadata database) is written as plain JSON.

Why one home: the SQL API, the explorer and the REST API, CKAN's datastore, the pages' JSON answers and the
nested cells of downloads all put values into JSON; one rule means the same value looks the same everywhere:

- numbers stay numbers; NaN and infinity become null (JSON has neither);
- a decimal becomes an integer when it is whole and exact as a JSON number (below 2^53), otherwise a float;
- dates, times and date-times in ISO 8601 (``2024-01-31T07:00:00``);
- bytes in base64; mappings with text keys; lists and tuples as arrays; anything else (UUIDs, intervals) as
  its text (``str``).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
from collections.abc import Mapping
from typing import Any

EXACT_INTEGERS = 2**53  # a JSON number holds integers exactly up to here (IEEE 754 doubles)


def jsonable(value: Any) -> Any:
    """``value`` as JSON can carry it (the rules above)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return _decimal(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def _decimal(value: decimal.Decimal) -> int | float | None:
    if not value.is_finite():
        return None
    if value == value.to_integral_value() and abs(value) < EXACT_INTEGERS:
        return int(value)
    return float(value)


def json_default(value: Any) -> Any:
    """``default=`` for ``json.dumps``: the C encoder does plain values, this the rest."""
    converted = jsonable(value)
    if converted is value:  # jsonable had nothing better: let the slow path decide
        raise TypeError(type(value).__name__)
    return converted
