"""The background job queue: rows in the metadata database that workers claim with a lease.

Why a table and not a broker: the catalogue already has one database that every process shares, and the jobs
that matter (a webhook delivery) must be queued in the same transaction as the change that caused them, so a
crash between the commit and the sending loses nothing. A second service (Redis, RabbitMQ) could not join that
transaction.

Why leases: several workers may run at once (two machines, a cron ``--once`` next to a service). A worker claims a
job with one conditional ``UPDATE ... WHERE id = ? AND (lease_until IS NULL OR lease_until < now)`` inside a
write transaction: exactly one claimer sees its row change, on SQLite (the write lock serialises claims) as on
PostgreSQL (the row lock re-checks the condition). A worker killed mid-job simply stops renewing nothing: when
its lease runs out the job is claimable again, so it is retried (delivery is at least once; receivers dedupe by
id). Only portable SQL here; the dialect lives in ``catalog/db.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from catalog import db

CANDIDATES = 8  # due jobs looked at per claim; the first that is still free is taken


class Database(Protocol):
    """What the queue needs of a ``Catalog``: its metadata engines (no import of catalog.metadata)."""

    @property
    def writer(self) -> Engine: ...

    @property
    def reader(self) -> Engine: ...


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict
    attempts: int  # including the current one
    max_attempts: int


def stamp_in(seconds: float) -> str:
    """The metadata timestamp ``seconds`` from now (same text format as ``db.utcnow``, so they compare)."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def enqueue(conn: Connection, kind: str, payload: dict | None = None, *, delay: float = 0, max_attempts: int = 1,
            unique_key: str | None = None) -> int | None:
    """Queue a job inside the caller's transaction; returns its id (None: a job with ``unique_key`` is pending)."""
    j = db.jobs
    values = {"kind": kind, "payload": payload or {}, "unique_key": unique_key, "status": "queued",
              "run_at": stamp_in(delay), "attempts": 0, "max_attempts": max_attempts, "worker": "",
              "last_error": "", "created_at": db.utcnow()}
    if unique_key is None:
        return conn.execute(j.insert().values(**values)).inserted_primary_key[0]
    if conn.execute(sa.select(j.c.id).where(j.c.unique_key == unique_key)).first() is not None:
        return None
    try:
        with conn.begin_nested():  # a racing insert of the same key fails alone, not the caller's transaction
            return conn.execute(j.insert().values(**values)).inserted_primary_key[0]
    except IntegrityError:
        return None


def enqueue_job(database: Database, kind: str, payload: dict | None = None, **options: Any) -> int | None:
    """``enqueue`` in a transaction of its own."""
    with database.writer.begin() as conn:
        return enqueue(conn, kind, payload, **options)


def claim(database: Database, worker: str, *, lease_seconds: float, kinds: tuple[str, ...] | None = None) -> Job | None:
    """Take the oldest due job whose lease is free (or expired) for ``lease_seconds``; None when nothing is due."""
    j = db.jobs
    now = db.utcnow()
    free = j.c.lease_until.is_(None) | (j.c.lease_until < now)
    query = (sa.select(j.c.id).where((j.c.status == "queued") & (j.c.run_at <= now) & free)
             .order_by(j.c.run_at, j.c.id).limit(CANDIDATES))
    if kinds:
        query = query.where(j.c.kind.in_(kinds))
    with database.writer.begin() as conn:
        for (job_id,) in conn.execute(query).all():
            taken = conn.execute(j.update().where((j.c.id == job_id) & (j.c.status == "queued") & free)
                                 .values(lease_until=stamp_in(lease_seconds), worker=worker,
                                         attempts=j.c.attempts + 1))
            if taken.rowcount == 1:
                row = conn.execute(sa.select(j).where(j.c.id == job_id)).one()
                return Job(row.id, row.kind, dict(row.payload or {}), row.attempts, row.max_attempts)
    return None


def finish(database: Database, job: Job) -> None:
    """The job is done: it is never claimed again, and its unique key is free for the next one."""
    _close(database, job, "done", "")


def retry_or_fail(database: Database, job: Job, error: str, delay: float) -> bool:
    """After a failed attempt: queue the job again in ``delay`` seconds, or mark it failed when it has had
    ``max_attempts``. Returns True when it will be retried."""
    if job.attempts >= job.max_attempts:
        _close(database, job, "failed", error)
        return False
    j = db.jobs
    with database.writer.begin() as conn:
        conn.execute(j.update().where(j.c.id == job.id).values(
            run_at=stamp_in(delay), lease_until=None, worker="", last_error=error[:2000]))
    return True


def _close(database: Database, job: Job, status: str, error: str) -> None:
    j = db.jobs
    with database.writer.begin() as conn:
        conn.execute(j.update().where(j.c.id == job.id).values(
            status=status, lease_until=None, unique_key=None, last_error=error[:2000], finished_at=db.utcnow()))


def requeue(conn: Connection, job_id: int, *, max_attempts: int) -> None:
    """Run a finished (or failed) job again from its first attempt, inside the caller's transaction."""
    j = db.jobs
    conn.execute(j.update().where(j.c.id == job_id).values(
        status="queued", run_at=db.utcnow(), attempts=0, max_attempts=max_attempts, lease_until=None, worker="",
        last_error="", finished_at=None))


def list_jobs(database: Database, *, status: str | None = None, limit: int = 100) -> list[dict]:
    """Jobs, newest first (for ``opendata worker --status`` and tests)."""
    j = db.jobs
    query = sa.select(j).order_by(j.c.id.desc()).limit(limit)
    if status:
        query = query.where(j.c.status == status)
    with database.reader.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]

