"""The OpenAPI document is complete: every route under ``/api/v1`` (each method) is in it, it declares the token
security scheme and which operations need a token, its ``servers`` is the site's address, the ``/api`` page lists
every operation from it, and every list pages the same way (``next`` / ``next_url`` / ``cursor``)."""

from __future__ import annotations

import re

import pytest
from data_api_helpers import build_catalogue
from markupsafe import escape

from web import create_app

NEEDS_TOKEN = {("post", "/api/v1/datasets/{name}/versions"), ("get", "/api/v1/me"), ("get", "/api/v1/webhooks"),
               ("post", "/api/v1/webhooks"), ("delete", "/api/v1/webhooks/{hook_id}")}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("openapi")
    build_catalogue(root / "home", root / "work").dispose()
    for number in range(5):  # enough organisations for several pages
        from catalog.metadata import Catalog

        cat = Catalog(root / "home")
        cat.add_org(f"so-{number}", f"Sở {number}")
        cat.dispose()
    return create_app(root / "home")


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def api_routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every rule the app serves under /api/v1."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule == "/api/v1/":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        found |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_every_api_v1_route_and_method_is_documented(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {(method, path) for path, item in spec["paths"].items() for method in item}
    routes = api_routes(app)
    assert len(routes) >= 25
    assert routes - documented == set(), "routes missing from web/openapi/"
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation["operationId"] and operation["summary"] and operation["x-summary-vi"], (method, path)
            assert operation["responses"], (method, path)


def test_every_schema_reference_resolves(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    refs = set(re.findall(r"#/components/schemas/([A-Za-z]+)", str(spec)))
    assert refs and refs <= set(spec["components"]["schemas"])


def test_the_token_scheme_and_which_operations_need_it(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["token"] == {**spec["components"]["securitySchemes"]["token"],
                                                              "type": "http", "scheme": "bearer"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            needs = {} not in operation["security"]
            assert needs == ((method, path) in NEEDS_TOKEN or "/webhooks" in path), (method, path)
    publish = spec["paths"]["/api/v1/datasets/{name}/versions"]["post"]
    assert {"multipart/form-data", "text/csv"} <= set(publish["requestBody"]["content"])
    assert {p["name"] for p in publish["parameters"]} >= {"check", "size", "org"}
    assert {"201", "401", "403", "413", "422"} <= set(publish["responses"])


def test_servers_is_the_site_address(tmp_path, client):
    assert client.get("/api/v1/openapi.json").get_json()["servers"][0]["url"] == "http://localhost"
    build_catalogue(tmp_path / "home", tmp_path / "work").dispose()
    configured = create_app(tmp_path / "home", {"BASE_URL": "https://data.hanoi.example"}).test_client()
    spec = configured.get("/api/v1/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert spec["servers"][0]["url"] == "https://data.hanoi.example"


def test_the_api_page_lists_every_operation_in_vietnamese_and_english(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    vietnamese = client.get("/api?lang=vi").data.decode()
    english = client.get("/api?lang=en").data.decode()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert f'id="{operation["operationId"]}"' in vietnamese, operation["operationId"]
            assert f"{method.upper()} {path}" in vietnamese
            assert escape(operation["x-summary-vi"]) in vietnamese and escape(operation["summary"]) in english
    assert "Cần khoá API" in vietnamese and "Needs an API token" in english


def walk(client, url: str) -> list[dict]:
    """Follow ``next_url`` from ``url`` to the last page; the results of every page."""
    seen, pages = [], 0
    while url:
        body = client.get(url.replace("http://localhost", "")).get_json()
        seen += body["results"]
        assert (body["next"] is None) == (body["next_url"] is None)
        url = body["next_url"]
        pages += 1
        assert pages < 50
    return seen


def test_datasets_and_organizations_page_like_rows_with_next_and_cursor(client):
    everything = client.get("/api/v1/datasets?limit=1000").get_json()
    paged = walk(client, "/api/v1/datasets?limit=1&sort=name")
    assert [d["name"] for d in paged] == sorted(d["name"] for d in everything["results"])
    assert len(paged) == everything["count"] >= 2
    first = client.get("/api/v1/datasets?limit=1&sort=name").get_json()
    assert client.get(f"/api/v1/datasets?limit=1&sort=name&cursor={first['next']}").get_json()["results"][0][
        "name"] == paged[1]["name"]
    orgs = walk(client, "/api/v1/organizations?limit=2")
    assert [o["name"] for o in orgs] == sorted(o["name"] for o in orgs) and len(orgs) == 7
    rows = client.get("/api/v1/datasets/air-quality/rows?limit=1").get_json()
    assert set(first) >= {"next", "next_url"} and set(rows) >= {"next", "next_url"}
    last = client.get("/api/v1/organizations?limit=1000").get_json()
    assert last["next"] is None and last["next_url"] is None and last["count"] == 7
    bad = client.get("/api/v1/organizations?cursor=abc")
    assert bad.status_code == 400 and bad.get_json()["error"]["message"]
