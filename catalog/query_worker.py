"""The query worker: one process of the SQL pool, running untrusted SQL in a sandboxed DuckDB.

Why a process: a query can burn CPU inside DuckDB's optimizer where ``interrupt()`` cannot reach it, or allocate
memory outside ``memory_limit``; only an OS address-space cap (``RLIMIT_AS``) and a kill from the parent stop that.
The parent (``catalog.query``) owns the pool; this module is what runs inside each worker, plus the pure helpers
(guard, value encoding, error wording) that the tests call directly.

Every request gets a fresh in-memory DuckDB instance: views are created over the exact Parquet files, then
``allowed_paths`` (exactly those files), then external access is switched off and the configuration locked.
Nothing a query does (a macro, a view, an ATTACH) can outlive it. Messages between parent and worker are JSON
bytes, never pickles, so a compromised worker could not make the parent run code.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import os
import re
import resource
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import duckdb

from catalog import spreadsheet

# Functions and built-in views that a public query must not reach, even though the settings already block
# file, network and extension access: they reveal configuration (``allowed_paths`` holds absolute server
# paths), run SQL hidden in a string (which this guard could not see), or touch logs/checkpoints.
DENIED_FUNCTIONS = frozenset({
    "current_setting", "duckdb_settings", "duckdb_profiling_settings", "pg_settings",
    "duckdb_secrets", "which_secret", "duckdb_secret_types", "duckdb_extensions", "duckdb_temporary_files",
    "duckdb_external_file_cache", "duckdb_memory", "duckdb_logs", "duckdb_log_contexts", "enable_logging",
    "disable_logging", "truncate_duckdb_logs", "enable_profiling", "disable_profiling", "checkpoint",
    "force_checkpoint", "getenv", "query", "query_table", "json_execute_serialized_sql", "install_extension",
    "load_extension", "add_grammar_extension",
})
DENIED_TABLES = frozenset({"pg_settings", "duckdb_settings", "duckdb_profiling_settings", "duckdb_logs",
                           "duckdb_secrets", "duckdb_extensions"})

STATEMENT_WORDS = {
    "CREATE": "CREATE (making tables, views, macros or types)", "DROP": "DROP", "INSERT": "INSERT",
    "UPDATE": "UPDATE", "DELETE": "DELETE", "ALTER": "ALTER", "COPY": "COPY (writing or reading files)",
    "ATTACH": "ATTACH (opening other databases)", "DETACH": "DETACH", "LOAD": "INSTALL/LOAD (extensions)",
    "SET": "SET/RESET/USE (changing settings)", "PRAGMA": "PRAGMA", "CALL": "CALL", "EXPLAIN": "EXPLAIN",
    "EXPORT": "EXPORT DATABASE", "MULTI": "a statement that runs several steps (PIVOT without an IN list?)",
}

XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header row


class Refused(Exception):
    """A query the sandbox refuses or that failed: carries the public error code and a plain message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- process setup ------------------------------------------------------------------------------------------------
def limit_process(address_space_mb: int, file_size_mb: int, nice: int) -> None:
    """OS limits for this worker: address space, file size, no core dumps, lower CPU priority."""
    limit = address_space_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    fsize = file_size_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if nice:
        os.nice(nice)


