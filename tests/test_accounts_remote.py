"""Remote publishing against a real server process: tokens, roles, limits, reports, and the CLI's --remote."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
import requests

from catalog.accounts import Accounts, api_tokens
from catalog.metadata import Catalog
from pipelines.publish import publish
from tests.conftest import ServerProcess

SCHEMA = {
    "fields": [
        {"name": "district", "type": "string", "constraints": {"required": True}},
        {"name": "month", "type": "date", "format": "%d/%m/%Y"},
        {"name": "visitors", "type": "integer", "constraints": {"minimum": 0}},
    ],
    "primaryKey": ["district", "month"],
}
GOOD = "district,month,visitors\nĐống Đa,01/01/2024,1200\nBa Đình,01/01/2024,900\n"
MORE = GOOD + "Tây Hồ,01/02/2024,300\n"
BAD = "district,month,visitors\nĐống Đa,01/01/2024,-5\n,31/02/2024,abc\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A catalogue with two departments, an editor of each, a site admin, and a server over it."""
    root = tmp_path_factory.mktemp("remote")
    catalog = Catalog(root / "home")
    catalog.init()
    catalog.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    catalog.add_org("so-yte", "Sở Y tế")
    accounts = Accounts(catalog)
    tokens = {}
    for name, org in (("an", "so-tnmt"), ("binh", "so-yte")):
        accounts.add_user(name)
        accounts.add_member(org, name, "editor", actor="root")
        tokens[name] = accounts.create_token(name, actor="root")[0]
    expired, info = accounts.create_token("an", expires_days=1, actor="root")
    with catalog.writer.begin() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.id == info["id"])
                     .values(expires_at="2024-05-06T00:00:00.000000Z"))
    tokens["expired"] = expired
    files = {}
    for name, text in (("good.csv", GOOD), ("more.csv", MORE), ("bad.csv", BAD)):
        files[name] = root / name
        files[name].write_text(text, encoding="utf-8")
    files["schema"] = root / "schema.json"
    files["schema"].write_text(json.dumps(SCHEMA), encoding="utf-8")
    baseline = publish(catalog, files["good.csv"], dataset="baseline", org="so-yte", schema=SCHEMA, publisher="root")
    assert baseline.status == "published"
    server = ServerProcess(catalog.home.root, env={"OPENDATA_MAX_UPLOAD_BYTES": "200000"})
    yield {"catalog": catalog, "tokens": tokens, "files": files, "url": server.url, "root": root}
    server.stop()
    catalog.dispose()


def post_file(site, dataset, path, token, **fields):
    url = f"{site['url']}/api/v1/datasets/{dataset}/versions"
    headers = {"Authorization": token} if token else {}
    with open(path, "rb") as handle:
        return requests.post(url, headers=headers, data=fields, files={"file": (path.name, handle)}, timeout=60)


