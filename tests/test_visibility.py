"""One visibility rule for private datasets, over a real server: every path that can name a dataset hides a
private one from anonymous clients and from other departments' editors, and shows it to its own department's
editors and to site admins. Foreign keys and validation against a private dataset are "not found" for outsiders,
so nobody can test values for membership in private data."""

from __future__ import annotations

import json
import re

import pytest
import requests

from catalog.accounts import Accounts
from catalog.metadata import Catalog
from catalog.visibility import ANONYMOUS, Viewer, visible
from conftest import ServerProcess
from pipelines.publish import publish

SECRET = "ho-so-noi-bo"
SECRET_CSV = "ma_ho,quan\nHB-7731,Ba Đình\nHB-9902,Tây Hồ\nHB-1234,Đống Đa\n"
PUBLIC_CSV = "ma_truong,ten\nT01,Trường Ba Đình\nT02,Trường Tây Hồ\n"
SCHEMA_SECRET = {"fields": [{"name": "ma_ho", "type": "string"}, {"name": "quan", "type": "string"}]}
SCHEMA_PUBLIC = {"fields": [{"name": "ma_truong", "type": "string"}, {"name": "ten", "type": "string"}]}
# A schema whose foreign key points at the private dataset: what a membership probe uploads.
PROBE_SCHEMA = {"fields": [{"name": "ma_ho", "type": "string"}],
                "foreignKeys": [{"fields": "ma_ho", "reference": {"resource": SECRET, "fields": "ma_ho"}}]}