def worker_environment() -> dict[str, str]:
    """The whole environment of a worker: no proxy, cloud or app variables (DuckDB copies ``$HTTP_PROXY``,
    credentials included, into a readable setting), and few malloc arenas (each reserves 64 MB of the capped
    address space)."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent", "TZ": "UTC",
            "MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system"}


# -- the sandboxed connection ---------------------------------------------------------------------------------------
def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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
                parts = ", ".join(sql_string(f) for f in view["files"])
                union = ", union_by_name = true" if len(view["files"]) > 1 else ""
                body = f"SELECT * FROM read_parquet([{parts}]{union})"
            try:
                con.execute(f"CREATE VIEW {quote_ident(view['name'])} AS {body}")
            except duckdb.Error:  # a missing or unreadable file must not break every other table
                continue
            files.extend(view.get("files", []))
        con.execute("SET http_proxy = ''")
        con.execute("SET http_proxy_username = ''")
        con.execute("SET http_proxy_password = ''")
        for setting in ("secret_directory", "extension_directory", "home_directory"):
            con.execute(f"SET {setting} = '/nonexistent'")
        # allowed_paths must come before external access goes off (which cannot be undone), the lock last.
        con.execute(f"SET allowed_paths = [{', '.join(sql_string(f) for f in sorted(set(files)))}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _names(node: Any, functions: set[str], tables: set[str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("function_name"), str):
            functions.add(node["function_name"].lower())
        if node.get("type") in ("BASE_TABLE", "SHOW_REF") and isinstance(node.get("table_name"), str):
            tables.add(node["table_name"].strip('"').lower())
        for value in node.values():
            _names(value, functions, tables)
    elif isinstance(node, list):
        for value in node:
            _names(value, functions, tables)


def check_statement(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """Exactly one SELECT, parsed by DuckDB itself, that calls no denied function: returns the statement."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as error:
        raise Refused("sql_error", str(error)) from None
    if not statements:
        raise Refused("sql_error", "The query is empty: write one SELECT statement.")
    if len(statements) > 1:
        raise Refused("forbidden", f"Only one statement at a time is allowed; this text holds {len(statements)}. "
                                   "Remove the extra statements (and the semicolons between them).")
    statement = statements[0]
    kind = statement.type.name
    if kind != "SELECT":
        words = STATEMENT_WORDS.get(kind, kind)
        raise Refused("forbidden", f"Only read-only queries (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE, PIVOT ... IN) "
                                   f"are allowed here, not {words}.")
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [statement.query]).fetchall()[0][0])
    if tree.get("error"):
        raise Refused("sql_error", "This query could not be checked: " + str(tree.get("error_message", "")))
    functions: set[str] = set()
    tables: set[str] = set()
    _names(tree, functions, tables)
    denied = sorted((functions & DENIED_FUNCTIONS) | (tables & DENIED_TABLES))
    if denied:
        raise Refused("forbidden", f"{denied[0]} is not available in the public SQL sandbox: it reveals server "
                                   "settings or runs hidden SQL. Query the published tables instead.")
    return statement


# -- values ------------------------------------------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """A DuckDB value as plain JSON: ISO dates, base64 blobs, null for NaN/infinity."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def _json_default(value: Any) -> Any:
    converted = jsonable(value)
    if converted is value:  # jsonable had nothing better: let the slow path decide
        raise TypeError(type(value).__name__)
    return converted


def encode_row(row: tuple) -> bytes:
    """One row as compact JSON: the C encoder for plain values, ``jsonable`` only for what it cannot do
    (NaN, non-string map keys)."""
    try:
        text = json.dumps(row, default=_json_default, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = json.dumps(jsonable(list(row)), ensure_ascii=False, separators=(",", ":"))
    return text.encode()


def fetch_rows(relation: duckdb.DuckDBPyRelation, max_rows: int, max_bytes: int) -> tuple[bytes, int, bool]:
    """At most ``max_rows`` rows as a JSON array (bytes), stopping early at ``max_bytes``.

    The cap goes into the plan as ``LIMIT max_rows + 1``: a scan stops early and ``ORDER BY`` becomes a top-N
    instead of a full sort; at most that many rows ever reach Python (never the whole result)."""
    rows = relation.limit(max_rows + 1).fetchall()
    truncated = len(rows) > max_rows
    parts: list[bytes] = []
    size = 2
    for row in rows[:max_rows]:
        item = encode_row(row)
        if size + len(item) + 1 > max_bytes:
            if not parts:
                raise Refused("too_large", "The first row of the result alone is larger than a response may "
                                           "be. Select fewer or shorter columns (e.g. left(col, 1000)).")
            truncated = True
            break
        parts.append(item)
        size += len(item) + 1
    return b"[" + b",".join(parts) + b"]", len(parts), truncated


# -- downloads: written here with pyarrow/openpyxl, because this DuckDB can no longer write files -----------------------
class FileCap:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def check(self, size: int) -> None:
        if size > self.max_bytes:
            raise Refused("too_large", f"The result is larger than the download limit of "
                                       f"{self.max_bytes // 1_000_000} MB. Filter or aggregate it first.")


def _plain_batch(batch: Any, readable_times: bool = False) -> Any:
    """Nested columns (lists, structs, maps) as JSON text, for formats that only hold flat values; with
    ``readable_times``, timestamps without fractions as ``2024-01-31 07:00:00`` rather than Arrow's
    ``2024-01-31 07:00:00.000000``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays, changed = [], False
    for column in batch.columns:
        if (readable_times and pa.types.is_timestamp(column.type) and column.type.tz is None
                and not pc.any(pc.not_equal(pc.microsecond(column), 0)).as_py()):
            arrays.append(pc.strftime(column.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S"))
            changed = True
        elif pa.types.is_nested(column.type):
            arrays.append(pa.array([None if v is None else json.dumps(jsonable(v), ensure_ascii=False)
                                    for v in column.to_pylist()], type=pa.string()))
            changed = True
        else:
            arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names) if changed else batch


def write_download(reader: Any, fmt: str, out: Path, max_bytes: int, *, excel: bool = False) -> int:
    """Stream an Arrow record batch reader into ``out`` in ``fmt``; returns the number of rows written.

    ``excel`` (CSV only): a BOM, and the formula-safe rule of ``catalog/spreadsheet.py`` on header and text."""
    cap = FileCap(max_bytes)
    rows = 0
    if fmt == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(out, reader.schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
                cap.check(out.stat().st_size)
    elif fmt == "csv":
        rows = _write_csv(reader, out, cap, excel=excel)
    elif fmt == "json":
        with open(out, "wb") as handle:
            handle.write(b"[")
            names = reader.schema.names
            for batch in reader:
                for values in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                    record = {n: jsonable(v) for n, v in zip(names, values, strict=True)}
                    handle.write((b",\n" if rows else b"\n") + json.dumps(record, ensure_ascii=False).encode())
                    rows += 1
                cap.check(handle.tell())
            handle.write(b"\n]\n")
    elif fmt == "xlsx":
        rows = _write_xlsx(reader, out, cap)
    else:
        raise Refused("sql_error", f"unknown download format {fmt!r}")
    cap.check(out.stat().st_size)
    return rows


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if re.search(r'[",\n\r]', text) else text


def _write_csv(reader: Any, out: Path, cap: FileCap, *, excel: bool) -> int:
    """CSV with a header line; for Excel with a BOM, and formula-safe header and text values."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = spreadsheet.excel_header(reader.schema.names) if excel else list(reader.schema.names)
    writer, rows = None, 0
    with open(out, "wb") as handle:
        if excel:
            handle.write(spreadsheet.BOM)
        for batch in reader:
            batch = _plain_batch(batch, readable_times=True)
            if excel:
                batch = pa.RecordBatch.from_arrays(
                    [spreadsheet.excel_arrow(c) if pa.types.is_string(c.type) or pa.types.is_large_string(c.type)
                     else c for c in batch.columns], names=names)
            if writer is None:
                writer = pacsv.CSVWriter(handle, batch.schema)
            writer.write_batch(batch)
            rows += batch.num_rows
            cap.check(handle.tell())
        if writer is None:  # no rows: still a header line
            handle.write((",".join(_csv_cell(n) for n in names) + "\n").encode())
        else:
            writer.close()
    return rows


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, dt.time) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str, dt.date, dt.time, decimal.Decimal)):
        if isinstance(value, int) and abs(value) >= 2**63:
            return str(value)
        return value
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(jsonable(value), ensure_ascii=False)
    return jsonable(value)


