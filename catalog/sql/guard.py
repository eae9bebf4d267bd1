"""The statement guard: exactly one read-only SELECT that reaches no function revealing the server.

Why a parser-based guard on top of the locked settings: the settings already block file, network and extension
access, but some functions reveal configuration (``allowed_paths`` holds absolute server paths) or run SQL hidden
in a string, which no setting stops. DuckDB's own parser reads the statement, so the guard sees what DuckDB runs.
The ETL ``sql`` step and CKAN's ``datastore_search_sql`` use the same guard.

Comments and trailing semicolons are part of one statement (``SELECT …; -- hết`` is one SELECT); a caller that
wraps the user's statement in more SQL takes it through ``statement_text`` first, which drops them.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from catalog.i18n import gettext as _
from catalog.sql.messages import STATEMENT_WORDS, Refused

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


def statement_text(sql: str) -> str:
    """``sql`` without what may follow its last statement: semicolons, comments and spaces (DuckDB's tokenizer
    decides what a comment is, so ``';'`` in a string or ``--`` in a string stays)."""
    data = sql.encode()
    end = len(data)
    try:
        tokens = duckdb.tokenize(sql)
    except duckdb.Error:
        return sql.strip()
    for offset, kind in reversed(tokens):
        text = data[offset:end].strip()
        if kind == duckdb.token_type.comment or (kind == duckdb.token_type.operator and text and not text.strip(b";")):
            end = offset
            continue
        break
    return data[:end].decode(errors="replace").strip()


def check_statement(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """Exactly one SELECT, parsed by DuckDB itself, that calls no denied function: returns the statement."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as error:
        raise Refused("sql_error", str(error)) from None
    if not statements:
        raise Refused("sql_error", _("Truy vấn đang trống: hãy viết một câu lệnh SELECT."))
    if len(statements) > 1:
        raise Refused("forbidden", _("Mỗi lần chỉ chạy được một câu lệnh; đoạn này có {count}. Hãy bỏ các câu lệnh "
                                     "thừa (và dấu chấm phẩy giữa chúng).", count=len(statements)))
    statement = statements[0]
    kind = statement.type.name
    if kind != "SELECT":
        words = _(STATEMENT_WORDS.get(kind, kind))
        raise Refused("forbidden", _("Ở đây chỉ cho phép truy vấn chỉ đọc (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE, "
                                     "PIVOT ... IN), không cho phép {words}.", words=words))
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [statement.query]).fetchall()[0][0])
    if tree.get("error"):
        raise Refused("sql_error", _("Không kiểm tra được truy vấn này: {error}",
                                     error=str(tree.get("error_message", ""))))
    functions: set[str] = set()
    tables: set[str] = set()
    _names(tree, functions, tables)
    denied = sorted((functions & DENIED_FUNCTIONS) | (tables & DENIED_TABLES))
    if denied:
        raise Refused("forbidden", _("{name} không dùng được trong môi trường SQL công khai: nó để lộ thiết lập "
                                     "của máy chủ hoặc chạy SQL ẩn. Hãy truy vấn các bảng đã công bố.", name=denied[0]))
    return statement

