"""Backups taken while the catalogue is being written to, restored and compared version by version."""

from __future__ import annotations

import json
import threading

import duckdb
import pytest
from click.testing import CliRunner

from catalog.accounts import Accounts
from catalog.backup import MANIFEST, backup, restore
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.fsck import fsck
from catalog.home import DATABASE_URL_VAR, Home
from catalog.metadata import Catalog
from catalog.storage import sha256_file
from cli import main
from pipelines.publish import publish

SCHEMA = {"fields": [{"name": "district", "type": "string"}, {"name": "n", "type": "integer"}]}


def csv_file(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("district,n\n" + "".join(f"Quận {i % 12},{i}\n" for i in range(rows)), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def sqlite_metadata(monkeypatch):
    """These backups snapshot the home's SQLite file (PostgreSQL: see tests/test_postgres.py), in either CI lane."""
    monkeypatch.delenv(DATABASE_URL_VAR, raising=False)


@pytest.fixture
def filled(catalog, tmp_path):
    """Three datasets with a few versions each, a user and a token."""
    for d, name in enumerate(("rainfall", "schools", "air")):
        for v in range(3):
            result = publish(catalog, csv_file(tmp_path, f"{name}{v}.csv", 50 + 10 * v + d), dataset=name,
                             org="so-tnmt", schema=SCHEMA, meta={"title": f"Dữ liệu {name}"}, publisher="an")
            assert result.status == "published"
    accounts = Accounts(catalog)
    accounts.add_user("an", fullname="Nguyễn Văn An")
    accounts.add_member("so-tnmt", "an", "editor", actor="root")
    token, _ = accounts.create_token("an", actor="root")
    return catalog, token


def test_backup_while_publishing_then_restore_compares_everything(filled, tmp_path):
    catalog, token = filled
    stop = threading.Event()
    published: list[int] = []

    def keep_publishing():  # a writer running during the backup, as a live server would
        i = 0
        while not stop.is_set():
            result = publish(catalog, csv_file(tmp_path, f"live{i}.csv", 30 + i), dataset="rainfall", org="so-tnmt",
                             publisher="an")
            published.append(result.version["number"])
            i += 1

    writer = threading.Thread(target=keep_publishing)
    writer.start()
    try:
        while len(published) < 2:
            stop.wait(0.01)
        report = backup(catalog, tmp_path / "bk")
    finally:
        stop.set()
        writer.join()
    # hard links from a local data/ folder (instant, no extra space); copies through the storage from S3
    transferred = report.copied if catalog.storage.remote else report.linked
    assert report.problems == [] and transferred == report.files > 0 and report.linked + report.copied == report.files
    manifest = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    backed = {(v["dataset"], v["number"]): v["sha256"] for v in manifest["versions"]}
    assert len(backed) == report.versions >= 9 + 2

    home = Home(tmp_path / "restored")
    restored_report = restore(tmp_path / "bk", home, copy=True)
    assert restored_report.copied == restored_report.files == report.files
    restored = Catalog(home)
    try:
        assert fsck(restored).ok
        # every version in the backup is restored with the same record, file and hash as in the live catalogue
        live = {(v["dataset"], v["number"]): v for v in catalog.all_versions()}
        got = restored.all_versions()
        assert {(v["dataset"], v["number"]) for v in got} == set(backed)
        for version in got:
            assert version == live[(version["dataset"], version["number"])]
            assert sha256_file(restored.version_file(version)) == version["sha256"] == backed[
                (version["dataset"], version["number"])]
            con = duckdb.connect()
            rows = con.execute("SELECT count(*) FROM read_parquet(?)",
                               [[str(p) for p in restored.version_files(version)]]).fetchone()[0]
            con.close()
            assert rows == version["rows"]
        # every dataset's metadata, except what the versions published after the snapshot changed
        for dataset in restored.list_datasets():
            original = catalog.get_dataset(dataset["name"])
            if dataset["name"] != "rainfall":
                assert dataset == original
            else:
                assert dataset["title"] == original["title"] and dataset["latest_version"] <= original[
                    "latest_version"]
        assert Accounts(restored).authenticate(token)["name"] == "an"
        assert [e["id"] for e in restored.list_audit()] == [
            e["id"] for e in catalog.list_audit() if e["id"] <= max(x["id"] for x in restored.list_audit())]
    finally:
        restored.dispose()


def test_backup_and_restore_refusals(filled, tmp_path):
    catalog, _ = filled
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    with pytest.raises(Conflict):
        backup(catalog, tmp_path / "full")
    with pytest.raises(InvalidInput):
        backup(catalog, catalog.home.root / "inside")
    with pytest.raises(NotFound):
        restore(tmp_path / "full", Home(tmp_path / "r1"))

    backup(catalog, tmp_path / "bk", copy=True)
    with pytest.raises(Conflict):
        restore(tmp_path / "bk", catalog.home)  # never over an existing catalogue
    # damage one file of the backup: the restore refuses and creates nothing
    victim = next((tmp_path / "bk" / "data").rglob("*.parquet"))
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(InvalidInput, match="bị hỏng"):
        restore(tmp_path / "bk", Home(tmp_path / "r2"))
    assert not (tmp_path / "r2").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_cli_backup_restore(filled, tmp_path):
    catalog, _ = filled
    run = CliRunner().invoke
    result = run(main, ["--home", str(catalog.home.root), "backup", str(tmp_path / "bk")])
    assert result.exit_code == 0 and "đã sao lưu 9 phiên bản" in result.output, result.output
    result = run(main, ["--lang", "en", "--home", str(tmp_path / "new"), "restore", str(tmp_path / "bk")])
    assert result.exit_code == 0 and "all hashes verified" in result.output, result.output
    result = run(main, ["--home", str(tmp_path / "new"), "versions", "air", "--json"])
    assert [v["sha256"] for v in json.loads(result.output)["versions"]] == [
        v["sha256"] for v in catalog.list_versions("air")]
    result = run(main, ["--lang", "en", "--home", str(tmp_path / "new"), "restore", str(tmp_path / "bk")])
    assert result.exit_code != 0 and result.output.startswith("Error:") and "not empty" in result.output


def test_uploaded_originals_travel_with_the_backup(filled, tmp_path):
    """CKAN upload originals (content-addressed, under uploads/) are part of a backup and come back on restore."""
    catalog, _ = filled
    original = catalog.home.root / "uploads" / ("a" * 64 + ".csv")
    original.parent.mkdir(parents=True, exist_ok=True)
    original.write_bytes("quan,so\nĐống Đa,1\n".encode())
    backup(catalog, tmp_path / "bk", copy=True)
    assert (tmp_path / "bk" / "uploads" / original.name).read_bytes() == original.read_bytes()
    restored = Home(tmp_path / "restored")
    restore(tmp_path / "bk", restored)
    assert (restored.root / "uploads" / original.name).read_bytes() == original.read_bytes()
