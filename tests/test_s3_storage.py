"""Version files on S3-compatible storage (``OPENDATA_STORAGE_URL=s3://…``), against a real S3-protocol server
process (``rclone serve s3`` on 127.0.0.1, the ``s3_server`` fixture): the storage contract of
tests/test_storage.py, atomic publishing and fsck, then a whole catalogue on S3 served by a real server process
(downloads with ranges and 304, SQL, explorer rows), and objects that outlive a restart of the S3 server."""

from __future__ import annotations

import datetime
import hashlib
import threading
import time
import uuid

import pyarrow.parquet as pq
import pytest
import requests
from data_api_helpers import AIR_ROWS, build_catalogue
from test_storage import (  # noqa: F401 - the same contract, collected here with the S3 fixtures below
    test_a_commit_that_fails_after_the_file_is_stored_leaves_only_an_orphan_that_fsck_removes,
    test_a_publish_whose_file_fsck_removed_before_the_lock_refuses_and_records_nothing,
    test_a_wrong_hash_stores_nothing,
    test_an_error_inside_the_unit_of_work_leaves_no_version_no_dataset_and_only_a_file_fsck_removes,
    test_keys_cannot_climb_out_of_the_folder,
    test_list_and_delete,
    test_open_reads_byte_ranges,
    test_put_of_content_already_stored_keeps_the_stored_file_and_says_so,
    test_put_stores_the_file_under_its_key_and_verifies_its_hash,
    test_the_readable_location_works_with_duckdb_and_pyarrow,
    test_the_unit_of_work_creates_dataset_version_file_and_audit_together,
)

from catalog import s3storage
from catalog.errors import InvalidInput
from catalog.fsck import fsck
from catalog.home import Home
from catalog.metadata import Catalog
from catalog.s3storage import S3Settings, S3Storage
from catalog.storage import LocalStorage
from catalog.storage_url import storage_for
from conftest import ServerProcess


def s3_env(s3_server) -> dict[str, str]:
    return s3_server.env(f"t-{uuid.uuid4().hex[:10]}")


@pytest.fixture
def env(s3_server, monkeypatch) -> dict[str, str]:
    """This test's own prefix in the bucket, set in the environment as an operator would."""
    values = s3_env(s3_server)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def storage(env, tmp_path) -> S3Storage:
    return S3Storage(S3Settings.from_url(env["OPENDATA_STORAGE_URL"]), tmp_path / "cache")


