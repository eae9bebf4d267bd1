"""The pool of SQL worker processes: bounded concurrency, a deadline per request, kill-and-replace.

Why processes: a query can burn CPU inside DuckDB's optimizer where ``interrupt()`` cannot reach it, or allocate
memory outside ``memory_limit``; only an OS address-space cap and a kill from the parent stop that. Messages
between parent and worker are JSON bytes, never pickles, so a compromised worker could not make the parent run
code.
"""

from __future__ import annotations

import atexit
import json
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from catalog.i18n import gettext as _
from catalog.sql.limits import QueryLimits, worker_environment
from catalog.sql.messages import TIMEOUT_MESSAGE, QueryError

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class _Worker:
    """One worker process, started like multiprocessing's 'spawn' (a fresh interpreter, never a fork of the
    threaded web process) but through ``subprocess``, so its environment is clean from the first instruction."""

    def __init__(self, settings: dict) -> None:
        parent_sock, child_sock = socket.socketpair()
        try:
            bootstrap = (f"import sys; sys.path.insert(0, {str(PACKAGE_ROOT)!r}); "
                         "from catalog.sql.worker import main_from_argv; main_from_argv()")
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", bootstrap, str(child_sock.fileno()), json.dumps(settings)],
                env=worker_environment(), cwd="/", stdin=subprocess.DEVNULL,
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
                raise QueryError("busy", _("Các tiến trình truy vấn đang khởi động. Hãy thử lại sau vài giây."),
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
        return QueryError("busy", _("Mọi tiến trình truy vấn đều đang bận. Hãy thử lại sau vài giây."),
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
                raise QueryError("timeout", _(TIMEOUT_MESSAGE))
            header = json.loads(worker.conn.recv_bytes())
            payload = worker.conn.recv_bytes() if header.get("ok") and request["mode"] == "rows" else None
            # A worker that ran out of memory may hold a fragmented heap: replace it.
            healthy = header.get("ok") or header.get("code") != "too_large"
            return header, payload
        except (EOFError, OSError, ValueError):
            raise QueryError("sql_error", _("Truy vấn đã làm dừng tiến trình chạy nó (có lẽ nó quá phức tạp hoặc quá "
                                            "lớn). Hãy viết đơn giản hơn.")) from None
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

