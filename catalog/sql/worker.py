"""The query worker: one process of the SQL pool, running untrusted SQL in a sandboxed DuckDB.

Why a module of its own: this is what runs inside each worker process (started by ``catalog.sql.pool``), so it
imports only the sandbox, the guard, the wording and the format writers, never the catalogue or the web. It sets its
OS limits first, then serves requests from the parent until the pipe closes.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import duckdb

from catalog import writers
from catalog.errors import UserError
from catalog.i18n import LANGUAGES, language, translations
from catalog.i18n import gettext as _
from catalog.jsonvalues import json_default, jsonable
from catalog.sql.explain import explain
from catalog.sql.guard import check_statement, statement_text
from catalog.sql.limits import limit_process, worker_environment
from catalog.sql.messages import Refused, classify, public_message
from catalog.sql.sandbox import Connections, new_connection, open_sandbox
from catalog.sqltext import quote_ident


def encode_row(row: tuple) -> bytes:
    """One row as compact JSON: the C encoder for plain values, ``jsonable`` only for what it cannot do
    (NaN, non-string map keys)."""
    try:
        text = json.dumps(row, default=json_default, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
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
                raise Refused("too_large", _("Chỉ riêng dòng đầu tiên của kết quả đã lớn hơn mức một câu trả lời "
                                             "được phép. Hãy chọn ít cột hơn hoặc cột ngắn hơn (ví dụ left(cot, 1000))."))
            truncated = True
            break
        parts.append(item)
        size += len(item) + 1
    return b"[" + b",".join(parts) + b"]", len(parts), truncated



def write_download(rows: Any, fmt: str, out: Path, max_bytes: int, *, excel: bool = False) -> int:
    """The full result (a relation, or an Arrow record batch reader) as a file, by the shared format writers
    (``catalog/writers/``); a result over ``max_bytes`` or beyond what the format holds is ``too_large``."""
    relation = rows if isinstance(rows, duckdb.DuckDBPyRelation) else writers.arrow_relation(rows)
    try:
        return writers.write(relation, fmt, out, max_bytes=max_bytes, excel=excel, quote_text=True)
    except UserError as error:
        code = "too_large" if error.code in ("too_large", "too_many_rows") else "sql_error"
        raise Refused(code, str(error)) from None


# -- one request ---------------------------------------------------------------------------------------------------
def run_request(request: dict, connections: Connections | None = None) -> tuple[dict, bytes | None]:
    """Run one query request; returns the reply header and, for row results, the JSON array of rows.

    With ``connections`` the used connection is only retired (the caller closes it after replying). Messages are
    in the request's language (``lang``, set by the engine from the web request)."""
    with language(request.get("lang")):
        return _run_request(request, connections)


def _run_request(request: dict, connections: Connections | None = None) -> tuple[dict, bytes | None]:
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
        # the relation's text without trailing ";" and comments: limits and downloads wrap it in more SQL
        relation = con.sql(statement_text(statement.query))
        columns = [{"name": n, "type": str(t)} for n, t in zip(relation.columns, relation.types, strict=True)]
        if request["mode"] == "file":
            rows = write_download(relation, request["format"], Path(request["out"]), request["max_bytes"],
                                  excel=bool(request.get("excel")))
            header = {"ok": True, "columns": columns, "rows": rows, "truncated": False}
            payload = None
        else:
            payload, rows, truncated = fetch_rows(relation, request["max_rows"], request["max_bytes"])
            header = {"ok": True, "columns": columns, "rows": rows, "truncated": truncated}
    except Refused as refused:
        header, payload = failure(refused.code, public_message(refused.message, scrub), con, request), None
    except (duckdb.Error, MemoryError, OSError, ValueError, TypeError, OverflowError) as error:
        code, message = classify(error)
        if isinstance(error, OSError) and not isinstance(error, duckdb.Error):
            code, message = "too_large", _("Không ghi được kết quả: nó lớn hơn mức cho phép.")
        header, payload = failure(code, public_message(message, scrub), con, request), None
    finally:
        if timer is not None:
            timer.cancel()
        if con is not None:
            connections.retire(con)
        if own:
            connections.tidy()
    header["worker_ms"] = round((time.monotonic() - started) * 1000, 1)
    return header, payload


def failure(code: str, message: str, con: duckdb.DuckDBPyConnection | None, request: dict) -> dict:
    """The error header: a DuckDB error (``sql_error``) explained in Vietnamese, DuckDB's words kept as ``raw``."""
    if code != "sql_error" or con is None:
        return {"ok": False, "code": code, "message": message}
    tables = request.get("table_names") or [v["name"] for v in request["views"]]
    text = request["sql"].lower()
    columns: list[str] = []
    for name in (v["name"] for v in request["views"]):
        if name.lower() in text:
            try:
                columns += [row[0] for row in con.execute(f"DESCRIBE {quote_ident(name)}").fetchall()]
            except duckdb.Error:
                continue
    return {"ok": False, "code": code, "message": explain(message, tables=tables, columns=columns), "raw": message}


def main_from_argv() -> None:
    """``python -c ... FD SETTINGS_JSON``: how the pool starts a worker (see ``catalog.sql.pool._Worker``)."""
    main(Connection(int(sys.argv[1])), json.loads(sys.argv[2]))


def main(conn: Connection, settings: dict) -> None:
    """Worker entry point: limits first, then serve requests from the parent until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(worker_environment())
    for lang in LANGUAGES:  # read the message catalogues before the address-space limit
        translations(lang)
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
