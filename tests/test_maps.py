"""Maps: coordinates are found in a schema, rows become GeoJSON points with the explorer's filters, GeoJSON is a
dataset format (validated, bounded, served back), and a column joins to boundaries or to the labelled schematic.

Over a real catalogue built through the publish pipeline (the CLI in a subprocess where exit codes matter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from catalog import geo
from catalog.metadata import Catalog
from pipelines.publish import publish
from web import create_app
from web.security import CSP

REPO = Path(__file__).resolve().parents[1]
DISTRICTS = ["Đống Đa", "Ba Đình", "Cầu Giấy", "Hoàn Kiếm"]
FLOOD_SCHEMA = {"fields": [
    {"name": "diem", "type": "string", "title": "Điểm ngập"},
    {"name": "district", "type": "string", "title": "Quận"},
    {"name": "sau_cm", "type": "number", "title": "Độ sâu (cm)"},
    {"name": "vi_do", "type": "number", "title": "Vĩ độ", "constraints": {"minimum": 20.5, "maximum": 21.4}},
    {"name": "kinh_do", "type": "number", "title": "Kinh độ", "constraints": {"minimum": 105.2, "maximum": 106.1}},
]}
BOUNDARY_SCHEMA = {"fields": [
    {"name": "name", "type": "string", "title": "Tên đơn vị", "constraints": {"required": True}},
    {"name": "population", "type": "integer"},
    {"name": "geometry", "type": "geojson", "constraints": {"required": True}},
]}


def flood_rows(n: int, shift: float = 0.0) -> list[dict]:
    """Deterministic points around central Hanoi; the district cycles so n=40 gives 10 per district."""
    return [{"diem": f"Điểm {i}", "district": DISTRICTS[i % 4], "sau_cm": float((i * 7) % 50 + 5) + shift,
             "vi_do": round(21.0 + (i % 10) * 0.005, 4), "kinh_do": round(105.8 + (i // 10) * 0.01, 4)}
            for i in range(n)]


def write_csv(path: Path, rows: list[dict]) -> Path:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(r[h]) for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def boundaries_collection() -> dict:
    """Synthetic squares (test data, not real boundaries), named without accents: the join ignores them."""
    names = ["Dong Da", "Ba Dinh", "Cau Giay", "Hoan Kiem"]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n, "population": 1000 * (i + 1) if i != 2 else None},
         "geometry": square(105.8 + i * 0.02, 21.0)} for i, n in enumerate(names)]}


def write_json(path: Path, value: dict) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def published(cat: Catalog, path: Path, dataset: str, schema: dict, **kwargs) -> None:
    result = publish(cat, path, dataset=dataset, org="so-tnmt", schema=schema,
                     meta={"title": dataset, "license": "CC-BY-4.0"}, **kwargs)
    assert result.status == "published", result.report


def opendata(home: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "OPENDATA_HOME": str(home), **(env or {})}, timeout=120)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("maps")
    cat = Catalog(root / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    published(cat, write_csv(root / "v1.csv", flood_rows(40)), "diem-ngap", FLOOD_SCHEMA)
    published(cat, write_csv(root / "v2.csv", flood_rows(30, shift=100.0)), "diem-ngap", FLOOD_SCHEMA)
    published(cat, write_json(root / "b.geojson", boundaries_collection()), "ranh-gioi", BOUNDARY_SCHEMA)
    no_coords = {"fields": [f for f in FLOOD_SCHEMA["fields"] if f["name"] not in ("vi_do", "kinh_do")]}
    rows = [{k: v for k, v in r.items() if k not in ("vi_do", "kinh_do")} for r in flood_rows(8)]
    published(cat, write_csv(root / "plain.csv", rows), "khong-toa-do", no_coords)
    cat.create_dataset("rieng-tu", "so-tnmt", title="Riêng tư", private=True)
    published(cat, write_csv(root / "private.csv", flood_rows(12)), "rieng-tu", FLOOD_SCHEMA)
    cat.dispose()
    return root / "home"


@pytest.fixture(scope="module")
def app(home: Path) -> Flask:
    return create_app(home, {"TESTING": True, "RATELIMIT_ENABLED": False})


@pytest.fixture
def client(app: Flask):
    return app.test_client()


def geojson(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    return json.loads(response.get_data(as_text=True))


def assert_feature_collection(collection: dict) -> None:
    """RFC 7946's structure, checked by hand: a FeatureCollection of Features with geometry and properties."""
    assert collection["type"] == "FeatureCollection" and isinstance(collection["features"], list)
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        assert geometry["type"] in geo_types() and isinstance(geometry["coordinates"], list)


