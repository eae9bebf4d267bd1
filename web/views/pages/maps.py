"""Maps: a dataset's rows as points (``/map``, ``map.geojson``), and a choropleth of a column joined to boundaries.

Why its own module: a map is another view of the explorer's rows (the same filters from ``web/row_params.py``,
the same version pinning), so it reads them the same way and only adds where the rows are (``catalog/geo.py``).
The page works without JavaScript (a table of the points and a link to the GeoJSON); with it, Leaflet (vendored
in ``static/vendor/leaflet``) draws the points, clustered on a grid by ``static/map.js``. No tile server is used
unless the deployment sets ``MAP_TILE_URL`` (``OPENDATA_MAP_TILE_URL``, with ``MAP_TILE_ATTRIBUTION``): nothing
leaves the site by default, and the Content-Security-Policy admits the tile host only on map pages that use it.

Choropleth: ``?join=<column>&value=<column>&agg=mean`` aggregates the dataset per value of ``join``;
``boundaries=<dataset>&key=<property>`` colours that boundaries dataset's features (a GeoJSON dataset of the
catalogue); without a licensed boundaries dataset, ``boundaries=schematic`` (the default) draws the labelled tile
grid of ``web/schematic.py``. Map parameters take precedence over filters on columns of the same name.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, redirect, request
from werkzeug.datastructures import MultiDict

from catalog import geo
from catalog.errors import InvalidInput, NotFound, TooLarge, UserError
from web import errors, row_params, schematic, security
from web.context import get_catalog
from web.i18n import gettext as _
from web.views.pages.common import bp, page, visible_dataset
from web.views.pages.explore import (
    FORM_PARAMS,
    OPERATORS,
    canonical_filter_params,
    filter_pairs,
    query_string,
)

MAP_PARAMS = ("join", "boundaries", "key", "value", "agg")
TABLE_LIMIT = 500  # points listed in the page's table (the GeoJSON has up to geo.MAX_FEATURES)
DATA_GEOJSON_MAX = 100_000  # features of a whole-version data.geojson
GEOJSON_TYPE = "application/geo+json"
DISTRICT_COLUMN = "district"  # the standard schemas' district-level unit (joins to the schematic tile grid)


# -- what the request asks for -----------------------------------------------------------------------------------
def _dataset_version(name: str, number: int | None) -> tuple[dict, dict]:
    dataset = visible_dataset(name)
    catalog = get_catalog()
    version = catalog.get_version(dataset["name"], number) if number is not None else catalog.latest_version(name)
    if version is None:
        raise NotFound(_("bộ dữ liệu {name!r} chưa có phiên bản nào được công bố", name=name),
                       hint=_("xem /datasets/{name}", name=name))
    return dataset, version


def _filter_args() -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.args.items(multi=True) if k not in MAP_PARAMS and k not in FORM_PARAMS]


def _map_args() -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.args.items(multi=True) if k in MAP_PARAMS and v != ""]


def max_features() -> int:
    """Features of one ``map.geojson`` (setting ``MAP_MAX_FEATURES``, default ``geo.MAX_FEATURES``)."""
    return int(current_app.config.get("MAP_MAX_FEATURES") or geo.MAX_FEATURES)


def _base(name: str, number: int | None) -> str:
    return f"/datasets/{name}" + (f"/versions/{number}" if number is not None else "")


def tile_settings() -> dict[str, str] | None:
    """The deployment's tile URL and attribution, or None (the default: no tiles, nothing from other sites)."""
    url = str(current_app.config.get("MAP_TILE_URL") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.netloc.replace("{s}.", "*.")  # subdomains a/b/c of a tile server: a CSP wildcard
    if parts.scheme not in ("https", "http") or not host or "{" in host:
        raise InvalidInput(f"setting MAP_TILE_URL must be an http(s) URL template, not {url!r}",
                           hint="e.g. https://tiles.example.vn/{z}/{x}/{y}.png")
    origin = f"{parts.scheme}://{host}"
    try:
        security.csp_with_images(origin)
    except ValueError:
        raise InvalidInput(f"setting MAP_TILE_URL has a host the Content-Security-Policy cannot name: {host!r}") \
            from None
    return {"url": url, "origin": origin, "attribution": str(current_app.config.get("MAP_TILE_ATTRIBUTION") or "")}


# -- choropleth --------------------------------------------------------------------------------------------------
def _joined_values(version: dict, filters: list) -> dict[str, float | None] | None:
    join = request.args.get("join") or ""
    if not join:
        return None
    agg = request.args.get("agg") or ("mean" if request.args.get("value") else "count")
    return geo.aggregate_by(get_catalog().version_files(version), version["schema"], join,
                            request.args.get("value") or None, agg, filters=filters)


def _boundaries(values: dict[str, float | None]) -> dict:
    """The boundaries dataset's features, each with the joined ``value`` of its ``key`` property."""
    name = request.args.get("boundaries") or ""
    _dataset, version = _dataset_version(name, None)
    coords = geo.require(version["schema"], f"boundaries dataset {name!r}")
    key = request.args.get("key") or ""
    fields = [f["name"] for f in version["schema"].get("fields") or []]
    if key not in fields:
        raise InvalidInput(f"key {key!r} is not a property of boundaries dataset {name!r}",
                           hint="use one of: " + ", ".join(f for f in fields if f not in coords.columns))
    collection = geo.feature_collection(get_catalog().version_files(version), version["schema"], coords,
                                        limit=max_features())
    by_key = {geo.join_key(k): v for k, v in values.items()}
    for feature in collection["features"]:
        feature["properties"]["value"] = by_key.get(geo.join_key(feature["properties"].get(key)))
    return collection


def _choropleth(values: dict[str, float | None] | None) -> dict | None:
    if values is None:
        return None
    boundaries = request.args.get("boundaries") or "schematic"
    found: dict[str, Any] = {"join": request.args.get("join"), "value": request.args.get("value"),
                             "agg": request.args.get("agg") or ("mean" if request.args.get("value") else "count"),
                             "boundaries": boundaries,
                             "values": [{"unit": k, "value": v} for k, v in values.items()]}
    if boundaries == "schematic":
        found["schematic"] = schematic.grid(values)
    return found


# -- routes --------------------------------------------------------------------------------------------------------
def _geojson_response(collection: dict) -> Response:
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype=GEOJSON_TYPE)


