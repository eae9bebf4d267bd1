"""A real ``ckanapi dump`` of one catalogue, then ``ckanapi load`` into another, copies its organisations and
datasets: the CKAN command line tools, unchanged, against two ``opendata serve`` processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ckanapi import RemoteCKAN
from test_ckan_api import add_table

from catalog.accounts import Accounts
from catalog.metadata import Catalog
from conftest import ServerProcess

CKANAPI = str(Path(sys.executable).with_name("ckanapi"))
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
       "CKANAPI_REQUEST_TIMEOUT": "60"}


def catalogue(home: Path, fill: bool, url: str | None = None) -> tuple[ServerProcess, str]:
    cat = Catalog(home, url=url)
    cat.init()
    if fill:
        cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường", "Môi trường, đất đai")
        cat.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
        cat.add_org("so-yt", "Sở Y tế")
        add_table(cat, "air-quality", "so-tnmt", "Chất lượng không khí Hà Nội", ["môi trường"], [(0, 30)],
                  license="CC-BY-4.0", frequency="daily")
        add_table(cat, "lake-water", "so-tnmt", "Chất lượng nước hồ", ["nước"], [(0, 10)])
        add_table(cat, "schools", "so-gddt", "Danh sách trường học", ["giáo dục"], [(0, 12)])
        cat.create_dataset("clinics", "so-yt", title="Phòng khám", description="Chưa có phiên bản", tags=["y tế"])
    accounts = Accounts(cat)
    accounts.add_user("root", sysadmin=True)
    token = accounts.create_token("root")[0]
    cat.dispose()
    return ServerProcess(home), token


@pytest.fixture
def two_sites(tmp_path_factory, own_database):
    root = tmp_path_factory.mktemp("roundtrip")
    source, source_token = catalogue(root / "source", fill=True)
    target, target_token = catalogue(root / "target", fill=False, url=own_database())
    yield source, source_token, target, target_token
    source.stop()
    target.stop()


def ckanapi(*args: str, cwd: Path) -> str:
    result = subprocess.run([CKANAPI, *args], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def summary(site: ServerProcess) -> tuple[dict, dict]:
    remote = RemoteCKAN(site.url)
    orgs = {o["name"]: o["title"] for o in remote.action.organization_list(all_fields=True)}
    packages = {p["name"]: (p["title"], p["organization"]["name"], p["notes"], p["license_id"])
                for p in (remote.action.package_show(id=n) for n in remote.action.package_list())}
    return orgs, packages


@pytest.mark.slow
def test_ckanapi_dump_then_load_copies_organizations_and_datasets(two_sites, tmp_path):
    source, source_token, target, target_token = two_sites
    for thing in ("organizations", "datasets"):
        dump = tmp_path / f"{thing}.jsonl"
        ckanapi("dump", thing, "--all", "-q", "-O", str(dump), "-r", source.url, "-a", source_token, cwd=tmp_path)
        ckanapi("load", thing, "-q", "-I", str(dump), "-r", target.url, "-a", target_token, cwd=tmp_path)
    dumped = [json.loads(line) for line in (tmp_path / "datasets.jsonl").read_text().splitlines()]
    source_orgs, source_packages = summary(source)
    target_orgs, target_packages = summary(target)
    print(f"round trip: organizations {len(source_orgs)} -> {len(target_orgs)}, "
          f"datasets {len(source_packages)} -> {len(target_packages)}")
    assert len(dumped) == len(source_packages) == 4 and len(source_orgs) == 3
    assert target_orgs == source_orgs
    assert target_packages == source_packages
    copied = RemoteCKAN(target.url).action.package_show(id="air-quality")
    assert copied["owner_org"] == RemoteCKAN(source.url).action.organization_show(id="so-tnmt")["id"]
    original = next(p for p in dumped if p["name"] == "air-quality")
    assert [r["url"] for r in copied["resources"]] == [r["url"] for r in original["resources"]]  # links to the files
