"""Where a dataset's rows are: the one rule that finds coordinates in a schema, and the GeoJSON made from them.

Why one module: the dataset page's "Map" link, the map page, ``map.geojson``, ``data.geojson`` and the
choropleth join all ask "does this table have places, and which columns hold them". Three shapes count, first
match wins: a ``geopoint`` field (stored as a ``{lon, lat}`` struct); a pair of numeric latitude and longitude
fields, recognised by name or title in Vietnamese or English (``vi_do``/"Vĩ độ", ``kinh_do``/"Kinh độ",
``lat``/``lng`` ...) whose declared bounds, if any, are in range; or a ``geojson`` field (a boundaries dataset).
GeoJSON follows RFC 7946: positions are ``[longitude, latitude]``.

Rows are read through ``catalog.rows`` (the explorer's filters mean the same rows here) and bounded: at most
``limit`` features, with a ``truncated`` flag when there were more.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog import rows
from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.sqltext import quote_ident
from catalog.text import fold

MAX_FEATURES = 5_000
LAT_NAMES = frozenset({"lat", "latitude", "vi do", "vido", "vi do wgs84"})
LON_NAMES = frozenset({"lon", "lng", "long", "longitude", "kinh do", "kinhdo", "kinh do wgs84"})
NUMERIC = frozenset({"number", "integer"})
AGGREGATIONS = {"mean": "avg", "sum": "sum", "min": "min", "max": "max", "count": "count"}


@dataclass(frozen=True)
class Coordinates:
    """Which columns hold a row's place: ``kind`` is ``geopoint``, ``latlon`` or ``geojson``."""

    kind: str
    columns: tuple[str, ...]  # (geopoint,), (latitude, longitude) or (geometry,)

    @property
    def points(self) -> bool:
        return self.kind != "geojson"

    def lon_lat_sql(self) -> tuple[str, str]:
        """SQL for the longitude and the latitude of a point row."""
        if self.kind == "geopoint":
            col = quote_ident(self.columns[0])
            return f"{col}.lon", f"{col}.lat"
        lat, lon = (quote_ident(c) for c in self.columns)
        return f"CAST({lon} AS DOUBLE)", f"CAST({lat} AS DOUBLE)"

    def where_sql(self) -> str:
        """Rows that have a place (points in WGS84 range; a geometry that is not empty)."""
        if not self.points:
            return f"{quote_ident(self.columns[0])} IS NOT NULL"
        lon, lat = self.lon_lat_sql()
        return f"{lon} BETWEEN -180 AND 180 AND {lat} BETWEEN -90 AND 90"


def _words(text: Any) -> str:
    return re.sub(r"[\s_\-.()]+", " ", fold(str(text or ""))).strip()


def _bounded(field: dict, low: float, high: float) -> bool:
    """A numeric field whose declared minimum and maximum (if any) are within ``low``..``high``."""
    if field.get("type") not in NUMERIC:
        return False
    constraints = field.get("constraints") or {}
    for key in ("minimum", "maximum"):
        value = constraints.get(key)
        if isinstance(value, int | float) and not low <= value <= high:
            return False
    return True


def _named(field: dict, names: frozenset[str]) -> bool:
    return _words(field.get("name")) in names or _words(field.get("title")) in names


def detect(schema: dict | None) -> Coordinates | None:
    """The columns that place this schema's rows, or None when it has none."""
    fields = [f for f in (schema or {}).get("fields") or [] if isinstance(f, dict) and f.get("name")]
    for field in fields:
        if field.get("type") == "geopoint":
            return Coordinates("geopoint", (field["name"],))
    lat = next((f for f in fields if _named(f, LAT_NAMES) and _bounded(f, -90, 90)), None)
    lon = next((f for f in fields if _named(f, LON_NAMES) and _bounded(f, -180, 180)), None)
    if lat is not None and lon is not None:
        return Coordinates("latlon", (lat["name"], lon["name"]))
    for field in fields:
        if field.get("type") == "geojson":
            return Coordinates("geojson", (field["name"],))
    return None


