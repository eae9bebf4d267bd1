"""A throwaway PostgreSQL cluster for the tests, and a fresh database per test on it.

Why: the suite must pass with the metadata on PostgreSQL as well as on SQLite (``OPENDATA_TEST_DATABASE=postgresql``),
and CI has no database service: the tests start Debian's own server binaries (``initdb``/``pg_ctl``) in a temp folder
on a free port, as the ``postgres`` user when run as root (the server refuses to run as root), and stop it at the end.
Each test gets its own database (``CREATE DATABASE``; dropped with ``FORCE`` afterwards, which also ends the
connections its processes left open), so tests stay as independent as they are with one SQLite file per home.
``OPENDATA_TEST_POSTGRES_URL`` (an admin URL such as ``postgresql://postgres@127.0.0.1:5432/postgres``) uses a
server that is already running instead.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

MODE_VAR = "OPENDATA_TEST_DATABASE"
SERVER_VAR = "OPENDATA_TEST_POSTGRES_URL"
HOW_TO = ("install Debian's PostgreSQL (apt-get install postgresql) or run 'bash scripts/test.sh --postgres', "
          f"or point {SERVER_VAR} at a running server")


def postgres_mode() -> bool:
    """Is the suite asked to keep the metadata on PostgreSQL?"""
    mode = os.environ.get(MODE_VAR, "sqlite").strip().lower()
    if mode not in ("sqlite", "postgresql", "postgres"):
        raise RuntimeError(f"{MODE_VAR}={mode!r}: use 'sqlite' (the default) or 'postgresql'")
    return mode != "sqlite"


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError(f"PostgreSQL tests need the server binaries (initdb, pg_ctl), none found: {HOW_TO}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A running server: ``admin_url`` for psycopg, ``url(db)`` for SQLAlchemy, ``create()``/``drop()`` databases."""

    def __init__(self, admin_url: str, folder: Path | None = None, bindir: Path | None = None) -> None:
        self.admin_url = admin_url
        self.folder = folder
        self.bindir = bindir
        self._names = itertools.count(1)

    @classmethod
    def start(cls) -> Cluster:
        if os.environ.get(SERVER_VAR):
            return cls(os.environ[SERVER_VAR])
        bindir = _bindir()
        folder = Path(tempfile.mkdtemp(prefix="opendata-pg-"))
        folder.chmod(0o755)  # the server runs as another user and must reach its socket folder
        port = _free_port()
        as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if as_owner:
            shutil.chown(folder, "postgres")
        data = folder / "data"
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        try:
            _run([*as_owner, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8"])
            _run([*as_owner, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                  "-w", "start"])
        except RuntimeError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return cls(f"postgresql://postgres@127.0.0.1:{port}/postgres", folder, bindir)

    def stop(self) -> None:
        if self.folder is None:
            return
        as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_owner, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                        "-w", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server (psycopg 3 driver)."""
        base, _, _ = self.admin_url.rpartition("/")
        return base.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + database

    def create(self) -> str:
        """A new, empty database; returns its name."""
        name = f"opendata_t{next(self._names)}_{uuid.uuid4().hex[:8]}"
        self.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:5])} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
