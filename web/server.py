"""Serve the app in production: waitress processes that read whole requests before a thread sees them.

Why waitress: a slow client may occupy a connection, never a worker thread. Waitress reads each request
(headers and body; a body over 512 KB spills to a temporary file) in its event loop and hands it to a thread only
once it is complete, so dozens of clients trickling bytes cost sockets, not threads. gunicorn's gthread workers
read requests in their threads (8 slow clients already stalled pages); async worker classes (gevent) patch the
threads and subprocesses that DuckDB and the query sandbox rely on.

Why deadlines on top: waitress's ``channel_timeout`` only closes *idle* connections, and a client sending one byte
a second is never idle. ``_TimedParser`` notes when a request started and when its headers ended, and the
server's maintenance pass (every second) closes connections whose headers or body take longer than allowed.

Why several processes: the parent binds the socket and starts ``workers`` processes (``python -m web.server``)
that inherit it; each builds its own app over the same home (shared state lives in SQLite: rate limits, caches).
The parent restarts a worker that dies, and stops them all on SIGTERM or SIGINT (each finishes its running
requests for up to 5 s).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

from catalog.errors import InvalidInput, UserError
from catalog.home import Home

LOG = logging.getLogger("opendata.server")
STOP_GRACE = 8.0  # seconds the parent waits for its workers after SIGTERM before killing them
EARLY_DEATH = 10.0  # a worker that fails this soon after starting is not restarted: the server stops


@dataclass
class ServeSettings:
    """Everything a worker process needs; sent to it as JSON."""

    home: str
    threads: int = 8
    header_timeout: float = 30.0  # request line and headers must arrive within this many seconds
    body_timeout: float = 900.0  # the body must arrive within this many seconds after the headers
    idle_timeout: float = 60.0  # a connection with nothing in progress is closed after this many seconds
    connection_limit: int = 1000  # open connections per worker process
    max_header_bytes: int = 64 * 1024
    trusted_proxy: str | None = None  # address of a reverse proxy whose X-Forwarded-For/-Proto are believed
    access_log: bool = False
    app_config: dict[str, Any] = field(default_factory=dict)


def default_workers() -> int:
    return max(2, min(4, multiprocessing.cpu_count()))


def serve(home: Home | str | Path, *, host: str = "127.0.0.1", port: int = 5000, workers: int | None = None,
          threads: int = 8, app_config: dict[str, Any] | None = None, access_log: bool = False,
          header_timeout: float = 30.0, body_timeout: float = 900.0, trusted_proxy: str | None = None) -> None:
    """Serve until SIGTERM or SIGINT: bind, start the worker processes, keep them running."""
    home = home if isinstance(home, Home) else Home.resolve(home)
    settings = ServeSettings(home=str(home.root), threads=threads, header_timeout=header_timeout,
                             body_timeout=body_timeout, trusted_proxy=trusted_proxy, access_log=access_log,
                             app_config=app_config or {})
    with _listen(host, port) as sock:
        _Supervisor(sock, settings, workers or default_workers()).run()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise InvalidInput(f"cannot listen on {host}:{port}: {reason}",
                           hint="choose another --port or --host") from None


class _Supervisor:
    """The parent process: starts the workers, restarts one that dies, stops them all on a signal."""

    def __init__(self, sock: socket.socket, settings: ServeSettings, workers: int) -> None:
        self.sock = sock
        self.settings = json.dumps(asdict(settings))
        self.count = workers
        self.workers: dict[subprocess.Popen, float] = {}
        self.stopping = False
        self.failed: int | None = None  # exit code of a worker that failed to start

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for _ in range(self.count):
                self._start()
            while not self.stopping:
                time.sleep(0.5)
                self._reap()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.failed is not None:
            raise UserError(f"a worker process failed to start (exit code {self.failed}): see its error above")

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True

    def _start(self) -> None:
        fd = self.sock.fileno()
        command = [sys.executable, "-m", "web.server", str(fd), self.settings]
        self.workers[subprocess.Popen(command, pass_fds=[fd])] = time.monotonic()

    def _reap(self) -> None:
        for worker, started in list(self.workers.items()):
            if worker.poll() is None:
                continue
            del self.workers[worker]
            if self.stopping:
                continue
            if time.monotonic() - started < EARLY_DEATH and worker.returncode != 0:
                self.failed, self.stopping = worker.returncode, True
                continue
            LOG.warning("worker process %s exited with %s: starting another", worker.pid, worker.returncode)
            self._start()

    def _stop_all(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for worker in self.workers:
            try:
                worker.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


# -- a worker process ----------------------------------------------------------------------------------------------
class _TimedParser(HTTPRequestParser):
    """waitress's request parser, noting when the request started and when its headers were complete."""

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.started = time.monotonic()
        self.headers_at: float | None = None

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        if self.headers_at is None and self.headers_finished:
            self.headers_at = time.monotonic()
        return consumed

    def overdue(self, now: float, header_timeout: float, body_timeout: float) -> bool:
        if self.completed:
            return False
        if self.headers_at is None:
            return now - self.started > header_timeout
        return now - self.headers_at > body_timeout


