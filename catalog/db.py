"""The metadata database: tables, connections and versioned migrations.

Everything that touches SQL for metadata goes through this module and ``catalog/metadata.py``, written in
SQLAlchemy Core, so a PostgreSQL backend can replace SQLite without touching callers. SQLite runs in WAL mode so
readers (several web processes) never block on a publish; writes take the lock up front (``BEGIN IMMEDIATE``) so
two publishes of one dataset are serialised instead of failing half-way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()

organizations = sa.Table(
    "organizations", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.String(32), nullable=False),
)

datasets = sa.Table(
    "datasets", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("org_id", sa.String(36), sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("license", sa.String(100), nullable=False, default="CC-BY-4.0"),
    sa.Column("tags", sa.JSON, nullable=False, default=list),
    sa.Column("frequency", sa.String(50), nullable=False, default=""),
    sa.Column("source", sa.Text, nullable=False, default=""),
    sa.Column("contact", sa.Text, nullable=False, default=""),
    sa.Column("temporal_coverage", sa.Text, nullable=False, default=""),
    sa.Column("spatial_coverage", sa.Text, nullable=False, default=""),
    sa.Column("schema_name", sa.String(100), nullable=False, default=""),
    sa.Column("schema", sa.JSON, nullable=True),
    sa.Column("extras", sa.JSON, nullable=False, default=dict),
    sa.Column("private", sa.Boolean, nullable=False, default=False),
    sa.Column("state", sa.String(20), nullable=False, default="active"),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
)

versions = sa.Table(
    "versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset_id", sa.String(36), sa.ForeignKey("datasets.id"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    # Parquet parts whose union is the version (relative to data/); an appended version lists the earlier
    # parts plus one new part, so storage grows with the data, not with the number of versions.
    sa.Column("parts", sa.JSON, nullable=False, default=list),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("source_sha256", sa.String(64), nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Column("source_bytes", sa.BigInteger, nullable=False),
    sa.Column("source_format", sa.String(20), nullable=False),
    sa.Column("schema", sa.JSON, nullable=False),
    sa.Column("validation", sa.JSON, nullable=False),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Column("publisher", sa.String(100), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("published_at", sa.String(32), nullable=False),
    sa.UniqueConstraint("dataset_id", "number", name="uq_versions_dataset_number"),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False, index=True),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("dataset", sa.String(100), nullable=True, index=True),
    sa.Column("target", sa.Text, nullable=False, default=""),
    sa.Column("detail", sa.JSON, nullable=False, default=dict),
    sa.Column("origin", sa.String(200), nullable=False, default=""),
)

schema_migrations = sa.Table(
    "schema_migrations", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("applied_at", sa.String(32), nullable=False),
)

INITIAL_TABLES = [organizations, datasets, versions, audit_log]


def utcnow() -> str:
    """Timestamps are ISO 8601 UTC with a 'Z', to the microsecond, so they sort as text."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _initial(conn: Connection) -> None:
    for table in INITIAL_TABLES:
        table.create(conn, checkfirst=True)


# (version, name, function). Append only: a migration that has shipped is never edited.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial: organizations, datasets, versions, audit log", _initial),
]


def register_migration(version: int, name: str, apply: Callable[[Connection], None]) -> None:
    """Add a migration (modules that own extra tables call this at import time)."""
    if any(v == version for v, _, _ in MIGRATIONS):
        raise RuntimeError(f"migration {version} registered twice")
    MIGRATIONS.append((version, name, apply))
    MIGRATIONS.sort(key=lambda m: m[0])


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Autocommit at the driver level: SQLAlchemy's begin event below issues the BEGIN we choose.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL may itself wait for a lock
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, *, immediate: bool) -> Engine:
    """An engine; ``immediate`` engines take SQLite's write lock when a transaction begins."""
    engine = sa.create_engine(url, future=True, pool_pre_ping=False)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        begin_sql = "BEGIN IMMEDIATE" if immediate else "BEGIN"
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin_sql))
    return engine


def current_version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table("schema_migrations"):
        return 0
    return conn.execute(sa.select(sa.func.max(schema_migrations.c.version))).scalar() or 0


def migrate(engine: Engine) -> list[str]:
    """Apply pending migrations in one transaction each; returns the names applied."""
    applied = []
    with engine.begin() as conn:
        schema_migrations.create(conn, checkfirst=True)
    for version, name, apply in MIGRATIONS:
        with engine.begin() as conn:
            if version <= current_version(conn):
                continue
            apply(conn)
            conn.execute(schema_migrations.insert().values(version=version, name=name, applied_at=utcnow()))
            applied.append(name)
    return applied
