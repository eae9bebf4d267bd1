"""Never lose data: kill -9 a publish (the CLI, or the server mid-upload) at many moments, publish concurrently.

After every kill: ``fsck`` finds no problem (orphans it removes are fine), every earlier version keeps its
sha256, the latest version is the old one or the new one complete, and reading the latest never fails, neither
afterwards nor for a reader running the whole time.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
import requests

from catalog.accounts import Accounts
from catalog.fsck import fsck
from catalog.metadata import Catalog
from catalog.storage import sha256_file
from pipelines.publish import publish
from pipelines.remote import Remote
from tests.conftest import REPO, free_port

DATASET = "air"
RUNS_CLI = 20
RUNS_SERVER = 10
ROWS = int(os.environ.get("CRASH_TEST_ROWS", "120000"))  # enough for a publish to take about a second


@pytest.fixture(scope="module")
def sources(tmp_path_factory, shared) -> dict:
    """Two different air-quality files (B is A plus more rows) and their schema."""
    root = tmp_path_factory.mktemp("crash-sources")
    files = {"a.csv": root / "a.csv", "b.csv": root / "b.csv"}
    subprocess.run([sys.executable, str(shared / "tools" / "gen_air_quality.py"), "--rows", str(ROWS + 4000),
                    "--out", str(files["b.csv"])], check=True, capture_output=True)
    with open(files["b.csv"], "rb") as src, open(files["a.csv"], "wb") as dst:  # the generator's prefix property
        for _ in range(ROWS + 1):
            dst.write(src.readline())
    return {"files": files, "schema": shared / "tools" / "air_quality.schema.json",
            "sha": {name: sha256_file(path) for name, path in files.items()}}


def new_home(tmp_path: Path, sources: dict) -> Catalog:
    catalog = Catalog(tmp_path / "home")
    catalog.init()
    catalog.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    result = publish(catalog, sources["files"]["a.csv"], dataset=DATASET, org="so-tnmt",
                     schema=str(sources["schema"]), publisher="setup")
    assert result.status == "published", result.messages
    return catalog


def read_latest(catalog: Catalog) -> int:
    """Rows of the latest version, read the way every reader does; raises if anything is partial."""
    version = catalog.latest_version(DATASET)
    files = [str(p) for p in catalog.version_files(version)]
    con = duckdb.connect()
    try:
        count = con.execute("SELECT count(*) FROM read_parquet(?)", [files]).fetchone()[0]
    finally:
        con.close()
    assert count == version["rows"], f"version {version['number']}: read {count} rows, recorded {version['rows']}"
    return count


class Reader(threading.Thread):
    """Reads the latest version in a loop for as long as the publishes are being killed."""

    def __init__(self, home: Path) -> None:
        super().__init__(daemon=True)
        self.catalog = Catalog(home)
        self.stop = threading.Event()
        self.reads = 0
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                read_latest(self.catalog)
                self.reads += 1
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                self.errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)
        self.catalog.dispose()


def check_after_kill(catalog: Catalog, before: list[dict], target: str, sources: dict) -> dict:
    """The invariants, after one killed publish of ``target``; returns the latest version."""
    report = fsck(catalog)
    assert report.ok, report.problems
    after = catalog.all_versions()
    key = lambda v: (v["dataset"], v["number"])  # noqa: E731
    after_by_key = {key(v): v for v in after}
    for old in before:
        kept = after_by_key.get(key(old))
        assert kept is not None, f"version {key(old)} disappeared"
        assert (kept["sha256"], kept["path"], kept["parts"]) == (old["sha256"], old["path"], old["parts"])
        assert sha256_file(catalog.version_file(kept)) == old["sha256"]
    assert len(after) in (len(before), len(before) + 1)
    latest = catalog.latest_version(DATASET)
    if len(after) == len(before) + 1:  # the publish finished before the kill: the new version is complete
        assert latest["source_sha256"] == sources["sha"][target]
        assert sha256_file(catalog.version_file(latest)) == latest["sha256"]
    else:
        assert latest["number"] == max(v["number"] for v in before)
    read_latest(catalog)
    return latest


def other(latest: dict, sources: dict) -> str:
    """The file that differs from the latest version (so a completed publish makes a new version)."""
    return "b.csv" if latest["source_sha256"] == sources["sha"]["a.csv"] else "a.csv"


def cli_publish(home: Path, source: Path, schema: Path, *, dataset: str = DATASET) -> subprocess.Popen:
    env = {**os.environ, "OPENDATA_HOME": str(home)}
    env.pop("OPENDATA_URL", None)
    return subprocess.Popen([sys.executable, "-m", "cli", "publish", str(source), "--dataset", dataset,
                             "--org", "so-tnmt", "--schema", str(schema)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def moments(duration: float, runs: int, seed: int) -> list[float]:
    """``runs`` different delays spread over the whole publish (one random point in each slice, a bit past
    the end too so some publishes just finish)."""
    rng = random.Random(seed)
    span = duration * 1.1
    return [span * (i + rng.random()) / runs for i in range(runs)]


@pytest.mark.slow
def test_kill_cli_publish_at_many_moments(tmp_path, sources):
    catalog = new_home(tmp_path, sources)
    started = time.monotonic()
    proc = cli_publish(catalog.home.root, sources["files"]["b.csv"], sources["schema"])
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    duration = time.monotonic() - started
    reader = Reader(catalog.home.root)
    reader.start()
    outcomes = {"completed": 0, "killed": 0}
    try:
        for delay in moments(duration, RUNS_CLI, seed=6):
            before = catalog.all_versions()
            target = other(catalog.latest_version(DATASET), sources)
            proc = cli_publish(catalog.home.root, sources["files"][target], sources["schema"])
            time.sleep(delay)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            latest = check_after_kill(catalog, before, target, sources)
            outcomes["completed" if latest["number"] > before[-1]["number"] else "killed"] += 1
    finally:
        reader.stop.set()
        reader.join(timeout=30)
    assert not reader.errors, reader.errors[:3]
    assert reader.reads > 0
    assert outcomes["killed"] >= RUNS_CLI // 2, outcomes  # most kills really interrupted a publish
    catalog.dispose()


class KillableServer:
    """``opendata serve`` in its own process group, so kill -9 takes the master and its workers at once."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "OPENDATA_HOME": str(home)}
        self.log = home.parent / f"server-{self.port}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(self.port),
                                          "--workers", "2"], cwd=REPO, env=env, stdout=log, stderr=log,
                                         start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "server exited:\n" + self.log.read_text(errors="replace")[-3000:]
            try:
                requests.get(self.url + "/api/v1/schemas", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


def remote_publish(url: str, token: str, source: Path, outcome: list) -> None:
    try:
        outcome.append(Remote(url, token).publish(source, dataset=DATASET).status)
    except Exception as exc:  # noqa: BLE001 - the server dies under it: any client error is expected
        outcome.append(type(exc).__name__)


@pytest.mark.slow
def test_kill_server_during_remote_publish(tmp_path, sources):
    catalog = new_home(tmp_path, sources)
    accounts = Accounts(catalog)
    accounts.add_user("an")
    accounts.add_member("so-tnmt", "an", "editor", actor="test")
    token, _ = accounts.create_token("an", actor="test")
    server = KillableServer(catalog.home.root)
    try:
        started = time.monotonic()
        result = Remote(server.url, token).publish(sources["files"]["b.csv"], dataset=DATASET)
        duration = time.monotonic() - started
        assert result.status == "published"
    finally:
        server.kill()
    reader = Reader(catalog.home.root)
    reader.start()
    outcomes: list[str] = []
    try:
        for delay in moments(duration, RUNS_SERVER, seed=7):
            before = catalog.all_versions()
            target = other(catalog.latest_version(DATASET), sources)
            server = KillableServer(catalog.home.root)
            thread = threading.Thread(target=remote_publish, args=(server.url, token, sources["files"][target],
                                                                   outcomes))
            thread.start()
            time.sleep(delay)
            server.kill()
            thread.join(timeout=60)
            check_after_kill(catalog, before, target, sources)
    finally:
        reader.stop.set()
        reader.join(timeout=30)
    assert not reader.errors, reader.errors[:3]
    assert len(outcomes) == RUNS_SERVER and sum(o != "published" for o in outcomes) >= RUNS_SERVER // 2, outcomes
    catalog.dispose()


def test_concurrent_publishes_are_serialised(tmp_path, sources, shared):
    catalog = new_home(tmp_path, sources)
    small = {}
    for name, rows in (("x.csv", 3000), ("y.csv", 3500)):
        small[name] = tmp_path / name
        subprocess.run([sys.executable, str(shared / "tools" / "gen_air_quality.py"), "--rows", str(rows),
                        "--out", str(small[name])], check=True, capture_output=True)
    # two CLI processes publish different files to the same dataset at the same moment
    procs = [cli_publish(catalog.home.root, small[name], sources["schema"]) for name in small]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], [r[1].decode() for r in results]
    versions = catalog.list_versions(DATASET)
    assert [v["number"] for v in versions[:2]] == [3, 2]
    assert {v["source_sha256"] for v in versions[:2]} == {sha256_file(p) for p in small.values()}
    assert fsck(catalog).ok

    # two publishes creating the same new dataset: both land as consecutive versions, or one is refused clearly
    procs = [cli_publish(catalog.home.root, small[name], sources["schema"], dataset="air-new") for name in small]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    codes = sorted(r[2] for r in results)
    numbers = [v["number"] for v in catalog.list_versions("air-new")]
    if codes == [0, 0]:
        assert numbers == [2, 1]
    else:
        assert codes == [0, 2] and numbers == [1], results
        refusal = next(r[1].decode() for r in results if r[2] == 2)
        assert refusal.startswith("Error:") and "air-new" in refusal and "Traceback" not in refusal
    assert fsck(catalog).ok
    catalog.dispose()
