"""Fixtures shared by the test suite: a real catalogue home, the shared test material, a real server process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pg_cluster import Cluster, postgres_mode

from catalog.home import DATABASE_URL_VAR
from catalog.metadata import Catalog
from catalog.storage import STORAGE_URL

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The read-only ../shared folder (corpus, generators, checkers)."""
    assert SHARED.is_dir(), f"expected the shared material at {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A throwaway PostgreSQL server for the whole session (started on first use, stopped at the end)."""
    cluster = Cluster.start()
    yield cluster
    cluster.stop()


def _fresh_database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """With ``OPENDATA_TEST_DATABASE=postgresql``: a new PostgreSQL database named by ``$OPENDATA_DATABASE_URL``
    for the fixture's scope (dropped afterwards). A home records the database it was made with (``init``), so a
    module's shared home keeps its module database while each test's new homes get the test's."""
    if not postgres_mode():
        yield None
        return
    cluster: Cluster = request.getfixturevalue("postgres")
    name = cluster.create()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATABASE_URL_VAR, cluster.url(name))
        yield cluster.url(name)
    cluster.drop(name)


@pytest.fixture(scope="session", autouse=True)
def session_database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    yield from _fresh_database(request)


@pytest.fixture(scope="module", autouse=True)
def module_database(request: pytest.FixtureRequest, session_database) -> Iterator[str | None]:
    yield from _fresh_database(request)


@pytest.fixture(autouse=True)
def metadata_database(request: pytest.FixtureRequest, module_database) -> Iterator[str | None]:
    """Every catalogue a test makes (in this process, and in the servers and commands it starts) keeps its
    metadata in the test's own database in PostgreSQL mode."""
    yield from _fresh_database(request)


STORAGE_MODE_VAR = "OPENDATA_TEST_STORAGE"


def s3_mode() -> bool:
    """Is the suite asked to keep version files on the session's S3-protocol server (``OPENDATA_TEST_STORAGE=s3``)?"""
    mode = os.environ.get(STORAGE_MODE_VAR, "local").strip().lower()
    if mode not in ("local", "s3"):
        raise RuntimeError(f"{STORAGE_MODE_VAR}={mode!r}: use 'local' (the default) or 's3'")
    return mode == "s3"


def _fresh_storage(request: pytest.FixtureRequest, scope: str) -> Iterator[dict | None]:
    """With ``OPENDATA_TEST_STORAGE=s3``: a new prefix of the session's S3 server (``s3_server``) named by
    ``$OPENDATA_STORAGE_URL`` and its settings, for the fixture's scope. A home records its storage (``init``), so a
    module's shared home keeps its module prefix. Tests about the local folder itself are marked
    ``local_storage``: for them the setting is removed and their homes keep version files in ``data/``."""
    if not s3_mode():
        yield None
        return
    with pytest.MonkeyPatch.context() as patch:
        if request.node.get_closest_marker("local_storage"):
            patch.delenv(STORAGE_URL, raising=False)
            yield None
            return
        values = request.getfixturevalue("s3_server").env(f"{scope}-{uuid.uuid4().hex[:10]}")
        for name, value in values.items():
            patch.setenv(name, value)
        yield values


@pytest.fixture(scope="session", autouse=True)
def session_storage(request: pytest.FixtureRequest) -> Iterator[dict | None]:
    yield from _fresh_storage(request, "session")


@pytest.fixture(scope="module", autouse=True)
def module_storage(request: pytest.FixtureRequest, session_storage) -> Iterator[dict | None]:
    yield from _fresh_storage(request, "module")


@pytest.fixture(autouse=True)
def version_storage(request: pytest.FixtureRequest, module_storage) -> Iterator[dict | None]:
    """Every catalogue a test makes (in this process, and in the servers and commands it starts) keeps its version
    files under the test's own prefix of the session's S3 server in S3 mode (the S3 settings in the environment)."""
    yield from _fresh_storage(request, "test")


@pytest.fixture
def own_database(request: pytest.FixtureRequest) -> Iterator:
    """For a test's second catalogue (a portal and a harvester): ``own_database()`` is a URL of its own in
    PostgreSQL mode (dropped afterwards), None (the home's SQLite file) otherwise. Pass it as ``Catalog(url=...)``."""
    made: list[str] = []

    def new() -> str | None:
        if not postgres_mode():
            return None
        cluster: Cluster = request.getfixturevalue("postgres")
        made.append(cluster.create())
        return cluster.url(made[-1])

    yield new
    for name in made:
        request.getfixturevalue("postgres").drop(name)


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    """An empty, initialised catalogue in a temp folder, with one organisation."""
    cat = Catalog(tmp_path / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    yield cat
    cat.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``opendata serve`` in a subprocess on 127.0.0.1: what users (and browsers) really talk to."""

    def __init__(self, home: Path, *, workers: int = 2, env: dict | None = None) -> None:
        self.home = Path(home)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, "OPENDATA_HOME": str(self.home), **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=REPO, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                output = self.proc.stdout.read().decode(errors="replace") if self.proc.stdout else ""
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{output}")
            try:
                requests.get(self.url + "/", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def serve():
    """Start real servers over given homes; all are stopped at teardown. Usage: ``srv = serve(home)``."""
    started: list[ServerProcess] = []

    def start(home: Path, **kwargs) -> ServerProcess:
        server = ServerProcess(home, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


class S3Server:
    """``rclone serve s3`` on 127.0.0.1 over a folder (each subfolder a bucket): a real S3-protocol server whose
    objects are plain files, so they survive a restart."""

    ACCESS_KEY, SECRET_KEY, BUCKET = "opendata-test-key", "opendata-test-secret", "opendata"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        (self.root / self.BUCKET).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        rclone = Path(sys.executable).parent / "rclone"
        self.proc = subprocess.Popen(
            [str(rclone), "serve", "s3", "--addr", f"127.0.0.1:{self.port}",
             "--auth-key", f"{self.ACCESS_KEY},{self.SECRET_KEY}", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(self.endpoint, timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("rclone serve s3 did not start in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def env(self, prefix: str) -> dict[str, str]:
        """What a catalogue process needs to keep its version files under ``s3://opendata/<prefix>``."""
        return {"OPENDATA_STORAGE_URL": f"s3://{self.BUCKET}/{prefix}", "OPENDATA_S3_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": self.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY,
                "AWS_REGION": "us-east-1", "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
                "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required"}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    """One S3-protocol server process for the session; tests keep apart by using their own prefix."""
    server = S3Server(tmp_path_factory.mktemp("s3"))
    yield server
    server.stop()