def geo_types() -> set[str]:
    return {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


# -- detection --------------------------------------------------------------------------------------------------
def test_a_geopoint_field_places_the_rows() -> None:
    found = geo.detect({"fields": [{"name": "ten", "type": "string"}, {"name": "vi_tri", "type": "geopoint"}]})
    assert found == geo.Coordinates("geopoint", ("vi_tri",))


@pytest.mark.parametrize(("lat", "lon"), [("lat", "lng"), ("latitude", "longitude"), ("vi_do", "kinh_do"),
                                          ("Vĩ độ", "Kinh độ"), ("VI_DO", "Kinh-Do")])
def test_latitude_and_longitude_are_found_by_name_in_vietnamese_or_english(lat: str, lon: str) -> None:
    found = geo.detect({"fields": [{"name": "x", "type": "string"}, {"name": lon, "type": "number"},
                                   {"name": lat, "type": "number"}]})
    assert found == geo.Coordinates("latlon", (lat, lon))


def test_latitude_and_longitude_are_found_by_their_titles_when_the_names_say_nothing() -> None:
    found = geo.detect({"fields": [{"name": "c1", "type": "number", "title": "Vĩ độ"},
                                   {"name": "c2", "type": "number", "title": "Kinh độ"}]})
    assert found == geo.Coordinates("latlon", ("c1", "c2"))


@pytest.mark.parametrize("fields", [
    [{"name": "lat", "type": "string"}, {"name": "lon", "type": "string"}],  # not numeric
    [{"name": "lat", "type": "number", "constraints": {"maximum": 2_300_000}}, {"name": "lon", "type": "number"}],
    [{"name": "lat", "type": "number"}],  # half a pair
    [{"name": "district", "type": "string"}],
])
def test_a_schema_without_usable_coordinates_has_no_map(fields: list[dict]) -> None:
    assert geo.detect({"fields": fields}) is None


def test_a_geojson_field_makes_a_boundaries_dataset() -> None:
    assert geo.detect(BOUNDARY_SCHEMA) == geo.Coordinates("geojson", ("geometry",))


# -- map.geojson ---------------------------------------------------------------------------------------------------
def test_map_geojson_is_a_feature_collection_of_points_in_longitude_latitude_order(client) -> None:
    collection = geojson(client, "/datasets/diem-ngap/map.geojson")
    assert_feature_collection(collection)
    assert collection["total"] == 30 and collection["truncated"] is False and len(collection["features"]) == 30
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == (feature["properties"]["kinh_do"], feature["properties"]["vi_do"])
        assert 105 < lon < 106 and 20 < lat < 22  # RFC 7946: longitude first


def test_the_explorers_filters_select_the_points(client) -> None:
    collection = geojson(client, "/datasets/diem-ngap/map.geojson?district=Đống Đa&sau_cm__gt=120")
    expected = [r for r in flood_rows(30, shift=100.0) if r["district"] == "Đống Đa" and r["sau_cm"] > 120]
    assert 0 < len(expected) < 30
    assert sorted(f["properties"]["diem"] for f in collection["features"]) == sorted(r["diem"] for r in expected)


def test_a_bad_filter_is_a_400_with_a_json_error(client) -> None:
    response = client.get("/datasets/diem-ngap/map.geojson?khong_co=1")
    assert response.status_code == 400
    assert "khong_co" in response.get_json()["error"]["message"]


def test_more_points_than_the_bound_are_cut_and_flagged_as_truncated(home: Path) -> None:
    client = create_app(home, {"TESTING": True, "RATELIMIT_ENABLED": False, "MAP_MAX_FEATURES": 7}).test_client()
    collection = geojson(client, "/datasets/diem-ngap/map.geojson")
    assert len(collection["features"]) == 7 and collection["total"] == 30 and collection["truncated"] is True


def test_a_pinned_version_maps_that_versions_rows(client) -> None:
    first = geojson(client, "/datasets/diem-ngap/versions/1/map.geojson")
    assert first["total"] == 40 and all(f["properties"]["sau_cm"] < 100 for f in first["features"])
    page = client.get("/datasets/diem-ngap/versions/1/map?format=json").get_json()
    assert page["version"] == 1 and page["pinned"] is True
    assert client.get("/datasets/diem-ngap/versions/9/map.geojson").status_code == 404


def test_a_dataset_without_coordinates_has_no_map_and_says_why(client) -> None:
    response = client.get("/datasets/khong-toa-do/map.geojson")
    assert response.status_code == 400 and "không có toạ độ" in response.get_json()["error"]["message"]


# -- the page ------------------------------------------------------------------------------------------------------
def test_the_map_page_without_javascript_lists_the_points_and_links_the_geojson(client) -> None:
    html = client.get("/datasets/diem-ngap/map?district=Ba Đình").get_data(as_text=True)
    table = html.split("data-map-points", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + sum(1 for r in flood_rows(30) if r["district"] == "Ba Đình")
    assert 'href="/datasets/diem-ngap/map.geojson?district=Ba+%C4%90%C3%ACnh"' in html
    assert "vendor/leaflet/leaflet.js" in html and "<script>" not in html  # no inline script (CSP)


def test_the_map_form_redirects_to_the_canonical_filter_url(client) -> None:
    response = client.get("/datasets/diem-ngap/map?_fc=district&_fo=eq&_fv=Cầu Giấy")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/datasets/diem-ngap/map?district=C%E1%BA%A7u+Gi%E1%BA%A5y")


def test_datasets_with_coordinates_link_their_map_from_the_dataset_page_and_explorer(client) -> None:
    for url in ("/datasets/diem-ngap", "/datasets/diem-ngap/explore"):
        assert 'href="/datasets/diem-ngap/map' in client.get(url).get_data(as_text=True), url
    plain = client.get("/datasets/khong-toa-do").get_data(as_text=True)  # no coordinates, a district column
    assert 'href="/datasets/khong-toa-do/map?join=district"' in plain and 'href="/datasets/khong-toa-do/map"' not in plain


def test_a_dataset_with_neither_coordinates_nor_districts_has_no_map_link() -> None:
    from web.views.pages.maps import map_url

    assert map_url("x", {"fields": [{"name": "school", "type": "string"}]}) is None
    assert map_url("x", FLOOD_SCHEMA, 2) == "/datasets/x/versions/2/map"


def test_without_a_tile_url_the_page_keeps_the_strict_policy_and_names_no_tile_server(client) -> None:
    response = client.get("/datasets/diem-ngap/map")
    assert response.headers["Content-Security-Policy"] == CSP
    assert "data-tile-url" not in response.get_data(as_text=True)


def test_a_configured_tile_url_is_used_and_admitted_for_images_only(home: Path) -> None:
    config = {"TESTING": True, "MAP_TILE_URL": "https://{s}.tiles.example.vn/{z}/{x}/{y}.png",
              "MAP_TILE_ATTRIBUTION": "© Bản đồ thử"}
    response = create_app(home, config).test_client().get("/datasets/diem-ngap/map")
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tiles.example.vn;" in policy and "script-src 'self';" in policy
    assert policy.replace(" https://*.tiles.example.vn", "") == CSP
    assert 'data-tile-url="https://{s}.tiles.example.vn/{z}/{x}/{y}.png"' in response.get_data(as_text=True)


# -- GeoJSON as a dataset format -----------------------------------------------------------------------------------
def test_a_published_feature_collection_comes_back_with_the_same_features(tmp_path: Path) -> None:
    home = tmp_path / "home"
    source = boundaries_collection()
    source["features"][0]["geometry"] = {"type": "MultiPolygon", "coordinates": [
        [[[105.8, 21.0], [105.81, 21.0], [105.81, 21.01], [105.8, 21.0]]],
        [[[105.9, 21.1], [105.91, 21.1], [105.91, 21.11], [105.9, 21.1]]]]}
    path = write_json(tmp_path / "ranh-gioi.geojson", source)
    schema = write_json(tmp_path / "schema.json", BOUNDARY_SCHEMA)
    assert opendata(home, "init").returncode == 0
    assert opendata(home, "org", "add", "so-tnmt", "--title", "Sở").returncode == 0
    done = opendata(home, "publish", str(path), "--dataset", "ranh-gioi", "--org", "so-tnmt", "--schema",
                    str(schema), "--title", "Ranh giới (thử)", "--license", "CC-BY-4.0")
    assert done.returncode == 0, done.stdout + done.stderr
    client = create_app(home, {"TESTING": True}).test_client()
    response = client.get("/datasets/ranh-gioi/versions/1/data.geojson")
    assert response.headers["Content-Disposition"].startswith("attachment")
    back = json.loads(response.get_data(as_text=True))
    assert_feature_collection(back)
    assert [f["properties"] for f in back["features"]] == [f["properties"] for f in source["features"]]
    assert [f["geometry"] for f in back["features"]] == [f["geometry"] for f in source["features"]]
    assert client.get("/datasets/ranh-gioi/versions/1/data.csv").status_code == 200  # the usual formats too


def test_describe_drafts_a_schema_with_the_geometry_typed_geojson(tmp_path: Path) -> None:
    from pipelines.describe import describe_file

    schema = describe_file(write_json(tmp_path / "b.geojson", boundaries_collection()))
    assert [(f["name"], f["type"]) for f in schema["fields"]] == [
        ("name", "string"), ("population", "integer"), ("geometry", "geojson")]


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: c["features"][1]["geometry"].update(coordinates=[[[21.0, 105.8], [21.0, 105.9], [21.1, 105.9],
                                                                 [21.0, 105.8]]]), "nằm ngoài kinh độ"),
    (lambda c: c["features"][0]["geometry"].update(type="Circle"), "không phải một kiểu hình học GeoJSON"),
    (lambda c: c["features"][2]["geometry"]["coordinates"][0].pop(), "phải kết thúc ở điểm bắt đầu"),
    (lambda c: c.update(type="Feature"), "cần một GeoJSON FeatureCollection"),
])
def test_a_malformed_feature_collection_is_refused_with_the_feature_named(tmp_path: Path, catalog: Catalog,
                                                                          change, message: str) -> None:
    collection = boundaries_collection()
    change(collection)
    path = write_json(tmp_path / "bad.geojson", collection)
    with pytest.raises(Exception) as refused:
        publish(catalog, path, dataset="bad", org="so-tnmt", schema=BOUNDARY_SCHEMA)
    assert message in str(refused.value)


