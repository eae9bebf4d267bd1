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

# catalog.metadata imports this module at its end (so the migration is registered before any migrate); only the
# name is needed here, resolved when the functions run.
from catalog.metadata import Catalog

MIGRATION = 20
SUCCESS = ("published", "unchanged")
STATUSES = ("running", "published", "unchanged", "failed")

pipeline_runs = sa.Table(
    "pipeline_runs", db.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pipeline", sa.String(100), nullable=False, index=True),
    sa.Column("dataset", sa.String(100), nullable=False, default=""),
    sa.Column("trigger", sa.String(20), nullable=False, default="cli"),
    sa.Column("actor", sa.String(100), nullable=False, default=""),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("started_at", sa.String(32), nullable=False, index=True),
    sa.Column("finished_at", sa.String(32), nullable=True),
    sa.Column("duration_ms", sa.Integer, nullable=True),
    sa.Column("rows", sa.BigInteger, nullable=True),
    sa.Column("version", sa.Integer, nullable=True),
    # sha256 over the extracted source and the pipeline definition: equal fingerprint, nothing to publish.
    sa.Column("fingerprint", sa.String(64), nullable=False, default=""),
    sa.Column("inputs", sa.JSON, nullable=False, default=list),  # [{"name", "sha256", "bytes"}]
    sa.Column("source_columns", sa.JSON, nullable=False, default=list),
    sa.Column("steps", sa.JSON, nullable=False, default=list),  # [{"index", "type", "rows", "ms"}]
    sa.Column("error", sa.Text, nullable=False, default=""),
)


def _create_tables(conn: Connection) -> None:
    pipeline_runs.create(conn, checkfirst=True)


db.register_migration(MIGRATION, "pipeline runs: history of ETL pipeline runs", _create_tables)


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
