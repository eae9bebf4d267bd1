"""The metadata database: every table, connections and versioned migrations, in one place.

This is the one module that knows the SQL dialect (SQLite's pragmas and ``BEGIN IMMEDIATE``, PostgreSQL's advisory
lock, the dialect's upsert and JSON functions). Every query on the
metadata lives in ``catalog/`` (``metadata.py``, ``accounts.py``, ``runs.py``, ``unit_of_work.py``), written in
SQLAlchemy Core, so a PostgreSQL backend can replace SQLite without touching callers. SQLite runs in WAL mode so
readers (several web processes) never block on a publish; writes take the lock up front (``BEGIN IMMEDIATE``) so
two publishes of one dataset are serialised instead of failing half-way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Connection, Engine

from catalog.dialects import WRITE_LOCK_KEY

metadata = sa.MetaData()

organizations = sa.Table(
    "organizations", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("title_en", sa.Text, nullable=False, default=""),  # English (optional): BILINGUAL_MIGRATION
    sa.Column("description_en", sa.Text, nullable=False, default=""),
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
    sa.Column("title_en", sa.Text, nullable=False, default=""),  # English (optional): BILINGUAL_MIGRATION
    sa.Column("description_en", sa.Text, nullable=False, default=""),
)

# Datasets keep tag slugs ("moi-truong", what URLs and APIs use); each slug's labels are here (catalog/tags.py).
tags = sa.Table("tags", metadata, sa.Column("name", sa.Text, primary_key=True),  # labels: "Môi trường", "Environment"
                sa.Column("title", sa.Text, nullable=False, default=""), sa.Column("title_en", sa.Text, nullable=False,
                default=""), sa.Column("updated_at", sa.String(32), nullable=False))

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
    # how the source was written (date formats, group/decimal characters, encoding...): ``schema`` above is the
    # published schema, which describes the files served (catalog/published_schema.py)
    sa.Column("source_description", sa.JSON, nullable=True),
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

# -- accounts (catalog/accounts.py): users, their roles in organisations, API tokens -----------------------------
TOKEN_PREFIX_LEN = 12  # characters of a token's plaintext kept for listing ("odp_" + 8)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("fullname", sa.Text, nullable=False, default=""),
    sa.Column("email", sa.Text, nullable=False, default=""),
    sa.Column("sysadmin", sa.Boolean, nullable=False, default=False),
    sa.Column("state", sa.String(20), nullable=False, default="active"),
    sa.Column("created_at", sa.String(32), nullable=False),
)

memberships = sa.Table(
    "memberships", metadata,
    sa.Column("org_id", sa.String(36), sa.ForeignKey("organizations.id"), primary_key=True),
    sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False, default=""),
    sa.Column("prefix", sa.String(TOKEN_PREFIX_LEN), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("expires_at", sa.String(32), nullable=True),
    sa.Column("revoked_at", sa.String(32), nullable=True),
)

# -- pipeline runs (catalog/runs.py): the history of declarative pipeline runs ----------------------------------
pipeline_runs = sa.Table(
    "pipeline_runs", metadata,
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

# -- background jobs (catalog/jobs.py): the queue the worker claims from, with leases ----------------------------
jobs = sa.Table(
    "jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False, default=dict),
    # A job that must not be queued twice (a periodic "run due pipelines") carries a key while pending; the key is
    # cleared when it finishes, so the unique index allows one pending copy at a time on any SQL backend.
    sa.Column("unique_key", sa.String(100), nullable=True, unique=True),
    sa.Column("status", sa.String(20), nullable=False, default="queued"),  # queued, done, failed
    sa.Column("run_at", sa.String(32), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("max_attempts", sa.Integer, nullable=False, default=1),
    sa.Column("lease_until", sa.String(32), nullable=True),
    sa.Column("worker", sa.String(100), nullable=False, default=""),
    sa.Column("last_error", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("finished_at", sa.String(32), nullable=True),
    sa.Index("ix_jobs_due", "status", "run_at"),
)

# -- webhooks (catalog/webhooks.py): subscriptions, and the outbox of deliveries ----------------------------------
webhooks = sa.Table(
    "webhooks", metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("org_id", sa.String(36), sa.ForeignKey("organizations.id"), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("events", sa.JSON, nullable=False, default=list),
    sa.Column("secret", sa.Text, nullable=False),  # kept to sign; never shown after creation (only a hint)
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_by", sa.String(100), nullable=False, default=""),
    sa.Column("created_at", sa.String(32), nullable=False),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("webhook_id", sa.String(16), sa.ForeignKey("webhooks.id"), nullable=False, index=True),
    sa.Column("event", sa.String(50), nullable=False),
    sa.Column("dataset", sa.String(100), nullable=True),
    sa.Column("body", sa.Text, nullable=False),  # the exact bytes signed and sent (UTF-8 JSON)
    sa.Column("status", sa.String(20), nullable=False, default="pending"),  # pending, delivered, failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("log", sa.JSON, nullable=False, default=list),  # [{"at", "status_code", "error", "ms"}]
    sa.Column("job_id", sa.Integer, nullable=True),
    sa.Column("created_at", sa.String(32), nullable=False, index=True),
    sa.Column("delivered_at", sa.String(32), nullable=True),
)


# -- the search index (catalog/search/): one document per active dataset, kept current by each write ------------
# The fields a document has, in this order: the SQLite FTS5 table has a folded column ("f_") and an exact column
# ("x_", lowercase with tones) for each; PostgreSQL keeps the same text as two weighted tsvectors.
SEARCH_FIELDS = ("title", "name", "tags", "org", "columns", "description", "coverage", "vals", "title_en",
                 "description_en")

search_documents = sa.Table(
    "search_documents", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),  # the FTS5 rowid on SQLite
    sa.Column("dataset_id", sa.String(36), sa.ForeignKey("datasets.id"), nullable=False, unique=True),
    sa.Column("sort_title", sa.Text, nullable=False, default=""),  # the folded title: what title prefixes match
    # the title's ICU Vietnamese sort key (hex, compared bytewise: "C" on PostgreSQL): what "sort by title" orders,
    # in the database, a page at a time ("Ba Đình" before "Ba Vì"; migration TITLE_KEY_MIGRATION added it)
    sa.Column("title_key", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"), nullable=True),
    # copies of the dataset's columns that visibility and sorting read, so a search never reads the datasets table
    # for every match (migration SEARCH_VALUES_MIGRATION added them)
    sa.Column("private", sa.Boolean, nullable=False, default=False),
    sa.Column("org_id", sa.String(36), nullable=True),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("title", sa.Text, nullable=True),
    sa.Column("updated_at", sa.String(32), nullable=True, index=True),
    sa.Column("created_at", sa.String(32), nullable=True),
    # PostgreSQL only (NULL on SQLite, where the FTS5 table holds the text): folded and exact weighted vectors
    sa.Column("folded", sa.Text().with_variant(TSVECTOR(), "postgresql"), nullable=True),
    sa.Column("exact", sa.Text().with_variant(TSVECTOR(), "postgresql"), nullable=True),
)

search_facets = sa.Table(
    "search_facets", metadata,
    sa.Column("dataset_id", sa.String(36), sa.ForeignKey("datasets.id"), nullable=False, index=True),
    sa.Column("facet", sa.String(20), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),  # what a filter compares: the value, lowercased for formats
    sa.Column("label", sa.Text, nullable=False),
    sa.Index("ix_search_facets_key", "facet", "key"),
)

# The distinct values of a dataset's low-cardinality text columns in its latest version (catalog/search/values.py):
# what its rows are about (districts, categories), searchable and, for place columns, the "area" facet.
search_values = sa.Table(
    "search_values", metadata,
    sa.Column("dataset_id", sa.String(36), sa.ForeignKey("datasets.id"), nullable=False, index=True),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("place", sa.Boolean, nullable=False, default=False),  # the column holds place names
)

# A number that every change of the search index increases (in the changing transaction): cached answers are
# valid while it stays the same, on every node (catalog/search/query.py).
search_state = sa.Table(
    "search_state", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("serial", sa.Integer, nullable=False, default=0),
)

# One row per change of the index (``catalog/search/changes.py``): the document a create added, or NULL for any
# other change. A cached search answer outlives the creates that it does not match; only the last few are kept.
search_changes = sa.Table(
    "search_changes", metadata,
    sa.Column("serial", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created_doc", sa.Integer, nullable=True),
)

# Which active dataset a CKAN resource id belongs to (``catalog.ckan.shapes.resource_ids``; kept by the index), so
# resource_show and datastore_search find a resource without reading every dataset.
resource_lookup = sa.Table(
    "resource_lookup", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("dataset_id", sa.String(36), primary_key=True, index=True),
)

# SQLite's "keys" column holds one token per facet value and one for who may see the dataset, so that filters and
# visibility are part of the full-text match (catalog/search/keys.py), not a join per match.
_FTS_COLUMNS = ", ".join([f"f_{f}" for f in SEARCH_FIELDS] + [f"x_{f}" for f in SEARCH_FIELDS] + ["keys"])
SEARCH_DDL = {
    "sqlite": [f"CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5({_FTS_COLUMNS}, "
               "tokenize = 'unicode61 remove_diacritics 0')"],
    "postgresql": ["CREATE INDEX IF NOT EXISTS ix_search_documents_folded ON search_documents USING gin (folded)",
                   "CREATE INDEX IF NOT EXISTS ix_search_documents_exact ON search_documents USING gin (exact)"],
}
SEARCH_MIGRATION = 40  # its data step (index every existing dataset) is catalog.search.index.rebuild


def _search_index(conn: Connection) -> None:
    _create(search_documents, search_facets)(conn)
    # a search without words lists the newest first: an index lets it stop after one page
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_datasets_updated_at ON datasets (updated_at)")
    # an organisation's dataset count (asked on every CKAN package_create) must not scan the whole catalogue
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_datasets_org_id ON datasets (org_id)")
    for statement in SEARCH_DDL.get(conn.dialect.name, []):
        conn.exec_driver_sql(statement)


SEARCH_VALUES_MIGRATION = 48  # values arrive with each dataset's next publish (its Parquet is read then)
SOURCE_DESCRIPTION_MIGRATION = 45  # its data step (split every stored schema) is catalog.published_schema
BILINGUAL_MIGRATION = 50  # its data step (re-index every dataset with its English text) is catalog.search.index
TITLE_KEY_MIGRATION = 55  # its data step (the sort key of every indexed title) is catalog.search.index
RESOURCE_LOOKUP_MIGRATION = 70  # its data step (every active dataset's resource ids) is catalog.search.index
SEARCH_CHANGES_MIGRATION = 65  # the change log of the search index (no data: it starts with the next write)
SEARCH_KEYS_MIGRATION = 60  # its data step (PostgreSQL: re-index with the keys in the vectors) is catalog.search.index


def _source_description(conn: Connection) -> None:
    if "source_description" not in {c["name"] for c in sa.inspect(conn).get_columns("versions")}:
        kind = versions.c.source_description.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE versions ADD COLUMN source_description {kind}")


def _search_values(conn: Connection) -> None:
    _create(search_values, search_state)(conn)
    present = {c["name"] for c in sa.inspect(conn).get_columns("search_documents")}
    for column in search_documents.columns:
        if column.name not in present:
            kind = column.type.compile(dialect=conn.dialect)
            default = " NOT NULL DEFAULT false" if column.name == "private" else ""
            conn.exec_driver_sql(f"ALTER TABLE search_documents ADD COLUMN {column.name} {kind}{default}")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_search_documents_updated_at ON search_documents (updated_at)")
    _remake_fts(conn, "keys")  # the full-text table gains its "keys" column


def _remake_fts(conn: Connection, column: str) -> None:
    """SQLite: the full-text table without ``column`` is made again with every column (then refilled)."""
    fts = conn.exec_driver_sql("PRAGMA table_info(search_fts)") if conn.dialect.name == "sqlite" else None
    if fts is not None and column not in {row[1] for row in fts}:
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_fts")
        conn.exec_driver_sql(SEARCH_DDL["sqlite"][0])


def _bilingual(conn: Connection) -> None:
    for table in (organizations, datasets):
        present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
        for name in {"title_en", "description_en"} - present:
            conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {name} TEXT NOT NULL DEFAULT ''")
    tags.create(conn, checkfirst=True)
    _remake_fts(conn, "f_title_en")


def _title_key(conn: Connection) -> None:
    if "title_key" not in {c["name"] for c in sa.inspect(conn).get_columns("search_documents")}:
        kind = search_documents.c.title_key.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE search_documents ADD COLUMN title_key {kind}")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_search_documents_title_key ON search_documents (title_key, name)")


def _search_keys(conn: Connection) -> None:
    # a listing without words counts the visible documents from this index alone (an index-only scan)
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_search_documents_private ON search_documents (private, id)")


def utcnow() -> str:
    """Timestamps are ISO 8601 UTC with a 'Z', to the microsecond, so they sort as text."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _create(*tables: sa.Table) -> Callable[[Connection], None]:
    def apply(conn: Connection) -> None:
        for table in tables:
            table.create(conn, checkfirst=True)
    return apply