def test_properties_are_validated_against_the_table_schema(tmp_path: Path, catalog: Catalog) -> None:
    collection = boundaries_collection()
    collection["features"][1]["properties"]["population"] = "nhiều"
    result = publish(catalog, write_json(tmp_path / "b.geojson", collection), dataset="b", org="so-tnmt",
                     schema=BOUNDARY_SCHEMA)
    assert result.status != "published"
    assert "population" in json.dumps(result.report, ensure_ascii=False)


def deep_geojson(path: Path, depth: int) -> Path:
    nested = "[" * depth + "]" * depth
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":'
                    + nested + '},"geometry":null}]}', encoding="utf-8")
    return path


def many_positions_geojson(path: Path, count: int) -> Path:
    positions = ",".join(["[105.8,21.0]"] * count)
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},'
                    '"geometry":{"type":"LineString","coordinates":[' + positions + "]}}]}", encoding="utf-8")
    return path


def test_hostile_geojson_files_are_refused_by_the_cli_with_exit_2_and_the_limit_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    schema = write_json(tmp_path / "schema.json", BOUNDARY_SCHEMA)
    assert opendata(home, "init").returncode == 0
    attacks = [(deep_geojson(tmp_path / "deep.geojson", 100_000), "MAX_JSON_DEPTH"),
               (many_positions_geojson(tmp_path / "many.geojson", 1_200_000), "MAX_COORDINATES")]
    for path, limit in attacks:
        done = opendata(home, "validate", str(path), "--schema", str(schema))
        assert done.returncode == 2, done.stdout + done.stderr
        assert limit in done.stderr and "Traceback" not in done.stderr


