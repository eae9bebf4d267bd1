"""Per-client request counting shared by every server process of one catalogue home.

Several gunicorn workers serve the same home, so a counter in one process's memory would let a client multiply
its allowance by the number of workers. The counters live instead in a small SQLite file in the home
(``ratelimit.sqlite``, separate from the metadata so counting never waits on a publish), or, when the metadata
is on PostgreSQL, in that shared database so several nodes behind a load balancer count together (a row upsert
never waits on the publish lock there). Counts are incremented atomically with an upsert. The window is a sliding-window estimate over two fixed windows: the previous window's count,
weighted by how much of it still overlaps the sliding window, plus the current count. That is smooth at window
edges (no double burst) and costs one row per client and window.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from catalog import db, dialects
from catalog.errors import InvalidInput
from catalog.home import Home
from catalog.i18n import gettext as _

# -- the per-client request counters -------------------------------------------------------
# Not metadata, so not in the migrations: on SQLite they live in their own file next to the metadata (counting
# never waits on a publish), on PostgreSQL in the shared database so every node counts together. RateLimiter
# creates the table when it first connects.
counters = sa.MetaData()
rate_limit_hits = sa.Table(
    "rate_limit_hits", counters,
    sa.Column("bucket", sa.String(50), primary_key=True),
    sa.Column("client", sa.Text, primary_key=True),
    sa.Column("window", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("count", sa.BigInteger, nullable=False),
)


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
        count, _slash, per = text.partition("/")
        units = {"s": 1, "second": 1, "sec": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
                 "d": 86400, "day": 86400}
        try:
            window = int(per) if per.isdigit() else units[per or "minute"]
            limit = cls(int(count), window)
        except (KeyError, ValueError):
            raise InvalidInput(_("không đọc được giới hạn tần suất {value!r}", value=value),
                               hint=_("viết như 600/60 hoặc 600/minute")) from None
        if limit.requests <= 0 or limit.window <= 0:
            raise InvalidInput(_("giới hạn tần suất {value!r} phải là số dương", value=value))
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
    """Counts hits per (bucket, client) in the home's ``ratelimit.sqlite``, or in the metadata's PostgreSQL
    database when the catalogue keeps its metadata there (so every node counts together); safe across processes
    and threads."""

    def __init__(self, home: Home | str | Path, *, clock=time.time) -> None:
        home = home if isinstance(home, Home) else Home(Path(home))
        self.path = home.root / FILENAME
        shared = home.database_url
        self.url = shared if not shared.startswith("sqlite") else f"sqlite:///{self.path}"
        self.clock = clock
        self._engine: sa.Engine | None = None
        self._lock = threading.Lock()
        self._built: tuple | None = None

    @property
    def engine(self) -> sa.Engine:
        with self._lock:
            if self._engine is None:
                engine = sa.create_engine(self.url)
                if engine.dialect.name == "sqlite":
                    event.listen(engine, "connect", _sqlite_counters)
                    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
                db.ensure_tables(engine, rate_limit_hits)
                self._engine = engine
        return self._engine

    def _statements(self, conn: sa.Connection) -> tuple:
        """The upsert, the read of the previous window and the clean-up, built once (per-request cost matters)."""
        if self._built is None:
            t = rate_limit_hits
            key = (t.c.bucket == sa.bindparam("bucket")) & (t.c.client == sa.bindparam("client"))
            insert = dialects.insert_for(conn, t).values(bucket=sa.bindparam("bucket"), client=sa.bindparam("client"),
                                                   window=sa.bindparam("window"), count=sa.bindparam("cost"))
            upsert = insert.on_conflict_do_update(
                index_elements=[t.c.bucket, t.c.client, t.c.window], set_={"count": t.c.count + insert.excluded.count},
            ).returning(t.c.count)
            previous = sa.select(t.c.count).where(key & (t.c.window == sa.bindparam("previous")))
            forget = t.delete().where((t.c.window < sa.bindparam("previous")) & (t.c.bucket == sa.bindparam("bucket")))
            self._built = (upsert, previous, forget)
        return self._built

    def _count(self, bucket: str, client: str, window: int, cost: int) -> tuple[int, int]:
        """Add ``cost`` to this window's count, atomically; returns (this window's, the previous window's)."""
        params = {"bucket": bucket, "client": client, "window": window, "cost": cost, "previous": window - 1}
        with self.engine.begin() as conn:
            upsert, previous, forget = self._statements(conn)
            current = conn.execute(upsert, params).scalar_one()
            before = conn.execute(previous, params).scalar()
            if random.random() < 0.01:  # now and then, forget windows nobody can still be counted in
                conn.execute(forget, params)
        return current, before or 0

    def hit(self, bucket: str, client: str, limit: Limit, *, cost: int = 1) -> Decision:
        """Count one request of ``client`` in ``bucket`` and say whether it is within ``limit``.

        A refused request is counted too, so a client hammering through its 429s stays refused.
        """
        now = self.clock()
        window = int(now // limit.window)
        elapsed = (now % limit.window) / limit.window
        current, prev = self._count(bucket, client, window, cost)
        weight = 1.0 - elapsed
        used = prev * weight + current
        allowed = used <= limit.requests
        remaining = max(0, math.floor(limit.requests - used))
        if allowed:
            reset = math.ceil((1.0 - elapsed) * limit.window)
        else:  # when will the weighted previous count have decayed enough for one more request?
            excess = used - limit.requests + 1
            if prev and excess <= prev * weight:
                reset = math.ceil(excess / prev * limit.window)
            else:
                reset = math.ceil((1.0 - elapsed) * limit.window) + limit.window
        return Decision(allowed, limit.requests, remaining, max(1, reset), limit.window)

    def reset(self) -> None:
        """Forget every count (tests, or an administrator lifting a block)."""
        with self.engine.begin() as conn:
            conn.execute(rate_limit_hits.delete())

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _sqlite_counters(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's begin event issues BEGIN IMMEDIATE
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=OFF")  # counters, not records: losing a few on a crash is fine
    cursor.close()