@bp.get("/datasets/<name>/map.geojson")
@bp.get("/datasets/<name>/versions/<int:number>/map.geojson")
def map_geojson(name: str, number: int | None = None) -> Response:
    """The filtered rows as points (at most ``geo.MAX_FEATURES``, ``truncated`` says if there were more); with
    ``join`` and ``boundaries``, the boundaries' features with the joined values."""
    _dataset, version = _dataset_version(name, number)
    schema = version["schema"]
    filters = row_params.parse_filters(_filter_args(), schema)
    values = _joined_values(version, filters)
    if values is not None and (request.args.get("boundaries") or "schematic") != "schematic":
        return _geojson_response(_boundaries(values))
    coords = geo.require(schema, f"dataset {name!r}")
    return _geojson_response(geo.feature_collection(get_catalog().version_files(version), schema, coords,
                                                    filters=filters, limit=max_features()))


@bp.get("/datasets/<name>/versions/<int:number>/data.geojson")
def data_geojson(name: str, number: int) -> Response:
    """A whole version as a GeoJSON FeatureCollection (a boundaries dataset served back as it was published)."""
    _dataset, version = _dataset_version(name, number)
    coords = geo.require(version["schema"], f"dataset {name!r}")
    if (version.get("rows") or 0) > DATA_GEOJSON_MAX:
        raise TooLarge(f"version {number} of {name!r} has {version['rows']:,} rows, more than {DATA_GEOJSON_MAX:,} "
                       "features for one GeoJSON file", hint=f"filter it: {_base(name, number)}/map.geojson?…")
    collection = geo.feature_collection(get_catalog().version_files(version), version["schema"], coords,
                                        limit=DATA_GEOJSON_MAX)
    response = _geojson_response({"type": "FeatureCollection", "features": collection["features"]})
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-v{number}.geojson"'
    return response