def test_hostile_geojson_uploads_are_refused_with_413(home: Path, tmp_path: Path) -> None:
    app = create_app(home, {"TESTING": True, "RATELIMIT_ENABLED": False, "MAX_COORDINATES": 1000,
                            "GEOJSON_MAX_BYTES": 200_000})
    attacks = [(deep_geojson(tmp_path / "deep.geojson", 5_000), "MAX_JSON_DEPTH"),
               (many_positions_geojson(tmp_path / "many.geojson", 5_000), "MAX_COORDINATES"),
               (many_positions_geojson(tmp_path / "big.geojson", 20_000), "GEOJSON_MAX_BYTES")]
    with app.test_client() as client:
        for path, limit in attacks:
            with open(path, "rb") as handle:
                answer = client.post("/api/v1/validate", data={"schema": json.dumps(BOUNDARY_SCHEMA),
                                                               "file": (handle, path.name)})
            assert answer.status_code == 413, answer.get_data(as_text=True)
            assert limit in answer.get_json()["error"]["message"]


# -- choropleths ---------------------------------------------------------------------------------------------------
def mean_depth(district: str) -> float:
    values = [r["sau_cm"] for r in flood_rows(30, shift=100.0) if r["district"] == district]
    return sum(values) / len(values)


def test_a_column_joined_to_a_boundaries_dataset_colours_each_feature_with_its_value(client) -> None:
    collection = geojson(client, "/datasets/diem-ngap/map.geojson?join=district&value=sau_cm&agg=mean"
                                 "&boundaries=ranh-gioi&key=name")
    assert_feature_collection(collection)
    values = {f["properties"]["name"]: f["properties"]["value"] for f in collection["features"]}
    assert values["Dong Da"] == pytest.approx(mean_depth("Đống Đa"))  # joined without accents
    assert values["Hoan Kiem"] == pytest.approx(mean_depth("Hoàn Kiếm"))


