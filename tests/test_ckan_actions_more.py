"""The rest of the CKAN Action API, over real HTTP with the real ``ckanapi`` client: topics as groups,
organisations managed by site admins, package_revise, dataset_purge, the autocomplete actions, the ``member``
role, and the datastore write actions (each write a new version)."""

from __future__ import annotations

import pytest
import requests
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, ValidationError
from test_ckan_api import add_table

from catalog.accounts import Accounts
from catalog.metadata import Catalog
from conftest import ServerProcess


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = tmp_path_factory.mktemp("ckan-more") / "home"
    cat = Catalog(home)
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    cat.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    add_table(cat, "air-quality", "so-tnmt", "Chất lượng không khí Hà Nội", ["môi trường", "không khí"], [(0, 20)])
    add_table(cat, "schools", "so-gddt", "Danh sách trường học", ["giáo dục"], [(0, 12)])
    add_table(cat, "staff-secret", "so-gddt", "Dữ liệu nội bộ", ["nội bộ"], [(0, 5)], private=True)
    accounts = Accounts(cat)
    tokens = {}
    for user, org, role in (("editor1", "so-tnmt", "editor"), ("gd-admin", "so-gddt", "admin"),
                            ("reader", None, None), ("root", None, None)):
        accounts.add_user(user, sysadmin=user == "root")
        if org:
            accounts.add_member(org, user, role, actor="test")
        tokens[user] = accounts.create_token(user)[0]
    cat.dispose()
    server = ServerProcess(home)
    yield server, tokens
    server.stop()


def ckan(site, user: str | None = None) -> RemoteCKAN:
    server, tokens = site
    return RemoteCKAN(server.url, apikey=tokens[user] if user else None)


# -- topics ---------------------------------------------------------------------------------------------------------
def test_groups_are_the_eu_data_themes_and_a_dataset_is_in_the_groups_of_its_themes(site):
    anonymous = ckan(site)
    names = anonymous.action.group_list()
    assert "envi" in names and "educ" in names and len(names) == 13
    envi = anonymous.action.group_show(id="envi", include_datasets=True)
    assert envi["title"] == "Môi trường" and envi["description"] == "Environment"
    assert [p["name"] for p in envi["packages"]] == ["air-quality"] and envi["package_count"] == 1
    assert [g["name"] for g in anonymous.action.package_show(id="air-quality")["groups"]] == ["envi"]
    counted = {g["name"]: g["package_count"] for g in anonymous.action.group_list(all_fields=True, limit=25)}
    assert counted["educ"] == 1 and counted["tran"] == 0
    with pytest.raises(NotFound):
        anonymous.action.group_show(id="no-such-topic")


# -- organisations --------------------------------------------------------------------------------------------------
def test_only_a_site_admin_creates_updates_and_deletes_organizations(site):
    with pytest.raises(NotAuthorized):
        ckan(site, "editor1").action.organization_create(name="so-xd", title="Sở Xây dựng")
    root = ckan(site, "root")
    wanted_id = "7c1e6a52-0d5f-4f59-9d8e-4ad1c1b1e001"
    created = root.action.organization_create(name="so-xd", title="Sở Xây dựng", id=wanted_id)
    assert created["id"] == wanted_id and created["title"] == "Sở Xây dựng"
    with pytest.raises(ValidationError):
        root.action.organization_create(name="so-xd", title="again")
    assert root.action.organization_update(id="so-xd", title="Sở Xây dựng Hà Nội")["title"] == "Sở Xây dựng Hà Nội"
    assert root.action.organization_patch(id="so-xd", description="Xây dựng")["title"] == "Sở Xây dựng Hà Nội"
    with pytest.raises(ValidationError):  # not while it has datasets
        root.action.organization_delete(id="so-tnmt")
    root.action.organization_delete(id="so-xd")
    with pytest.raises(NotFound):
        root.action.organization_show(id="so-xd")


# -- package_revise and dataset_purge ----------------------------------------------------------------------------
def test_package_revise_matches_filters_and_updates(site):
    editor = ckan(site, "editor1")
    editor.action.package_create(name="revise-me", owner_org="so-tnmt", title="Trước", notes="x",
                                 tags=[{"name": "a"}, {"name": "b"}],
                                 resources=[{"url": "https://example.org/a.pdf", "name": "A"},
                                            {"url": "https://example.org/b.pdf", "name": "B"}])
    revised = editor.action.package_revise(match={"name": "revise-me", "title": "Trước"},
                                           filter=["-resources__0"], update={"title": "Sau"},
                                           update__resources__0__description="only B is left")
    package = revised["package"]
    assert package["title"] == "Sau" and package["notes"] == "x" and [t["name"] for t in package["tags"]] == ["a", "b"]
    assert [(r["name"], r["description"]) for r in package["resources"]] == [("B", "only B is left")]
    with pytest.raises(ValidationError) as stale:  # the title no longer matches: nothing is overwritten
        editor.action.package_revise(match={"name": "revise-me", "title": "Trước"}, update={"title": "X"})
    assert "title" in str(stale.value.error_dict["match"])
    appended = editor.action.package_revise(match={"name": "revise-me"},
                                            update__resources__extend=[{"url": "https://example.org/c.pdf",
                                                                        "name": "C"}])
    assert [r["name"] for r in appended["package"]["resources"]] == ["B", "C"]
    with pytest.raises(NotAuthorized):
        ckan(site, "reader").action.package_revise(match={"name": "air-quality"}, update={"title": "hacked"})