OUTSIDERS = ("anonymous", "tnmt-editor")
INSIDERS = ("gddt-editor", "admin")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("visibility")
    cat = Catalog(root / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    cat.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    for name, text, schema, private in (("truong-hoc", PUBLIC_CSV, SCHEMA_PUBLIC, False),
                                        (SECRET, SECRET_CSV, SCHEMA_SECRET, True)):  # titles: "Bo truong-hoc"…
        path = root / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        result = publish(cat, path, dataset=name, org="so-gddt", schema=schema,
                         meta={"title": f"Bo {name}", "private": private})
        assert result.status == "published", result.messages
    accounts = Accounts(cat)
    tokens = {"anonymous": None}
    for user, org, sysadmin in (("gddt-editor", "so-gddt", False), ("tnmt-editor", "so-tnmt", False),
                                ("admin", None, True)):
        accounts.add_user(user, sysadmin=sysadmin)
        if org:
            accounts.add_member(org, user, "editor", actor="test")
        tokens[user] = accounts.create_token(user)[0]
    cat.dispose()
    server = ServerProcess(root / "home")
    yield server, tokens, root
    server.stop()


def call(site, who: str, method: str, path: str, **kwargs) -> requests.Response:
    server, tokens, _ = site
    headers = {"Authorization": tokens[who]} if tokens[who] else {}
    return requests.request(method, server.url + path, headers=headers, timeout=30, **kwargs)


def action(site, who: str, name: str, **data) -> requests.Response:
    return call(site, who, "POST", f"/api/3/action/{name}", json=data)


EVERYONE = pytest.mark.parametrize("who", OUTSIDERS + INSIDERS)


def sees(who: str) -> bool:
    return who in INSIDERS


# -- the rule itself ----------------------------------------------------------------------------------------------
def test_the_rule_public_for_all_private_for_members_and_site_admins():
    private = {"org": "so-gddt", "private": True}
    assert visible({"org": "so-gddt", "private": False}, ANONYMOUS)
    assert not visible(private, ANONYMOUS)
    assert not visible(private, Viewer.of({"name": "a", "memberships": {"so-tnmt": "editor"}}))
    assert visible(private, Viewer.of({"name": "b", "memberships": {"so-gddt": "editor"}}))
    assert visible(private, Viewer.of({"name": "c", "memberships": {}, "sysadmin": True}))


# -- pages, REST API, downloads -----------------------------------------------------------------------------------
@EVERYONE
@pytest.mark.parametrize("path", [f"/datasets/{SECRET}", f"/datasets/{SECRET}?format=json",
                                  f"/datasets/{SECRET}/explore", f"/api/v1/datasets/{SECRET}",
                                  f"/api/v1/datasets/{SECRET}/versions", f"/api/v1/datasets/{SECRET}/rows",
                                  f"/datasets/{SECRET}/versions/1/data.csv", f"/datasets/{SECRET}/download.zip",
                                  f"/datasets/{SECRET}/explore.csv?quan=Ba%20%C4%90%C3%ACnh"])
def test_private_dataset_pages_api_and_downloads(site, who, path):
    response = call(site, who, "GET", path)
    assert response.status_code == (200 if sees(who) else 404), (who, path, response.text[:300])
    if not sees(who):
        assert "HB-7731" not in response.text and "ma_ho" not in response.text
    elif "data.csv" in path:
        assert "HB-7731" in response.text
        assert response.headers["Cache-Control"].startswith("private"), "never in a shared cache"
        assert "Authorization" in response.headers["Vary"]


@EVERYONE
def test_latest_download_link_redirects_only_insiders(site, who):
    response = call(site, who, "GET", f"/datasets/{SECRET}/latest/data.parquet", allow_redirects=False)
    assert response.status_code == (302 if sees(who) else 404)


@EVERYONE
def test_listings_search_and_organisation_counts(site, who):
    expected = {"truong-hoc", SECRET} if sees(who) else {"truong-hoc"}
    api = call(site, who, "GET", "/api/v1/datasets").json()
    assert {d["name"] for d in api["results"]} == expected and api["count"] == len(expected)
    found = call(site, who, "GET", "/datasets?q=bo&format=json").json()
    assert {d["name"] for d in found["results"]} == expected
    org = call(site, who, "GET", "/api/v1/organizations/so-gddt").json()
    assert {d["name"] for d in org["datasets"]} == expected and org["dataset_count"] == len(expected)
    counts = {o["name"]: o["dataset_count"] for o in call(site, who, "GET", "/api/v1/organizations").json()["results"]}
    assert counts == {"so-gddt": len(expected), "so-tnmt": 0}
    page_counts = {o["name"]: o["dataset_count"]
                   for o in call(site, who, "GET", "/organizations?format=json").json()["organizations"]}
    assert page_counts["so-gddt"] == len(expected)
    home = call(site, who, "GET", "/?format=json").json()
    assert home["stats"]["datasets"] == len(expected)
    assert {d["name"] for d in home["recent"]} == expected


# -- the CKAN API -------------------------------------------------------------------------------------------------
@EVERYONE
def test_ckan_package_show_search_and_organisation_counts(site, who):
    shown = action(site, who, "package_show", id=SECRET)
    assert shown.status_code == (200 if sees(who) else 404)
    if not sees(who):
        assert "ma_ho" not in shown.text and "Not Found" in shown.json()["error"]["__type"]
    found = action(site, who, "package_search", include_private=True).json()["result"]
    names = {p["name"] for p in found["results"]}
    assert (SECRET in names) == sees(who) and found["count"] == len(names)
    org = action(site, who, "organization_show", id="so-gddt", include_datasets=True).json()["result"]
    assert org["package_count"] == (2 if sees(who) else 1)
    assert (SECRET in {p["name"] for p in org["packages"]}) == sees(who)
    listed = action(site, who, "organization_list", all_fields=True).json()["result"]
    assert {o["name"]: o["package_count"] for o in listed}["so-gddt"] == 1, "listings count what anyone sees"
    assert (SECRET in action(site, who, "package_list").json()["result"]) is False


# -- validation and foreign keys ----------------------------------------------------------------------------------
def validate(site, who: str, fields: dict, body: str = "ma_ho\nHB-7731\n") -> requests.Response:
    return call(site, who, "POST", "/api/v1/validate", data=fields,
                files={"file": ("probe.csv", body.encode(), "text/csv")})


def untimed(response: requests.Response) -> str:
    return re.sub(r'"(?:seconds|time)":[0-9.e-]+', "", response.text)


@EVERYONE
def test_validate_against_a_private_datasets_schema(site, who):
    response = validate(site, who, {"dataset": SECRET})
    if sees(who):
        assert response.status_code == 200 and response.json()["valid"] is False  # wrong columns, but checked
    else:
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
        assert "quan" not in response.text, "the private dataset's column names stay private"
        missing = validate(site, who, {"dataset": "khong-ton-tai"})
        assert response.json() == json.loads(missing.text.replace("khong-ton-tai", SECRET))


@EVERYONE
def test_foreign_keys_cannot_probe_private_values_through_validate(site, who):
    present = validate(site, who, {"schema": json.dumps(PROBE_SCHEMA)}, "ma_ho\nHB-7731\n")
    absent = validate(site, who, {"schema": json.dumps(PROBE_SCHEMA)}, "ma_ho\nXX-0000\n")
    if sees(who):
        assert present.status_code == absent.status_code == 200
        assert present.json()["valid"] is True and absent.json()["valid"] is False
    else:
        assert present.status_code == absent.status_code
        assert untimed(present) == untimed(absent), "a value in the private data answers like one that is not"
        assert "no dataset" in present.text and SECRET in present.text


@pytest.mark.parametrize("who", ["tnmt-editor", "gddt-editor"])
def test_foreign_keys_cannot_probe_private_values_through_publish(site, who):
    org = "so-tnmt" if who == "tnmt-editor" else "so-gddt"
    answers = []
    for n, value in enumerate(("HB-7731", "XX-0000")):
        answers.append(call(site, who, "POST", f"/api/v1/datasets/probe-{org}-{n}/versions?org={org}",
                            data={"schema": json.dumps(PROBE_SCHEMA)},
                            files={"file": ("probe.csv", f"ma_ho\n{value}\n".encode(), "text/csv")}))
    present, absent = answers
    if who == "gddt-editor":  # its own department's private data is a valid target
        assert present.status_code == 201 and absent.status_code == 422
    else:
        assert present.status_code == absent.status_code and present.status_code in (404, 422)
        assert SECRET in present.text and "no dataset" in present.text
        assert untimed(present) == untimed(absent).replace(f"probe-{org}-1", f"probe-{org}-0")


# -- SQL ----------------------------------------------------------------------------------------------------------
@EVERYONE
def test_sql_over_private_datasets_is_refused_for_everyone(site, who):
    """The SQL endpoint is public (its workers and results are shared): private datasets are no tables in it."""
    public = call(site, who, "GET", "/api/v1/sql", params={"sql": "SELECT count(*) AS n FROM truong_hoc"})
    assert public.status_code == 200, public.text
    secret = call(site, who, "GET", "/api/v1/sql", params={"sql": f'SELECT * FROM "{SECRET}"'})
    assert secret.status_code == 400 and "HB-7731" not in secret.text
    tables = call(site, who, "GET", "/sql?format=json")
    assert SECRET not in tables.text


def test_anonymous_listings_show_no_private_title_or_value(site):
    """A sweep of anonymous answers: neither the private dataset's title nor its values appear anywhere (its
    name may: the insider's probe above published a public dataset whose foreign key names it)."""
    for path in ("/", "/datasets", "/organizations/so-gddt", "/api/v1/datasets", "/api/v1/organizations/so-gddt",
                 "/api/3/action/package_list", "/api/3/action/tag_list",
                 "/api/3/action/current_package_list_with_resources"):
        response = call(site, "anonymous", "GET", path)
        assert response.status_code < 500, path
        assert f"Bo {SECRET}" not in response.text and "HB-7731" not in response.text, path

