"""Several nodes as one: two ``opendata serve`` processes, each with its own home folder (its temp files and read
cache only), sharing one PostgreSQL metadata database and one S3 bucket, as two machines behind a load balancer
would. A publish through one node is what the other answers on its very next request: dataset page, rows,
download, search and SQL. Nothing is copied between the nodes' folders; all they share is the two services."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
import requests

from catalog.accounts import Accounts
from catalog.metadata import Catalog
from conftest import ServerProcess

CSV = "ma_tram,ten_tram,pm25\nHN-01,Trạm Hoàn Kiếm,41.5\nHN-02,Trạm Đống Đa,38.25\nHN-03,Trạm Cầu Giấy,52.0\n"
SCHEMA = {"fields": [{"name": "ma_tram", "type": "string"}, {"name": "ten_tram", "type": "string"},
                     {"name": "pm25", "type": "number"}]}


@pytest.fixture(scope="module")
def nodes(s3_server, postgres, tmp_path_factory):
    """Node A and node B (separate homes, separate ports) over one PostgreSQL database and one S3 prefix."""
    database = postgres.create()
    env = {**s3_server.env(f"two-nodes-{uuid.uuid4().hex[:8]}"), "OPENDATA_DATABASE_URL": postgres.url(database),
           "OPENDATA_RATELIMIT_ENABLED": "false"}
    root = tmp_path_factory.mktemp("two-nodes")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        setup = Catalog(root / "node-a")
        setup.init()
        Catalog(root / "node-b").init()  # its folders; the migrations are already there
        setup.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
        accounts = Accounts(setup)
        accounts.add_user("an")
        accounts.add_member("so-tnmt", "an", "editor", actor="root")
        token = accounts.create_token("an", actor="root")[0]
        setup.dispose()
    a = ServerProcess(root / "node-a", workers=2, env=env)
    b = ServerProcess(root / "node-b", workers=2, env=env)
    yield {"a": a, "b": b, "token": token, "root": root}
    a.stop()
    b.stop()
    postgres.drop(database)


def publish_through(node: ServerProcess, token: str, dataset: str, text: str, **fields) -> dict:
    response = requests.post(f"{node.url}/api/v1/datasets/{dataset}/versions", headers={"Authorization": token},
                             data={"org": "so-tnmt", "schema": json.dumps(SCHEMA), **fields},
                             files={"file": ("tram.csv", text.encode())}, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()["version"]


def test_a_publish_through_one_node_is_served_by_the_other_on_its_next_request(nodes):
    a, b = nodes["a"], nodes["b"]
    assert requests.get(f"{b.url}/datasets/quan-trac-hai-nut?format=json", timeout=30).status_code == 404
    version = publish_through(a, nodes["token"], "quan-trac-hai-nut", CSV, title="Quan trắc bụi mịn hai nút")

    page = requests.get(f"{b.url}/datasets/quan-trac-hai-nut", timeout=30)
    assert page.status_code == 200 and "Quan trắc bụi mịn hai nút" in page.text
    rows = requests.get(f"{b.url}/api/v1/datasets/quan-trac-hai-nut/rows", params={"sort": "-pm25"}, timeout=30)
    assert rows.status_code == 200, rows.text
    assert [r["ten_tram"] for r in rows.json()["rows"]] == ["Trạm Cầu Giấy", "Trạm Hoàn Kiếm", "Trạm Đống Đa"]
    parquet = requests.get(f"{b.url}/datasets/quan-trac-hai-nut/versions/1/data.parquet", timeout=30)
    assert parquet.status_code == 200 and hashlib.sha256(parquet.content).hexdigest() == version["sha256"]
    found = requests.get(f"{b.url}/api/3/action/package_search", params={"q": "bụi mịn"}, timeout=30).json()
    assert "quan-trac-hai-nut" in [p["name"] for p in found["result"]["results"]]
    answer = requests.get(f"{b.url}/api/v1/sql", params={"sql": "SELECT max(pm25) FROM quan_trac_hai_nut"},
                          timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == [[52.0]]


def test_a_new_version_through_the_other_node_replaces_the_latest_everywhere_at_once(nodes):
    a, b = nodes["a"], nodes["b"]
    publish_through(a, nodes["token"], "luot-tiep", CSV)
    for node in (a, b):  # both have answered (and cached what they cache) for version 1
        assert requests.get(f"{node.url}/api/v1/sql", params={"sql": "SELECT count(*) FROM luot_tiep"},
                            timeout=60).json()["rows"] == [[3]]
    publish_through(b, nodes["token"], "luot-tiep", CSV + "HN-04,Trạm Long Biên,20.0\n")
    for node in (a, b):
        latest = requests.get(f"{node.url}/datasets/luot-tiep/latest/data.csv", allow_redirects=False, timeout=30)
        assert latest.headers["Location"].endswith("/versions/2/data.csv")
        assert requests.get(f"{node.url}/api/v1/sql", params={"sql": "SELECT count(*) FROM luot_tiep"},
                            timeout=60).json()["rows"] == [[4]]
        rows = requests.get(f"{node.url}/api/v1/datasets/luot-tiep/rows", timeout=30).json()
        assert rows["version"] == 2 and len(rows["rows"]) == 4


def test_no_version_file_is_kept_in_a_nodes_own_data_folder(nodes):
    for name in ("node-a", "node-b"):
        assert not list((nodes["root"] / name / "data").rglob("*.parquet"))
