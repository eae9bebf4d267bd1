"""JSON values: how any value we read (DuckDB, pyarrow, Python) is written as plain JSON.

Why one home: the SQL API, the explorer, the dataset downloads, ETL run results and Table Schema reports all put
values into JSON; one rule (ISO dates, base64 bytes, null for NaN and infinity, text for the rest) means the
same value looks the same everywhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
import uuid
from typing import Any


def jsonable(value: Any) -> Any:
    """A DuckDB value as plain JSON: ISO dates, base64 blobs, null for NaN/infinity."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def json_default(value: Any) -> Any:
    converted = jsonable(value)
    if converted is value:  # jsonable had nothing better: let the slow path decide
        raise TypeError(type(value).__name__)
    return converted