class _JsonErrorTask(ErrorTask):
    """Requests waitress refuses itself (malformed, headers or body over the limit) get our JSON error shape."""

    CODES = {400: "bad_request", 413: "too_large", 431: "too_large", 501: "bad_request"}
    STATUS = {501: "400 Bad Request"}  # an unsupported Transfer-Encoding is the client's fault: no 5xx

    def execute(self) -> None:
        error = self.request.error
        code = self.CODES.get(error.code, "server_error")
        body = json.dumps({"error": {"code": code, "message": self._message(error)}}).encode()
        self.status = self.STATUS.get(error.code, f"{error.code} {error.reason}")
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)

    def _message(self, error: Any) -> str:
        adj = self.channel.server.adj
        if error.code == 413:
            return f"request body larger than this server's limit of {_size(adj.max_request_body_size)}"
        if error.code == 431:
            return f"request headers larger than this server's limit of {_size(adj.max_request_header_size)}"
        if error.code in self.CODES:
            return f"malformed HTTP request: {error.body}"
        return "internal server error: the request could not be answered (the server's log has the details)"


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


class _Channel(HTTPChannel):
    parser_class = _TimedParser
    error_task_class = _JsonErrorTask


class _Server(TcpWSGIServer):
    """waitress's TCP server, also closing connections whose request takes longer to arrive than allowed."""

    channel_class = _Channel
    header_timeout = 30.0
    body_timeout = 900.0

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        clock = time.monotonic()
        for channel in list(self.active_channels.values()):
            request = channel.request
            if request is not None and not channel.requests and \
                    request.overdue(clock, self.header_timeout, self.body_timeout):
                channel.will_close = True


class _AccessLog:
    """One line per request on stdout: client, request line, status."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.log = logging.getLogger("opendata.access")

    def __call__(self, environ: dict, start_response: Any) -> Any:
        def logged(status: str, headers: list, exc_info: Any = None) -> Any:
            query = environ.get("QUERY_STRING")
            target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
            self.log.info('%s "%s %s %s" %s', environ.get("REMOTE_ADDR", "-"), environ.get("REQUEST_METHOD"),
                          target, environ.get("SERVER_PROTOCOL"), status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        return self.app(environ, logged)


def _build_server(sock: socket.socket, settings: ServeSettings) -> _Server:
    from web import create_app

    app = create_app(Home.resolve(settings.home), settings.app_config or None)
    body_limit = max(int(app.config.get("MAX_UPLOAD_BYTES") or 0), int(app.config.get("MAX_BODY_BYTES") or 0))
    wsgi = _AccessLog(app) if settings.access_log else app
    server = _Server(wsgi, map={}, _sock=sock, bind_socket=False, dispatcher=_dispatcher(settings.threads),
                     sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
                     adj=_adjustments(sock, settings, body_limit))
    server.header_timeout, server.body_timeout = settings.header_timeout, settings.body_timeout
    return server


def _dispatcher(threads: int) -> ThreadedTaskDispatcher:
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(threads)
    return dispatcher


def _adjustments(sock: socket.socket, settings: ServeSettings, body_limit: int) -> Any:
    from waitress.adjustments import Adjustments

    proxy = {"trusted_proxy": settings.trusted_proxy, "trusted_proxy_count": 1,
             "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}} if settings.trusted_proxy else {}
    return Adjustments(**proxy, sockets=[sock], threads=settings.threads, connection_limit=settings.connection_limit,
                       channel_timeout=settings.idle_timeout, cleanup_interval=1,
                       max_request_header_size=settings.max_header_bytes, max_request_body_size=body_limit,
                       ident="opendata", expose_tracebacks=False, clear_untrusted_proxy_headers=True)


def _worker_main(fd: int, settings: ServeSettings) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    if settings.access_log:
        access = logging.getLogger("opendata.access")
        access.setLevel(logging.INFO)
        access.addHandler(logging.StreamHandler(sys.stdout))
        access.propagate = False
    signal.signal(signal.SIGTERM, _exit)  # waitress catches SystemExit: finishes running tasks, then returns
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    sock = socket.socket(fileno=fd)
    try:
        server = _build_server(sock, settings)
    except UserError as error:  # a bad setting: one line, as the CLI prints it
        sys.exit(f"Error: {error}")
    server.run()


def _exit(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def _exit_with_parent(parent: int) -> None:
    """A worker whose parent was killed (kill -9) stops too, instead of serving on unsupervised."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    _worker_main(int(sys.argv[1]), ServeSettings(**json.loads(sys.argv[2])))