def require(schema: dict | None, what: str) -> Coordinates:
    found = detect(schema)
    if found is None:
        raise InvalidInput(_("{what} không có toạ độ: không có trường geopoint, cặp vĩ độ/kinh độ hay trường geojson",
                             what=what), hint=_("bản đồ cần các cột như vi_do/kinh_do (vĩ độ/kinh độ)"))
    return found


def feature_collection(files: Sequence[Path | str], schema: dict, coords: Coordinates, *,
                       filters: Sequence[rows.Filter] = (), limit: int = MAX_FEATURES) -> dict:
    """The rows ``filters`` select as GeoJSON features (properties: the row's other columns), at most ``limit``."""
    props = [f["name"] for f in schema.get("fields") or []
             if f["name"] not in coords.columns or coords.kind == "latlon"]  # lat/lon stay in the popup
    src, src_params = rows.source(files)
    where, params = rows.where_sql(filters, schema)
    place = coords.lon_lat_sql() if coords.points else (f"CAST({quote_ident(coords.columns[0])} AS VARCHAR)",)
    select = ", ".join([quote_ident(n) for n in props] + list(place))
    body = f"FROM {src} WHERE ({where}) AND {coords.where_sql()}"
    with rows.connect() as con:
        total = rows.run(con, f"SELECT count(*) {body}", src_params + params).fetchone()[0]
        fetched = rows.run(con, f"SELECT {select} {body} LIMIT {int(limit)}", src_params + params).fetchall()
    properties = rows.json_rows(props, fetched)
    features = [{"type": "Feature", "geometry": _geometry(coords, row[len(props):]), "properties": p}
                for row, p in zip(fetched, properties, strict=True)]
    return {"type": "FeatureCollection", "features": features, "total": total, "returned": len(features),
            "truncated": total > len(features)}


def _geometry(coords: Coordinates, place: tuple) -> dict | None:
    if coords.points:
        lon, lat = place
        return {"type": "Point", "coordinates": [lon, lat]}
    return json.loads(place[0]) if place[0] else None


def aggregate_by(files: Sequence[Path | str], schema: dict, join: str, value: str | None, agg: str, *,
                 filters: Sequence[rows.Filter] = (), limit: int = MAX_FEATURES) -> dict[str, float | None]:
    """``agg`` of ``value`` per distinct ``join`` value (``count`` needs no value column), for a choropleth."""
    fields = rows.schema_fields(schema)
    if join not in fields:
        raise rows.unknown_column(join, fields, _("tham số join"))
    if agg not in AGGREGATIONS:
        raise InvalidInput(_("không có phép gộp {agg!r}", agg=agg),
                           hint=_("dùng một trong: {ops}", ops=", ".join(AGGREGATIONS)))
    if agg != "count":
        if not value or value not in fields:
            raise rows.unknown_column(value or "", fields, _("tham số value"))
        if fields[value].get("type") not in NUMERIC:
            raise InvalidInput(_("cột giá trị {value!r} không phải cột số", value=value),
                               hint=_("chọn một cột số, hoặc agg=count"))
    measure = "count(*)" if agg == "count" else f"{AGGREGATIONS[agg]}({quote_ident(value)})"
    src, src_params = rows.source(files)
    where, params = rows.where_sql(filters, schema)
    sql = (f"SELECT CAST({quote_ident(join)} AS VARCHAR), {measure} FROM {src} WHERE {where} "
           f"GROUP BY 1 ORDER BY 1 LIMIT {int(limit)}")
    with rows.connect() as con:
        found = rows.run(con, sql, src_params + params).fetchall()
    return {key: (float(v) if v is not None else None) for key, v in found if key is not None}


def join_key(text: Any) -> str:
    """How a joined value meets a boundary's key: case, accents and spacing do not matter ("Dong Da" = "Đống Đa")."""
    return _words(text)
