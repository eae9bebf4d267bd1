"""What differs between the two metadata databases when connecting and writing: SQLite's pragmas and PostgreSQL's
advisory write lock, the values PostgreSQL refuses that SQLite stores, upserts and a JSON-array test.

Why apart from ``catalog/db.py``: that module is the schema (every table and migration, read as one); this one is
the dialect-aware plumbing under it, which the schema does not need to read.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles

from catalog.errors import InvalidInput
from catalog.i18n import N_, format_number
from catalog.i18n import gettext as _


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Autocommit at the driver level: SQLAlchemy's begin event below issues the BEGIN we choose.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL may itself wait for a lock
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# The metadata write lock on PostgreSQL: a transaction-scoped advisory lock, so publishes from several nodes are
# serialised like SQLite's ``BEGIN IMMEDIATE`` serialises processes on one machine. Any fixed 64-bit key will do.
WRITE_LOCK_KEY = 0x6F70656E64617461  # "opendata"


def make_engine(url: str, *, immediate: bool) -> Engine:
    """An engine; ``immediate`` engines take the metadata write lock when a transaction begins (SQLite:
    ``BEGIN IMMEDIATE``; PostgreSQL: ``pg_advisory_xact_lock``, released by the commit or rollback)."""
    engine = sa.create_engine(url, future=True, pool_pre_ping=False)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        begin_sql = "BEGIN IMMEDIATE" if immediate else "BEGIN"
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin_sql))
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "handle_error", _refused_value)
        if immediate:
            event.listen(engine, "begin", lambda conn: conn.execute(
                sa.select(sa.func.pg_advisory_xact_lock(WRITE_LOCK_KEY))))
    return engine


# What PostgreSQL refuses that SQLite stores: text with a NUL character (psycopg refuses it before sending) and a
# value longer than its column's VARCHAR. Values that reach the database are checked where they come in (names,
# metadata: catalog/metadata.py); this turns whatever still gets here into the user's error, never a server error.
_REFUSALS = {
    "cannot contain NUL": N_("một giá trị chứa ký tự NUL (\\x00), cơ sở dữ liệu siêu dữ liệu không nhận: hãy bỏ nó"),
    "value too long for type": N_("một giá trị dài hơn cơ sở dữ liệu siêu dữ liệu cho phép ({detail}): hãy rút ngắn"),
}


def _refused_value(context) -> None:
    error = context.original_exception
    text = str(error).splitlines()[0] if str(error) else ""
    for marker, message in _REFUSALS.items():
        if marker in text:
            raise InvalidInput(_(message, detail=text.removeprefix("value too long for type ")))


def check_lengths(table: sa.Table, values: Mapping[str, object]) -> None:
    """Refuse, naming the field, a text longer than its column holds: PostgreSQL enforces VARCHAR lengths (SQLite
    does not), so both backends keep the same rule and neither answers with a server error."""
    for key, value in values.items():
        column = table.c.get(key)
        length = getattr(column.type, "length", None) if column is not None else None
        if isinstance(value, str) and length and len(value) > length:
            raise InvalidInput(_("{key} dài {size} ký tự; giới hạn là {limit}", key=key,
                                 size=format_number(len(value)), limit=format_number(length)),
                               hint=_("hãy rút ngắn {key}", key=key))


def insert_for(conn: Connection, table: sa.Table):
    """An INSERT with the dialect's ``on_conflict_do_update/nothing`` (SQLite and PostgreSQL): upserts are
    written once, against this, and the dialect is chosen here."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


class json_array_has(sa.sql.expression.FunctionElement):  # noqa: N801 (reads as a SQL function)
    """``json_array_has(column, value)``: true when the JSON array in ``column`` holds the string ``value``."""

    type = sa.Boolean()
    inherit_cache = True
    name = "json_array_has"


@compiles(json_array_has)
def _json_array_has_sqlite(element, compiler, **kw) -> str:
    column, value = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"


@compiles(json_array_has, "postgresql")
def _json_array_has_postgresql(element, compiler, **kw) -> str:
    column, value = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST({column} AS JSONB) @> jsonb_build_array(CAST({value} AS TEXT)))"
