"""Push to a CKAN portal: a second instance of our own server on 127.0.0.1, over real HTTP, via ckanapi."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from ckanapi import RemoteCKAN

from catalog.accounts import Accounts
from catalog.errors import Forbidden
from catalog.metadata import Catalog
from conftest import REPO, ServerProcess, free_port
from pipelines.ckan.push import push_ckan
from pipelines.publish import publish

SCHEMA = {"fields": [{"name": "district", "type": "string"}, {"name": "rain_mm", "type": "number"}]}
SITE = "https://data.hanoi.example"


@pytest.fixture(autouse=True)
def private_urls_allowed(monkeypatch):
    """These portals run on 127.0.0.1, which only the setting allows (the refusal is tested at the end)."""
    monkeypatch.setenv("OPENDATA_ALLOW_PRIVATE_URLS", "true")


@pytest.fixture
def local(tmp_path):
    cat = Catalog(tmp_path / "local")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    cat.add_org("so-xd", "Sở Xây dựng")
    for name, org, rows in (("rainfall", "so-tnmt", 3), ("lakes", "so-tnmt", 2), ("permits", "so-xd", 4)):
        path = tmp_path / f"{name}.csv"
        path.write_text("district,rain_mm\n" + "".join(f"Quận {i},{i * 1.5}\n" for i in range(rows)), encoding="utf-8")
        assert publish(cat, path, dataset=name, org=org, schema=SCHEMA, meta={"title": f"Dữ liệu {name}",
                                                                              "tags": ["thử nghiệm"]}).ok
    cat.create_dataset("hidden", "so-tnmt", title="Riêng", private=True)
    yield cat
    cat.dispose()


@pytest.fixture
def portal(tmp_path, own_database):
    """The target portal knows so-tnmt but not so-xd; the token may edit so-tnmt."""
    home = tmp_path / "portal"
    cat = Catalog(home, url=own_database())
    cat.init()
    cat.add_org("so-tnmt", "TNMT trên cổng quốc gia")
    accounts = Accounts(cat)
    accounts.add_user("hanoi-bot")
    accounts.add_member("so-tnmt", "hanoi-bot", "editor", actor="test")
    token = accounts.create_token("hanoi-bot")[0]
    cat.dispose()
    server = ServerProcess(home)
    yield server, token, RemoteCKAN(server.url)
    server.stop()


def statuses(result) -> dict[str, str]:
    return {item.dataset: item.status for item in result.items}


def test_push_creates_then_changes_nothing_then_updates(local, portal):
    server, token, remote = portal
    first = push_ckan(local, server.url, token, site_url=SITE, org="so-tnmt")
    assert first.ok and statuses(first) == {"lakes": "created", "permits": "created", "rainfall": "created"}
    pkg = remote.action.package_show(id="rainfall")
    assert pkg["title"] == "Dữ liệu rainfall" and pkg["organization"]["name"] == "so-tnmt"
    assert [t["name"] for t in pkg["tags"]] == ["thử nghiệm"] and pkg["url"] == f"{SITE}/datasets/rainfall"
    assert [(r["format"], r["url"]) for r in pkg["resources"]] == [
        (fmt, f"{SITE}/datasets/rainfall/versions/1/data.{ext}")
        for fmt, ext in (("CSV", "csv"), ("JSON", "json"), ("XLSX", "xlsx"), ("Parquet", "parquet"))]
    assert "hidden" not in remote.action.package_list(), "private datasets are not pushed unless named"

    before = {n: remote.action.package_show(id=n)["metadata_modified"] for n in ("rainfall", "lakes", "permits")}
    second = push_ckan(local, server.url, token, site_url=SITE, org="so-tnmt")
    assert set(statuses(second).values()) == {"unchanged"}
    assert before == {n: remote.action.package_show(id=n)["metadata_modified"] for n in before}

    local.update_dataset("lakes", title="Hồ Hà Nội", tags=["hồ", "nước"])
    third = push_ckan(local, server.url, token, site_url=SITE, org="so-tnmt")
    assert statuses(third) == {"lakes": "updated", "permits": "unchanged", "rainfall": "unchanged"}
    lakes = remote.action.package_show(id="lakes")
    assert lakes["title"] == "Hồ Hà Nội" and sorted(t["name"] for t in lakes["tags"]) == ["hồ", "nước"]
    assert lakes["num_resources"] == 4 and sorted(remote.action.package_list()) == ["lakes", "permits", "rainfall"]


def test_push_fails_per_dataset_and_a_rerun_finishes(local, portal):
    server, token, remote = portal
    first = push_ckan(local, server.url, token, site_url=SITE)  # each dataset into its own org's name
    assert not first.ok
    assert statuses(first) == {"lakes": "created", "permits": "failed", "rainfall": "created"}
    failed = next(i for i in first.items if i.status == "failed")
    assert "so-xd" in failed.messages[0] and "không tồn tại" in failed.messages[0]

    portal_cat = Catalog(server.home)
    portal_cat.add_org("so-xd", "Sở Xây dựng")
    Accounts(portal_cat).add_member("so-xd", "hanoi-bot", "editor", actor="test")
    second = push_ckan(local, server.url, token, site_url=SITE)
    assert second.ok and statuses(second) == {"lakes": "unchanged", "permits": "created", "rainfall": "unchanged"}
    assert sorted(remote.action.package_list()) == ["lakes", "permits", "rainfall"], "no duplicates"


def test_push_to_an_unreachable_portal_and_the_command_line(local, portal, tmp_path):
    server, token, remote = portal
    down = f"http://127.0.0.1:{free_port()}"
    result = push_ckan(local, down, token, site_url=SITE, dataset="rainfall")
    assert not result.ok and "ConnectionError" in result.items[0].messages[0]

    env = {**os.environ, "OPENDATA_HOME": str(local.home.root), "CKAN_API_TOKEN": token, "OPENDATA_SITE_URL": SITE}
    cmd = [sys.executable, "-m", "cli", "push", "ckan", server.url, "--org", "so-tnmt", "--dataset", "hidden"]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "1 đã tạo" in proc.stdout
    assert RemoteCKAN(server.url, apikey=token).action.package_show(id="hidden")["private"] is True
    again = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "1 không đổi" in again.stdout
    failed = subprocess.run([sys.executable, "-m", "cli", "push", "ckan", down, "--dataset", "rainfall"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and "1 thất bại" in failed.stdout and "Traceback" not in failed.stderr


def test_push_to_a_private_address_is_refused_unless_the_setting_allows_it(local, monkeypatch):
    monkeypatch.delenv("OPENDATA_ALLOW_PRIVATE_URLS")
    for url in ("http://127.0.0.1:9/", "http://10.0.0.7/", "http://169.254.169.254/"):
        with pytest.raises(Forbidden, match="một địa chỉ riêng, loopback hoặc dành riêng"):
            push_ckan(local, url, "token", site_url=SITE)
