"""Public read-only SQL over the published datasets: a pool of sandboxed DuckDB worker processes.

Anyone can send SQL here, so this is the catalogue's main attack surface. Three layers hold together (see
``catalog/query_worker.py`` for the inside of a worker):

1. a fresh in-memory, locked DuckDB per query whose only files are the published Parquet parts,
2. exactly one SELECT, checked with DuckDB's own parser, with no function that reveals settings,
3. worker processes with an address-space cap, a clean environment, a timer that interrupts the query and a
   hard kill-and-replace after a grace period (the only cure for CPU burnt in the optimizer), bounded
   concurrency (busy → ``QueryError('busy')``, HTTP 429).

The engine holds no catalogue state between queries: the table list is re-read when the catalogue's fingerprint
(the newest version id and dataset change) moves, so a publish is queryable at once, in every web process.
"""

from __future__ import annotations

import atexit
import functools
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from catalog import db, query_worker
from catalog.metadata import Catalog
from catalog.storage import WorkDir
from catalog.visibility import ANONYMOUS

FORMATS = ("json", "csv", "parquet", "xlsx")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ERROR_CODES = ("sql_error", "forbidden", "timeout", "too_large", "busy")


class QueryError(Exception):
    """A query that was refused or failed; ``code`` is one of ``ERROR_CODES``, ``message`` plain words."""

    def __init__(self, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @property
    def status(self) -> int:
        return 429 if self.code == "busy" else 400

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class QueryLimits:
    """Limits of the public SQL engine; each can be set with a Flask config key ``OPENDATA_SQL_<NAME>``
    (or the environment variable of the same name, which Flask loads as ``SQL_<NAME>``)."""

    timeout: float = 5.0               # seconds before the query is interrupted
    kill_grace: float = 2.0            # then seconds before the worker is killed and replaced
    max_rows: int = 1000               # rows in a JSON/HTML answer (more → truncated)
    max_response_bytes: int = 4_000_000  # encoded rows in a JSON/HTML answer
    download_bytes: int = 100_000_000  # size of a full-result download
    download_timeout: float = 30.0     # seconds for a full-result download
    memory_mb: int = 512               # DuckDB memory_limit (buffer-managed memory) per query
    # RLIMIT_AS of a worker. Measured: ~260 MB of address space idle (Python, DuckDB, glibc with 2 arenas),
    # ~700 MB at the peak of a 1M-row download (pyarrow on the system allocator); DuckDB's memory_limit comes on
    # top. 1.5 GB leaves room for that and still stops values built outside memory_limit (len(range(1e9))
    # needs 8 GB, a 1e9-character string 1 GB per copy).
    address_space_mb: int = 1536
    threads: int = 2                   # DuckDB threads per query
    workers: int = 2                   # worker processes per web process
    queue_wait: float = 2.0            # seconds a query waits for a free worker before 'busy'
    max_waiting: int = 4               # queries allowed to wait at once (the rest get 'busy' at once)
    max_sql_length: int = 20_000       # characters of SQL text (bounds work the parser/optimizer can be given)
    max_uses: int = 500                # queries before a worker is recycled
    nice: int = 5                      # CPU priority of workers below page views

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> QueryLimits:
        values: dict[str, Any] = {}
        for name, default in cls().__dict__.items():
            for key in (f"OPENDATA_SQL_{name.upper()}", f"SQL_{name.upper()}"):
                if key in config and config[key] not in (None, ""):
                    values[name] = type(default)(config[key])
                    break
        return cls(**values)

    def worker_settings(self) -> dict:
        return {"address_space_mb": self.address_space_mb, "nice": self.nice, "threads": self.threads,
                "memory_mb": self.memory_mb, "file_size_mb": self.download_bytes // 1_000_000 + 64}


# -- tables --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """One queryable view: a dataset's latest version (``air-quality``) or a fixed version (``air-quality@3``)."""

    name: str
    dataset: str
    version: int
    latest: bool
    files: tuple[str, ...]  # Parquet parts, relative to the data folder
    alias: str | None = None  # unquoted name for the latest version (air_quality)
    title: str = ""
    schema: dict = field(default_factory=dict, compare=False, hash=False)
    rows: int | None = None


# The lookbehind keeps this linear: a match can only start at the beginning of a name (no ReDoS on long words).
VERSION_REF = re.compile(r"(?<![a-z0-9-])([a-z0-9][a-z0-9-]*)@(\d+)")


def table_alias(dataset: str) -> str | None:
    alias = dataset.replace("-", "_")
    return alias if alias != dataset else None


class TableDirectory:
    """The catalogue's public tables, re-read only when the catalogue changed (one cheap query per use).

    The SQL endpoint is public and its results are shared, so its tables are what an anonymous viewer may see
    (``catalog.visibility``): a private dataset is no table here, whoever asks.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._lock = threading.Lock()
        self._fingerprint: tuple | None = None
        self._latest: list[Table] = []
        self._versions: dict[str, Table] = {}

    def fingerprint(self) -> tuple:
        v, d = db.versions, db.datasets
        with self.catalog.reader.connect() as conn:
            return tuple(conn.execute(sa.select(
                sa.select(sa.func.max(v.c.id)).scalar_subquery(),
                sa.select(sa.func.count(v.c.id)).scalar_subquery(),
                sa.select(sa.func.max(d.c.updated_at)).scalar_subquery(),
                sa.select(sa.func.count(d.c.id)).scalar_subquery(),
            )).one())

    def _load(self) -> None:
        public = {d["name"]: d for d in self.catalog.list_datasets(viewer=ANONYMOUS)
                  if d["latest_version"] is not None}
        latest: list[Table] = []
        versions: dict[str, Table] = {}
        for version in self.catalog.all_versions():
            dataset = public.get(version["dataset"])
            if dataset is None:
                continue
            files = tuple(self.catalog.version_keys(version))
            is_latest = version["number"] == dataset["latest_version"]
            common = {"dataset": dataset["name"], "version": version["number"], "files": files,
                      "title": dataset["title"], "schema": version.get("schema") or {}, "rows": version["rows"]}
            versions[f"{dataset['name']}@{version['number']}"] = Table(
                name=f"{dataset['name']}@{version['number']}", latest=False, **common)
            if is_latest:
                latest.append(Table(name=dataset["name"], latest=True, alias=table_alias(dataset["name"]), **common))
        latest.sort(key=lambda t: t.name)
        self._latest, self._versions = latest, versions

    def refresh(self) -> None:
        fingerprint = self.fingerprint()
        with self._lock:
            if fingerprint != self._fingerprint:
                self._load()
                self._fingerprint = fingerprint

    def latest(self) -> list[Table]:
        self.refresh()
        return list(self._latest)

    def versions_of(self, dataset: str) -> list[Table]:
        self.refresh()
        return sorted((t for t in self._versions.values() if t.dataset == dataset), key=lambda t: -t.version)

    def views_for(self, sql: str) -> list[dict]:
        """Views for one query: every latest table (and its alias), plus the fixed versions the SQL names."""
        self.refresh()
        views: list[dict] = []
        for table in self._latest:
            views.append({"name": table.name, "files": list(table.files)})
            if table.alias:
                views.append({"name": table.alias, "target": table.name})
        named = {f"{m.group(1)}@{int(m.group(2))}" for m in VERSION_REF.finditer(sql.lower())}
        for name in sorted(named):
            table = self._versions.get(name)
            if table is not None:
                views.append({"name": table.name, "files": list(table.files)})
        return views


# -- the worker pool -----------------------------------------------------------------------------------------------
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


class _Worker:
    """One worker process, started like multiprocessing's 'spawn' (a fresh interpreter, never a fork of the
    threaded web process) but through ``subprocess``, so its environment is clean from the first instruction."""

    def __init__(self, settings: dict) -> None:
        parent_sock, child_sock = socket.socketpair()
        try:
            bootstrap = (f"import sys; sys.path.insert(0, {str(PACKAGE_ROOT)!r}); "
                         "from catalog.query_worker import main_from_argv; main_from_argv()")
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", bootstrap, str(child_sock.fileno()), json.dumps(settings)],
                env=query_worker.worker_environment(), cwd="/", stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, pass_fds=(child_sock.fileno(),), close_fds=True,
            )
        except BaseException:
            parent_sock.close()
            raise
        finally:
            child_sock.close()
        self.conn = Connection(parent_sock.detach())
        self.uses = 0
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        """Consume the worker's 'ready' message (sent once its limits are set and DuckDB is warm)."""
        if not self.ready:
            if not self.conn.poll(timeout) or self.conn.recv_bytes() != b"ready":
                raise QueryError("busy", "The query workers are starting. Try again in a few seconds.",
                                 retry_after=1)
            self.ready = True

    def warm(self) -> bool:
        """Ready without waiting?"""
        if not self.ready and self.conn.poll(0):
            self.wait_ready(0)
        return self.ready

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            self.conn.close()
        except OSError:
            pass


def _is_warm(worker: _Worker) -> bool:
    try:
        return worker.warm()
    except (QueryError, EOFError, OSError):
        return False


class WorkerPool:
    """At most ``limits.workers`` worker processes; callers wait briefly for one, then get 'busy'."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()  # idle and busy, so close() can stop them all
        self._alive = 0
        self._waiting = 0
        self._closed = False
        atexit.register(self.close)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.limits.worker_settings())
        with self._cond:
            self._all.add(worker)
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._cond:
            self._all.discard(worker)

    def _busy(self) -> QueryError:
        return QueryError("busy", "All query workers are busy. Try again in a few seconds.",
                          retry_after=max(1, round(self.limits.queue_wait)))

    def _acquire(self) -> _Worker:
        deadline = time.monotonic() + self.limits.queue_wait
        start_new = False
        with self._cond:
            if self._closed:
                raise self._busy()
            if not self._idle and self._alive >= self.limits.workers and self._waiting >= self.limits.max_waiting:
                raise self._busy()
            self._waiting += 1
            try:
                while True:
                    if self._idle:  # prefer a warm worker over one still starting
                        warm = [w for w in self._idle if _is_warm(w)] or self._idle
                        worker = warm[-1]
                        self._idle.remove(worker)
                        break
                    if self._alive < self.limits.workers:
                        self._alive += 1
                        start_new = True
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise self._busy()
                    self._cond.wait(remaining)
            finally:
                self._waiting -= 1
        if start_new:
            try:
                return self._spawn()
            except BaseException:
                with self._cond:
                    self._alive -= 1
                    self._cond.notify()
                raise
        if not worker.alive():
            self._discard(worker)
            return self._spawn()
        return worker

    def _release(self, worker: _Worker, healthy: bool) -> None:
        worker.uses += 1
        if healthy and worker.uses < self.limits.max_uses and not self._closed:
            with self._cond:
                self._idle.append(worker)
                self._cond.notify()
            return
        self._discard(worker)
        replacement = None
        if not self._closed:
            try:  # replace at once so the next query does not pay for the start
                replacement = self._spawn()
            except (OSError, RuntimeError):
                replacement = None
        with self._cond:
            if replacement is not None:
                self._idle.append(replacement)
            else:
                self._alive -= 1
            self._cond.notify()

    def call(self, request: dict, deadline: float) -> tuple[dict, bytes | None]:
        """Send one request to a free worker; kill it if no answer comes within ``deadline`` seconds."""
        worker = self._acquire()
        healthy = False
        try:
            worker.wait_ready(10.0)
            worker.conn.send_bytes(json.dumps(request).encode())
            if not worker.conn.poll(deadline):
                raise QueryError("timeout", "The query took longer than allowed and was stopped. "
                                            "Filter or aggregate more, or add LIMIT.")
            header = json.loads(worker.conn.recv_bytes())
            payload = worker.conn.recv_bytes() if header.get("ok") and request["mode"] == "rows" else None
            # A worker that ran out of memory may hold a fragmented heap: replace it.
            healthy = header.get("ok") or header.get("code") != "too_large"
            return header, payload
        except (EOFError, OSError, ValueError):
            raise QueryError("sql_error", "The query stopped its worker process (it is probably too complex or "
                                          "too large). Simplify it.") from None
        finally:
            self._release(worker, healthy)

    def size(self) -> int:
        with self._cond:
            return self._alive

    def close(self) -> None:
        """Stop every worker, busy ones included (their callers get an error)."""
        with self._cond:
            self._closed = True
            workers, self._idle = list(self._all), []
            self._all.clear()
        for worker in workers:
            worker.kill()


# -- the engine -----------------------------------------------------------------------------------------------------
@dataclass
class QueryResult:
    columns: list[dict]
    rows_json: bytes  # the rows as a JSON array of arrays
    row_count: int
    truncated: bool
    elapsed_ms: float

    @property
    def rows(self) -> list[list]:
        return json.loads(self.rows_json)

    def to_json_bytes(self) -> bytes:
        """The API answer, built around the worker's encoded rows without decoding them again."""
        head = json.dumps({"columns": self.columns}, ensure_ascii=False)[:-1]
        tail = json.dumps({"truncated": self.truncated, "elapsed_ms": self.elapsed_ms})[1:]
        return (head + ',"rows":').encode() + self.rows_json + b"," + tail.encode()


@dataclass
class Download:
    path: Path
    format: str
    columns: list[dict]
    row_count: int
    elapsed_ms: float
    work: WorkDir

    def close(self) -> None:
        self.work.close()


def _raise_for(header: dict) -> None:
    if header.get("ok"):
        return
    if header.get("code") not in ERROR_CODES:  # the sandbox itself failed: a server fault (HTTP 500)
        raise RuntimeError(f"SQL worker failed: {header.get('message')}")
    raise QueryError(header["code"], header["message"])


class QueryEngine:
    """Runs public SQL against the catalogue's published tables, in the worker pool."""

    def __init__(self, catalog: Catalog, limits: QueryLimits | None = None) -> None:
        self.catalog = catalog
        self.limits = limits or QueryLimits()
        self.tables = TableDirectory(catalog)
        self._pool: WorkerPool | None = None
        self._pool_lock = threading.Lock()

    @property
    def pool(self) -> WorkerPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = WorkerPool(self.limits)
            return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def _scrub(self) -> list[str]:
        home = self.catalog.home
        return [str(p) for p in (home.root, home.data_dir, home.tmp_dir, home.root.resolve(), Path.cwd(),
                                 Path.home(), Path(sys.prefix), Path(sys.executable).parent) if len(str(p)) > 1]

    def _request(self, sql: str, mode: str, **extra: Any) -> dict:
        if not isinstance(sql, str) or not sql.strip():
            raise QueryError("sql_error", "The query is empty: write one SELECT statement.")
        if len(sql) > self.limits.max_sql_length:
            raise QueryError("too_large", f"The query text is too long ({len(sql):,} characters; at most "
                                          f"{self.limits.max_sql_length:,}).")
        if "\x00" in sql:
            raise QueryError("sql_error", "The query contains a NUL character.")
        data_dir = self.catalog.home.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        return {"sql": sql, "mode": mode, "views": self.tables.views_for(sql), "data_dir": str(data_dir),
                "threads": self.limits.threads, "memory_mb": self.limits.memory_mb, "scrub": self._scrub(),
                **extra}

    def query(self, sql: str) -> QueryResult:
        """At most ``max_rows`` rows of the result (``truncated`` says whether more exist)."""
        request = self._request(sql, "rows", timeout=self.limits.timeout, max_rows=self.limits.max_rows,
                                max_bytes=self.limits.max_response_bytes)
        started = time.monotonic()
        header, payload = self.pool.call(request, self.limits.timeout + self.limits.kill_grace)
        _raise_for(header)
        return QueryResult(columns=header["columns"], rows_json=payload or b"[]", row_count=header["rows"],
                           truncated=header["truncated"], elapsed_ms=round((time.monotonic() - started) * 1000, 1))

    def download(self, sql: str, fmt: str, *, excel: bool = False) -> Download:
        """The full result as a file in a private work folder; the caller sends it, then calls ``close()``.

        ``excel``: CSV for Excel (a BOM, formulas neutralised in header and values: ``catalog/spreadsheet.py``)."""
        if fmt not in FORMATS:
            raise QueryError("sql_error", f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
        work = WorkDir(self.catalog.home)
        try:
            out = work.file(f"result.{fmt}")
            request = self._request(sql, "file", timeout=self.limits.download_timeout, format=fmt,
                                    out=str(out), max_bytes=self.limits.download_bytes, excel=excel)
            started = time.monotonic()
            header, _ = self.pool.call(request, self.limits.download_timeout + self.limits.kill_grace)
            _raise_for(header)
            return Download(path=out, format=fmt, columns=header["columns"], row_count=header["rows"],
                            elapsed_ms=round((time.monotonic() - started) * 1000, 1), work=work)
        except BaseException:
            work.close()
            raise


@functools.lru_cache(maxsize=1024)
def _column_types(paths: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    con = duckdb.connect(":memory:", config={"threads": 1, "autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False})
    try:
        union = ", union_by_name = true" if len(paths) > 1 else ""
        rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet(?{union})", [list(paths)]).fetchall()
        return tuple((r[0], r[1]) for r in rows)
    finally:
        con.close()


def column_types(catalog: Catalog, table: Table) -> dict[str, str]:
    """The SQL type of each column of a table, as queries see it (read from our own Parquet footers, trusted
    files, cached for good: the files are immutable and named by their hash)."""
    try:
        return dict(_column_types(tuple(catalog.storage.location(f) for f in table.files)))
    except duckdb.Error:
        return {}


def describe_limits(limits: QueryLimits) -> dict:
    """What a journalist may be told about the limits (no internal settings)."""
    return {"timeout_seconds": limits.timeout, "max_rows": limits.max_rows,
            "download_megabytes": limits.download_bytes // 1_000_000}


__all__ = ["QueryEngine", "QueryError", "QueryLimits", "QueryResult", "Download", "Table", "TableDirectory",
           "FORMATS", "MEDIA_TYPES"]
