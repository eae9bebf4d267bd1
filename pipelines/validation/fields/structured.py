"""JSON-shaped values (object, array, list, geojson, geopoint): reading JSON text and writing canonical JSON.

Why shared: these types are stored as JSON columns; each reads its cells in Python (SQL has no reader for
them) and hands DuckDB the same canonical JSON text, so the rule lives once (``JsonType``; ``JsonKindType``
for object and array, which differ only in the kind the JSON must decode to).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from pipelines.validation.fields.base import FieldType, Reader


def jsonable(value: Any) -> Any:
    """A typed value as plain JSON for the column (decimals as floats, dates in ISO)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        return value.isoformat()
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False)


def json_reader(kind: type) -> Reader:
    """A reader of JSON text (or a native value) that must decode to ``kind``."""
    def read(cell: Any) -> Any:
        if isinstance(cell, tuple) and kind is list:
            return list(cell)
        if isinstance(cell, kind):
            return cell
        if not isinstance(cell, str):
            return None
        try:
            value = json.loads(cell)
        except ValueError:
            return None
        return value if isinstance(value, kind) else None

    return read


class JsonType(FieldType):
    """A type stored as a JSON column, its values handed to DuckDB as canonical JSON."""

    duck = "JSON"

    def canonical(self, field: dict, value: Any) -> str:
        return canonical_json(value)


class JsonKindType(JsonType):
    """JSON text (or a native value) that must decode to ``kind``, with length constraints."""

    constraints = ("required", "minLength", "maxLength", "enum")
    kind: type = dict

    def reader(self, field: dict) -> Reader:
        return json_reader(self.kind)
