"""Slow clients occupy a connection, never a worker thread: pages keep answering while dozens of clients trickle.

A real ``opendata serve`` process; the attackers are plain sockets sending one byte per second.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

HEADER_START = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
BODY_START = (b"POST /api/v1/validate?schema=air_quality HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: text/csv\r\nContent-Length: 100000\r\n\r\n")


class Tricklers:
    """Sockets that sent the start of a request and then send one more byte per second, from one thread."""

    def __init__(self, url: str, header_clients: int, body_clients: int) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sockets: list[socket.socket] = []
        for start in [HEADER_START] * header_clients + [BODY_START] * body_clients:
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(start)
            self.sockets.append(sock)
        self.stopped = threading.Event()
        self.closed_by_server = 0
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        while not self.stopped.wait(1.0):
            for sock in list(self.sockets):
                try:
                    sock.send(b"a")
                except OSError:
                    self.sockets.remove(sock)
                    self.closed_by_server += 1

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


@contextmanager
def trickling(url: str, header_clients: int, body_clients: int) -> Iterator[Tricklers]:
    tricklers = Tricklers(url, header_clients, body_clients)
    try:
        yield tricklers
    finally:
        tricklers.close()


def page_times(url: str, seconds: float) -> list[float]:
    """Fetch the home page and the dataset list repeatedly for ``seconds``; the time of each answer (a failure: inf)."""
    times: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in ("/", "/api/v1/datasets"):
            started = time.monotonic()
            try:
                ok = requests.get(url + path, timeout=10).status_code == 200
            except requests.RequestException:
                ok = False
            times.append(time.monotonic() - started if ok else float("inf"))
        time.sleep(0.25)
    return times


def test_pages_answer_within_3_s_while_64_clients_trickle_headers_and_16_trickle_bodies(catalog, serve):
    server = serve(catalog.home.root, workers=2)
    with trickling(server.url, header_clients=64, body_clients=16) as tricklers:
        time.sleep(2)  # every slow client is connected and has started its request
        times = page_times(server.url, seconds=10)
        assert len(tricklers.sockets) == 80  # still connected: the test really held 80 slow requests open
    assert len(times) >= 10 and max(times) < 3, [round(t, 2) for t in times]


def test_a_client_that_stops_sending_its_headers_is_disconnected_after_the_header_timeout(catalog, serve):
    server = serve(catalog.home.root, workers=2, env={"OPENDATA_SERVE_HEADER_TIMEOUT": "2"})
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(HEADER_START)
        started = time.monotonic()
        assert sock.recv(1024) == b""  # closed by the server, nothing answered
        assert 1 <= time.monotonic() - started < 8


def test_a_client_that_trickles_its_body_past_the_body_timeout_is_disconnected(catalog, serve):
    server = serve(catalog.home.root, workers=2, env={"OPENDATA_SERVE_BODY_TIMEOUT": "3"})
    with trickling(server.url, header_clients=0, body_clients=1) as tricklers:
        time.sleep(8)
        assert tricklers.closed_by_server == 1 and not tricklers.sockets
