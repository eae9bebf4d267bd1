"""REST API v1 through the Flask client over a catalogue built by the publish pipeline: shapes, paging,
filters, errors, CORS, gzip, ETags, and the OpenAPI document's coverage of the routes."""

from __future__ import annotations

import gzip
import re
from urllib.parse import urlsplit

import pytest
from data_api_helpers import AIR_ROWS, build_catalogue

from web import create_app
from web.openapi import openapi_spec

CONFIG = {"TESTING": True, "RATELIMIT_ENABLED": False}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    cat = build_catalogue(root / "home", root / "work")
    yield create_app(cat.home, CONFIG)
    cat.dispose()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def get_json(client, url: str, status: int = 200, **kwargs) -> dict:
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.data[:500]
    assert response.headers["Content-Type"] == "application/json"
    return response.get_json()


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# -- search -----------------------------------------------------------------------------------------------------
def test_search_shape_and_facets(client):
    data = get_json(client, "/api/v1/datasets")
    assert data["count"] == 2  # private and deleted datasets are not listed
    assert {d["name"] for d in data["results"]} == {"air-quality", "bao-cao"}
    assert set(data["facets"]) == {"organization", "tag", "format", "license", "frequency", "area"}
    air = next(d for d in data["results"] if d["name"] == "air-quality")
    assert air["latest_version"] == 2 and air["rows"] == AIR_ROWS[1] and air["org"] == "so-tnmt"
    assert air["url"] == "http://localhost/datasets/air-quality" and "schema" not in air
    assert air["tags"] == ["môi trường", "không khí"] and "CSV" in air["formats"]


@pytest.mark.parametrize("q", ["không khí", "khong khi"])
def test_search_is_accent_insensitive(client, q):
    assert [d["name"] for d in get_json(client, f"/api/v1/datasets?q={q}")["results"]] == ["air-quality"]


@pytest.mark.parametrize("q", ["dong da", "Đống Đa"])
def test_search_reaches_a_district_in_the_rows_without_accents(client, q):
    # air-quality has Đống Đa in its title; bao-cao only in its rows (a low-cardinality text column)
    assert [d["name"] for d in get_json(client, f"/api/v1/datasets?q={q}")["results"]] == ["air-quality", "bao-cao"]


def test_search_facet_filters_and_paging(client):
    assert [d["name"] for d in get_json(client, "/api/v1/datasets?organization=so-gddt")["results"]] == ["bao-cao"]
    assert get_json(client, "/api/v1/datasets?tag=không khí&license=CC-BY-4.0")["count"] == 1
    assert get_json(client, "/api/v1/datasets?frequency=daily")["count"] == 0
    page = get_json(client, "/api/v1/datasets?limit=1&offset=1&sort=name")
    assert page["count"] == 2 and [d["name"] for d in page["results"]] == ["bao-cao"]
    assert (page["limit"], page["offset"]) == (1, 1)


@pytest.mark.parametrize("query", ["limit=abc", "limit=1001", "offset=-1", "sort=best", "sort="])
def test_search_bad_parameters(client, query):
    error = get_json(client, f"/api/v1/datasets?{query}", 400)["error"]
    assert error["code"] == "invalid_input" and error["message"]


# -- datasets and versions --------------------------------------------------------------------------------------
def test_dataset_detail_with_working_download_urls(client):
    data = get_json(client, "/api/v1/datasets/air-quality")
    assert data["title"] == "Quan trắc chất lượng không khí" and data["license"] == "CC-BY-4.0"
    assert [f["name"] for f in data["schema"]["fields"]][:3] == ["station_id", "station_name", "district"]
    formats = {r["format"]: r for r in data["resources"]}
    assert set(formats) == {"Parquet", "CSV", "JSON", "JSON Lines", "XLSX", "ZIP"}
    assert formats["CSV"]["url"] == "http://localhost/datasets/air-quality/versions/2/data.csv"
    assert formats["Parquet"]["sha256"] and formats["Parquet"]["bytes"] > 0
    for resource in data["resources"]:
        response = client.get(local(resource["url"]))
        assert response.status_code == 200, resource["url"]
        response.close()
        assert client.get(local(resource["latest_url"])).status_code in (200, 302)
    assert local(data["versions_url"]) == "/api/v1/datasets/air-quality/versions"


def test_versions_newest_first(client):
    versions = get_json(client, "/api/v1/datasets/air-quality/versions")["versions"]
    assert [v["number"] for v in versions] == [2, 1]
    latest = versions[0]
    assert latest["rows"] == AIR_ROWS[1] and len(latest["sha256"]) == 64 and latest["published_at"].endswith("Z")
    assert latest["changes"]["rows_added"] == AIR_ROWS[1] - AIR_ROWS[0] and latest["changes"]["rows_removed"] == 0
    assert latest["note"] == "lần 2" and latest["publisher"] == "nguyen.van.a"
    assert latest["url"].endswith("/datasets/air-quality/versions/2/data.parquet")
    assert set(latest["files"]) == {"parquet", "csv", "json", "jsonl", "xlsx"}
    one = get_json(client, "/api/v1/datasets/air-quality/versions/1")
    assert one["number"] == 1 and one["schema"]["fields"]


@pytest.mark.parametrize("url", ["/api/v1/datasets/nope", "/api/v1/datasets/noi-bo", "/api/v1/datasets/da-xoa",
                                 "/api/v1/datasets/air-quality/versions/7", "/api/v1/datasets/nope/rows",
                                 "/api/v1/organizations/nope", "/api/v1/no-such-thing"])
def test_not_found_is_json(client, url):
    assert get_json(client, url, 404)["error"]["code"] == "not_found"


