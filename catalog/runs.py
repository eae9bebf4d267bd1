"""Pipeline run history: one row per run of a declarative pipeline (``opendata runs``).

A run is recorded even when it fails, so a department can see why last night's import did not publish. The table
is also what makes runs idempotent and incremental: the fingerprint of the last successful run says whether the
source changed, and the inputs it consumed say which export files an append pipeline has already taken.
A run row is written outside the catalogue's data: a failed run adds a history row and nothing else.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog import db
from catalog.metadata import Catalog

SUCCESS = ("published", "unchanged")
STATUSES = ("running", "published", "unchanged", "failed")

pipeline_runs = db.pipeline_runs  # defined with every other table in catalog/db.py


def start_run(catalog: Catalog, pipeline: str, *, dataset: str = "", trigger: str = "cli", actor: str = "") -> int:
    """Record that a run began; returns its id (the row says 'running' until ``finish_run``)."""
    with catalog.writer.begin() as conn:
        result = conn.execute(pipeline_runs.insert().values(
            pipeline=pipeline, dataset=dataset, trigger=trigger, actor=actor, status="running",
            started_at=db.utcnow(), fingerprint="", inputs=[], source_columns=[], steps=[], error=""))
        return int(result.inserted_primary_key[0])


def finish_run(catalog: Catalog, run_id: int, *, status: str, conn: Connection | None = None,
               **fields: Any) -> None:
    """Close a run with its outcome; inside ``conn`` when the outcome must commit with a new version."""
    if status not in STATUSES:
        raise ValueError(f"unknown run status {status!r}")
    allowed = {"dataset", "rows", "version", "fingerprint", "inputs", "source_columns", "steps", "error"}
    values = {k: v for k, v in fields.items() if k in allowed and v is not None}
    if conn is None:
        with catalog.writer.begin() as own:
            _finish(own, run_id, status, values)
    else:
        _finish(conn, run_id, status, values)


def _finish(conn: Connection, run_id: int, status: str, values: dict) -> None:
    t = pipeline_runs
    started = conn.execute(sa.select(t.c.started_at).where(t.c.id == run_id)).scalar_one()
    finished = db.utcnow()
    conn.execute(t.update().where(t.c.id == run_id).values(
        status=status, finished_at=finished, duration_ms=_millis_between(started, finished), **values))


def _millis_between(start: str, end: str) -> int:
    from datetime import datetime

    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    return int((datetime.strptime(end, fmt) - datetime.strptime(start, fmt)).total_seconds() * 1000)


def list_runs(catalog: Catalog, pipeline: str | None = None, *, limit: int = 100) -> list[dict]:
    """Runs newest first, optionally of one pipeline."""
    t = pipeline_runs
    query = sa.select(t).order_by(t.c.id.desc()).limit(limit)
    if pipeline:
        query = query.where(t.c.pipeline == pipeline)
    with catalog.reader.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def last_run(catalog: Catalog, pipeline: str) -> dict | None:
    runs = list_runs(catalog, pipeline, limit=1)
    return runs[0] if runs else None


def last_success(catalog: Catalog, pipeline: str) -> dict | None:
    """The latest run that published or found nothing new: what the next run compares with."""
    t = pipeline_runs
    with catalog.reader.connect() as conn:
        row = conn.execute(sa.select(t).where((t.c.pipeline == pipeline) & t.c.status.in_(SUCCESS))
                           .order_by(t.c.id.desc()).limit(1)).first()
        return dict(row._mapping) if row else None


def consumed_inputs(catalog: Catalog, pipeline: str) -> set[str]:
    """sha256 of every source file a successful run of ``pipeline`` has taken (incremental ``pick: new``)."""
    t = pipeline_runs
    with catalog.reader.connect() as conn:
        rows = conn.execute(sa.select(t.c.inputs).where((t.c.pipeline == pipeline) & t.c.status.in_(SUCCESS)))
        return {item["sha256"] for (inputs,) in rows for item in (inputs or []) if item.get("sha256")}
