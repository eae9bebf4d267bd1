"""The ``geopoint`` type: ``lon, lat`` text, a JSON array or a JSON object; stored as a lon/lat struct.

Why read in Python: three formats and range checks on decimals; distinct points are few next to rows.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pipelines.validation.fields.base import FieldType, Reader


def _from_text(cell: str, fmt: str) -> tuple | None:
    if fmt == "default":
        lon, lat = (part.strip() for part in cell.split(","))
    elif fmt == "array":
        lon, lat = json.loads(cell)
    else:
        data = json.loads(cell)
        if len(data) != 2:
            return None
        lon, lat = data["lon"], data["lat"]
    return Decimal(lon), Decimal(lat)


class GeopointType(FieldType):
    name = "geopoint"
    duck = "STRUCT(lon DOUBLE, lat DOUBLE)"
    formats = ("default", "array", "object")

    def reader(self, field: dict) -> Reader:
        fmt = field.get("format", "default")

        def read(cell: Any) -> Any:
            try:
                if isinstance(cell, str):
                    cell = _from_text(cell, fmt)
                    if cell is None:
                        return None
                lon, lat = cell
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    return None
                return (lon, lat)
            except Exception:
                return None

        return read

    def canonical(self, field: dict, value: Any) -> str:
        return json.dumps({"lon": float(value[0]), "lat": float(value[1])})


TYPE = GeopointType()
