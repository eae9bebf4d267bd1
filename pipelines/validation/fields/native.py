"""Native cells rebuilt from the text and kind the readers stage (XLSX, JSON and Parquet values).

Why here: the staged table holds every cell as text plus a kind (int, float, date ...); a reference reader must
see the value the file held, as frictionless does. The validator and ``describe`` (which tests candidate
types with the same readers) both need this, so it lives with the field types, below both.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from pipelines import read as readers


def native(text: str | None, kind: int | None) -> Any:
    """Rebuild the native cell a reader saw from (str(value), kind)."""
    if text is None or kind is None or kind == readers.KIND_OTHER:
        return text
    try:
        return _rebuild(text, kind)
    except ValueError:
        return text


def _rebuild(text: str, kind: int) -> Any:
    if kind == readers.KIND_INT:
        return int(text)
    if kind == readers.KIND_FLOAT:
        return float(text)
    if kind == readers.KIND_DECIMAL:
        return Decimal(text)
    if kind == readers.KIND_BOOL:
        return text == "True"
    if kind == readers.KIND_DATETIME:
        return dt.datetime.fromisoformat(text)
    if kind == readers.KIND_DATE:
        return dt.date.fromisoformat(text)
    if kind == readers.KIND_TIME:
        return dt.time.fromisoformat(text)
    if kind in (readers.KIND_LIST, readers.KIND_DICT):
        return json.loads(text)
    return text
