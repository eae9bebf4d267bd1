"""The storage seam (``catalog.storage.Storage``) on its first implementation, the local folder, and the unit of
work that makes a version all or nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from catalog.storage import HashMismatch, LocalStorage, Storage, WorkDir, sha256_file
from catalog.unit_of_work import NewVersion, commit_version


def staged_parquet(folder: Path, rows: int = 5, name: str = "staged.parquet") -> Path:
    path = folder / name
    pq.write_table(pa.table({"id": list(range(rows)), "name": [f"Hà Nội {i}" for i in range(rows)]}), path)
    return path


@pytest.fixture
def storage(tmp_path) -> Storage:
    """The implementation under test: the contract tests below also run on S3 (tests/test_s3_storage.py)."""
    return LocalStorage(tmp_path / "data")


@pytest.mark.local_storage  # the default storage itself
def test_a_catalog_holds_a_local_storage_over_its_data_folder(catalog):
    assert isinstance(catalog.storage, Storage) and isinstance(catalog.storage, LocalStorage)
    assert catalog.storage.root == catalog.home.data_dir


def test_put_stores_the_file_under_its_key_and_verifies_its_hash(storage, tmp_path):
    staged = staged_parquet(tmp_path)
    digest = sha256_file(staged)
    content = staged.read_bytes()
    assert storage.put(staged, f"air/{digest}.parquet", sha256=digest) is True
    assert storage.exists(f"air/{digest}.parquet")
    assert storage.size(f"air/{digest}.parquet") == len(content)
    assert b"".join(storage.open(f"air/{digest}.parquet")) == content
    assert storage.sha256(f"air/{digest}.parquet") == digest
    assert not staged.exists(), "the staged file is moved (renamed, or into the read cache), not copied"


def test_put_of_content_already_stored_keeps_the_stored_file_and_says_so(storage, tmp_path):
    first = staged_parquet(tmp_path)
    digest = sha256_file(first)
    storage.put(first, "d/x.parquet", sha256=digest)
    again = staged_parquet(tmp_path, name="again.parquet")
    assert storage.put(again, "d/x.parquet", sha256=digest) is False
    assert storage.list() == ["d/x.parquet"]


def test_a_wrong_hash_stores_nothing(storage, tmp_path):
    staged = staged_parquet(tmp_path)
    with pytest.raises(HashMismatch, match="does not hash"):
        storage.put(staged, "d/wrong.parquet", sha256="0" * 64)
    assert not storage.exists("d/wrong.parquet")
    assert storage.list() == []


def test_open_reads_byte_ranges(storage, tmp_path):
    staged = tmp_path / "bytes.bin"
    content = bytes(range(256)) * 10_000  # 2.5 MB: more than one chunk
    staged.write_bytes(content)
    storage.put(staged, "d/bytes.bin", sha256=hashlib.sha256(content).hexdigest())
    assert b"".join(storage.open("d/bytes.bin", 10, 20)) == content[10:20]
    assert b"".join(storage.open("d/bytes.bin", 1_500_000)) == content[1_500_000:]
    assert b"".join(storage.open("d/bytes.bin", 5, 5)) == b""
    assert b"".join(storage.open("d/bytes.bin", 0, (1 << 20) + 7)) == content[:(1 << 20) + 7]


def test_list_and_delete(storage, tmp_path):
    for name in ("b/2.parquet", "a/1.parquet"):
        staged = staged_parquet(tmp_path, name="s.parquet")
        storage.put(staged, name, sha256=sha256_file(staged))
    assert storage.list() == ["a/1.parquet", "b/2.parquet"]
    storage.delete("a/1.parquet")
    storage.delete("a/1.parquet")  # already gone: no error
    assert storage.list() == ["b/2.parquet"] and not storage.exists("a/1.parquet")


def test_keys_cannot_climb_out_of_the_folder(storage, tmp_path):
    (tmp_path / "secret.txt").write_text("x")
    for bad in ("../secret.txt", "/etc/passwd"):
        with pytest.raises(ValueError):
            storage.exists(bad)
        with pytest.raises(ValueError):
            storage.delete(bad)
    assert (tmp_path / "secret.txt").exists()


def test_the_readable_location_works_with_duckdb_and_pyarrow(storage, tmp_path):
    staged = staged_parquet(tmp_path, rows=7)
    storage.put(staged, "d/t.parquet", sha256=sha256_file(staged))
    where = storage.location("d/t.parquet")
    assert duckdb.connect().execute("SELECT count(*), max(id) FROM read_parquet(?)", [where]).fetchone() == (7, 6)
    assert pq.read_table(where).column("name").to_pylist()[3] == "Hà Nội 3"


def new_version(catalog, staged: Path, **changes) -> NewVersion:
    digest = sha256_file(staged)
    key = f"t/{digest}.parquet"
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}
    record = {"path": key, "parts": [key], "sha256": digest, "source_sha256": digest, "rows": 5,
              "bytes": staged.stat().st_size, "source_bytes": staged.stat().st_size, "source_format": "parquet",
              "schema": schema, "validation": {"valid": True}, "changes": {}, "publisher": "test", "note": ""}
    fields = {"dataset": "t", "org": "so-tnmt", "known": None, "staged": staged, "key": key, "sha256": digest,
              "record": record, "publisher": "test", "audit": {"rows": 5}, "schema": schema}
    return NewVersion(**{**fields, **changes})


def test_the_unit_of_work_creates_dataset_version_file_and_audit_together(catalog):
    with WorkDir(catalog.home) as work:
        staged = staged_parquet(work.path)
        new = new_version(catalog, staged)
        assert commit_version(catalog, new) == 1
    version = catalog.get_version("t", 1)
    assert catalog.storage.exists(new.key) and version["sha256"] == new.sha256
    assert duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)",
                                   [catalog.version_files(version)]).fetchone() == (5,)
    actions = [(a["action"], a["target"]) for a in catalog.list_audit(dataset="t")]
    assert actions == [("publish", "t@1"), ("dataset.create", "t")]


def test_an_error_inside_the_unit_of_work_leaves_no_version_no_dataset_and_only_a_file_fsck_removes(catalog):
    with WorkDir(catalog.home) as work:
        staged = staged_parquet(work.path)
        broken = new_version(catalog, staged, audit={"not json": {1, 2}})  # the audit entry cannot be written
        # SQLAlchemy encodes JSON on SQLite (a StatementError), psycopg on PostgreSQL (its TypeError)
        with pytest.raises((sa.exc.StatementError, TypeError), match="not JSON serializable"):
            commit_version(catalog, broken)
        assert catalog.find_dataset("t") is None
        assert catalog.all_versions() == []
    assert catalog.list_audit(dataset="t") == []
    assert_only_an_orphan_remains(catalog, broken.key)


def test_a_commit_that_fails_after_the_file_is_stored_leaves_only_an_orphan_that_fsck_removes(catalog):
    def refuse(conn):
        raise RuntimeError("the database refused the commit")

    with WorkDir(catalog.home) as work:
        new = new_version(catalog, staged_parquet(work.path))
        sa.event.listen(catalog.writer, "commit", refuse)
        try:
            with pytest.raises(RuntimeError, match="refused the commit"):
                commit_version(catalog, new)
        finally:
            sa.event.remove(catalog.writer, "commit", refuse)
    assert catalog.all_versions() == [] and catalog.find_dataset("t") is None
    assert_only_an_orphan_remains(catalog, new.key)


def assert_only_an_orphan_remains(catalog, key: str) -> None:
    """The file stored before the metadata transaction stays, unreferenced, until fsck removes it."""
    from catalog.fsck import fsck

    assert catalog.storage.list() == [key]
    report = fsck(catalog, remove_orphans=False)
    assert report.ok and report.orphans == [f"data/{key}"] and report.removed == []
    assert fsck(catalog).removed == [f"data/{key}"]
    assert catalog.storage.list() == []


def test_a_publish_whose_file_fsck_removed_before_the_lock_refuses_and_records_nothing(catalog, monkeypatch):
    from catalog.errors import Conflict
    from catalog.fsck import fsck

    storage, real_put = catalog.storage, catalog.storage.put

    def put_then_fsck_removes_it(staged, key, *, sha256):
        created = real_put(staged, key, sha256=sha256)
        assert fsck(catalog).removed == [f"data/{key}"]  # fsck runs while the publish waits for the lock
        return created

    monkeypatch.setattr(storage, "put", put_then_fsck_removes_it)
    with WorkDir(catalog.home) as work:
        new = new_version(catalog, staged_parquet(work.path))
        with pytest.raises(Conflict, match="fsck"):
            commit_version(catalog, new)
    assert catalog.all_versions() == [] and catalog.find_dataset("t") is None
    assert catalog.list_audit(dataset="t") == []
