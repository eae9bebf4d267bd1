"""The operators' backup and restore of a scaled-out catalogue (deploy/backup-s3-postgres.sh and
deploy/restore-s3-postgres.sh), run for real: the scripts themselves, Debian's pg_dump/pg_restore/psql against the
suite's throwaway PostgreSQL server, rclone against the suite's S3-protocol server, and the catalogue's own CLI.

Why a test of shell scripts: a backup nobody has restored is a hope. This one publishes a small catalogue on
PostgreSQL + S3, backs it up, destroys the database and the bucket prefix, restores onto a new node, and checks
that every version reads back byte for byte. A version published while the backup runs (after the dump, before
the bucket copy: the moment the scripts' ordering is about) must be absent from the restored catalogue without
breaking it. To publish at exactly that moment, the test puts a ``pg_dump`` first on PATH that runs the real
pg_dump and then a real publish; nothing else stands in for anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
import requests
from pg_cluster import _bindir

from catalog.s3storage import S3Settings, S3Storage
from conftest import REPO, ServerProcess

pytestmark = pytest.mark.slow  # starts PostgreSQL, an S3 server, CLI processes and web servers

BACKUP = REPO / "deploy" / "backup-s3-postgres.sh"
RESTORE = REPO / "deploy" / "restore-s3-postgres.sh"
SCHEMA = {"fields": [{"name": "ma_tram", "type": "string"}, {"name": "ten_tram", "type": "string"},
                     {"name": "pm25", "type": "number"}]}
AIR_V1 = "ma_tram,ten_tram,pm25\nHN-01,Trạm Hoàn Kiếm,41.5\nHN-02,Trạm Đống Đa,38.25\n"
AIR_V2 = AIR_V1 + "HN-03,Trạm Cầu Giấy,52.0\n"
AIR_LATE = AIR_V2 + "HN-04,Trạm Long Biên,20.0\n"
WATER = "ma_tram,ten_tram,pm25\nSH-01,Sông Hồng,7.0\n"
DATASETS = ("bui-min", "nuoc-song")


def cli(settings: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``opendata`` as an operator runs it, with the catalogue's settings in its environment."""
    result = subprocess.run([sys.executable, "-m", "cli", "--lang", "en", *args], cwd=REPO,
                            env={**os.environ, **settings}, capture_output=True, text=True, timeout=180)
    assert not check or result.returncode == 0, f"opendata {' '.join(args)}: {result.stdout}{result.stderr}"
    return result


def write_env_file(path: Path, settings: dict) -> Path:
    """/etc/opendata/opendata.env as deploy/systemd/opendata.env has it: KEY=value lines."""
    assert all(" " not in value for value in settings.values())
    path.write_text("".join(f"{key}={value}\n" for key, value in settings.items()), encoding="utf-8")
    return path