def cli(site, *args, env=None, home=False):
    """Run the real ``opendata`` CLI in a subprocess, as a department's laptop would (no local home)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDATA_")}
    full_env["XDG_CONFIG_HOME"] = str(site["root"] / "config")
    full_env.update(env or {})
    if home:
        full_env["OPENDATA_HOME"] = str(site["catalog"].home.root)
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=site["root"], env=full_env, capture_output=True,
                          text=True, timeout=120)


def test_tokens_and_roles_are_enforced(site):
    good = site["files"]["good.csv"]
    response = post_file(site, "tourism", good, None, org="so-tnmt", schema=json.dumps(SCHEMA))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.json()["error"]["message"].startswith("chưa gửi token API")
    response = post_file(site, "tourism", good, "odp_not-a-token", org="so-tnmt", schema=json.dumps(SCHEMA))
    assert response.status_code == 401 and "token không đúng hoặc đã bị thu hồi" in response.json()["error"]["message"]
    response = post_file(site, "tourism", good, site["tokens"]["expired"], org="so-tnmt", schema=json.dumps(SCHEMA))
    assert response.status_code == 401 and "token đã hết hạn ngày 2024-05-06" in response.json()["error"]["message"]
    # binh edits for so-yte only
    response = requests.post(f"{site['url']}/api/v1/datasets/tourism/versions?org=so-tnmt", data=b"x",
                             headers={"Authorization": f"Bearer {site['tokens']['binh']}"}, timeout=30)
    assert response.status_code == 403 and "so-tnmt" in response.json()["error"]["message"]
    assert site["catalog"].find_dataset("tourism") is None


def test_publish_unchanged_invalid_and_audit(site):
    catalog, token = site["catalog"], site["tokens"]["an"]
    files = site["files"]
    response = post_file(site, "visitors", files["good.csv"], token, org="so-tnmt", schema=json.dumps(SCHEMA),
                         title="Khách du lịch", tags="du-lich,thong-ke")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "published" and body["version"]["number"] == 1 and body["version"]["rows"] == 2
    assert response.headers["Location"].endswith("/api/v1/datasets/visitors/versions/1")
    dataset = catalog.get_dataset("visitors")
    assert dataset["title"] == "Khách du lịch" and dataset["tags"] == ["du-lich", "thong-ke"]
    assert dataset["org"] == "so-tnmt" and catalog.get_version("visitors", 1)["publisher"] == "an"

    response = post_file(site, "visitors", files["good.csv"], token)
    assert response.status_code == 200 and response.json()["status"] == "unchanged"

    response = post_file(site, "visitors", files["bad.csv"], token)
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "invalid" and body["report"]["valid"] is False and body["error"]["code"] == "invalid"
    assert catalog.get_dataset("visitors")["latest_version"] == 1

    # raw body, as curl --data-binary sends it
    with open(files["more.csv"], "rb") as handle:
        response = requests.post(f"{site['url']}/api/v1/datasets/visitors/versions?filename=more.csv",
                                 data=handle, headers={"Authorization": token, "Content-Type": "text/csv"},
                                 timeout=60)
    assert response.status_code == 201, response.text
    assert response.json()["version"]["number"] == 2 and response.json()["version"]["rows"] == 3

    entries = [e for e in catalog.list_audit(dataset="visitors") if e["action"] == "publish"]
    assert [e["target"] for e in entries] == ["visitors@2", "visitors@1"]
    assert all(e["actor"] == "an" and e["origin"] == "127.0.0.1" for e in entries)
    assert entries[1]["detail"]["source"] == "good.csv"


def test_too_large_is_refused_before_upload(site, tmp_path):
    big = tmp_path / "big.csv"
    big.write_text(GOOD + "".join(f"Quận {i},01/01/2024,{i}\n" for i in range(20000)), encoding="utf-8")
    assert big.stat().st_size > 200000
    token = site["tokens"]["an"]
    response = post_file(site, "big", big, token, org="so-tnmt", schema=json.dumps(SCHEMA))
    assert response.status_code == 413 and "giới hạn" in response.json()["error"]["message"]
    check = requests.post(f"{site['url']}/api/v1/datasets/big/versions",
                          params={"org": "so-tnmt", "check": 1, "size": big.stat().st_size},
                          headers={"Authorization": token}, timeout=30)
    assert check.status_code == 413
    # chunked upload (no Content-Length): cut off at the limit while streaming
    def chunks():
        with open(big, "rb") as handle:
            while chunk := handle.read(8192):
                yield chunk

    response = requests.post(f"{site['url']}/api/v1/datasets/big/versions",
                             params={"org": "so-tnmt", "filename": "big.csv"}, data=chunks(),
                             headers={"Authorization": token}, timeout=30)
    assert response.status_code == 413
    assert site["catalog"].find_dataset("big") is None
    result = cli(site, "publish", str(big), "--dataset", "big", "--org", "so-tnmt", "--schema",
                 str(site["files"]["schema"]), "--remote", site["url"], "--token", token)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "giới hạn" in result.stderr


def test_schemas_and_validate_endpoints(site):
    listing = requests.get(f"{site['url']}/api/v1/schemas", timeout=30).json()["schemas"]
    names = [s["name"] for s in listing]
    assert "air_quality" in names and all(s["schema"]["fields"] for s in listing)
    with open(site["files"]["bad.csv"], "rb") as handle:
        response = requests.post(f"{site['url']}/api/v1/validate", data={"schema": json.dumps(SCHEMA)},
                                 files={"file": ("bad.csv", handle)}, timeout=60)
    assert response.status_code == 200 and response.json()["valid"] is False
    with open(site["files"]["good.csv"], "rb") as handle:
        response = requests.post(f"{site['url']}/api/v1/validate", data={"schema": "../../etc/passwd"},
                                 files={"file": ("good.csv", handle)}, timeout=60)
    assert response.status_code == 400 and "schema" in response.json()["error"]["message"]


def test_cli_remote_publish_validate_and_login(site):
    files, token, url = site["files"], site["tokens"]["an"], site["url"]
    schema = str(files["schema"])
    result = cli(site, "publish", str(files["good.csv"]), "--dataset", "arrivals", "--org", "so-tnmt", "--schema",
                 schema, "--title", "Lượt khách", "--remote", url, "--token", token)
    assert result.returncode == 0, result.stderr
    assert "đã công bố arrivals phiên bản 1" in result.stdout
    assert site["catalog"].get_dataset("arrivals")["title"] == "Lượt khách"

    # invalid: the same report as a local publish, exit 1, nothing published
    local = cli(site, "publish", str(files["bad.csv"]), "--dataset", "arrivals", home=True)
    remote = cli(site, "publish", str(files["bad.csv"]), "--dataset", "arrivals", "--remote", url, "--token", token)
    assert remote.returncode == local.returncode == 1
    assert remote.stdout == local.stdout and "không có gì được công bố" in remote.stdout
    assert site["catalog"].get_dataset("arrivals")["latest_version"] == 1

    # refusals: one line on stderr, exit 2
    for args, needle in (
        (["--token", "odp_wrong"], "token không đúng hoặc đã bị thu hồi"),
        (["--token", site["tokens"]["expired"]], "token đã hết hạn ngày 2024-05-06"),
        (["--token", site["tokens"]["binh"]], "không được công bố"),
        ([], "cần một mã truy cập API"),
    ):
        refused = cli(site, "publish", str(files["more.csv"]), "--dataset", "arrivals", "--remote", url, *args)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.startswith("Lỗi:") and refused.stderr.count("\n") == 1 and needle in refused.stderr
        assert "Traceback" not in refused.stderr

    # validate with the server's schemas
    valid = cli(site, "validate", str(files["good.csv"]), "--schema", schema, "--remote", url)
    invalid = cli(site, "validate", str(files["bad.csv"]), "--schema", schema, "--remote", url)
    local = cli(site, "validate", str(files["bad.csv"]), "--schema", schema)
    assert valid.returncode == 0 and invalid.returncode == 1 and invalid.stdout == local.stdout

    # login stores the token for the owner only; later commands go to the server
    login = cli(site, "login", url, "--token", token)
    assert login.returncode == 0 and "với tên an" in login.stdout, login.stderr
    config = site["root"] / "config" / "opendata" / "config.json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600 and json.loads(config.read_text())["token"] == token
    result = cli(site, "publish", str(files["more.csv"]), "--dataset", "arrivals")
    assert result.returncode == 0 and "đã công bố arrivals phiên bản 2" in result.stdout, result.stderr
    entry = site["catalog"].list_audit(dataset="arrivals")[0]
    assert entry["actor"] == "an" and entry["origin"] == "127.0.0.1" and entry["target"] == "arrivals@2"
    bad_login = cli(site, "login", url, "--token", "odp_wrong")
    assert bad_login.returncode == 2 and "token không đúng hoặc đã bị thu hồi" in bad_login.stderr
    assert json.loads(config.read_text())["token"] == token  # a failed login keeps the old one
    assert cli(site, "logout").returncode == 0 and not config.exists()
    unreachable = cli(site, "datasets", "--remote", "http://127.0.0.1:9")
    assert unreachable.returncode == 2 and "không kết nối được tới" in unreachable.stderr


def test_cli_remote_reads(site):
    url = site["url"]
    listed = json.loads(cli(site, "datasets", "--json", "--remote", url).stdout)
    assert "baseline" in {d["name"] for d in listed}
    shown = cli(site, "show", "baseline", "--json", "--remote", url)
    assert json.loads(shown.stdout)["name"] == "baseline"
    versions = cli(site, "versions", "baseline", "--remote", url)
    assert versions.returncode == 0
    local = cli(site, "versions", "baseline", home=True)
    assert versions.stdout == local.stdout
    missing = cli(site, "show", "no-such-dataset", "--remote", url)
    assert missing.returncode == 2 and "không tìm thấy" in missing.stderr  # the server answers in the CLI's language

