"""GeoJSON: a FeatureCollection read as a table, one row per feature, its geometry in a ``geometry`` column.

Why its own module: boundaries (the shapes a choropleth colours) arrive as GeoJSON, not as rows. A feature's
``properties`` are its cells, keyed by the schema's field names like a JSON row, and its ``geometry`` becomes the
cell of the schema's ``geometry`` field (type ``geojson``), so the validator checks the properties against the
Table Schema as it checks any table, and the typed Parquet keeps the geometry as GeoJSON text.

The geometry is one nested document, so the file is parsed whole, and what parsing costs is counted before it
happens (``pipelines.limits``): the file's bytes (``GEOJSON_MAX_BYTES``), its coordinate positions
(``MAX_COORDINATES``, counted in the raw bytes with strings removed) and its nesting (``MAX_JSON_DEPTH``); the
features are rows (``MAX_UPLOAD_ROWS``). Each geometry's structure is checked (RFC 7946: types, positions as
``[lon, lat]`` numbers in range, rings closed) and a wrong one is refused with the feature's number.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any

import duckdb

from catalog.errors import InvalidInput
from catalog.i18n import _
from pipelines import limits
from pipelines.read.staging import KIND_BOOL, KIND_DECIMAL, KIND_DICT, KIND_INT, KIND_LIST, Batcher, Staged
from pipelines.source import Source

GEOMETRY_FIELD = "geometry"
# Geometry type -> how many array levels above a position its ``coordinates`` have.
LEVELS = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SPACE = b" \t\r\n"


def stage_geojson(con: duckdb.DuckDBPyConnection, source: Source, field_names: list[str], table: str) -> Staged:
    """The features of ``source`` as rows of ``table``: properties by field name, geometry as GeoJSON text."""
    what = source.path.name
    if GEOMETRY_FIELD not in field_names:
        entry = json.dumps({"name": GEOMETRY_FIELD, "type": "geojson"})
        raise InvalidInput(_("{name}: lược đồ không có trường nào tên '{field}' cho hình học của các đối tượng",
                             name=what, field=GEOMETRY_FIELD),
                           hint=_("hãy thêm {entry} vào các trường (fields) của lược đồ", entry=entry))
    features = _features(what, _parse_bounded(source))
    batcher = Batcher(con, table, len(field_names), kinds=True, what=what)
    for number, feature in enumerate(features, start=1):
        properties = _check_feature(what, number, feature)
        cells, kinds = [], []
        for name in field_names:
            value = feature.get("geometry") if name == GEOMETRY_FIELD else properties.get(name)
            cell, kind = native_cell(value)
            cells.append(cell)
            kinds.append(kind)
        batcher.add(number + 1, cells, kinds)
    batcher.flush()
    return Staged(table=table, labels=list(field_names), header_rows=[1], width=len(field_names), kinds=True,
                  rows=batcher.count, rn="__rn", n="__n", extra="__extra")


def geojson_field_names(source: Source) -> list[str]:
    """The features' property names in first-seen order, then ``geometry`` (for ``describe``)."""
    names: dict[str, None] = {}
    for feature in _features(source.path.name, _parse_bounded(source)):
        if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
            names.update(dict.fromkeys(str(k) for k in feature["properties"] if k != GEOMETRY_FIELD))
    return [*names, GEOMETRY_FIELD]


