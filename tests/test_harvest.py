"""Harvest from a CKAN portal: a second instance of our own server on 127.0.0.1, over real HTTP, via ckanapi."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ckanapi import RemoteCKAN

from catalog.accounts import Accounts
from catalog.metadata import Catalog
from conftest import REPO, ServerProcess
from pipelines.ckan.harvest import harvest_ckan
from pipelines.publish import publish

STOPS_SCHEMA = {"fields": [
    {"name": "stop_id", "type": "integer"}, {"name": "name", "type": "string", "title": "Tên điểm dừng"},
    {"name": "district", "type": "string"}, {"name": "lat", "type": "number"}, {"name": "lon", "type": "number"},
], "primaryKey": ["stop_id"]}
STOPS = "stop_id,name,district,lat,lon\n1,Bờ Hồ,Hoàn Kiếm,21.028,105.852\n2,Kim Mã,Ba Đình,21.031,105.818\n"
MORE_STOPS = STOPS + "3,Cầu Giấy,Cầu Giấy,21.036,105.790\n"
UPLOADED = "ma,ten,so_luong\n1,Chợ Đồng Xuân,120\n2,Chợ Hôm,80\n"


def start_portal(tmp_path: Path, database: str | None = None):
    """A source portal: one published dataset, one with only a PDF link, one created and uploaded via the API."""
    home = tmp_path / "portal"
    cat = Catalog(home, url=database)
    cat.init()
    cat.add_org("so-gtvt", "Sở Giao thông Vận tải", "Giao thông")
    cat.add_org("so-ct", "Sở Công Thương")
    (tmp_path / "stops.csv").write_text(STOPS, encoding="utf-8")
    assert publish(cat, tmp_path / "stops.csv", dataset="bus-stops", org="so-gtvt", schema=STOPS_SCHEMA,
                   meta={"title": "Điểm dừng xe buýt", "tags": ["giao thông", "xe buýt"], "license": "CC0-1.0",
                         "frequency": "monthly"}).ok
    accounts = Accounts(cat)
    accounts.add_user("portal-admin", sysadmin=True)
    token = accounts.create_token("portal-admin")[0]
    cat.dispose()
    server = ServerProcess(home)
    api = RemoteCKAN(server.url, apikey=token)
    api.action.package_create(name="district-report", owner_org="so-gtvt", title="Báo cáo quận",
                              resources=[{"url": "https://example.org/bao-cao.pdf", "name": "Báo cáo"}])
    api.action.package_create(name="markets", owner_org="so-ct", title="Chợ dân sinh", tags=[{"name": "chợ"}],
                              extras=[{"key": "nguon", "value": "Sở Công Thương"}])
    api.action.resource_create(package_id="markets", name="Chợ.csv", format="CSV",
                               upload=("cho.csv", io.BytesIO(UPLOADED.encode())))
    return server, api, tmp_path


@pytest.fixture(autouse=True)
def private_urls_allowed(monkeypatch):
    """These portals run on 127.0.0.1, which only the setting allows (the refusal is tested at the end)."""
    monkeypatch.setenv("OPENDATA_ALLOW_PRIVATE_URLS", "true")


@pytest.fixture
def portal(tmp_path, own_database):
    """A portal of one's own, for tests that change it."""
    started = start_portal(tmp_path, own_database())
    yield started
    started[0].stop()


@pytest.fixture(scope="module")
def shared_portal(tmp_path_factory):
    """One portal for the tests that only read it."""
    started = start_portal(tmp_path_factory.mktemp("harvest"))
    yield started
    started[0].stop()


@pytest.fixture
def local(tmp_path):
    cat = Catalog(tmp_path / "local")
    cat.init()
    yield cat
    cat.dispose()


def statuses(result) -> dict[str, str]:
    return {item.dataset: item.status for item in result.items}


def test_harvest_maps_metadata_imports_tables_and_is_idempotent(portal, local):
    server, api, tmp_path = portal
    first = harvest_ckan(local, server.url)
    assert first.ok, first.to_dict()
    assert statuses(first) == {"bus-stops": "created", "district-report": "created", "markets": "created"}

    stops = local.get_dataset("bus-stops")
    assert stops["title"] == "Điểm dừng xe buýt" and stops["org"] == "so-gtvt" and stops["license"] == "CC0-1.0"
    assert stops["tags"] == ["giao thông", "xe buýt"] and stops["frequency"] == "monthly"
    assert local.get_org("so-gtvt")["title"] == "Sở Giao thông Vận tải", "the organisation came along"
    assert stops["schema"]["primaryKey"] == ["stop_id"], "the portal's Table Schema was used"
    version = local.latest_version("bus-stops")
    assert version["rows"] == 2 and version["publisher"] == "harvest" and version["validation"]["valid"]
    markets = local.get_dataset("markets")
    assert markets["extras"]["nguon"] == "Sở Công Thương" and local.latest_version("markets")["rows"] == 2
    assert [f["name"] for f in markets["schema"]["fields"]] == ["ma", "ten", "so_luong"]
    report = local.get_dataset("district-report")
    assert report["latest_version"] is None
    links = report["extras"]["_ckan"]["resources"]
    assert [(r["url"], r["format"], r["name"]) for r in links] == [("https://example.org/bao-cao.pdf", "PDF",
                                                                    "Báo cáo")]

    audit_before = len(local.list_audit())
    versions_before = len(local.all_versions())
    second = harvest_ckan(local, server.url)
    assert second.ok and set(statuses(second).values()) == {"unchanged"}
    assert len(local.all_versions()) == versions_before
    assert [a["action"] for a in local.list_audit()[: len(local.list_audit()) - audit_before]] == ["harvest"]

    # The portal publishes new data: only that dataset gets a new version.
    (tmp_path / "more.csv").write_text(MORE_STOPS, encoding="utf-8")
    portal_cat = Catalog(server.home)
    assert publish(portal_cat, tmp_path / "more.csv", dataset="bus-stops").status == "published"
    third = harvest_ckan(local, server.url)
    assert statuses(third) == {"bus-stops": "updated", "district-report": "unchanged", "markets": "unchanged"}
    assert local.latest_version("bus-stops")["number"] == 2 and local.latest_version("bus-stops")["rows"] == 3


