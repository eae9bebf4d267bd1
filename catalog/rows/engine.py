"""The DuckDB database that reads a version's Parquet parts, one per process and per kind of work.

Why: nothing here keeps mutable state between calls. Each call takes a cursor on a per-process in-memory DuckDB
database (a fresh connection costs ~30 ms, a cursor ~0.3 ms), so any number of server processes can share one
catalogue home. Pages and counts run single-threaded (a server answers many small queries at once, and
parallelism inside each one only adds contention); exports get a second database that uses every core.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from catalog.errors import InvalidInput
from catalog.i18n import gettext as _

_lock = threading.Lock()
_databases: dict[bool, tuple[int, duckdb.DuckDBPyConnection]] = {}


def _open_database(heavy: bool) -> duckdb.DuckDBPyConnection:
    cores = os.cpu_count() or 2
    threads = int(os.environ.get("OPENDATA_DUCKDB_THREADS", "0") or 0) or (cores if heavy else 1)
    config = {"memory_limit": os.environ.get("OPENDATA_DUCKDB_MEMORY", "1GB"), "threads": threads,
              # big sorts (an export in a sort order) spill here instead of failing; one folder per database,
              # since DuckDB names its spill files alike in every process
              "temp_directory": os.path.join(tempfile.gettempdir(),
                                             f"opendata-duckdb-{os.getpid()}-{'heavy' if heavy else 'light'}")}
    con = duckdb.connect(":memory:", config=config)
    con.execute("LOAD parquet")
    # Published Parquet files are content-addressed and never rewritten, so caching their footers is safe.
    con.execute("SET GLOBAL parquet_metadata_cache = true")
    try:
        con.execute("SET GLOBAL TimeZone = 'UTC'")
    except duckdb.Error:
        pass
    return con


@contextmanager
def connect(*, heavy: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB cursor for one request, on this process's database (re-created after a fork).

    ``heavy`` work (a whole-table export) gets the database that uses every core.
    """
    with _lock:
        found = _databases.get(heavy)
        if found is None or found[0] != os.getpid():
            found = _databases[heavy] = (os.getpid(), _open_database(heavy))
        cur = found[1].cursor()
    try:
        yield cur
    finally:
        cur.close()


def run(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> duckdb.DuckDBPyConnection:
    """Execute, turning DuckDB's complaints about a user's value into ``InvalidInput``."""
    try:
        return con.execute(sql, params)
    except duckdb.ConversionException as exc:
        raise InvalidInput(_("một giá trị lọc hoặc con trỏ trang không hợp với kiểu của cột"),
                           hint=str(exc).splitlines()[0]) from None


def source(files: Sequence[Path | str]) -> tuple[str, list]:
    """The FROM clause for a version's parts; ``file_index``/``file_row_number`` are DuckDB virtual columns."""
    if not files:
        raise InvalidInput(_("phiên bản này không có tệp dữ liệu"))
    paths = [str(f) for f in files]
    if len(paths) == 1:
        return "read_parquet(?)", [paths]
    return "read_parquet(?, union_by_name = true)", [paths]


def duckdb_types(files: Sequence[Path | str]) -> dict[str, str]:
    """The physical column types of a version's Parquet (what exports format by)."""
    src, src_params = source(files)
    with connect() as con:
        return {name: kind for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {src}", src_params).fetchall()}