# -- rows -------------------------------------------------------------------------------------------------------
def test_rows_default_page(client):
    data = get_json(client, "/api/v1/datasets/air-quality/rows")
    assert data["total"] == AIR_ROWS[1] and len(data["rows"]) == 100 and data["version"] == 2
    assert data["next"] and data["next_url"]
    assert [c["name"] for c in data["columns"]] == list(data["rows"][0])
    assert data["rows"][0]["observed_at"] == "2022-01-01T00:00:00"


def test_rows_filters_fields_sort(client):
    data = get_json(client, "/api/v1/datasets/air-quality/rows?district=Đống Đa&pm25__ge=50&fields=district,pm25"
                            "&sort=-pm25&limit=1000")
    assert data["total"] == len(data["rows"]) > 0
    assert all(r["district"] == "Đống Đa" and r["pm25"] >= 50 for r in data["rows"])
    assert [r["pm25"] for r in data["rows"]] == sorted((r["pm25"] for r in data["rows"]), reverse=True)
    assert list(data["rows"][0]) == ["district", "pm25"]


def test_rows_cursor_paging_covers_every_row_once(client):
    everything = get_json(client, "/api/v1/datasets/air-quality/rows?sort=aqi,-station_id&limit=1000")["rows"]
    seen, url = [], "/api/v1/datasets/air-quality/rows?sort=aqi,-station_id&limit=33"
    while url:
        page = get_json(client, url)
        seen.extend(page["rows"])
        url = local(page["next_url"]) if page["next_url"] else None
    assert seen == everything and len(seen) == AIR_ROWS[1]


@pytest.mark.parametrize(("query", "needle"), [
    ("limit=1001", "between 1 and 1000"), ("limit=0", "between 1 and 1000"), ("sort=nope", "unknown column 'nope'"),
    ("fields=a,b", "unknown column 'a'"), ("cursor=garbage", "invalid cursor"), ("pm25__gt=high", "pm25"),
    ("quan=Ba Đình", "unknown column 'quan'"), ("district__like=Ba", "unknown filter operator 'like'"),
])
def test_rows_bad_input(client, query, needle):
    english = {"Accept-Language": "en"}  # not ?lang=en: its cookie would make the module's client speak English
    error = get_json(client, f"/api/v1/datasets/air-quality/rows?{query}", 400, headers=english)["error"]
    assert error["code"] == "invalid_input" and needle in error["message"]


def test_value_counts(client):
    data = get_json(client, "/api/v1/datasets/air-quality/columns/district/counts?limit=1000")
    assert sum(v["count"] for v in data["values"]) == AIR_ROWS[1]
    dong_da = next(v for v in data["values"] if v["value"] == "Đống Đa")
    total = get_json(client, "/api/v1/datasets/air-quality/rows?district=Đống Đa&limit=1")["total"]
    assert dong_da["count"] == total
    filtered = get_json(client, "/api/v1/datasets/air-quality/columns/district/counts?district=Đống Đa")
    assert filtered["values"] == [{"value": "Đống Đa", "count": total}]
    assert "không có cột 'quan'" in get_json(client, "/api/v1/datasets/air-quality/columns/quan/counts", 400)[
        "error"]["message"]


# -- organisations ----------------------------------------------------------------------------------------------
def test_organizations(client):
    data = get_json(client, "/api/v1/organizations")
    assert data["count"] == 2 and [o["name"] for o in data["results"]] == ["so-gddt", "so-tnmt"]
    org = get_json(client, "/api/v1/organizations/so-gddt")
    assert org["title"] == "Sở Giáo dục và Đào tạo"
    assert [d["name"] for d in org["datasets"]] == ["bao-cao"]  # not the private one


# -- HTTP behaviour ---------------------------------------------------------------------------------------------
def test_cors_on_api(client):
    response = client.get("/api/v1/datasets", headers={"Origin": "https://bao.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/datasets/air-quality/rows")
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_gzip_when_asked_and_worth_it(client):
    plain = client.get("/api/v1/datasets/air-quality/rows")
    zipped = client.get("/api/v1/datasets/air-quality/rows", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data and len(zipped.data) < len(plain.data) / 3
    small = client.get("/api/v1/organizations/nope", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers
    tiny = client.get("/api/v1", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in tiny.headers and tiny.get_json()["version"] == 1
    refused = client.get("/api/v1/datasets/air-quality/rows", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_json_etag_and_304(client):
    first = client.get("/api/v1/datasets/air-quality/versions")
    assert first.headers["ETag"].startswith('W/"')
    again = client.get("/api/v1/datasets/air-quality/versions", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


# -- OpenAPI ----------------------------------------------------------------------------------------------------
def test_openapi_covers_every_api_route(app, client):
    spec = get_json(client, "/api/v1/openapi.json")
    assert spec["openapi"].startswith("3.") and spec == openapi_spec(spec["servers"][0]["url"])
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("api.", "downloads.")) and rule.rule not in ("/api", "/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            path = re.sub(r"\{fmt\}", "{format}", path)
            assert path in documented, path
    for path, item in spec["paths"].items():
        for operation in item.values():
            assert operation["operationId"] and operation["summary"] and operation["responses"], path
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', str(spec).replace("'", '"')))
    assert refs <= set(spec["components"]["schemas"])


def test_reference_page(client):
    page = client.get("/api")
    html = page.data.decode()
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Tài liệu API" in html and 'id="getRows"' in html and "/api/v1/datasets/{name}/rows" in html
    assert ("curl -sG &#39;http://localhost/api/v1/datasets/air-quality/rows&#39; "
            "--data-urlencode &#39;district=Đống Đa&#39;") in html
    assert 'id="schema-RowsPage"' in html and "<script>" not in html
    english = client.get("/api?lang=en").data.decode()
    assert "API reference" in english and "Parameters" in english
