"""The sandboxed DuckDB connection: fresh, in memory, locked, seeing only the published Parquet parts.

Every request gets a fresh in-memory DuckDB instance: views are created over the exact Parquet files, then
``allowed_paths`` (exactly those files), then external access is switched off and the configuration locked.
Nothing a query does (a macro, a view, an ATTACH) can outlive it.

Every sandbox also has ``bo_dau(text)``: the text in lower case without accents, đ as d (the catalogue's
``fold``), so ``WHERE bo_dau(district) = 'dong da'`` finds "Đống Đa" however it was typed.
"""

from __future__ import annotations

import duckdb

from catalog.i18n import N_
from catalog.sqltext import fold_sql, quote_ident, sql_list

# Macros every sandbox has, listed on the SQL page: (name, definition, what it does).
HELPERS = [("bo_dau", f"CREATE MACRO bo_dau(x) AS {fold_sql('x')}",
            N_("bo_dau(text): chữ thường, bỏ dấu, đ → d. WHERE bo_dau(district) = 'dong da' tìm thấy «Đống Đa»."))]


def new_connection(threads: int, memory_mb: int) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB instance, not yet locked: nothing has run on it."""
    con = duckdb.connect(":memory:", config={
        "threads": threads,
        "memory_limit": f"{memory_mb}MB",
        "temp_directory": "",  # no spilling to disk (the default spills into the working folder)
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "allow_persistent_secrets": False,
        "python_enable_replacements": False,
        "enable_external_file_cache": False,
    })
    con.execute("SET enable_progress_bar = false")
    return con


class Connections:
    """Opens the next fresh connection while the worker is idle and closes used ones after the answer has
    gone out: both cost more than a typical query, and neither needs to be on the request's clock."""

    def __init__(self) -> None:
        self._spare: dict[tuple, duckdb.DuckDBPyConnection] = {}
        self._used: list[duckdb.DuckDBPyConnection] = []

    def take(self, threads: int, memory_mb: int) -> duckdb.DuckDBPyConnection:
        return self._spare.pop((threads, memory_mb), None) or new_connection(threads, memory_mb)

    def retire(self, con: duckdb.DuckDBPyConnection) -> None:
        self._used.append(con)

    def tidy(self, threads: int | None = None, memory_mb: int | None = None) -> None:
        for con in self._used:
            try:
                con.close()
            except duckdb.Error:
                pass
        self._used.clear()
        if threads is not None and memory_mb is not None and (threads, memory_mb) not in self._spare:
            self._spare[(threads, memory_mb)] = new_connection(threads, memory_mb)


def open_sandbox(views: list[dict], *, threads: int, memory_mb: int, timeout: float,
                 con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A fresh locked in-memory DuckDB with one view per table (paths relative to the current folder).

    The worker runs inside the data folder, so views, ``filename`` columns and error messages show only
    ``dataset/<sha256>.parquet``, never where the catalogue lives on the server. ``con`` must be a connection
    from ``new_connection`` that nothing has run on.
    """
    con = con or new_connection(threads, memory_mb)
    try:
        con.execute(f"SET max_execution_time = {int(timeout * 1000) + 1000}")  # a backstop: the timer comes first
        files: list[str] = []
        for view in views:
            if view.get("target"):
                body = f"SELECT * FROM {quote_ident(view['target'])}"
            else:
                union = ", union_by_name = true" if len(view["files"]) > 1 else ""
                body = f"SELECT * FROM read_parquet({sql_list(view['files'])}{union})"
            try:
                con.execute(f"CREATE VIEW {quote_ident(view['name'])} AS {body}")
            except duckdb.Error:  # a missing or unreadable file must not break every other table
                continue
            files.extend(view.get("files", []))
        for _name, definition, _doc in HELPERS:
            con.execute(definition)
        con.execute("SET http_proxy = ''")
        con.execute("SET http_proxy_username = ''")
        con.execute("SET http_proxy_password = ''")
        for setting in ("secret_directory", "extension_directory", "home_directory"):
            con.execute(f"SET {setting} = '/nonexistent'")
        # allowed_paths must come before external access goes off (which cannot be undone), the lock last.
        con.execute(f"SET allowed_paths = {sql_list(sorted(set(files)))}")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con

