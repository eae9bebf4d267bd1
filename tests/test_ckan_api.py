"""The CKAN Action API over real HTTP, driven by the real ``ckanapi`` client (and plain ``requests`` where the
status code or the raw body is the point)."""

from __future__ import annotations

import io
import json

import duckdb
import pytest
import requests
from ckanapi import CKANAPIError, NotAuthorized, NotFound, RemoteCKAN, SearchQueryError, ValidationError

from catalog.accounts import Accounts
from catalog.db import utcnow
from catalog.metadata import Catalog
from catalog.storage import sha256_file, version_relpath
from conftest import ServerProcess

SCHEMA = {"fields": [
    {"name": "station", "type": "string", "title": "Trạm"},
    {"name": "district", "type": "string", "title": "Quận", "description": "Quận/huyện"},
    {"name": "aqi", "type": "number"},
    {"name": "day", "type": "date"},
]}
ROWS = ("SELECT 'Trạm ' || i AS station, CASE i % 3 WHEN 0 THEN 'Hoàn Kiếm' WHEN 1 THEN 'Đống Đa' ELSE 'Tây Hồ' END "
        "AS district, (i * 1.5)::DOUBLE AS aqi, DATE '2024-01-01' + i::INT AS day FROM range({start}, {stop}) t(i)")


def write_part(cat: Catalog, dataset: str, sql: str) -> str:
    """A Parquet part built with DuckDB, stored through the catalogue's storage (its data/ folder, or S3)."""
    tmp = cat.home.root / "tmp" / "part.parquet"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT parquet)")
    con.close()
    digest = sha256_file(tmp)
    rel = version_relpath(dataset, digest)
    cat.storage.put(tmp, rel, sha256=digest)
    tmp.unlink(missing_ok=True)
    return rel


def add_table(cat: Catalog, name: str, org: str, title: str, tags: list[str], parts: list[tuple[int, int]],
              **meta) -> None:
    """A dataset whose latest version is the union of Parquet parts (built with DuckDB, recorded as a version)."""
    cat.create_dataset(name, org, title=title, description=f"Mô tả: {title}", tags=tags, schema=SCHEMA, **meta)
    rels = [write_part(cat, name, ROWS.format(start=a, stop=b)) for a, b in parts]
    rows = sum(b - a for a, b in parts)
    with cat.writer.begin() as conn:
        cat.add_version(conn, name, path=rels[-1], parts=rels, sha256=rels[-1].split("/")[1][:64],
                        source_sha256="0" * 64, rows=rows, bytes=1, source_bytes=1, source_format="csv",
                        schema=SCHEMA, validation={}, changes={}, publisher="test", published_at=utcnow())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = tmp_path_factory.mktemp("ckan") / "home"
    cat = Catalog(home)
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường", "Môi trường, đất đai")
    cat.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    add_table(cat, "air-quality", "so-tnmt", "Chất lượng không khí Hà Nội", ["môi trường", "không khí"],
              [(0, 150), (150, 260)], license="CC0-1.0", frequency="daily")
    add_table(cat, "lake-water", "so-tnmt", "Chất lượng nước hồ", ["môi trường", "nước"], [(0, 30)])
    add_table(cat, "schools", "so-gddt", "Danh sách trường học", ["giáo dục"], [(0, 12)])
    add_table(cat, "staff-secret", "so-gddt", "Dữ liệu nội bộ", ["nội bộ"], [(0, 5)], private=True)
    accounts = Accounts(cat)
    tokens = {}
    for user, org, role in (("editor1", "so-tnmt", "editor"), ("admin1", "so-tnmt", "admin"),
                            ("teacher", "so-gddt", "editor")):
        accounts.add_user(user)
        accounts.add_member(org, user, role, actor="test")
        tokens[user] = accounts.create_token(user)[0]
    accounts.add_user("newbie")
    cat.dispose()
    server = ServerProcess(home, env={"OPENDATA_MAX_UPLOAD_BYTES": "4000"})
    yield server, tokens
    server.stop()


@pytest.fixture(scope="module")
def url(site):
    return site[0].url