# (version, name, function). Append only: a migration that has shipped is never edited. Every table and every
# migration is here, in one place, so a second metadata backend reads one module to know the whole schema.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial: organizations, datasets, versions, audit log", _create(*INITIAL_TABLES)),
    (10, "accounts: users, memberships, api tokens", _create(users, memberships, api_tokens)),
    (20, "pipeline runs: history of ETL pipeline runs", _create(pipeline_runs)),
    (30, "jobs queue, webhooks and their deliveries", _create(jobs, webhooks, webhook_deliveries)),
    (SEARCH_MIGRATION, "search index: documents, full-text table, facet values", _search_index),
    (SOURCE_DESCRIPTION_MIGRATION, "versions: published schema and source description", _source_description),
    (SEARCH_VALUES_MIGRATION, "search index: row values, visibility and sort columns, change serial", _search_values),
    (BILINGUAL_MIGRATION, "bilingual metadata: English titles and descriptions, tag labels", _bilingual),
    (TITLE_KEY_MIGRATION, "search index: Vietnamese sort keys of titles", _title_key),
    (SEARCH_KEYS_MIGRATION, "search index: filters and visibility inside PostgreSQL's vectors", _search_keys),
    (SEARCH_CHANGES_MIGRATION, "search index: the log of changes cached answers are checked against",
     _create(search_changes)),
    (RESOURCE_LOOKUP_MIGRATION, "CKAN resource ids: which dataset each belongs to", _create(resource_lookup)),
]