@pytest.fixture
def catalog(env, tmp_path):
    """The same catalogue as tests/conftest.py's, with its version files on S3 (from OPENDATA_STORAGE_URL)."""
    cat = Catalog(tmp_path / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    yield cat
    cat.dispose()


def test_an_s3_storage_url_gives_the_catalogue_an_s3_storage_with_its_cache_in_the_home(catalog, env):
    assert isinstance(catalog.storage, S3Storage)
    assert catalog.storage.base == "opendata/" + env["OPENDATA_STORAGE_URL"].split("/")[-1]
    assert catalog.storage.cache_dir.is_relative_to(catalog.home.cache_dir)


@pytest.mark.parametrize("url, env, expected", [
    ("ftp://x/y", {}, "không phải file:// cũng không phải s3://"),
    ("s3:///no-bucket", {}, "không phải địa chỉ S3"),
    ("s3://b/p", {"OPENDATA_S3_ENDPOINT_URL": "127.0.0.1:9000"}, "phải bắt đầu bằng http"),
    ("s3://b/p", {"OPENDATA_S3_DOWNLOADS": "teleport"}, "không phải một cách tải về"),
])
def test_a_wrong_storage_setting_is_a_clear_error(url, env, expected, tmp_path, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(InvalidInput, match=expected):
        storage_for(Catalog(tmp_path / "h").home, url)


def test_a_put_leaves_no_temporary_object_behind(storage, tmp_path):
    staged = tmp_path / "s.bin"
    staged.write_bytes(b"x" * 1000)
    storage.put(staged, "d/x.bin", sha256=hashlib.sha256(b"x" * 1000).hexdigest())
    names = [key for key, _ in storage._objects()]
    assert names == ["d/x.bin"], names


def test_fsck_removes_orphan_objects_and_abandoned_uploads_and_reports_missing_ones(catalog, tmp_path, monkeypatch):
    (tmp_path / "work").mkdir()
    from test_storage import new_version, staged_parquet

    from catalog.unit_of_work import commit_version

    new = new_version(catalog, staged_parquet(tmp_path / "work"))
    commit_version(catalog, new)
    storage = catalog.storage
    orphan = tmp_path / "orphan.bin"
    orphan.write_bytes(b"nobody references me")
    storage.put(orphan, "t/orphan.bin", sha256=hashlib.sha256(b"nobody references me").hexdigest())
    interrupted = f"_tmp/{int(time.time()) - 1}-{uuid.uuid4().hex}"
    with storage.fs.open_output_stream(f"{storage.base}/{interrupted}") as out:
        out.write(b"half an upload")
    assert fsck(catalog).removed == ["data/t/orphan.bin"], "a fresh upload may still be running: kept"
    monkeypatch.setattr(s3storage, "TEMP_MAX_AGE", 0.0)
    assert fsck(catalog).removed == [f"data/{interrupted}"]
    assert storage.list() == [new.key] and fsck(catalog).ok

    storage._delete(storage.object(new.key))
    report = fsck(catalog)
    assert not report.ok and report.problems == [f"t@1: file missing: {new.key}"]


def test_a_slow_upload_holds_no_lock_so_another_publish_commits_meanwhile(catalog, tmp_path, monkeypatch):
    from test_storage import new_version, staged_parquet

    from catalog.unit_of_work import commit_version

    storage, real_upload = catalog.storage, catalog.storage._upload
    uploading, release = threading.Event(), threading.Event()

    def held_upload(staged, target):
        if staged.name == "slow.parquet":
            uploading.set()
            release.wait(60)
        return real_upload(staged, target)

    monkeypatch.setattr(storage, "_upload", held_upload)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    slow = new_version(catalog, staged_parquet(tmp_path / "a", rows=50, name="slow.parquet"), dataset="slow")
    quick = new_version(catalog, staged_parquet(tmp_path / "b", rows=5), dataset="quick")
    numbers: dict[str, int] = {}

    def publish(new):
        numbers[new.dataset] = commit_version(catalog, new)

    slow_thread = threading.Thread(target=publish, args=(slow,))
    slow_thread.start()
    try:
        assert uploading.wait(30), "the slow upload started"
        quick_thread = threading.Thread(target=publish, args=(quick,))
        quick_thread.start()
        quick_thread.join(timeout=30)
        assert not quick_thread.is_alive() and numbers == {"quick": 1}, "committed while the other upload was held"
        assert catalog.find_dataset("slow") is None and not storage.exists(slow.key)
    finally:
        release.set()
        slow_thread.join(timeout=60)
    assert numbers == {"quick": 1, "slow": 1}
    assert storage.sha256(slow.key) == slow.sha256 and fsck(catalog).ok and fsck(catalog).orphans == []


def test_the_read_cache_stays_within_its_bound_and_fetches_again_what_it_evicted(storage, tmp_path, monkeypatch):
    monkeypatch.setattr(s3storage, "EVICT_GRACE", 0.0)
    storage.cache_bytes = 1500
    contents = {f"d/{i}.bin": bytes([i]) * 1000 for i in range(3)}
    for key, content in contents.items():
        staged = tmp_path / "s.bin"
        staged.write_bytes(content)
        storage.put(staged, key, sha256=hashlib.sha256(content).hexdigest())
        storage.location(key)
    cached = sorted(p.name for p in storage.cache_dir.rglob("*.bin"))
    assert cached == ["2.bin"], cached
    assert open(storage.location("d/0.bin"), "rb").read() == contents["d/0.bin"]


# -- a whole catalogue on S3, served ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def on_s3(s3_server, tmp_path_factory):
    """The data API test catalogue published onto S3, and a real server process reading it."""
    env = s3_env(s3_server)
    root = tmp_path_factory.mktemp("s3-catalogue")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        cat = build_catalogue(root / "home", root / "work")
    server = ServerProcess(cat.home.root, workers=2, env={**env, "OPENDATA_RATELIMIT_ENABLED": "false"})
    yield cat, server, env
    server.stop()
    cat.dispose()


def test_published_files_live_in_the_bucket_not_in_the_home(on_s3, s3_server):
    cat, _, env = on_s3
    prefix = env["OPENDATA_STORAGE_URL"].split("/")[-1]
    version = cat.get_version("air-quality", 2)
    assert (s3_server.root / "opendata" / prefix / version["path"]).is_file()
    assert not any(cat.home.data_dir.rglob("*.parquet"))


def test_a_download_from_s3_keeps_etag_ranges_and_304(on_s3):
    cat, server, _ = on_s3
    version = cat.get_version("air-quality", 2)
    url = f"{server.url}/datasets/air-quality/versions/2/data.parquet"
    whole = requests.get(url, timeout=30)
    assert whole.status_code == 200 and hashlib.sha256(whole.content).hexdigest() == version["sha256"]
    assert whole.headers["ETag"] == f'"{version["sha256"]}"'
    part = requests.get(url, headers={"Range": "bytes=-8"}, timeout=30)
    assert part.status_code == 206 and part.content == whole.content[-8:] and part.content.endswith(b"PAR1")
    assert part.headers["Content-Range"] == f"bytes {len(whole.content) - 8}-{len(whole.content) - 1}/{len(whole.content)}"
    again = requests.get(url, headers={"If-None-Match": whole.headers["ETag"]}, timeout=30)
    assert again.status_code == 304 and again.content == b""


def test_derived_downloads_sql_and_explorer_rows_read_the_files_on_s3(on_s3):
    cat, server, _ = on_s3
    csv_text = requests.get(f"{server.url}/datasets/air-quality/versions/2/data.csv", timeout=60)
    assert csv_text.status_code == 200 and len(csv_text.text.strip().splitlines()) == AIR_ROWS[1] + 1
    answer = requests.get(f"{server.url}/api/v1/sql", params={"sql": "SELECT count(*) AS n FROM air_quality"},
                          timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == [[AIR_ROWS[1]]]
    rows = requests.get(f"{server.url}/api/v1/datasets/air-quality/rows", params={"limit": 5, "pm25__ge": 0}, timeout=60)
    assert rows.status_code == 200, rows.text
    assert len(rows.json()["rows"]) == 5
    page = requests.get(f"{server.url}/datasets/air-quality", timeout=60)
    assert page.status_code == 200 and "Quan trắc chất lượng không khí" in page.text


def test_a_redirect_download_is_a_presigned_url_that_the_s3_server_answers(on_s3):
    cat, server, env = on_s3
    redirecting = ServerProcess(cat.home.root, workers=1, env={**env, "OPENDATA_S3_DOWNLOADS": "redirect",
                                                               "OPENDATA_RATELIMIT_ENABLED": "false"})
    try:
        url = f"{redirecting.url}/datasets/air-quality/versions/2/data.parquet"
        first = requests.get(url, allow_redirects=False, timeout=30)
        assert first.status_code == 302 and first.headers["Location"].startswith(env["OPENDATA_S3_ENDPOINT_URL"])
        assert "X-Amz-Signature=" in first.headers["Location"]
        body = requests.get(first.headers["Location"], timeout=30).content
        assert hashlib.sha256(body).hexdigest() == cat.get_version("air-quality", 2)["sha256"]
        etag = first.headers["ETag"]
        assert requests.get(url, headers={"If-None-Match": etag}, allow_redirects=False, timeout=30).status_code == 304
    finally:
        redirecting.stop()


def test_a_backup_of_a_catalogue_on_s3_copies_every_file_through_the_storage(on_s3, tmp_path):
    from catalog.backup import backup

    cat, _, env = on_s3
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        if not cat.url.startswith("sqlite"):  # backup copies the SQLite file; PostgreSQL is the operator's pg_dump
            with pytest.raises(InvalidInput, match="pg_dump"):
                backup(Catalog(cat.home), tmp_path / "backup")
            return
        report = backup(Catalog(cat.home), tmp_path / "backup")
    assert report.files == len({key for v in cat.all_versions() for key in cat.version_keys(v)}) > 0
    assert report.copied == report.files and not report.problems
    version = cat.get_version("air-quality", 1)
    assert pq.read_table(tmp_path / "backup" / "data" / version["path"]).num_rows == AIR_ROWS[0]


def test_objects_survive_a_restart_of_the_s3_server(on_s3, s3_server, tmp_path):
    cat, _, env = on_s3
    s3_server.stop()
    s3_server.start()
    fresh = S3Storage(S3Settings.from_url(env["OPENDATA_STORAGE_URL"], env=env), tmp_path / "empty-cache")
    version = cat.get_version("air-quality", 1)
    assert fresh.sha256(version["path"]) == version["sha256"]
    assert fresh.list() == sorted({key for v in cat.all_versions() for key in cat.version_keys(v)})


# -- a home remembers its storage ---------------------------------------------------------------------------------
def test_init_records_the_s3_storage_in_the_home_and_later_opens_use_it_whatever_the_environment(catalog, env,
                                                                                               monkeypatch, s3_server):
    recorded = catalog.home.root / "storage.url"
    assert recorded.read_text(encoding="utf-8").strip() == env["OPENDATA_STORAGE_URL"]
    assert recorded.stat().st_mode & 0o777 == 0o600, "owner-only, as metadata.url"
    monkeypatch.delenv("OPENDATA_STORAGE_URL")  # a later command without the setting: never the empty data/
    reopened = Catalog(catalog.home.root)
    assert isinstance(reopened.storage, S3Storage) and reopened.storage.base == catalog.storage.base
    monkeypatch.setenv("OPENDATA_STORAGE_URL", s3_env(s3_server)["OPENDATA_STORAGE_URL"])  # nor another prefix
    assert Catalog(catalog.home.root).storage.base == catalog.storage.base
    assert storage_for(catalog.home, "file:///elsewhere").root.as_posix() == "/elsewhere", "an explicit URL wins"


def test_a_home_made_with_local_files_records_no_storage_and_keeps_its_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENDATA_STORAGE_URL", raising=False)
    cat = Catalog(tmp_path / "home")
    cat.init()
    cat.dispose()
    assert not (cat.home.root / "storage.url").exists()
    assert isinstance(cat.storage, LocalStorage) and cat.storage.root == cat.home.data_dir


def test_a_home_restored_from_a_backup_keeps_its_local_files_although_the_environment_names_a_bucket(
        env, tmp_path, monkeypatch):
    from test_storage import new_version, staged_parquet

    from catalog.backup import backup, restore
    from catalog.unit_of_work import commit_version

    monkeypatch.delenv("OPENDATA_DATABASE_URL", raising=False)  # these backups copy the home's SQLite file
    source = Catalog(tmp_path / "source")
    source.init()
    source.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    assert isinstance(source.storage, S3Storage)
    (tmp_path / "work").mkdir()
    new = new_version(source, staged_parquet(tmp_path / "work"))
    commit_version(source, new)
    backup(source, tmp_path / "backup")
    restored = Home(tmp_path / "restored")
    restore(tmp_path / "backup", restored)
    reopened = Catalog(restored)
    assert isinstance(reopened.storage, LocalStorage) and reopened.storage.root == restored.data_dir
    assert reopened.storage.sha256(new.key) == new.sha256 and fsck(reopened).ok
    source.dispose()
    reopened.dispose()


@pytest.mark.parametrize(("key", "mtime", "created"), [
    ("_tmp/1700000000-abc", 0.0, 1700000000.0),  # the key's own time wins over the store's
    ("_tmp/interrupted", 1700000000.0, 1700000000.0),  # no time in the key: the store's time
    ("_tmp/interrupted", 0.0, None),  # the epoch (rclone, just after an upload) is unknown: never abandoned
])
def test_the_age_of_a_temporary_object_never_trusts_an_implausible_store_time(key, mtime, created):
    import pyarrow.fs as pafs
    info = pafs.FileInfo(key, pafs.FileType.File,
                         mtime=datetime.datetime.fromtimestamp(mtime, tz=datetime.UTC))
    assert s3storage._created(key, info) == created


def test_an_object_store_that_does_not_answer_is_one_clear_line_not_a_traceback(tmp_path) -> None:
    import os
    import subprocess
    import sys

    from conftest import REPO, free_port

    env = {**os.environ, "OPENDATA_STORAGE_URL": "s3://kho/du-lieu", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "us-east-1",
           "OPENDATA_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}  # nothing listens there
    home = str(tmp_path / "home")
    subprocess.run([sys.executable, "-m", "cli", "--home", home, "init"], cwd=REPO, env=env, check=True,
                   capture_output=True)
    done = subprocess.run([sys.executable, "-m", "cli", "--home", home, "fsck"], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("Lỗi: kho đối tượng S3 không trả lời được") and "OPENDATA_S3_ENDPOINT_URL" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