def native_cell(value: Any) -> tuple[str | None, int | None]:
    """A property's value as staged text and the kind of its native JSON type (as the JSON reader stages it)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("True" if value else "False"), KIND_BOOL
    if isinstance(value, int):
        return str(value), KIND_INT
    if isinstance(value, float):
        return repr(value), KIND_DECIMAL
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value), None
    kind = KIND_LIST if isinstance(value, list) else KIND_DICT
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")), kind


def _parse_bounded(source: Source) -> Any:
    """The document, once its size, positions and nesting are known to be within the limits."""
    what = source.path.name
    limits.check_geojson(what, source.size, 0)
    raw = source.path.read_bytes()
    structure = _STRING.sub(b"", raw)
    limits.check_geojson(what, len(raw), position_count(structure))
    limits.check_depth(what, bracket_depth(structure.translate(None, _NOT_BRACKETS)))
    del structure
    try:
        return json.loads(raw.decode(source.encoding or "utf-8-sig"))
    except RecursionError:
        limits.check_depth(what, limits.current().max_json_depth + 1, at_least=True)
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("{name} không phải JSON hợp lệ ({error})", name=what, error=exc),
                           hint=_("hãy kiểm tra tệp bằng một trình xem GeoJSON")) from None


def position_count(structure: bytes) -> int:
    """Arrays that start with a number (positions, or number lists in properties: an upper bound), counted
    exactly only when the cheap bound (every ``[``) is over the limit. ``bytes`` methods only: a regular expression
    over millions of matches costs gigabytes."""
    upper = structure.count(b"[")
    if upper <= limits.current().max_coordinates:
        return upper
    packed = structure.translate(None, _SPACE)
    return sum(packed.count(b"[" + bytes([c])) for c in b"-+.0123456789")


def bracket_depth(brackets: bytes) -> int:
    """How deep ``[``/``{`` nest in a string of brackets only (strings already removed), without recursion."""
    depth = deepest = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _features(what: str, doc: Any) -> list:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise InvalidInput(_("{name}: cần một GeoJSON FeatureCollection ở cấp ngoài cùng, nhưng gặp {found}",
                             name=what, found=repr(found)),
                           hint=_("hãy bọc các đối tượng trong {wrapper}",
                                  wrapper='{"type": "FeatureCollection", "features": [...]}'))
    features = doc.get("features")
    if not isinstance(features, list):
        raise InvalidInput(_("{name}: FeatureCollection không có mảng \"features\"", name=what))
    return features


def _check_feature(what: str, number: int, feature: Any) -> dict:
    """The feature's properties, once the feature and its geometry have the shape RFC 7946 gives them."""
    where = _("{name}: đối tượng {number}", name=what, number=number)
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidInput(_("{where} không phải một GeoJSON Feature (một đối tượng có \"type\": \"Feature\")",
                             where=where))
    properties = feature.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise InvalidInput(_("{where}: \"properties\" phải là một đối tượng hoặc null", where=where))
    if feature.get("geometry") is not None:
        check_geometry(where, feature["geometry"])
    return properties or {}


def check_geometry(where: str, geometry: Any, nested: int = 0) -> None:
    """RFC 7946's structure of one geometry; a GeometryCollection's members in turn (bounded by the depth)."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "GeometryCollection" and isinstance(geometry.get("geometries"), list):
        for member in geometry["geometries"]:
            check_geometry(where, member, nested + 1)
        return
    if kind not in LEVELS:
        raise InvalidInput(_("{where}: kiểu hình học {kind} không phải một kiểu hình học GeoJSON", where=where,
                             kind=repr(kind)),
                           hint=_("hãy dùng một trong: {kinds}", kinds=", ".join(LEVELS) + ", GeometryCollection"))
    _check_coordinates(f"{where} ({kind})", geometry.get("coordinates"), LEVELS[kind], kind)


def _check_coordinates(where: str, coordinates: Any, levels: int, kind: str) -> None:
    stack = [(coordinates, levels)]
    while stack:
        value, level = stack.pop()
        if level == 0:
            _check_position(where, value)
            continue
        if not isinstance(value, list):
            raise InvalidInput(_("{where}: toạ độ phải lồng {levels} cấp mảng bên trên mỗi vị trí [lon, lat]",
                                 where=where, levels=levels))
        if level == 1 and kind in ("Polygon", "MultiPolygon"):
            _check_ring(where, value)
        stack.extend((item, level - 1) for item in value)


def _check_ring(where: str, ring: list) -> None:
    if len(ring) < 4 or ring[0] != ring[-1]:
        raise InvalidInput(_("{where}: một vòng của đa giác cần ít nhất 4 vị trí và phải kết thúc ở điểm bắt đầu",
                             where=where))


def _check_position(where: str, position: Any) -> None:
    if not isinstance(position, list) or not 2 <= len(position) <= 3 or not all(
            isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n) for n in position):
        raise InvalidInput(_("{where}: một vị trí phải là các số [kinh độ, vĩ độ], nhưng gặp {found}", where=where,
                             found=repr(position)[:60]))
    lon, lat = position[0], position[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(_("{where}: vị trí {position} nằm ngoài kinh độ -180..180 / vĩ độ -90..90", where=where,
                             position=repr(position)[:60]),
                           hint=_("toạ độ GeoJSON là WGS84 [kinh độ, vĩ độ], đúng thứ tự đó (RFC 7946)"))