@bp.get("/datasets/<name>/map")
@bp.get("/datasets/<name>/versions/<int:number>/map")
def map_page(name: str, number: int | None = None) -> Response:
    base = _base(name, number)
    if any(p in request.args for p in FORM_PARAMS):
        keep = [(k, v) for k, v in request.args.items(multi=True) if k in ("lang", "format") and v != ""]
        return redirect(f"{base}/map" + query_string(canonical_filter_params(request.args) + _map_args() + keep))
    dataset, version = _dataset_version(name, number)
    schema = version["schema"]
    fields = schema.get("fields") or []
    coords = geo.detect(schema)
    error, pairs, points, choropleth = None, [], None, None
    try:
        pairs = filter_pairs(MultiDict(_filter_args()), schema)
        filters = row_params.parse_filters([p for _f, p in pairs], schema)
        choropleth = _choropleth(_joined_values(version, filters))
        if choropleth is None:
            coords = geo.require(schema, f"dataset {name!r}")
            points = geo.feature_collection(get_catalog().version_files(version), schema, coords,
                                            filters=filters, limit=min(TABLE_LIMIT, max_features()))
    except UserError as exc:
        if errors.wants_json():
            raise
        error = exc
    filter_params = [p for _f, p in pairs]
    geojson_url = f"{base}/map.geojson" + query_string(filter_params + _map_args())
    data = {
        "dataset": {"name": dataset["name"], "title": dataset["title"], "org_title": dataset["org_title"]},
        "version": version["number"], "pinned": number is not None,
        "coordinates": {"kind": coords.kind, "columns": list(coords.columns)} if coords else None,
        "filters": [f for f, _p in pairs], "geojson_url": geojson_url,
        "points": points, "choropleth": choropleth, "schematic_url": _schematic_url(base, fields, coords),
    }
    tiles = tile_settings()
    response = page("map.html", data, fields=fields, operators=OPERATORS, error=error, base=base,
                    tiles=tiles, explore_url=f"/datasets/{name}/explore" + query_string(filter_params),
                    columns=[f["name"] for f in fields
                             if coords is None or f["name"] not in coords.columns or coords.kind == "latlon"])
    if error is not None:
        response.status_code = error.status
    if tiles and response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = security.csp_with_images(tiles["origin"])
    return response


def _schematic_url(base: str, fields: list[dict], coords: geo.Coordinates | None) -> str | None:
    """The schematic of this dataset's ``district`` column, coloured by the mean of its first measure."""
    names = [f["name"] for f in fields]
    if DISTRICT_COLUMN not in names:
        return None
    measures = [f["name"] for f in fields if f.get("type") in geo.NUMERIC
                and (coords is None or f["name"] not in coords.columns)]
    return f"{base}/map" + query_string([("join", DISTRICT_COLUMN)] + ([("value", measures[0])] if measures else []))


@bp.app_template_global()
def map_url(name: str, schema: dict | list | None, version: int | None = None) -> str | None:
    """The map page of a dataset whose schema (or list of fields) has coordinates, or the schematic of its
    ``district`` column (rows per unit; the page lets people pick a value); None when it has neither."""
    schema = {"fields": schema} if isinstance(schema, list) else (schema or {})
    if geo.detect(schema):
        return f"{_base(name, version)}/map"
    names = {f.get("name") for f in schema.get("fields") or [] if isinstance(f, dict)}
    return f"{_base(name, version)}/map?join={DISTRICT_COLUMN}" if DISTRICT_COLUMN in names else None