def script(path: Path, *args: str, env_file: Path, path_first: list[Path], **extra_env: str):
    """A deploy script as an operator runs it: the tools it needs on PATH, its settings in OPENDATA_ENV_FILE."""
    env = {**os.environ, "OPENDATA_ENV_FILE": str(env_file), **extra_env,
           "PATH": os.pathsep.join([*map(str, path_first), str(Path(sys.executable).parent), os.environ["PATH"]])}
    return subprocess.run([str(path), *map(str, args)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def bucket(settings: dict, cache: Path) -> S3Storage:
    """The catalogue's own view of a bucket prefix (to look at it and to destroy it)."""
    return S3Storage(S3Settings.from_url(settings["OPENDATA_STORAGE_URL"], env=settings), cache)


def reads(settings: dict) -> dict:
    """Everything a reader gets of each version, through a real web server over the catalogue."""
    server = ServerProcess(Path(settings["OPENDATA_HOME"]), workers=1, env=settings)
    try:
        seen: dict = {"versions": {}}
        for name in DATASETS:
            listing = cli(settings, "versions", name, "--json").stdout
            for version in json.loads(listing)["versions"]:
                base = f"{server.url}/datasets/{name}/versions/{version['number']}"
                parquet = requests.get(f"{base}/data.parquet", timeout=60)
                csv = requests.get(f"{base}/data.csv", timeout=60)
                rows = requests.get(f"{server.url}/api/v1/datasets/{name}/rows",
                                    params={"_version": version["number"]}, timeout=60)
                assert parquet.status_code == csv.status_code == rows.status_code == 200, (parquet, csv, rows.text)
                seen["versions"][f"{name}@{version['number']}"] = {
                    "parquet_sha256": hashlib.sha256(parquet.content).hexdigest(), "csv": csv.text,
                    "rows": rows.json()["rows"]}
        found = requests.get(f"{server.url}/api/3/action/package_search", params={"q": "bụi mịn"}, timeout=60)
        seen["search"] = [p["name"] for p in found.json()["result"]["results"]]
        return seen
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pg_bin(postgres) -> Path:
    """Debian's client tools of the test server's major version (pg_dump, pg_restore, psql)."""
    return postgres.bindir or _bindir()


@pytest.fixture(scope="module")
def site(postgres, s3_server, pg_bin, tmp_path_factory):
    """A catalogue on PostgreSQL + S3 with two datasets (three versions), backed up by the script while a fourth
    version is published between its dump and its bucket copy."""
    root = tmp_path_factory.mktemp("deploy-backup")
    database = postgres.create()
    settings = {**s3_server.env(f"backup-{uuid.uuid4().hex[:8]}"), "OPENDATA_DATABASE_URL": postgres.url(database),
                "OPENDATA_HOME": str(root / "node-1"), "OPENDATA_RATELIMIT_ENABLED": "false"}
    (root / "schema.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    sources = {}
    for name, text in {"air-1": AIR_V1, "air-2": AIR_V2, "air-late": AIR_LATE, "water": WATER}.items():
        sources[name] = root / f"{name}.csv"
        sources[name].write_text(text, encoding="utf-8")

    cli(settings, "init")
    cli(settings, "org", "add", "so-tnmt", "--title", "Sở Tài nguyên và Môi trường")
    publish = ("--org", "so-tnmt", "--schema", str(root / "schema.json"))
    cli(settings, "publish", str(sources["air-1"]), "--dataset", "bui-min", *publish, "--title", "Bụi mịn PM2.5")
    cli(settings, "publish", str(sources["air-2"]), "--dataset", "bui-min", *publish)
    cli(settings, "publish", str(sources["water"]), "--dataset", "nuoc-song", *publish, "--title", "Nước sông")
    before = {"datasets": json.loads(cli(settings, "datasets", "--json").stdout), "reads": reads(settings)}

    shim = root / "shim"
    shim.mkdir()
    (shim / "pg_dump").write_text(
        f'#!/bin/sh\nset -e\n"{pg_bin}/pg_dump" "$@"\n'
        f'"{sys.executable}" -m cli publish "{sources["air-late"]}" --dataset bui-min >&2\n', encoding="utf-8")
    (shim / "pg_dump").chmod(0o755)
    env_file = write_env_file(root / "opendata.env", settings)
    # The environment says otherwise: the settings file must win (the scripts' one rule).
    done = script(BACKUP, root / "backup", env_file=env_file, path_first=[shim, pg_bin],
                  OPENDATA_STORAGE_URL="s3://opendata/not-this-prefix", OPENDATA_DATABASE_URL="postgresql://nowhere/x")
    assert done.returncode == 0, done.stdout + done.stderr
    versions = json.loads(cli(settings, "versions", "bui-min", "--json").stdout)["versions"]
    assert [v["number"] for v in versions] == [3, 2, 1], "the late version was published during the backup"
    yield {"root": root, "database": database, "settings": settings, "before": before, "backup": root / "backup",
           "late": versions[0], "output": done.stdout}
    postgres.drop(database)


def test_the_backup_writes_a_dump_and_copies_every_object_of_the_bucket_prefix(site):
    dumps = list(site["backup"].glob("metadata-*.dump"))
    assert len(dumps) == 1 and dumps[0].stat().st_size > 0 and not list(site["backup"].glob("*.part"))
    objects = {p.relative_to(site["backup"] / "data").as_posix() for p in (site["backup"] / "data").rglob("*")
               if p.is_file()}
    assert site["late"]["path"] in objects, "the object of the version published mid-backup is copied too"
    assert len(objects) == 4 and all(key.endswith(".parquet") for key in objects)
    assert "1/2 pg_dump" in site["output"] and "2/2 copy of s3://" + site["settings"]["OPENDATA_STORAGE_URL"][5:] \
        in site["output"]


def test_a_restore_after_losing_database_and_bucket_gives_back_every_version_byte_for_byte(site, postgres, pg_bin):
    settings, database = site["settings"], site["database"]
    old = bucket(settings, site["root"] / "look")
    postgres.drop(database)  # the disaster: the database and every object of the prefix are gone
    for key in old.list():
        old.delete(key)
    assert old.list() == []
    postgres.execute(f'CREATE DATABASE "{database}"')  # what the operator does first: an empty database
    restored = {**settings, "OPENDATA_HOME": str(site["root"] / "new-node")}  # the old node is gone too
    env_file = write_env_file(site["root"] / "restore.env", restored)

    done = script(RESTORE, site["backup"], env_file=env_file, path_first=[pg_bin], LANG="en_US.UTF-8")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "removed orphan data/" + site["late"]["path"] in done.stdout, done.stdout
    assert not old.exists(site["late"]["path"]), "the late version's object is not referenced: fsck removed it"
    check = json.loads(cli(restored, "fsck", "--dry-run", "--json", check=False).stdout)
    assert check == {"ok": True, "checked": 3, "problems": [], "orphans": [], "removed": []}
    after = {"datasets": json.loads(cli(restored, "datasets", "--json").stdout), "reads": reads(restored)}
    assert after == site["before"]
    assert sorted(d["name"] for d in after["datasets"]) == list(DATASETS)
    assert set(after["reads"]["versions"]) == {"bui-min@1", "bui-min@2", "nuoc-song@1"}
    assert after["reads"]["versions"]["bui-min@2"]["csv"].count("\n") == 4 and "bui-min" in after["reads"]["search"]


def test_a_restore_into_a_database_that_already_holds_tables_is_refused_and_changes_nothing(site, postgres, pg_bin,
                                                                                          s3_server):
    database = postgres.create()
    try:
        target = {**site["settings"], **s3_server.env(f"restore-{uuid.uuid4().hex[:8]}"),
                  "OPENDATA_DATABASE_URL": postgres.url(database), "OPENDATA_HOME": str(site["root"] / "busy")}
        cli(target, "init")
        env_file = write_env_file(site["root"] / "busy.env", target)
        done = script(RESTORE, site["backup"], env_file=env_file, path_first=[pg_bin])
        assert done.returncode == 1
        assert "already has" in done.stderr and "new, empty database" in done.stderr, done.stderr
        assert "1/3" not in done.stdout
        assert bucket(target, site["root"] / "look-busy").list() == [], "nothing was copied into the bucket"
    finally:
        postgres.drop(database)


def test_a_restore_into_another_database_on_a_home_made_with_the_old_one_is_refused_with_the_fix(site, postgres,
                                                                                                pg_bin):
    database = postgres.create()
    try:
        moved = {**site["settings"], "OPENDATA_DATABASE_URL": postgres.url(database)}  # node-1's home, new database
        env_file = write_env_file(site["root"] / "moved.env", moved)
        done = script(RESTORE, site["backup"], env_file=env_file, path_first=[pg_bin])
        assert done.returncode == 1
        assert "metadata.url" in done.stderr and "OPENDATA_HOME to a new folder" in done.stderr, done.stderr
        with psycopg.connect(postgres.url(database).replace("+psycopg", "")) as conn:
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
    finally:
        postgres.drop(database)


def test_a_restore_into_another_bucket_prefix_on_a_home_made_with_the_old_one_is_refused_with_the_fix(site, pg_bin,
                                                                                                     s3_server):
    node = Path(site["settings"]["OPENDATA_HOME"])
    assert (node / "storage.url").read_text(encoding="utf-8").strip() == site["settings"]["OPENDATA_STORAGE_URL"]
    moved = {**site["settings"], **s3_server.env(f"moved-{uuid.uuid4().hex[:8]}")}  # node-1's home, a new prefix
    env_file = write_env_file(site["root"] / "moved-bucket.env", moved)
    done = script(RESTORE, site["backup"], env_file=env_file, path_first=[pg_bin])
    assert done.returncode == 1
    assert "storage.url" in done.stderr and "OPENDATA_HOME to a new folder" in done.stderr, done.stderr
    assert "1/3" not in done.stdout and bucket(moved, site["root"] / "look-moved").list() == []


@pytest.mark.parametrize("path", [BACKUP, RESTORE])
def test_the_scripts_say_which_settings_file_they_could_not_read_and_how_to_name_another(path, tmp_path):
    missing = tmp_path / "opendata.env"
    done = script(path, tmp_path / "backup", env_file=missing, path_first=[])
    assert done.returncode == 1
    assert f"cannot read the settings file {missing}" in done.stderr and "OPENDATA_ENV_FILE" in done.stderr
    assert not (tmp_path / "backup").exists()


@pytest.mark.parametrize("path", [BACKUP, RESTORE])
def test_the_scripts_without_a_folder_print_their_usage(path, tmp_path):
    done = script(path, env_file=tmp_path / "unused.env", path_first=[])
    assert done.returncode == 2 and done.stderr.startswith(f"usage: {path.name} ")

