"""Catalogue dumps: three CSV files valid against the Table Schemas served beside them, and a JSON Lines dump of
the datasets that ``ckanapi load datasets`` copies into a second catalogue. Private datasets never appear."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from data_api_helpers import build_catalogue

from catalog.metadata import Catalog
from conftest import ServerProcess

BIN = Path(sys.executable).parent
ENV = {"OPENDATA_RATELIMIT_ENABLED": "false"}
PUBLIC = ["air-quality", "bao-cao"]  # build_catalogue's datasets less the private and the deleted one


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("dumps")
    build_catalogue(root / "home", root / "work").dispose()
    srv = ServerProcess(root / "home", workers=2, env=ENV)
    yield srv
    srv.stop()


def rows_of(server: ServerProcess, dump: str) -> list[dict]:
    response = requests.get(f"{server.url}/catalog/{dump}.csv", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.parametrize("dump, expected_rows", [("datasets", 2), ("resources", 3), ("organizations", 2)])
def test_each_csv_dump_is_valid_against_its_table_schema(source, dump, expected_rows):
    done = subprocess.run([str(BIN / "frictionless"), "validate", f"{source.url}/catalog/{dump}.csv",
                           "--schema", f"{source.url}/catalog/{dump}.schema.json", "--json"],
                          capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout)
    assert report["valid"], report["tasks"][0]["errors"][:3]
    assert report["tasks"][0]["stats"]["rows"] == expected_rows
    assert report["tasks"][0]["stats"]["fields"] == len(requests.get(
        f"{source.url}/catalog/{dump}.schema.json", timeout=30).json()["fields"])


def test_the_dumps_hold_the_public_datasets_and_their_version_files(source):
    datasets = rows_of(source, "datasets")
    assert [d["name"] for d in datasets] == PUBLIC
    air = datasets[0]
    assert air["organization"] == "so-tnmt" and air["latest_version"] == "2" and air["tags"] == "môi trường;không khí"
    score = requests.get(f"{source.url}/api/v1/datasets/air-quality/quality", timeout=30).json()["score"]
    assert float(air["quality"]) == pytest.approx(score)  # the quality score's column, as data.gouv.fr's dump
    resources = rows_of(source, "resources")
    assert [(r["dataset"], r["version"]) for r in resources] == [("air-quality", "1"), ("air-quality", "2"),
                                                                 ("bao-cao", "1")]
    body = requests.get(resources[1]["url"], timeout=30).content
    assert len(body) == int(resources[1]["bytes"])
    orgs = {o["name"]: o for o in rows_of(source, "organizations")}
    assert orgs["so-gddt"]["datasets"] == "1"  # bao-cao; the private noi-bo is not counted


def test_private_and_deleted_datasets_never_appear(source):
    everything = "".join(requests.get(f"{source.url}/catalog/{d}.csv", timeout=30).text
                         for d in ("datasets", "resources"))
    everything += gzip.decompress(requests.get(f"{source.url}/catalog/datasets.jsonl.gz", timeout=30).content
                                  ).decode("utf-8")
    assert "noi-bo" not in everything and "da-xoa" not in everything


def test_the_jsonl_dump_has_the_package_show_shape(source):
    lines = gzip.decompress(requests.get(f"{source.url}/catalog/datasets.jsonl.gz", timeout=30).content).splitlines()
    packages = [json.loads(line) for line in lines]
    shown = requests.get(f"{source.url}/api/3/action/package_show?id=air-quality", timeout=30).json()["result"]
    assert [p["name"] for p in packages] == PUBLIC
    assert set(packages[0]) == set(shown) and packages[0]["resources"] == shown["resources"]


def test_a_second_catalogue_loads_the_jsonl_dump_with_ckanapi(source, tmp_path):
    target_home = tmp_path / "copy"
    Catalog(target_home).init()
    opendata = [sys.executable, "-m", "cli"]
    env = {"OPENDATA_HOME": str(target_home), "PATH": str(BIN)}
    subprocess.run([*opendata, "user", "add", "admin", "--sysadmin"], check=True, env=env, capture_output=True)
    token = subprocess.run([*opendata, "token", "create", "admin"], check=True, env=env, capture_output=True,
                           text=True).stdout.strip()
    target = ServerProcess(target_home, workers=1, env=ENV)
    try:
        for org in rows_of(source, "organizations"):  # the organisations first, keeping their ids
            subprocess.run([str(BIN / "ckanapi"), "action", "organization_create", f"id={org['id']}",
                            f"name={org['name']}", f"title={org['title']}", "-r", target.url, "-a", token],
                           check=True, capture_output=True, timeout=60)
        (tmp_path / "datasets.jsonl.gz").write_bytes(
            requests.get(f"{source.url}/catalog/datasets.jsonl.gz", timeout=30).content)
        done = subprocess.run([str(BIN / "ckanapi"), "load", "datasets", "-I", str(tmp_path / "datasets.jsonl.gz"),
                               "-z", "-r", target.url, "-a", token, "-p", "1"],
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        assert (done.stdout + done.stderr).count(" create None ") == len(PUBLIC), done.stdout + done.stderr
        copied = requests.get(f"{target.url}/api/3/action/package_list", timeout=30).json()["result"]
        assert sorted(copied) == PUBLIC
        shown = requests.get(f"{target.url}/api/3/action/package_show?id=bao-cao", timeout=30).json()["result"]
        assert shown["title"] == "Báo cáo phường" and shown["organization"]["name"] == "so-gddt"
    finally:
        target.stop()
