"""Per-client request counting shared by every server process of one catalogue home.

Several gunicorn workers serve the same home, so a counter in one process's memory would let a client multiply
its allowance by the number of workers. The counters live instead in a small SQLite file in the home
(``ratelimit.sqlite``, separate from the metadata so counting never waits on a publish), incremented atomically
with an upsert. The window is a sliding-window estimate over two fixed windows: the previous window's count,
weighted by how much of it still overlaps the sliding window, plus the current count. That is smooth at window
edges (no double burst) and costs one row per client and window.
"""

from __future__ import annotations

import math
import random
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from catalog.errors import InvalidInput
from catalog.home import Home

FILENAME = "ratelimit.sqlite"


@dataclass(frozen=True)
class Limit:
    """At most ``requests`` per ``window`` seconds."""

    requests: int
    window: int

    @classmethod
    def parse(cls, value: str | int | Limit) -> Limit:
        """``"600/60"`` (600 per 60 s), ``"600/minute"``, ``"10/second"``, ``"5000/hour"``."""
        if isinstance(value, Limit):
            return value
        text = str(value).strip().lower()
        count, _, per = text.partition("/")
        units = {"s": 1, "second": 1, "sec": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
                 "d": 86400, "day": 86400}
        try:
            window = int(per) if per.isdigit() else units[per or "minute"]
            limit = cls(int(count), window)
        except (KeyError, ValueError):
            raise InvalidInput(f"cannot read rate limit {value!r}", hint="write it as e.g. 600/60 or 600/minute") \
                from None
        if limit.requests <= 0 or limit.window <= 0:
            raise InvalidInput(f"rate limit {value!r} must be positive")
        return limit


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the count has decayed enough for one more request (at least 1 when refused)
    window: int

    def headers(self) -> dict[str, str]:
        """The IETF ``RateLimit-*`` fields (draft-ietf-httpapi-ratelimit-headers), plus ``Retry-After`` on refusal."""
        headers = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
                   "RateLimit-Reset": str(self.reset), "RateLimit-Policy": f"{self.limit};w={self.window}"}
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.reset))
        return headers


class RateLimiter:
    """Counts hits per (bucket, client) in the home's ``ratelimit.sqlite``; safe across processes and threads."""

    def __init__(self, home: Home | str | Path, *, clock=time.time) -> None:
        root = home.root if isinstance(home, Home) else Path(home)
        self.path = root / FILENAME
        self.clock = clock
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # counters, not records: losing a few on a crash is fine
            conn.execute("CREATE TABLE IF NOT EXISTS hits (bucket TEXT NOT NULL, client TEXT NOT NULL, "
                         "window INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (bucket, client, window))")
            self._local.conn = conn
        return conn

    def hit(self, bucket: str, client: str, limit: Limit, *, cost: int = 1) -> Decision:
        """Count one request of ``client`` in ``bucket`` and say whether it is within ``limit``.

        A refused request is counted too, so a client hammering through its 429s stays refused.
        """
        now = self.clock()
        window = int(now // limit.window)
        elapsed = (now % limit.window) / limit.window
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute(
                "INSERT INTO hits (bucket, client, window, count) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (bucket, client, window) DO UPDATE SET count = count + excluded.count RETURNING count",
                (bucket, client, window, cost)).fetchone()[0]
            previous = conn.execute("SELECT count FROM hits WHERE bucket = ? AND client = ? AND window = ?",
                                    (bucket, client, window - 1)).fetchone()
            if random.random() < 0.01:  # now and then, forget windows nobody can still be counted in
                conn.execute("DELETE FROM hits WHERE window < ? - 1 AND bucket = ?", (window, bucket))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        weight = 1.0 - elapsed
        used = (previous[0] if previous else 0) * weight + current
        allowed = used <= limit.requests
        remaining = max(0, math.floor(limit.requests - used))
        if allowed:
            reset = math.ceil((1.0 - elapsed) * limit.window)
        else:  # when will the weighted previous count have decayed enough for one more request?
            excess = used - limit.requests + 1
            prev = previous[0] if previous else 0
            if prev and excess <= prev * weight:
                reset = math.ceil(excess / prev * limit.window)
            else:
                reset = math.ceil((1.0 - elapsed) * limit.window) + limit.window
        return Decision(allowed, limit.requests, remaining, max(1, reset), limit.window)

    def reset(self) -> None:
        """Forget every count (tests, or an administrator lifting a block)."""
        self._conn().execute("DELETE FROM hits")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
