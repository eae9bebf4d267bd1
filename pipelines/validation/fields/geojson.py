"""The ``geojson`` type: a JSON object with a ``type`` member, stored as JSON.

Why only the shape: we check for the ``type`` member but do not apply the full GeoJSON JSON Schema
(VALIDATION.md).
"""

from __future__ import annotations

import json
from typing import Any

from pipelines.validation.fields.base import Reader
from pipelines.validation.fields.structured import JsonType


class GeojsonType(JsonType):
    name = "geojson"
    formats = ("default", "topojson")

    def reader(self, field: dict) -> Reader:
        shaped = field.get("format", "default") in self.formats

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


TYPE = GeojsonType()
