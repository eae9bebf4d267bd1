"""Row values as JSON can carry them, converted per column so a page of plain text and numbers costs nothing.

Why apart from the page: the REST API serialises with ``jsonable`` (the one rule, ``catalog/jsonvalues.py``)
too, and a DuckDB column holds one Python type, so the choice of converter is made once per column rather than
once per cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from catalog.jsonvalues import jsonable


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