@pytest.fixture(scope="module")
def anon(url):
    return RemoteCKAN(url)


def client(site, user: str) -> RemoteCKAN:
    return RemoteCKAN(site[0].url, apikey=site[1][user])


# -- transport and envelope ---------------------------------------------------------------------------------------------
def test_api_version_and_both_action_paths_without_redirects(url):
    assert requests.get(url + "/api/3", allow_redirects=False).json() == {"version": 3}
    for path in ("/api/action/package_list", "/api/3/action/package_list", "/api/3/action/package_list/"):
        for method in ("get", "post"):
            response = getattr(requests, method)(url + path, allow_redirects=False)
            assert response.status_code == 200, (method, path)
            body = response.json()
            assert body["success"] is True
            assert body["result"] == ["air-quality", "lake-water", "schools"]
            assert body["help"].endswith("/api/3/action/help_show?name=package_list")


def test_parameters_arrive_as_json_form_or_strings(url):
    as_json = requests.post(url + "/api/3/action/package_search", json={"rows": "1", "start": "1"}).json()
    as_form = requests.post(url + "/api/3/action/package_search", data={"rows": "1", "start": "1"}).json()
    as_get = requests.get(url + "/api/3/action/package_search", params={"rows": "1", "start": "1"}).json()
    assert as_json["result"]["count"] == as_form["result"]["count"] == as_get["result"]["count"] == 3
    assert [r["name"] for r in as_json["result"]["results"]] == [r["name"] for r in as_get["result"]["results"]]
    assert len(as_form["result"]["results"]) == 1


def test_unknown_action_is_400_with_the_error_envelope(url, anon):
    response = requests.post(url + "/api/3/action/no_such_thing", json={})
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False and body["error"]["__type"] == "Bad Request"
    assert "Không có action tên là: no_such_thing" in body["error"]["message"]  # Vietnamese unless asked
    with pytest.raises(CKANAPIError):
        anon.call_action("no_such_thing")