def ensure_tables(engine: Engine, *tables: sa.Table) -> None:
    """Create ``tables`` if missing, safely when several processes start at once (PostgreSQL's ``IF NOT EXISTS``
    alone can still race on the catalog, so the creation is serialised by an advisory lock there)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(WRITE_LOCK_KEY + 1)))
        for table in tables:
            conn.execute(sa.schema.CreateTable(table, if_not_exists=True))


def current_version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table("schema_migrations"):
        return 0
    return conn.execute(sa.select(sa.func.max(schema_migrations.c.version))).scalar() or 0


def applied_versions(conn: Connection) -> set[int]:
    if not sa.inspect(conn).has_table("schema_migrations"):
        return set()
    return set(conn.execute(sa.select(schema_migrations.c.version)).scalars())


def pending(conn: Connection) -> bool:
    """Is any migration not yet applied to this database?"""
    return bool({version for version, _, _ in MIGRATIONS} - applied_versions(conn))


def migrate(engine: Engine, data_steps: Mapping[int, Callable[[Connection], None]] | None = None) -> list[str]:
    """Apply every migration not yet recorded, in one transaction; returns the names applied.

    "Not yet recorded" rather than "above the highest recorded": migrations written on parallel branches land
    out of numeric order, and a catalogue must still get each of them once. ``data_steps[version]`` is Python that
    fills a new table or column from existing rows (the search index), which this module cannot import (it sits
    below every module that knows such rules). Every pending schema step runs first, then the data steps in order:
    a data step is today's code (a re-index writes today's documents), so it needs today's tables, including
    those of migrations after its own. One transaction: an upgrade happens whole or not at all."""
    with engine.begin() as conn:
        schema_migrations.create(conn, checkfirst=True)
    with engine.begin() as conn:
        done = applied_versions(conn)
        pending = [(version, name, apply) for version, name, apply in MIGRATIONS if version not in done]
        for _version, _name, apply in pending:
            apply(conn)
        for version, _name, _apply in pending:
            if version in (data_steps or {}):
                data_steps[version](conn)
        for version, name, _apply in pending:
            conn.execute(schema_migrations.insert().values(version=version, name=name, applied_at=utcnow()))
    return [name for _version, name, _apply in pending]
