"""Errors of the SQL sandbox and their public wording.

Why one module: a refused or failed query reaches a journalist as a code and a plain message, and the same
codes travel from the worker process (``Refused``) through the pool to the web (``QueryError``). DuckDB's own
messages may hold server paths, setting values or advice to change settings: they are reworded here only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb

from catalog.i18n import N_
from catalog.i18n import gettext as _

ERROR_CODES = ("sql_error", "forbidden", "timeout", "too_large", "busy")
# Messages are marked here and translated where they are raised (the request's language: ``catalog.i18n``).
TIMEOUT_MESSAGE = N_("Truy vấn chạy lâu hơn mức cho phép nên đã bị dừng. Hãy lọc hoặc gộp nhiều hơn, hoặc thêm LIMIT.")


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
    "CREATE": N_("CREATE (tạo bảng, view, macro hay kiểu)"), "DROP": "DROP", "INSERT": "INSERT",
    "UPDATE": "UPDATE", "DELETE": "DELETE", "ALTER": "ALTER", "COPY": N_("COPY (ghi hoặc đọc tệp)"),
    "ATTACH": N_("ATTACH (mở cơ sở dữ liệu khác)"), "DETACH": "DETACH", "LOAD": N_("INSTALL/LOAD (tiện ích mở rộng)"),
    "SET": N_("SET/RESET/USE (đổi thiết lập)"), "PRAGMA": "PRAGMA", "CALL": "CALL", "EXPLAIN": "EXPLAIN",
    "EXPORT": "EXPORT DATABASE", "MULTI": N_("một câu lệnh chạy nhiều bước (PIVOT thiếu danh sách IN?)"),
}

SETTING_HINTS = re.compile(r"\s*(Use|See|Try) [^.]*\b(SET|PRAGMA|memory_limit|max_\w+|threads)\b[^.]*\.?", re.I)
MEMORY_USE = re.compile(r"\([\d.]+ \w?i?B/[\d.]+ \w?i?B used\)")
# DuckDB messages that quote a setting's value, in plain words instead.
REWORDED = [
    (re.compile(r"Max expression depth limit of \d+ exceeded\.?"),
     N_("Truy vấn lồng nhau quá sâu (ngoặc, phép toán hay truy vấn con lồng vào nhau): hãy viết đơn giản hơn.")),
    (re.compile(r"Max (recursion|pivot|\w+) (depth )?limit of \d+[^.]*\.?", re.I),
     N_("Truy vấn vượt quá một giới hạn kích thước của bộ máy SQL: hãy viết đơn giản hơn.")),
]


def public_message(text: str, scrub: Iterable[str]) -> str:
    """DuckDB's message without server paths, setting values or advice to change settings."""
    for secret in sorted((s for s in scrub if s and len(s) > 1), key=len, reverse=True):
        text = text.replace(secret, "…")
    text = SETTING_HINTS.sub("", text)
    text = MEMORY_USE.sub("", text)
    for pattern, words in REWORDED:
        text = pattern.sub(_(words).replace("\\", "\\\\"), text)
    return text.strip()[:2000]


def classify(error: BaseException) -> tuple[str, str]:
    """A DuckDB/Python exception as (code, plain message)."""
    text = str(error)
    if isinstance(error, duckdb.InterruptException) or "INTERRUPT" in text.upper()[:40]:
        return "timeout", _(TIMEOUT_MESSAGE)
    if isinstance(error, (duckdb.OutOfMemoryException, MemoryError)) or "Out of Memory" in text:
        return "too_large", _("Truy vấn cần nhiều bộ nhớ hơn mức một truy vấn công khai được dùng. Hãy gộp, lọc "
                              "hoặc LIMIT dữ liệu, hoặc tránh tạo chuỗi và danh sách rất lớn.")
    if isinstance(error, duckdb.PermissionException) or "disabled by configuration" in text:
        return "forbidden", _("Ở đây không đọc ghi tệp, không dùng mạng và tiện ích mở rộng được: hãy truy vấn "
                              "các bảng đã công bố theo tên (xem danh sách bảng).")
    if "configuration has been locked" in text or "Loading external extensions is disabled" in text:
        return "forbidden", _("Không đổi được thiết lập và tiện ích mở rộng trong môi trường SQL công khai.")
    if isinstance(error, duckdb.Error):
        return "sql_error", text
    return "sql_error", _("Truy vấn không chạy được: {error}.", error=type(error).__name__)