def test_malformed_json_is_a_400_validation_error(url):
    response = requests.post(url + "/api/3/action/package_show", data=b'{"id": "schools",',
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["__type"] == "Validation Error"
    assert "không phải JSON hợp lệ" in error["body"][0]
    not_object = requests.post(url + "/api/3/action/package_show", json=["schools"])
    assert not_object.status_code == 400 and not_object.json()["error"]["__type"] == "Validation Error"


def test_get_on_a_write_action_is_refused(url):
    response = requests.get(url + "/api/3/action/package_create", params={"name": "x"})
    assert response.status_code == 400 and "POST" in response.json()["error"]["message"]


def test_errors_map_to_ckanapi_exceptions_and_statuses(url, anon):
    with pytest.raises(NotFound):
        anon.action.package_show(id="nope")
    assert requests.post(url + "/api/3/action/package_show", json={"id": "nope"}).status_code == 404
    with pytest.raises(ValidationError) as missing:
        anon.action.package_show()
    assert missing.value.error_dict["name_or_id"] == ["Thiếu giá trị"]
    assert requests.post(url + "/api/3/action/package_show", json={}).status_code == 409
    assert anon.action.help_show(name="package_show").startswith("One dataset")


# -- reading --------------------------------------------------------------------------------------------------------------
def test_package_shape(anon, url):
    pkg = anon.action.package_show(id="air-quality")
    assert pkg["organization"]["name"] == "so-tnmt" and pkg["owner_org"] == pkg["organization"]["id"]
    assert {t["name"] for t in pkg["tags"]} == {"môi trường", "không khí"} and pkg["num_tags"] == 2
    assert {"key": "frequency", "value": "daily"} in pkg["extras"]
    assert pkg["license_id"] == "CC0-1.0" and pkg["isopen"] is True
    assert not pkg["metadata_modified"].endswith("Z") and "T" in pkg["metadata_modified"]
    formats = [r["format"] for r in pkg["resources"]]
    assert formats == ["CSV", "JSON", "XLSX", "Parquet"] and pkg["num_resources"] == 4
    csv = pkg["resources"][0]
    assert csv["url"] == f"{url}/datasets/air-quality/versions/1/data.csv"
    assert csv["datastore_active"] is True and csv["package_id"] == pkg["id"]
    assert csv["schema"]["fields"][0]["name"] == "station"
    assert anon.action.resource_show(id=csv["id"])["url"] == csv["url"]
    again = anon.action.package_show(id=pkg["id"])
    assert [r["id"] for r in again["resources"]] == [r["id"] for r in pkg["resources"]], "resource ids are stable"


def test_private_dataset_visibility(site, anon):
    assert "staff-secret" not in anon.action.package_list()
    with pytest.raises(NotFound):  # a private dataset does not exist for outsiders
        anon.action.package_show(id="staff-secret")
    with pytest.raises(NotFound):
        client(site, "editor1").action.package_show(id="staff-secret")  # another organisation's editor
    teacher = client(site, "teacher")
    assert teacher.action.package_show(id="staff-secret")["private"] is True
    found = teacher.action.package_search(include_private=True, fq="organization:so-gddt")
    assert {p["name"] for p in found["results"]} == {"schools", "staff-secret"}
    assert teacher.action.package_search(fq="organization:so-gddt")["count"] == 1, "private only when asked"
    assert anon.action.package_search(include_private=True)["count"] == 3


@pytest.mark.parametrize(("fq", "expected"), [
    ("organization:so-tnmt", {"air-quality", "lake-water"}),
    ("organization:so-tnmt OR organization:so-gddt", {"air-quality", "lake-water", "schools"}),
    ("-organization:so-tnmt", {"schools"}),
    ('tags:"môi trường" AND tags:nước', {"lake-water"}),
    ("+tags:môi* -name:lake-water", {"air-quality"}),
    ("res_format:CSV license_id:CC0-1.0", {"air-quality"}),
    ("organization:(so-gddt OR so-tnmt) -tags:nước", {"air-quality", "schools"}),
    ("metadata_modified:[2000-01-01T00:00:00Z TO *]", {"air-quality", "lake-water", "schools"}),
    ("metadata_modified:[NOW-1DAY TO NOW+1DAY]", {"air-quality", "lake-water", "schools"}),
    ("metadata_modified:[* TO 2000-01-01T00:00:00Z]", set()),
    ("title:nước", {"lake-water"}),
    ("extras_frequency:daily", {"air-quality"}),
])
def test_package_search_fq(anon, fq, expected):
    result = anon.action.package_search(fq=fq, rows=100)
    assert {p["name"] for p in result["results"]} == expected
    assert result["count"] == len(expected)


def test_package_search_q_sort_and_facets(anon):
    assert [p["name"] for p in anon.action.package_search(q="khong khi")["results"]] == ["air-quality"]
    assert [p["name"] for p in anon.action.package_search(q="name:schools")["results"]] == ["schools"]
    names = [p["name"] for p in anon.action.package_search(sort="name desc")["results"]]
    assert names == ["schools", "lake-water", "air-quality"]
    by_title = [p["name"] for p in anon.action.package_search(sort="title_string asc")["results"]]
    assert by_title == ["air-quality", "lake-water", "schools"]  # Chất lượng k… < Chất lượng n… < Danh sách
    facets = anon.action.package_search(rows=0, **{"facet.field": '["organization", "tags"]', "facet.limit": "1"})
    items = facets["search_facets"]["organization"]["items"]
    assert items == [{"name": "so-tnmt", "display_name": "Sở Tài nguyên và Môi trường", "count": 2}]
    assert facets["facets"]["tags"] == {"môi trường": 2}


def test_package_search_bad_input(url, anon):
    with pytest.raises(SearchQueryError):
        anon.action.package_search(qq="x")
    response = requests.post(url + "/api/3/action/package_search", json={"bogus": 1})
    assert response.status_code == 400 and response.json()["error"]["__type"] == "Search Query Error"
    with pytest.raises(SearchQueryError):
        anon.action.package_search(fq="organization:(so-tnmt")
    with pytest.raises(SearchQueryError):
        anon.action.package_search(fq="nosuchfield:x")
    with pytest.raises(SearchQueryError):
        anon.action.package_search(sort="colour asc")
    with pytest.raises(ValidationError):
        anon.action.package_search(rows="many")
    assert len(anon.action.package_search(rows=10**9)["results"]) == 3  # capped silently at 1000


def test_organizations_tags_licenses_groups(anon, site):
    assert anon.action.organization_list() == ["so-gddt", "so-tnmt"]  # by title: Sở Giáo… < Sở Tài…
    full = {o["name"]: o for o in anon.action.organization_list(all_fields=True)}
    assert full["so-gddt"]["package_count"] == 1, "private datasets are not counted for anonymous users"
    shown = anon.action.organization_show(id="so-tnmt", include_datasets=True)
    assert shown["description"] == "Môi trường, đất đai" and shown["package_count"] == 2
    assert [p["name"] for p in shown["packages"]] == ["air-quality", "lake-water"]
    with pytest.raises(NotFound):
        anon.action.organization_show(id="so-none")
    assert "nội bộ" not in anon.action.tag_list() and "nước" in anon.action.tag_list()
    assert anon.action.tag_list(query="môi") == ["môi trường"]
    assert any(lic["id"] == "CC-BY-4.0" for lic in anon.action.license_list())
    assert "envi" in anon.action.group_list()  # topics: the EU data themes (tests/test_ckan_actions_more.py)
    mine = client(site, "admin1").action.organization_list_for_user(permission="create_dataset")
    assert [(o["name"], o["capacity"]) for o in mine] == [("so-tnmt", "admin")]
    assert anon.action.organization_list_for_user() == []


# -- the datastore ----------------------------------------------------------------------------------------------------
def csv_resource(anon, name: str) -> str:
    return anon.action.package_show(id=name)["resources"][0]["id"]


def test_datastore_search_over_a_two_part_version(anon):
    rid = csv_resource(anon, "air-quality")
    first = anon.action.datastore_search(resource_id=rid)
    assert first["total"] == 260 and first["limit"] == 100 and len(first["records"]) == 100
    assert first["fields"][0] == {"id": "_id", "type": "int"}
    assert {"id": "district", "type": "text", "info": {"label": "Quận", "notes": "Quận/huyện"}} in first["fields"]
    assert {"id": "aqi", "type": "numeric"} in first["fields"] and {"id": "day", "type": "date"} in first["fields"]
    page = anon.action.datastore_search(resource_id=rid, offset=148, limit=4)["records"]
    assert [r["_id"] for r in page] == [149, 150, 151, 152]
    assert [r["station"] for r in page] == ["Trạm 148", "Trạm 149", "Trạm 150", "Trạm 151"], "_id follows the parts"
    assert page[0]["day"] == "2024-05-28"


def test_datastore_search_filters_q_sort_fields(anon, url):
    rid = csv_resource(anon, "air-quality")
    hoan_kiem = anon.action.datastore_search(resource_id=rid, filters={"district": "Hoàn Kiếm"}, limit=1000)
    assert hoan_kiem["total"] == 87 and {r["district"] for r in hoan_kiem["records"]} == {"Hoàn Kiếm"}
    two = anon.action.datastore_search(resource_id=rid, filters={"district": ["Hoàn Kiếm", "Tây Hồ"]}, limit=0)
    assert two["total"] == 87 + 86 and two["records"] == []
    by_date = anon.action.datastore_search(resource_id=rid, filters={"day": "2024-01-03"})
    assert [r["_id"] for r in by_date["records"]] == [3]
    assert anon.action.datastore_search(resource_id=rid, q="tay ho", limit=0)["total"] == 86
    assert anon.action.datastore_search(resource_id=rid, q={"station": "Trạm 25"}, limit=0)["total"] == 13  # 25, 125, 225, 250-259
    top = anon.action.datastore_search(resource_id=rid, sort="aqi desc", limit=2, fields="_id,aqi")
    assert top["records"] == [{"_id": 260, "aqi": 388.5}, {"_id": 259, "aqi": 387.0}]
    assert [f["id"] for f in top["fields"]] == ["_id", "aqi"]
    lists = anon.action.datastore_search(resource_id=rid, limit=1, fields=["station"], records_format="lists")
    assert lists["records"] == [["Trạm 0"]]
    capped = anon.action.datastore_search(resource_id=rid, limit=10**6, fields=["_id"])
    assert capped["limit"] == 32000 and len(capped["records"]) == 260
    for bad in ({"filters": {"nope": 1}}, {"fields": ["nope"]}, {"sort": "nope desc"}, {"limit": "x"},
                {"colour": "red"}, {"filters": {"aqi": "not a number"}}):
        with pytest.raises(ValidationError):
            anon.call_action("datastore_search", {"resource_id": rid, **bad})
    get = requests.get(url + "/api/3/action/datastore_search",
                       params={"id": rid, "filters": json.dumps({"district": "Đống Đa"}), "limit": "2"}).json()
    assert get["result"]["total"] == 87 and len(get["result"]["records"]) == 2


def test_datastore_of_private_or_missing_resources(site, anon):
    teacher = client(site, "teacher")
    rid = csv_resource(teacher, "staff-secret")
    with pytest.raises(NotFound):
        anon.action.datastore_search(resource_id=rid)
    assert teacher.action.datastore_search(resource_id=rid)["total"] == 5
    with pytest.raises(NotFound):
        anon.action.datastore_search(resource_id="00000000-0000-0000-0000-000000000000")


def test_datastore_search_sql(anon, site):
    rid = csv_resource(anon, "air-quality")
    count = anon.action.datastore_search_sql(sql=f'SELECT count(*) AS n FROM "{rid}" WHERE district = \'Tây Hồ\';')
    assert count["records"] == [{"n": 86}] and count["fields"] == [{"id": "n", "type": "int"}]
    rows = anon.action.datastore_search_sql(sql=f'SELECT _id, station FROM "{rid}" WHERE _id BETWEEN 150 AND 151 '
                                                'ORDER BY _id -- last line comment')["records"]
    assert rows == [{"_id": 150, "station": "Trạm 149"}, {"_id": 151, "station": "Trạm 150"}]
    with pytest.raises(NotAuthorized):
        anon.action.datastore_search_sql(sql=f'DROP VIEW "{rid}"')
    with pytest.raises(ValidationError):
        anon.action.datastore_search_sql(sql=f'SELECT nope FROM "{rid}"')
    secret = csv_resource(client(site, "teacher"), "staff-secret")
    with pytest.raises((NotAuthorized, NotFound)):
        anon.action.datastore_search_sql(sql=f'SELECT * FROM "{secret}"')


# -- writing ----------------------------------------------------------------------------------------------------------
def test_create_patch_update_delete(site, anon):
    editor = client(site, "editor1")
    with pytest.raises(NotAuthorized):
        anon.action.package_create(name="new-one", owner_org="so-tnmt")
    with pytest.raises(NotAuthorized):
        editor.action.package_create(name="new-one", owner_org="so-gddt")  # not their organisation
    with pytest.raises(ValidationError) as bad_name:
        editor.action.package_create(name="Bad_Name", owner_org="so-tnmt")
    assert "name" in bad_name.value.error_dict
    with pytest.raises(ValidationError) as no_org:
        editor.action.package_create(name="new-one", owner_org="so-nowhere")
    assert "owner_org" in no_org.value.error_dict
    created = editor.action.package_create(
        name="new-one", title="Mới", owner_org="so-tnmt", notes="Ghi chú", license_id="cc-by",
        tags=[{"name": "thử"}], extras=[{"key": "nguon", "value": "Sở"}, {"key": "frequency", "value": "monthly"}],
        resources=[{"url": "example.org/map.pdf", "name": "Bản đồ"}])
    assert created["license_id"] == "CC-BY-4.0" and created["private"] is False
    assert created["extras"] == [{"key": "frequency", "value": "monthly"}, {"key": "nguon", "value": "Sở"}]
    link = created["resources"][0]
    assert link["url"] == "http://example.org/map.pdf" and link["format"] == "PDF"
    assert link["datastore_active"] is False
    with pytest.raises(ValidationError) as duplicate:
        editor.action.package_create(name="new-one", owner_org="so-tnmt")
    assert duplicate.value.error_dict["name"] == ["Địa chỉ URL đó đã được dùng."]

    patched = editor.action.package_patch(id="new-one", notes="Sửa")
    assert patched["notes"] == "Sửa" and patched["title"] == "Mới" and patched["resources"][0]["id"] == link["id"]
    assert patched["metadata_modified"] >= created["metadata_modified"]
    whole = editor.action.package_show(id="new-one")
    whole["title"] = "Mới hơn"
    whole["resources"].append({"url": "https://example.org/b.zip", "name": "B"})
    updated = editor.call_action("package_update", whole)
    assert updated["title"] == "Mới hơn" and updated["notes"] == "Sửa" and updated["num_resources"] == 2
    assert updated["resources"][0]["id"] == link["id"]
    cleared = editor.call_action("package_update", {"id": "new-one", "title": "Chỉ tiêu đề"})
    assert cleared["notes"] == "" and cleared["tags"] == [] and cleared["num_resources"] == 2, \
        "package_update clears fields left out, keeps resources left out"
    res = editor.action.resource_create(package_id="new-one", url="https://example.org/c.geojson", name="C")
    assert res["format"] == "GEOJSON" and anon.action.resource_show(id=res["id"])["name"] == "C"
    with pytest.raises(NotAuthorized):
        client(site, "teacher").action.package_patch(id="new-one", notes="x")

    editor.action.package_delete(id="new-one")
    assert "new-one" not in anon.action.package_list()
    assert anon.action.package_search(q="name:new-one")["count"] == 0
    with pytest.raises(NotFound):
        anon.action.package_show(id="new-one")
    assert editor.action.package_show(id="new-one")["state"] == "deleted"


def test_resource_patch_update_delete(site, anon):
    editor = client(site, "editor1")
    editor.action.package_create(name="links-only", owner_org="so-tnmt")
    res = editor.action.resource_create(package_id="links-only", url="https://example.org/a.pdf", name="A")
    patched = editor.action.resource_patch(id=res["id"], description="Bản đồ quận")
    assert patched["description"] == "Bản đồ quận" and patched["url"] == res["url"] and patched["name"] == "A"
    updated = editor.action.resource_update(id=res["id"], url="https://example.org/b.docx")
    assert updated["url"] == "https://example.org/b.docx" and updated["format"] == "DOCX"
    assert updated["name"] == "" and updated["id"] == res["id"], "resource_update replaces the fields"
    derived = anon.action.package_show(id="lake-water")["resources"][0]["id"]
    with pytest.raises(ValidationError):
        editor.action.resource_patch(id=derived, name="renamed")
    with pytest.raises(NotAuthorized):
        client(site, "teacher").action.resource_delete(id=res["id"])
    editor.action.resource_delete(id=res["id"])
    assert anon.action.package_show(id="links-only")["resources"] == []
    with pytest.raises(NotFound):
        anon.action.resource_show(id=res["id"])


def test_organization_member_create(site):
    with pytest.raises(NotAuthorized):
        client(site, "editor1").action.organization_member_create(id="so-tnmt", username="newbie", role="editor")
    member = client(site, "admin1").action.organization_member_create(id="so-tnmt", username="newbie",
                                                                      role="editor")
    assert member["capacity"] == "editor" and member["table_name"] == "user"
    with pytest.raises(ValidationError):  # member, editor and admin are the roles (member: tests/test_ckan_actions_more.py)
        client(site, "admin1").action.organization_member_create(id="so-tnmt", username="newbie", role="owner")


def test_oversize_upload_is_413(site, url):
    body = b"a,b\n" + b"1,2\n" * 2000
    response = requests.post(url + "/api/3/action/resource_create", data={"package_id": "lake-water"},
                             files={"upload": ("big.csv", io.BytesIO(body))},
                             headers={"Authorization": site[1]["editor1"]})
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["__type"] == "Validation Error" and "giới hạn" in error["message"]
    with pytest.raises(ValidationError):
        client(site, "editor1").action.resource_create(package_id="lake-water",
                                                       upload=("big.csv", io.BytesIO(body)))
