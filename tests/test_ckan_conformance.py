"""Conformance: the shared ``ckan_client_check.py`` (only the real ``ckanapi`` client and CLI) against a real
server over a small demo-like catalogue, with a token so the write checks (create, upload, patch, update,
delete) run too."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from catalog.accounts import Accounts
from catalog.metadata import Catalog
from conftest import ServerProcess
from pipelines.publish import publish

AIR_SCHEMA = {"fields": [
    {"name": "station", "type": "string", "title": "Trạm quan trắc"},
    {"name": "district", "type": "string", "title": "Quận"},
    {"name": "pm25", "type": "number", "title": "PM2.5 (µg/m³)"},
    {"name": "measured_on", "type": "date"},
]}
SCHOOL_SCHEMA = {"fields": [
    {"name": "school", "type": "string"}, {"name": "district", "type": "string"},
    {"name": "students", "type": "integer", "constraints": {"minimum": 0}},
]}
DISTRICTS = ["Ba Đình", "Hoàn Kiếm", "Tây Hồ", "Long Biên", "Cầu Giấy", "Đống Đa", "Hai Bà Trưng"]


def air_csv() -> str:
    lines = ["station,district,pm25,measured_on"]
    for i in range(140):
        lines.append(f"Trạm {i % 9},{DISTRICTS[i % 7]},{(i * 7) % 97 + 0.5},2024-03-{i % 28 + 1:02d}")
    return "\n".join(lines) + "\n"


def schools_csv() -> str:
    return "school,district,students\n" + "".join(
        f"Trường THCS số {i},{DISTRICTS[i % 7]},{300 + i * 11}\n" for i in range(25))


@pytest.fixture(scope="module")
def demo_like(tmp_path_factory):
    root = tmp_path_factory.mktemp("conformance")
    cat = Catalog(root / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    cat.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    (root / "air.csv").write_text(air_csv(), encoding="utf-8")
    (root / "schools.csv").write_text(schools_csv(), encoding="utf-8")
    for name, org, file, schema, title, tags in (
            ("air-quality", "so-tnmt", "air.csv", AIR_SCHEMA, "Chất lượng không khí Hà Nội", ["môi trường", "pm2.5"]),
            ("schools", "so-gddt", "schools.csv", SCHOOL_SCHEMA, "Trường trung học cơ sở", ["giáo dục"])):
        result = publish(cat, root / file, dataset=name, org=org, schema=schema, publisher="test",
                         meta={"title": title, "tags": tags, "description": f"{title}: dữ liệu mẫu."})
        assert result.status == "published", result.messages
    accounts = Accounts(cat)
    accounts.add_user("editor")
    accounts.add_member("so-tnmt", "editor", "editor", actor="test")
    token = accounts.create_token("editor", name="conformance")[0]
    cat.dispose()
    server = ServerProcess(root / "home")
    yield server, token, Catalog(root / "home")
    server.stop()


@pytest.mark.slow
def test_ckan_client_check_passes(demo_like, shared):
    server, token, cat = demo_like
    proc = subprocess.run(
        [sys.executable, str(shared / "tools" / "ckan_client_check.py"), server.url, "--token", token,
         "--org", "so-tnmt"], capture_output=True, text=True, timeout=900)
    lines = proc.stdout.strip().splitlines()
    failures = [line for line in lines if line.startswith("FAIL")]
    assert not failures, "\n".join(failures) + proc.stderr[-2000:]
    assert re.fullmatch(r"\d+ passed, 0 failed", lines[-1]), lines[-1]
    assert proc.returncode == 0
    assert int(lines[-1].split()[0]) >= 55, "the write checks ran too (a token was given)"
    # The checker's upload went through the publish pipeline, as the editor, from the CKAN API.
    uploads = [a for a in cat.list_audit() if a["action"] == "publish" and a["actor"] == "editor"]
    assert uploads and uploads[0]["origin"].startswith("ckan:")
