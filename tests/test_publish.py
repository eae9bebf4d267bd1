"""Publishing through the real pipeline: validate, typed Parquet, one atomic version; refusals change nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

from catalog.errors import InvalidInput, NotFound
from catalog.fsck import fsck
from catalog.i18n import language
from catalog.storage import WorkDir, sha256_file
from pipelines.publish import publish

SCHEMA = {
    "fields": [
        {"name": "district", "type": "string", "constraints": {"required": True}},
        {"name": "month", "type": "date", "format": "%d/%m/%Y"},
        {"name": "visitors", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "rate", "type": "number"},
    ],
    "primaryKey": ["district", "month"],
}
GOOD = "district,month,visitors,rate\nĐống Đa,01/01/2024,1200,1.5\nBa Đình,01/01/2024,900,2.25\n"
MORE = GOOD + "Tây Hồ,01/02/2024,300,0.5\n"
BAD = "district,month,visitors,rate\nĐống Đa,01/01/2024,-5,1.5\n,31/02/2024,abc,x\n"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def snapshot(catalog):
    """Everything a publish could change: metadata rows and files on disk."""
    files = sorted(str(p.relative_to(catalog.home.root)) for p in catalog.home.root.rglob("*") if p.is_file()
                   and p.name not in ("metadata.sqlite-wal", "metadata.sqlite-shm", "metadata.sqlite"))
    return (json.dumps(catalog.list_datasets(), default=str), json.dumps(catalog.all_versions(), default=str),
            len(catalog.list_audit()), files)


def test_publish_creates_typed_immutable_version(catalog, tmp_path):
    result = publish(catalog, write(tmp_path, "a.csv", GOOD), dataset="tourism", org="so-tnmt", schema=SCHEMA,
                     meta={"title": "Khách du lịch", "tags": ["du-lich"]}, publisher="tester")
    assert result.status == "published", result.report
    version = result.version
    assert version["number"] == 1 and version["rows"] == 2
    path = catalog.version_file(version)
    assert path.name == f"{version['sha256']}.parquet" and sha256_file(path) == version["sha256"]
    types = dict(duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()[i][:2]
                 for i in range(4))
    assert types == {"district": "VARCHAR", "month": "DATE", "visitors": "BIGINT", "rate": "DOUBLE"}
    assert duckdb.sql(f"SELECT district, month::VARCHAR FROM read_parquet('{path}') ORDER BY visitors").fetchall() \
        == [("Ba Đình", "2024-01-01"), ("Đống Đa", "2024-01-01")]
    dataset = catalog.get_dataset("tourism")
    assert dataset["title"] == "Khách du lịch" and dataset["latest_version"] == 1 and dataset["rows"] == 2
    assert catalog.list_audit(dataset="tourism")[0]["action"] == "publish"


def test_identical_content_creates_no_version(catalog, tmp_path):
    file = write(tmp_path, "a.csv", GOOD)
    publish(catalog, file, dataset="t", org="so-tnmt", schema=SCHEMA)
    again = publish(catalog, file, dataset="t", org="so-tnmt", schema=SCHEMA)
    assert again.status == "unchanged" and "giống hệt phiên bản 1" in again.messages[0]
    assert len(catalog.list_versions("t")) == 1


def test_second_version_records_changes(catalog, tmp_path):
    publish(catalog, write(tmp_path, "a.csv", GOOD), dataset="t", org="so-tnmt", schema=SCHEMA)
    second = publish(catalog, write(tmp_path, "b.csv", MORE), dataset="t")  # schema and org from the dataset
    assert second.status == "published" and second.version["number"] == 2
    assert second.version["changes"]["rows_added"] == 1 and second.version["changes"]["rows_removed"] == 0
    first = catalog.get_version("t", 1)
    assert sha256_file(catalog.version_file(first)) == first["sha256"], "v1 untouched"


def test_invalid_file_is_refused_and_nothing_changes(catalog, tmp_path):
    publish(catalog, write(tmp_path, "a.csv", GOOD), dataset="t", org="so-tnmt", schema=SCHEMA)
    before = snapshot(catalog)
    result = publish(catalog, write(tmp_path, "bad.csv", BAD), dataset="t")
    assert result.status == "invalid" and not result.ok
    kinds = {(e["type"], e.get("rowNumber"), e.get("fieldName")) for e in result.report["tasks"][0]["errors"]}
    assert ("constraint-error", 2, "visitors") in kinds and ("type-error", 3, "visitors") in kinds
    assert snapshot(catalog) == before


@pytest.mark.parametrize("kwargs, error, match", [
    ({"dataset": "../x", "org": "so-tnmt"}, InvalidInput, "invalid dataset name"),
    ({"dataset": "Upper", "org": "so-tnmt"}, InvalidInput, "invalid dataset name"),
    ({"dataset": "new-one"}, InvalidInput, "--org"),
    ({"dataset": "new-one", "org": "so-nope"}, NotFound, "organisation"),
    ({"dataset": "new-one", "org": "so-tnmt", "schema": "no_such_schema"}, NotFound, "no_such_schema"),
])
def test_bad_publish_arguments(catalog, tmp_path, kwargs, error, match):
    kwargs.setdefault("schema", SCHEMA)
    before = snapshot(catalog)
    with language("en"), pytest.raises(error, match=match):  # the English wording of each refusal
        publish(catalog, write(tmp_path, "a.csv", GOOD), **kwargs)
    assert snapshot(catalog) == before


@pytest.mark.local_storage  # corrupts a file in place in data/ (on S3: tests/test_s3_storage.py's fsck test)
def test_fsck_verifies_hashes_and_removes_orphans(catalog, tmp_path):
    publish(catalog, write(tmp_path, "a.csv", GOOD), dataset="t", org="so-tnmt", schema=SCHEMA)
    orphan = catalog.home.data_dir / "t" / ("f" * 64 + ".parquet")
    orphan.write_bytes(b"left by a crash between rename and commit")
    stray = catalog.home.tmp_dir / "stray.tmp"
    stray.write_bytes(b"x")
    with WorkDir(catalog.home) as live:  # a publish still running: must be left alone
        report = fsck(catalog)
        assert live.path.exists()
    assert report.ok and report.checked == 1
    assert not orphan.exists() and not stray.exists()
    assert len(report.removed) == 2
    version = catalog.latest_version("t")
    with open(catalog.version_file(version), "r+b") as handle:
        handle.seek(10)
        handle.write(b"corrupt")
    bad = fsck(catalog)
    assert not bad.ok and "sha256 mismatch" in bad.problems[0]


def test_abandoned_work_of_a_killed_process_is_removed(catalog):
    code = ("import os, sys; from catalog.home import Home; from catalog.storage import WorkDir; "
            f"w = WorkDir(Home.resolve({str(catalog.home.root)!r})); (w.path / 'data.parquet').write_bytes(b'x'); "
            "os.kill(os.getpid(), 9)")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ})
    assert proc.returncode == -9
    leftovers = list(catalog.home.tmp_dir.iterdir())
    assert len(leftovers) == 1
    report = fsck(catalog)
    assert report.ok and not list(catalog.home.tmp_dir.iterdir())
