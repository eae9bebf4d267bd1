"""The ``geojson`` type: a JSON object with a ``type`` member, stored as JSON.

Why only the shape: we check for the ``type`` member but do not apply the full GeoJSON JSON Schema
(VALIDATION.md).
"""

from __future__ import annotations

import json
from typing import Any

from pipelines.validation.fields.base import FieldType, Reader, fail
from pipelines.validation.fields.structured import canonical_json

FORMATS = ("default", "topojson")


class GeojsonType(FieldType):
    name = "geojson"
    duck = "JSON"

    def check_format(self, field: dict, where: str) -> None:
        if field["format"] not in FORMATS:
            fail(f"{where}.format", f"{field['format']!r} is not a geojson format (default or topojson)")

    def reader(self, field: dict) -> Reader:
        shaped = field.get("format", "default") in FORMATS

        def read(cell: Any) -> Any:
            if isinstance(cell, str):
                try:
                    cell = json.loads(cell)
                except ValueError:
                    return None
            if not isinstance(cell, dict):
                return None
            if shaped and not isinstance(cell.get("type"), str):
                return None
            return cell

        return read

    def canonical(self, field: dict, value: Any) -> str:
        return canonical_json(value)


TYPE = GeojsonType()
