"""Errors of the SQL sandbox and their public wording.

Why one module: a refused or failed query reaches a journalist as a code and a plain message, and the same
codes travel from the worker process (``Refused``) through the pool to the web (``QueryError``). DuckDB's own
messages may hold server paths, setting values or advice to change settings: they are reworded here only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb

ERROR_CODES = ("sql_error", "forbidden", "timeout", "too_large", "busy")
TIMEOUT_MESSAGE = "The query took longer than allowed and was stopped. Filter or aggregate more, or add LIMIT."


class QueryError(Exception):
    """A query that was refused or failed; ``code`` is one of ``ERROR_CODES``, ``message`` plain words."""

    def __init__(self, code: str, message: str, *, retry_after: int | None = None, raw: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.raw = raw  # DuckDB's own (cleaned) message when ``message`` explains it in Vietnamese

    @property
    def status(self) -> int:
        return 429 if self.code == "busy" else 400

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **({"raw": self.raw} if self.raw else {})}


class Refused(Exception):
    """A query the sandbox refuses or that failed: carries the public error code and a plain message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


STATEMENT_WORDS = {
    "CREATE": "CREATE (making tables, views, macros or types)", "DROP": "DROP", "INSERT": "INSERT",
    "UPDATE": "UPDATE", "DELETE": "DELETE", "ALTER": "ALTER", "COPY": "COPY (writing or reading files)",
    "ATTACH": "ATTACH (opening other databases)", "DETACH": "DETACH", "LOAD": "INSTALL/LOAD (extensions)",
    "SET": "SET/RESET/USE (changing settings)", "PRAGMA": "PRAGMA", "CALL": "CALL", "EXPLAIN": "EXPLAIN",
    "EXPORT": "EXPORT DATABASE", "MULTI": "a statement that runs several steps (PIVOT without an IN list?)",
}

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
        return "timeout", TIMEOUT_MESSAGE
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