def test_dataset_purge_removes_the_dataset_its_versions_and_files_for_site_admins_only(site):
    server, _ = site
    storage = Catalog(server.home).storage  # the site's data/ folder, or its prefix on S3
    files = [key for key in storage.list() if key.startswith("schools/") and key.endswith(".parquet")]
    assert files
    with pytest.raises(NotAuthorized):
        ckan(site, "gd-admin").action.dataset_purge(id="schools")
    ckan(site, "root").action.dataset_purge(id="schools")
    with pytest.raises(NotFound):
        ckan(site, "root").action.package_show(id="schools")
    assert not any(storage.exists(key) for key in files)
    assert requests.get(f"{server.url}/datasets/schools/versions/1/data.csv", timeout=10).status_code == 404


# -- autocomplete, tags, licences --------------------------------------------------------------------------------
def test_package_autocomplete_matches_name_and_title_prefixes_without_accents(site):
    anonymous = ckan(site)
    by_title = anonymous.action.package_autocomplete(q="chat luong")
    assert [(m["name"], m["match_field"]) for m in by_title] == [("air-quality", "title")]
    assert anonymous.action.package_autocomplete(q="air")[0]["match_field"] == "name"
    assert anonymous.action.package_autocomplete(q="du lieu noi") == []  # private: not for outsiders
    assert [m["name"] for m in ckan(site, "root").action.package_autocomplete(q="du lieu noi")] == ["staff-secret"]
    assert "CSV" in anonymous.action.format_autocomplete(q="cs")
    assert anonymous.action.tag_list(query="khí") == ["không khí"]
    assert {"id", "title", "url"} <= set(anonymous.action.license_list()[0])
    with pytest.raises(ValidationError):
        anonymous.action.package_autocomplete()


# -- the member role ---------------------------------------------------------------------------------------------
def test_a_member_reads_private_datasets_but_cannot_write(site):
    admin, reader = ckan(site, "gd-admin"), ckan(site, "reader")
    with pytest.raises(NotFound):
        reader.action.package_show(id="staff-secret")
    member = admin.action.member_create(id="so-gddt", object="reader", object_type="user", capacity="member")
    assert member["capacity"] == "member"
    assert reader.action.package_show(id="staff-secret")["private"] is True
    with pytest.raises(NotAuthorized):
        reader.action.package_patch(id="staff-secret", title="changed")
    with pytest.raises(NotAuthorized):
        reader.action.package_create(name="by-member", owner_org="so-gddt")
    admin.action.member_delete(id="so-gddt", object="reader", object_type="user")
    with pytest.raises(NotFound):
        reader.action.package_show(id="staff-secret")
    with pytest.raises(ValidationError):
        admin.action.member_create(id="so-gddt", object="reader", object_type="user", capacity="owner")


# -- datastore writes ----------------------------------------------------------------------------------------------
def test_datastore_writes_publish_a_new_version_each_and_upsert_by_primary_key(site):
    server, _ = site
    editor = ckan(site, "editor1")
    editor.action.package_create(name="stations", owner_org="so-tnmt", title="Trạm quan trắc")
    created = editor.action.datastore_create(
        resource={"package_id": "stations", "name": "stations"}, primary_key="code",
        fields=[{"id": "code", "type": "text"}, {"id": "name", "type": "text"}, {"id": "pm25", "type": "numeric"}],
        records=[{"code": "HK", "name": "Hoàn Kiếm", "pm25": 40.5}, {"code": "DD", "name": "Đống Đa", "pm25": 55}])
    rid = created["resource_id"]
    assert created["version"] == 1 and created["primary_key"] == ["code"]
    upserted = editor.action.datastore_upsert(resource_id=rid, method="upsert",
                                              records=[{"code": "DD", "pm25": 60}, {"code": "TH", "name": "Tây Hồ",
                                                                                    "pm25": 20}])
    assert upserted["version"] == 2
    rows = editor.action.datastore_search(resource_id=rid, sort="code")["records"]
    assert [(r["code"], r["name"], r["pm25"]) for r in rows] == [("DD", "Đống Đa", 60), ("HK", "Hoàn Kiếm", 40.5),
                                                                ("TH", "Tây Hồ", 20)]
    deleted = editor.action.datastore_delete(resource_id=rid, filters={"code": "HK"})
    assert deleted["deleted"] == 1 and deleted["version"] == 3
    assert editor.action.datastore_search(resource_id=rid)["total"] == 2
    versions = requests.get(f"{server.url}/api/v1/datasets/stations/versions", timeout=10).json()["versions"]
    assert [v["number"] for v in versions] == [3, 2, 1]
    with pytest.raises(ValidationError):  # a record of the wrong type changes nothing
        editor.action.datastore_upsert(resource_id=rid, records=[{"code": "X", "pm25": "lots"}])
    with pytest.raises(ValidationError):  # insert refuses an existing key
        editor.action.datastore_upsert(resource_id=rid, method="insert", records=[{"code": "DD", "pm25": 1}])
    with pytest.raises(ValidationError):  # an unknown column
        editor.action.datastore_upsert(resource_id=rid, records=[{"code": "DD", "colour": "red"}])
    assert editor.action.datastore_search(resource_id=rid)["total"] == 2


def test_datastore_writes_refuse_datasets_published_from_files(site):
    editor = ckan(site, "editor1")
    rid = editor.action.package_show(id="air-quality")["resources"][0]["id"]
    with pytest.raises(ValidationError):
        editor.action.datastore_upsert(resource_id=rid, records=[{"station": "x"}])
    with pytest.raises(ValidationError):
        editor.action.datastore_create(resource={"package_id": "air-quality"}, fields=[{"id": "a"}])
