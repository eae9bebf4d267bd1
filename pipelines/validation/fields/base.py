"""What every Table Schema field type answers, and the SQL pieces several types share.

Why a base class: the engine asks each type the same questions (its DuckDB type, its reference reader, the
exact SQL of a text cell, the fast-pass cast, which native cells it accepts); a type module answers only
those that differ from these defaults, so each type file holds just what is particular to it.

Cell states in the exact pass: ``OK`` valid, ``BAD`` invalid, ``ODD`` undecided by SQL (read in Python once
per distinct value with the reference reader).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from catalog.errors import InvalidSchema
from catalog.sqltext import sql_string

OK, BAD, ODD = 0, 1, 2
# Characters str.strip() removes: frictionless strips number cells with it, so SQL must strip the same set.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
WS = sql_string(WHITESPACE)
NON_ASCII_DIGIT = r"'[^0-9\P{Nd}]'"
INT_RE = "'[+-]?[0-9](?:_?[0-9])*'"
BARE = re.compile(r"((^[^-\d]*)|(\D*$))")  # frictionless's bareNumber: text around the number
BOUNDS = ("required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum")
TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]

Reader = Callable[[Any], Any]


def fail(where: str, message: str) -> None:
    """Refuse a descriptor, naming the property (``fields[2].type: ...``)."""
    raise InvalidSchema(f"{where}: {message}", hint="see https://specs.frictionlessdata.io/table-schema/")


def in_list(values: list[str]) -> str:
    return ", ".join(sql_string(v) for v in values)


def number_text(cell: str, field: dict) -> str:
    """A number cell as frictionless reads it: stripped, and with ``bareNumber: false`` the text before and
    after the number dropped."""
    cell = cell.strip()
    return cell if field.get("bareNumber", True) else BARE.sub("", cell)


def number_text_sql(c: str, field: dict) -> str:
    """SQL of ``number_text``."""
    s = f"trim({c}, {WS})"
    return s if field.get("bareNumber", True) else f"regexp_replace(regexp_replace({s}, '^[^-0-9]*', ''), '[^0-9]*$', '')"


def non_ascii_digit(c: str) -> str:
    """SQL: the cell holds a digit other than 0-9 (Python's int() and float() read it; SQL leaves it to them)."""
    return f"regexp_matches({c}, {NON_ASCII_DIGIT})"


def state_sql(valid: str, odd: str, *, fast_ok: str = "", refuse: str = "", bad: str = "") -> str:
    """The state of a text cell, each test in frictionless's order: ``refuse`` BAD, ``fast_ok`` OK (the cheap
    path), ``odd`` ODD (SQL cannot judge it), ``bad`` BAD, ``valid`` OK, anything else BAD. Empty tests are left
    out."""
    tests = [(refuse, BAD), (fast_ok, OK), (odd, ODD), (bad, BAD), (valid, OK)]
    return "CASE " + "".join(f"WHEN {cond} THEN {state} " for cond, state in tests if cond) + f"ELSE {BAD} END"


def ok_if(cond: str) -> str:
    """SQL: OK where ``cond`` holds, else BAD (a NULL condition is BAD)."""
    return f"CASE WHEN {cond} THEN {OK} ELSE {BAD} END"


def numeric_state_sql(c: str, valid: str, *, fast_ok: str = "", refuse: str = "", bad: str = "") -> str:
    """``state_sql`` of a number, integer or year cell: a non-ASCII digit is left to Python's int()/float()."""
    return state_sql(valid, non_ascii_digit(c), fast_ok=fast_ok, refuse=refuse, bad=bad)


def one_of(values: tuple[str, ...]) -> str:
    """``a, b or c``: the choices of a message."""
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


class FieldType:
    """One Table Schema type. The defaults suit a type whose cells are all read in Python."""

    name = ""
    # Constraints the type accepts, in the order frictionless evaluates them (``unique`` is always allowed).
    constraints: tuple[str, ...] = ("required", "enum")
    duck = "VARCHAR"
    py_only = True  # no SQL reader: every cell is decided by the reference reader
    formats: tuple[str, ...] = ()  # the formats a type with named formats accepts (empty: any is ignored)

    def duckdb_type(self, field: dict) -> str:
        """The DuckDB (and Parquet) column type of the field."""
        return self.duck

    def decided_in_python(self, field: dict) -> bool:
        return self.py_only

    def check_format(self, field: dict, where: str) -> None:
        """Refuse a ``format`` (or other type option) this type does not have."""
        if self.formats and field["format"] not in self.formats:
            fail(f"{where}.format", f"{field['format']!r} is not a {self.name} format ({one_of(self.formats)})")

    def check_options(self, field: dict, where: str) -> None:
        """Refuse type-specific properties, checked after the common ones."""

    def reader(self, field: dict) -> Reader:
        """The reference reader: a cell (text or native value) -> typed value, or None if invalid."""
        return lambda cell: cell

    def canonical(self, field: dict, value: Any) -> str:
        """Text DuckDB casts to the column type giving ``value`` (for cells Python decided)."""
        return str(value)

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        """(typed value, state) SQL for a non-missing text cell ``c``."""
        raise AssertionError(f"{self.name} cells are decided in Python")  # pragma: no cover

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        """(kind condition, value, state) for native cells (XLSX/JSON/Parquet) the type accepts as they are."""
        return []

    def native_sql(self, plan, c: str, k: str, value: str, state: str, target: str) -> tuple[str, str]:
        """(value, state) SQL for a cell that may be native (kind ``k``); other kinds are type errors."""
        value_sql = f"CASE WHEN {k} IS NULL THEN ({value})::{target} "
        state_sql = f"CASE WHEN {k} IS NULL THEN {state} "
        for cond, v, s in self.native_branches(plan, c, k, target):
            value_sql += f"WHEN {cond} THEN ({v})::{target} "
            state_sql += f"WHEN {cond} THEN {s} "
        return value_sql + "END", state_sql + f"ELSE {BAD} END"

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        """(value, ok) SQL for the fast pass; ``ok`` may use ``__p``, the value computed once. A cell passes
        only a cheap check whose success implies frictionless reads it the same way; None if the type has
        no such check (the exact pass is used)."""
        return None

    def str_sql(self, v: str) -> str | None:
        """SQL for Python's str() of the typed value ``v`` (duplicate rows), or None to decide in Python."""
        return None


class OrderedType(FieldType):
    """A type with an order (minimum, maximum …) whose text cells SQL decides: numbers, years and times."""

    constraints = BOUNDS
    py_only = False