def _write_xlsx(reader: Any, out: Path, cap: FileCap) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("result")
    sheet.append(spreadsheet.xlsx_row(sheet, reader.schema.names))  # text cells: never a formula
    rows, approx = 0, 0
    for batch in reader:
        for values in zip(*(c.to_pylist() for c in batch.columns), strict=True):
            if rows >= XLSX_MAX_ROWS:
                raise Refused("too_large", "An XLSX sheet holds at most 1,048,575 rows; download CSV or Parquet "
                                           "instead, or filter the result.")
            cells = [_xlsx_value(v) for v in values]
            approx += sum(len(str(c)) for c in cells if c is not None) // 3 + len(cells)  # zipped size estimate
            sheet.append(spreadsheet.xlsx_row(sheet, cells))
            rows += 1
        cap.check(approx)
    book.save(out)
    return rows


# -- error wording -----------------------------------------------------------------------------------------------------
SETTING_HINTS = re.compile(r"\s*(Use|See|Try) [^.]*\b(SET|PRAGMA|memory_limit|max_\w+|threads)\b[^.]*\.?", re.I)
MEMORY_USE = re.compile(r"\([\d.]+ \w?i?B/[\d.]+ \w?i?B used\)")
# DuckDB messages that quote a setting's value, in plain words instead.
REWORDED = [
    (re.compile(r"Max expression depth limit of \d+ exceeded\.?"),
     "The query is nested too deeply (brackets, operators or subqueries inside each other): simplify it."),
    (re.compile(r"Max (recursion|pivot|\w+) (depth )?limit of \d+[^.]*\.?", re.I),
     "The query exceeds a size limit of the SQL engine: simplify it."),
]


def public_message(text: str, scrub: Iterable[str]) -> str:
    """DuckDB's message without server paths, setting values or advice to change settings."""
    for secret in sorted((s for s in scrub if s and len(s) > 1), key=len, reverse=True):
        text = text.replace(secret, "…")
    text = SETTING_HINTS.sub("", text)
    text = MEMORY_USE.sub("", text)
    for pattern, words in REWORDED:
        text = pattern.sub(words, text)
    return text.strip()[:2000]


