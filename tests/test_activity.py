"""The activity stream over a real server: public fields only, private datasets hidden from outsiders, cursor
pages that stay stable while versions are published, and the CKAN activity actions read with ckanapi."""

from __future__ import annotations

import threading

import ckanapi
import pytest
import requests

from catalog.accounts import Accounts
from catalog.metadata import Catalog
from conftest import ServerProcess
from pipelines.publish import publish

SCHEMA = {"fields": [{"name": "ma", "type": "string"}, {"name": "gia_tri", "type": "integer"}]}
PUBLIC, PRIVATE = "gia-dat", "ho-so-noi-bo"


def publish_csv(cat: Catalog, folder, dataset: str, rows: int, **meta) -> None:
    path = folder / f"{dataset}-{rows}.csv"
    path.write_text("ma,gia_tri\n" + "".join(f"M{i},{i}\n" for i in range(rows)), encoding="utf-8")
    result = publish(cat, path, dataset=dataset, org="so-tnmt", schema=SCHEMA, meta=meta, origin="10.9.8.7")
    assert result.status == "published", result.report


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("activity")
    cat = Catalog(root / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường", origin="10.9.8.7")
    cat.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    publish_csv(cat, root, PUBLIC, 2, title="Giá đất")
    publish_csv(cat, root, PUBLIC, 3)
    publish_csv(cat, root, PRIVATE, 2, title="Hồ sơ nội bộ", private=True)
    cat.update_dataset(PUBLIC, description="Bảng giá đất 2025", origin="10.9.8.7")
    accounts = Accounts(cat)
    tokens = {}
    for user, org in (("tnmt-editor", "so-tnmt"), ("gddt-editor", "so-gddt")):
        accounts.add_user(user)
        accounts.add_member(org, user, "editor", actor="test")
        tokens[user] = accounts.create_token(user)[0]
    cat.dispose()
    server = ServerProcess(root / "home")
    yield server, tokens, cat, root
    server.stop()


def activity(server, token=None, **params) -> requests.Response:
    headers = {"Authorization": token} if token else {}
    return requests.get(server.url + "/api/v1/activity", params=params, headers=headers, timeout=10)


def test_the_stream_lists_publishes_updates_and_organisations_newest_first_without_private_fields(site):
    server, _, _, _ = site
    answer = activity(server)
    assert answer.status_code == 200
    entries = answer.json()["activity"]
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    types = [(e["type"], e.get("dataset") or e.get("org")) for e in entries]
    assert ("dataset.updated", PUBLIC) == types[0]
    assert types.count(("dataset.version_published", PUBLIC)) == 2 and ("organization.created", "so-gddt") in types
    published = [e for e in entries if e["type"] == "dataset.version_published"]
    assert [e["version"] for e in published] == [2, 1] and published[0]["rows"] == 3
    assert entries[0]["changed"] == ["description"]
    assert "10.9.8.7" not in answer.text and "origin" not in answer.text and "odp_" not in answer.text
    assert not any(e["type"].startswith(("member", "user", "token")) for e in entries)


def test_private_datasets_are_hidden_from_everyone_but_their_organisation(site):
    server, tokens, _, _ = site
    names = lambda answer: {e.get("dataset") for e in answer.json()["activity"]}  # noqa: E731
    assert PRIVATE not in names(activity(server))
    assert PRIVATE not in names(activity(server, tokens["gddt-editor"]))
    assert PRIVATE in names(activity(server, tokens["tnmt-editor"]))
    assert activity(server, dataset=PRIVATE).status_code == 404
    assert activity(server, tokens["tnmt-editor"], dataset=PRIVATE).json()["activity"][0]["dataset"] == PRIVATE


def test_filters_and_bad_parameters_answer_clearly(site):
    server, _, _, _ = site
    only = activity(server, dataset=PUBLIC).json()["activity"]
    assert only and {e["dataset"] for e in only} == {PUBLIC}
    by_org = activity(server, org="so-gddt").json()["activity"]
    assert [e["type"] for e in by_org] == ["organization.created"]
    assert activity(server, since="2999-01-01").json()["activity"] == []
    for params in ({"cursor": "abc"}, {"limit": "0"}, {"limit": "501"}, {"since": "yesterday-ish"},
                   {"cursor": str(2**70)}):
        bad = activity(server, **params)
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_input", params
    assert activity(server, org="no-such-org").status_code == 404


def test_cursor_pages_stay_stable_while_versions_are_published(site):
    server, _, cat, root = site
    first = activity(server, limit=2).json()
    top = first["activity"][0]["id"]
    stop = threading.Event()

    def keep_publishing():
        rows = 10
        while not stop.is_set():
            rows += 1
            publish_csv(cat, root, PUBLIC, rows)

    publisher = threading.Thread(target=keep_publishing)
    publisher.start()
    try:
        seen, page = [], first
        while True:
            seen += [e["id"] for e in page["activity"]]
            if not page["next_url"]:
                break
            page = requests.get(page["next_url"], timeout=10).json()
    finally:
        stop.set()
        publisher.join()
    newer = activity(server, limit=500).json()["activity"]
    assert newer[0]["id"] > top, "versions were published while paging"
    assert seen == sorted(set(seen), reverse=True), "no entry repeated, strictly older page after page"
    assert seen == [e["id"] for e in newer if e["id"] <= top], "no entry lost"


def test_ckanapi_reads_the_activity_actions_in_ckans_shape(site):
    server, tokens, _, _ = site
    ckan = ckanapi.RemoteCKAN(server.url)
    listed = ckan.action.package_activity_list(id=PUBLIC)
    assert listed[-1]["activity_type"] == "new package" and listed[0]["activity_type"] == "changed package"
    first = listed[0]
    assert set(first) >= {"id", "timestamp", "user_id", "object_id", "activity_type", "data"}
    assert first["data"]["package"]["name"] == PUBLIC and first["object_id"] == first["data"]["package"]["id"]
    assert not first["timestamp"].endswith("Z")
    assert len(ckan.action.package_activity_list(id=PUBLIC, limit=1)) == 1
    assert ckan.action.package_activity_list(id=PUBLIC, offset=1)[0]["id"] == listed[1]["id"]

    org = ckan.action.organization_activity_list(id="so-tnmt")
    assert org[-1]["activity_type"] == "new organization" and org[-1]["data"]["group"]["name"] == "so-tnmt"
    assert PRIVATE not in {a["data"].get("package", {}).get("name") for a in org}
    recent = ckan.action.recently_changed_packages_activity_list()
    assert recent and all("package" in a["data"] for a in recent)
    assert PRIVATE not in {a["data"]["package"]["name"] for a in recent}
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_activity_list(id=PRIVATE)
    insider = ckanapi.RemoteCKAN(server.url, apikey=tokens["tnmt-editor"])
    assert insider.action.package_activity_list(id=PRIVATE)[0]["data"]["package"]["private"] is True
