"""What every transform step shares: its input, its error, and SQL built from a pipeline file's values.

A step turns its input table into one SELECT; the runner materialises it as the next table. Steps never loop
over rows in Python: DuckDB does the work, so a step over a million rows costs what one query costs.
Quoting is ``catalog.sqltext``'s (``ident`` is its ``quote_ident`` under the short name the steps use).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from catalog.errors import InvalidInput
from catalog.i18n import _
from catalog.sqltext import quote_ident as ident
from catalog.sqltext import sql_string
from catalog.text import nfc


class StepError(InvalidInput):
    """A step that cannot run on this input (a missing column, a value it cannot cast, ...)."""


@dataclass
class StepInput:
    """The table a step reads, with its columns (name → DuckDB type, in order) and the run's context."""

    con: duckdb.DuckDBPyConnection
    table: str
    columns: dict[str, str]
    work_dir: Path
    references: dict[str, str] = field(default_factory=dict)  # reference key → loaded table name (join)
    notes: list[str] = field(default_factory=list)  # what the step wants the run report to say
    meta: dict[str, Any] = field(default_factory=dict)  # facts for the dataset's extras (e.g. suppression)

    def require(self, names: list[str], option: str) -> None:
        missing = [n for n in names if n not in self.columns]
        if missing:
            raise StepError(
                _("tuỳ chọn {option}: không tìm thấy (các) cột {columns}", option=repr(option),
                  columns=", ".join(map(repr, missing))),
                hint=_("các cột đầu vào: {columns}", columns=", ".join(self.columns)))

    def string_columns(self) -> list[str]:
        return [n for n, t in self.columns.items() if t.upper() == "VARCHAR"]

    def scalar(self, sql: str, params: list | None = None) -> Any:
        return self.con.execute(sql, params or []).fetchone()[0]


def literal(value: Any) -> str:
    """A SQL literal for a value from a pipeline file (strings are NFC, quotes doubled)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return sql_string(nfc(str(value)))


def expression(text: str, option: str) -> str:
    """Parse a SQL expression from a pipeline file as exactly one expression; returns DuckDB's rendering of it.

    The departments' expressions are trusted config, but a stray ``)`` or ``;`` must not turn a filter into a
    second query: DuckDB's own parser decides, and what runs is its re-rendering of the one expression.
    """
    try:
        parsed = duckdb.SQLExpression(nfc(text))
    except duckdb.Error as error:
        raise StepError(_("tuỳ chọn {option} không phải một biểu thức SQL duy nhất: {error}", option=repr(option),
                          error=first_line(error)),
                        hint=_("hãy viết một biểu thức duy nhất như {example}",
                               example='"so_luot > 0 AND quan IS NOT NULL"')) from None
    return f"({parsed})"


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def select_list(columns: dict[str, str], replace: dict[str, str] | None = None, *,
                drop: set[str] | None = None) -> str:
    """``col, col, expr AS col`` in input order, with some columns replaced or dropped."""
    replace = replace or {}
    drop = drop or set()
    items = []
    for name in columns:
        if name in drop:
            continue
        items.append(f"{replace[name]} AS {ident(name)}" if name in replace else ident(name))
    return ", ".join(items)


def unique_names(raw: list[str | None]) -> list[str]:
    """Column names as a table can hold them: blanks named ``column_N``, repeats suffixed ``_2``, ``_3``."""
    names: list[str] = []
    for i, name in enumerate(raw):
        base = " ".join((name or "").split()) or f"column_{i + 1}"
        candidate, n = base, 2
        while candidate in names:
            candidate, n = f"{base}_{n}", n + 1
        names.append(candidate)
    return names