def classify(error: BaseException) -> tuple[str, str]:
    """A DuckDB/Python exception as (code, plain message)."""
    text = str(error)
    if isinstance(error, duckdb.InterruptException) or "INTERRUPT" in text.upper()[:40]:
        return "timeout", "The query took longer than allowed and was stopped. Filter or aggregate more, or add LIMIT."
    if isinstance(error, (duckdb.OutOfMemoryException, MemoryError)) or "Out of Memory" in text:
        return "too_large", ("The query needs more memory than a public query may use. Aggregate, filter or LIMIT "
                             "the data, or avoid building very large strings and lists.")
    if isinstance(error, duckdb.PermissionException) or "disabled by configuration" in text:
        return "forbidden", ("Reading or writing files, the network and extensions are not available here: query "
                             "the published tables by name (see the list of tables).")
    if "configuration has been locked" in text or "Loading external extensions is disabled" in text:
        return "forbidden", "Settings and extensions cannot be changed in the public SQL sandbox."
    if isinstance(error, duckdb.Error):
        return "sql_error", text
    return "sql_error", f"The query failed: {type(error).__name__}."


# -- one request ---------------------------------------------------------------------------------------------------
def run_request(request: dict, connections: Connections | None = None) -> tuple[dict, bytes | None]:
    """Run one query request; returns the reply header and, for row results, the JSON array of rows.

    With ``connections`` the used connection is only retired (the caller closes it after replying)."""
    own = connections is None
    connections = connections or Connections()
    started = time.monotonic()
    scrub = list(request.get("scrub", []))
    os.chdir(request["data_dir"])
    scrub.append(os.getcwd())
    con = None
    timer = None
    try:
        try:
            con = open_sandbox(request["views"], threads=request["threads"], memory_mb=request["memory_mb"],
                               timeout=request["timeout"],
                               con=connections.take(request["threads"], request["memory_mb"]))
        except duckdb.Error as error:  # our setup failed: a server fault, not the user's
            raise Refused("internal", public_message(str(error), scrub)) from None
        statement = check_statement(con, request["sql"])

        def interrupt() -> None:
            try:
                con.interrupt()
            except duckdb.Error:
                pass

        timer = threading.Timer(request["timeout"], interrupt)
        timer.daemon = True
        timer.start()
        relation = con.sql(statement)
        columns = [{"name": n, "type": str(t)} for n, t in zip(relation.columns, relation.types, strict=True)]
        if request["mode"] == "file":
            rows = write_download(relation.to_arrow_reader(65536), request["format"], Path(request["out"]),
                                  request["max_bytes"], excel=bool(request.get("excel")))
            header = {"ok": True, "columns": columns, "rows": rows, "truncated": False}
            payload = None
        else:
            payload, rows, truncated = fetch_rows(relation, request["max_rows"], request["max_bytes"])
            header = {"ok": True, "columns": columns, "rows": rows, "truncated": truncated}
    except Refused as refused:
        header, payload = {"ok": False, "code": refused.code, "message": public_message(refused.message, scrub)}, None
    except (duckdb.Error, MemoryError, OSError, ValueError, TypeError, OverflowError) as error:
        code, message = classify(error)
        if isinstance(error, OSError) and not isinstance(error, duckdb.Error):
            code, message = "too_large", "The result could not be written: it is larger than allowed."
        header, payload = {"ok": False, "code": code, "message": public_message(message, scrub)}, None
    finally:
        if timer is not None:
            timer.cancel()
        if con is not None:
            connections.retire(con)
        if own:
            connections.tidy()
    header["worker_ms"] = round((time.monotonic() - started) * 1000, 1)
    return header, payload


def main_from_argv() -> None:
    """``python -c ... FD SETTINGS_JSON``: how the pool starts a worker (see ``catalog.query._Worker``)."""
    main(Connection(int(sys.argv[1])), json.loads(sys.argv[2]))


def main(conn: Connection, settings: dict) -> None:
    """Worker entry point: limits first, then serve requests from the parent until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(worker_environment())
    limit_process(settings["address_space_mb"], settings["file_size_mb"], settings.get("nice", 0))
    connections = Connections()
    warm = new_connection(1, 64)  # DuckDB's first connection in a process is slow: pay for it now
    warm.execute("SELECT json_serialize_sql('SELECT 1')").fetchall()
    warm.close()
    connections.tidy(settings["threads"], settings["memory_mb"])
    conn.send_bytes(b"ready")
    while True:
        try:
            request = json.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        header, payload = run_request(request, connections)
        try:
            conn.send_bytes(json.dumps(header).encode())
            if header["ok"] and payload is not None:
                conn.send_bytes(payload)
        except (OSError, ValueError):
            return
        connections.tidy(request["threads"], request["memory_mb"])