def test_an_unknown_boundaries_key_is_a_clear_400(client) -> None:
    response = client.get("/datasets/diem-ngap/map.geojson?join=district&boundaries=ranh-gioi&key=ma")
    assert response.status_code == 400 and "key 'ma'" in response.get_json()["error"]["message"]


def test_without_licensed_boundaries_the_schematic_tile_grid_is_drawn_and_labelled(client) -> None:
    response = client.get("/datasets/diem-ngap/map?join=district&value=sau_cm&district__ne=Ba Đình")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sơ đồ minh hoạ, không phải bản đồ ranh giới" in html
    assert html.count("<g data-unit=") == 30
    dong_da = html.split('<g data-unit="Đống Đa">', 1)[1].split("</g>", 1)[0]
    ba_dinh = html.split('<g data-unit="Ba Đình">', 1)[1].split("</g>", 1)[0]
    assert 'fill="#e5e7eb"' not in dong_da and 'fill="#e5e7eb"' in ba_dinh  # filtered out: no data
    data = client.get("/datasets/diem-ngap/map?join=district&value=sau_cm&format=json").get_json()
    assert {v["unit"]: v["value"] for v in data["choropleth"]["values"]}["Đống Đa"] == pytest.approx(
        mean_depth("Đống Đa"))


def test_a_dataset_with_a_district_column_offers_its_schematic(client) -> None:
    html = client.get("/datasets/diem-ngap/map").get_data(as_text=True)
    assert 'href="/datasets/diem-ngap/map?join=district&amp;value=sau_cm" data-schematic-link' in html
    counted = client.get("/datasets/khong-toa-do/map?join=district&format=json").get_json()["choropleth"]
    assert counted["agg"] == "count" and {v["unit"]: v["value"] for v in counted["values"]}["Đống Đa"] == 2


# -- visibility ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "/datasets/rieng-tu/map", "/datasets/rieng-tu/map.geojson", "/datasets/rieng-tu/versions/1/map.geojson",
    "/datasets/rieng-tu/versions/1/data.geojson",
    "/datasets/diem-ngap/map.geojson?join=district&boundaries=rieng-tu&key=diem"])
def test_a_private_dataset_has_no_map_for_anonymous_visitors(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "Điểm 0" not in response.get_data(as_text=True)  # none of its rows
