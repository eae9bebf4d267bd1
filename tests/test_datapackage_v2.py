"""Every version is a valid Data Package v2: a descriptor URL that ``frictionless validate`` accepts, with the
version's row count, and the same descriptor (relative paths) inside the zip."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests
from data_api_helpers import AIR_ROWS, build_catalogue

from conftest import ServerProcess

FRICTIONLESS = str(Path(sys.executable).with_name("frictionless"))
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("datapackage")
    cat = build_catalogue(root / "home", root / "work")
    cat.dispose()
    srv = ServerProcess(root / "home", workers=2, env={"OPENDATA_RATELIMIT_ENABLED": "false"})
    yield srv
    srv.stop()


def frictionless_validate(target: str) -> dict:
    done = subprocess.run([FRICTIONLESS, "validate", target, "--json"], capture_output=True, text=True,
                          timeout=120)
    return json.loads(done.stdout)


def test_the_descriptor_has_the_v2_profile_roles_licence_paths_and_immutable_urls(server):
    package = requests.get(f"{server.url}/datasets/air-quality/versions/2/datapackage.json", timeout=30).json()
    assert package["$schema"] == PROFILE and package["name"] == "air-quality" and package["version"] == "2"
    assert package["contributors"][0] == {"title": "Sở Tài nguyên và Môi trường", "roles": ["publisher"],
                                          "path": f"{server.url}/organizations/so-tnmt"}
    assert package["licenses"][0]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    csv_resource, parquet_resource = package["resources"]
    assert csv_resource["path"] == f"{server.url}/datasets/air-quality/versions/2/data.csv"
    assert parquet_resource["path"] == f"{server.url}/datasets/air-quality/versions/2/data.parquet"
    for resource in package["resources"]:
        body = requests.get(resource["path"], timeout=30).content
        assert resource["bytes"] == len(body)
        assert resource["hash"] == "sha256:" + hashlib.sha256(body).hexdigest()
    assert csv_resource["encoding"] == "utf-8" and csv_resource["mediatype"] == "text/csv"


def test_frictionless_validates_the_descriptor_url_with_the_versions_row_count(server):
    report = frictionless_validate(f"{server.url}/datasets/air-quality/versions/2/datapackage.json")
    assert report["valid"], report
    tasks = {task["name"]: task for task in report["tasks"]}
    assert tasks["air-quality"]["stats"]["rows"] == AIR_ROWS[1]
    assert tasks["air-quality-parquet"]["valid"]  # its size and sha256 were checked


def test_the_latest_descriptor_redirects_to_the_current_versions(server):
    response = requests.get(f"{server.url}/datasets/air-quality/latest/datapackage.json", timeout=30,
                            allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/datasets/air-quality/versions/2/datapackage.json")


def test_the_unzipped_package_validates_with_relative_paths(server, tmp_path):
    archive = zipfile.ZipFile(io.BytesIO(requests.get(f"{server.url}/datasets/air-quality/download.zip",
                                                      timeout=60).content))
    archive.extractall(tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in descriptor["resources"]] == ["air-quality.csv", "air-quality.parquet"]
    assert descriptor["$schema"] == PROFILE
    report = frictionless_validate(str(tmp_path / "datapackage.json"))
    assert report["valid"], report
    assert report["tasks"][0]["stats"]["rows"] == AIR_ROWS[1]


def test_a_private_or_unknown_dataset_has_no_descriptor(server):
    for url in ("/datasets/noi-bo/versions/1/datapackage.json", "/datasets/khong-co/latest/datapackage.json",
                "/datasets/air-quality/versions/9/datapackage.json"):
        response = requests.get(server.url + url, timeout=30, headers={"Accept": "application/json"})
        assert response.status_code == 404 and response.json()["error"]["message"]