def test_harvest_filters_by_org_query_and_since(shared_portal, local):
    server, _, _ = shared_portal
    assert set(statuses(harvest_ckan(local, server.url, org="so-ct"))) == {"markets"}
    assert set(statuses(harvest_ckan(local, server.url, query="buýt"))) == {"bus-stops"}
    assert harvest_ckan(local, server.url, since="2999-01-01").items == []


def test_a_half_way_failure_is_reported_and_a_rerun_finishes(portal, local):
    server, api, _ = portal
    api.action.package_create(name="broken-feed", owner_org="so-ct", title="Nguồn hỏng",
                              resources=[{"url": "http://127.0.0.1:9/feed.csv", "format": "CSV"}])
    first = harvest_ckan(local, server.url)
    assert not first.ok
    assert statuses(first)["broken-feed"] == "failed" and statuses(first)["markets"] == "created"
    failed = next(i for i in first.items if i.status == "failed")
    assert "ConnectionError" in failed.messages[0]
    assert local.find_dataset("broken-feed") is None

    good_url = api.action.package_show(id="markets")["resources"][0]["url"]
    feed = api.action.package_show(id="broken-feed")
    feed["resources"][0]["url"] = good_url
    api.call_action("package_update", feed)
    second = harvest_ckan(local, server.url)
    assert second.ok, second.to_dict()
    assert statuses(second)["broken-feed"] == "created"
    assert {s for n, s in statuses(second).items() if n != "broken-feed"} == {"unchanged"}
    assert sorted(d["name"] for d in local.list_datasets()) == ["broken-feed", "bus-stops", "district-report",
                                                                "markets"], "no duplicates"


def test_a_file_that_breaks_its_declared_schema_is_reported_with_its_report(portal, local):
    server, api, _ = portal
    strict = {"fields": [{"name": "ma", "type": "integer"}, {"name": "ten", "type": "string"},
                         {"name": "so_luong", "type": "integer", "constraints": {"minimum": 100}}]}
    upload_url = api.action.package_show(id="markets")["resources"][0]["url"]
    api.action.package_create(name="big-markets", owner_org="so-ct", title="Chợ lớn",
                              resources=[{"url": upload_url, "format": "CSV", "schema": strict}])
    result = harvest_ckan(local, server.url, org="so-ct")
    assert statuses(result) == {"big-markets": "invalid", "markets": "created"}
    invalid = next(i for i in result.items if i.status == "invalid")
    assert invalid.report and not invalid.report["valid"], "the validation report is kept"
    assert any("chưa xong: big-markets" in line for line in result.not_done())
    assert local.find_dataset("big-markets") is None
    assert [a["dataset"] for a in local.list_audit() if a["action"] == "harvest.invalid"] == ["big-markets"]


def test_a_portal_that_fails_to_list_is_reported(shared_portal, local):
    server, _, _ = shared_portal
    result = harvest_ckan(local, server.url + "/not-ckan")
    assert not result.ok and result.items == []
    assert "package_search với start=0 thất bại" in result.errors[0]
    assert "hãy chạy lại" in result.summary()


def test_harvest_command_line(shared_portal, local):
    server, _, _ = shared_portal
    env = {**os.environ, "OPENDATA_HOME": str(local.home.root)}
    cmd = [sys.executable, "-m", "cli", "harvest", "ckan", server.url, "--org", "so-gtvt"]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "2 đã tạo" in proc.stdout
    again = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "2 không đổi" in again.stdout
    bad = subprocess.run([sys.executable, "-m", "cli", "harvest", "ckan", server.url, "--since", "yesterday"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "không đọc được ngày" in bad.stderr and "Traceback" not in bad.stderr


def test_harvested_download_links_are_immutable(shared_portal, local):
    server, api, _ = shared_portal
    harvest_ckan(local, server.url, org="so-gtvt")
    source = api.action.package_show(id="bus-stops")
    provenance = local.get_dataset("bus-stops")["extras"]["_ckan"]["harvest"]
    assert provenance["source"] == server.url and provenance["package_id"] == source["id"]
    assert provenance["resource_fingerprint"][0].endswith("/datasets/bus-stops/versions/1/data.parquet")
    assert Path(local.version_file(local.latest_version("bus-stops"))).is_file()


def test_harvest_from_a_loopback_address_is_refused_with_a_clear_message_unless_the_setting_allows_it(
        shared_portal, local):
    server, _, _ = shared_portal
    env = {k: v for k, v in os.environ.items() if k != "OPENDATA_ALLOW_PRIVATE_URLS"}
    env["OPENDATA_HOME"] = str(local.home.root)
    cmd = [sys.executable, "-m", "cli", "harvest", "ckan", server.url, "--org", "so-ct"]
    refused = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "127.0.0.1" in refused.stderr and "OPENDATA_ALLOW_PRIVATE_URLS=true" in refused.stderr
    assert local.list_datasets(include_private=True) == []
    allowed = subprocess.run(cmd, cwd=REPO, env={**env, "OPENDATA_ALLOW_PRIVATE_URLS": "true"},
                             capture_output=True, text=True, timeout=300)
    assert allowed.returncode == 0 and "1 đã tạo" in allowed.stdout, allowed.stderr
