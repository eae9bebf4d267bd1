"""What ``date``, ``datetime`` and ``time`` share: strptime patterns as RE2 regexes and their SQL.

Why one module for three types: the three read the same strptime patterns (``%d/%m/%Y %H:%M``); SQL decides a
cell by translating the pattern into an RE2 regex with one capture per directive, then building the value
from the captures with Python strptime's defaults. Cells the regex cannot judge (non-ASCII text, directives
we leave to Python, ``format: any``) are left to the reference reader. The three formats (``default``, ``any``,
a pattern) are read the same way by all three types (``TemporalType``, ``IsoTemporalType``); each type's module
keeps only its own value (``date()``, ``timetz()``), its native cells and its DuckDB type.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from catalog.sqltext import sql_string
from pipelines.validation.fields.base import BAD, ODD, OrderedType, Reader, fail, ok_if, state_sql

SIMPLE_DIRECTIVES = set("YmdHMS")
# Python's _strptime regexes (C locale), with ASCII digits: SQL only uses them on ASCII cells.
_DIRECTIVES = {
    "d": r"3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9]",
    "m": r"1[0-2]|0[1-9]|[1-9]",
    "Y": r"[0-9][0-9][0-9][0-9]",
    "y": r"[0-9][0-9]",
    "H": r"2[0-3]|[01][0-9]|[0-9]",
    "I": r"1[0-2]|0[1-9]|[1-9]",
    "M": r"[0-5][0-9]|[0-9]",
    "S": r"6[01]|[0-5][0-9]|[0-9]",
    "f": r"[0-9]{1,6}",
    "p": r"am|pm",
    "z": r"[+-][0-9][0-9]:?[0-5][0-9](?::?[0-5][0-9](?:\.[0-9]{1,6})?)?|(?-i:Z)",
    "b": r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec",
    "B": r"september|february|november|december|january|october|august|march|april|june|july|may",
}
_PY_SPACE = r"[ \t\n\r\f\v\x1c\x1d\x1e\x1f]+"
_MONTHS = "['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec']"
_WIDTHS = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}


def check_strptime_format(field: dict, where: str) -> None:
    """A date/time/datetime format is default, any, or a strptime pattern Python accepts."""
    fmt = field["format"]
    if fmt in ("default", "any"):
        return
    if "%" not in fmt:
        fail(f"{where}.format", f"{fmt!r} is not a strptime pattern (for example %d/%m/%Y)")
    try:
        dt.datetime.strptime("", fmt)
    except re.error as exc:
        fail(f"{where}.format", f"{fmt!r} is not a valid strptime pattern ({exc})")
    except ValueError as exc:
        if "bad directive" in str(exc) or "stray %" in str(exc):
            fail(f"{where}.format", f"{fmt!r} is not a valid strptime pattern ({exc})")


def strptime_regex(fmt: str) -> tuple[str, list[str]] | None:
    """An RE2 regex matching what ``datetime.strptime(text, fmt)`` accepts on ASCII text, with one
    capture group per directive (names returned in order); None if the pattern uses a directive we
    leave to Python. Match it with leftmost-first semantics from the start and require it to cover the
    whole text (Python's ``match`` + "unconverted data remains")."""
    out, groups, i = [], [], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            if i + 1 >= len(fmt):
                return None
            directive = fmt[i + 1]
            i += 2
            if directive == "%":
                out.append("%")
                continue
            if directive not in _DIRECTIVES or directive in groups:
                return None
            groups.append(directive)
            out.append(f"({_DIRECTIVES[directive]})")
            continue
        if ch.isspace():
            while i < len(fmt) and fmt[i].isspace():
                i += 1
            out.append(_PY_SPACE)
            continue
        if ord(ch) > 127:
            return None
        out.append(re.escape(ch))
        i += 1
    return "^(?i)(?:" + "".join(out) + ")", groups


def _parts_sql(c: str, regex: str, groups: list[str]) -> tuple[str, dict[str, str]]:
    """SQL for 'the regex covers the whole text' and for each directive's captured text."""
    whole = f"(length(regexp_extract({c}, {sql_string(regex)}, 0)) = length({c}))"
    parts = {g: f"regexp_extract({c}, {sql_string(regex)}, {i + 1})" for i, g in enumerate(groups)}
    return whole, parts


def _hour_sql(parts: dict[str, str], num) -> str:
    if "H" in parts:
        return num("H", "0")
    if "I" in parts:
        i = num("I", "0")
        p = f"lower({parts['p']})" if "p" in parts else "''"
        return f"(CASE WHEN {p} = 'pm' THEN (CASE WHEN {i} = 12 THEN 12 ELSE {i} + 12 END) " \
               f"ELSE (CASE WHEN {i} = 12 THEN 0 ELSE {i} END) END)"
    return "0"


def _datetime_parts(parts: dict[str, str]) -> dict[str, str]:
    """Integer SQL for year..microsecond (Python strptime's defaults for absent directives)."""
    def num(g: str, default: str) -> str:
        return f"TRY_CAST(trim({parts[g]}) AS INTEGER)" if g in parts else default

    if "Y" in parts:
        year = num("Y", "1900")
    elif "y" in parts:
        year = f"(CASE WHEN {num('y', '0')} <= 68 THEN 2000 ELSE 1900 END + {num('y', '0')})"
    else:
        year = "1900"
    if "m" in parts:
        month = num("m", "1")
    elif "b" in parts or "B" in parts:
        month = f"list_position({_MONTHS}, lower(substr({parts.get('b') or parts['B']}, 1, 3)))"
    else:
        month = "1"
    micro = f"TRY_CAST(rpad({parts['f']}, 6, '0') AS INTEGER)" if "f" in parts else "0"
    return {"year": year, "month": month, "day": num("d", "1"), "hour": _hour_sql(parts, num),
            "minute": num("M", "0"), "second": num("S", "0"), "micro": micro}


def _valid_date(p: dict[str, str]) -> str:
    return (f"({p['year']} BETWEEN 1 AND 9999 AND {p['month']} BETWEEN 1 AND 12 AND {p['day']} >= 1 AND "
            f"{p['day']} <= day(last_day(make_date({p['year']}, {p['month']}, 1))))")


def _offset_sql(z: str) -> str:
    """Seconds east of UTC from a %z capture (+07:00, +0700, Z)."""
    digits = f"replace(replace({z}, ':', ''), '.', '')"
    sign = f"(CASE WHEN starts_with({z}, '-') THEN -1 ELSE 1 END)"
    return (f"(CASE WHEN {z} = 'Z' THEN 0 ELSE {sign} * (TRY_CAST(substr({digits}, 2, 2) AS INTEGER) * 3600 + "
            f"TRY_CAST(substr({digits}, 4, 2) AS INTEGER) * 60 + coalesce(TRY_CAST(substr({digits}, 6, 2) AS INTEGER), 0)) END)")


def canonical_glob(fmt: str) -> str | None:
    """A GLOB matching the zero-padded fixed-width text of a Y/m/d/H/M/S strptime pattern."""
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%":
            directive = fmt[i + 1: i + 2]
            if directive not in _WIDTHS:
                return None
            out.append("[0-9]" * _WIDTHS[directive])
            i += 2
            continue
        if fmt[i] in "*?[]\\" or fmt[i].isspace() or ord(fmt[i]) > 127:
            return None
        out.append(fmt[i])
        i += 1
    return "".join(out)


def _slow_sql(ftype: str, p: dict[str, str], parts: dict[str, str], valid: str) -> tuple[str, str]:
    """The value built from the captures, and the validity condition (a %z offset must be readable)."""
    seconds = f"({p['second']} + {p['micro']} / 1000000.0)"
    if ftype == "date":
        return f"make_date({p['year']}, {p['month']}, {p['day']})", valid
    if ftype == "time":
        return f"make_time({p['hour']}, {p['minute']}, {seconds})", valid
    slow = f"make_timestamp({p['year']}, {p['month']}, {p['day']}, {p['hour']}, {p['minute']}, {seconds})"
    if "z" in parts:
        offset = _offset_sql(parts["z"])
        slow = f"timezone('UTC', {slow} - to_seconds({offset}))"
        valid = f"({valid} AND {offset} IS NOT NULL)"
    return slow, valid


def temporal_text_sql(plan, c: str, target: str) -> tuple[str, str]:
    """(value, state) SQL of a date/time/datetime text cell read with a strptime pattern."""
    ftype, fmt = plan.type, plan.field.get("format", "default")
    if fmt == "any":
        return "NULL", str(ODD)
    pattern = "%Y-%m-%d" if fmt == "default" else fmt
    translated = strptime_regex(pattern)
    if translated is None:
        return "NULL", str(ODD)
    regex, groups = translated
    whole, parts = _parts_sql(c, regex, groups)
    p = _datetime_parts(parts)
    slow, valid = _slow_sql(ftype, p, parts, f"({whole} AND {_valid_date(p)} AND {p['second']} <= 59)")
    fast_ok, fast = "false", "NULL"
    glob = canonical_glob(pattern) if set(groups) <= SIMPLE_DIRECTIVES else None
    if glob is not None:  # zero-padded text: DuckDB's strptime reads it exactly as Python's does
        parsed = f"try_strptime({c}, {sql_string(pattern)})"
        fast_ok = f"({c} GLOB {sql_string(glob)} AND {parsed} >= '0001-01-01'::DATE)"
        fast = f"{parsed}::{ 'DATE' if ftype == 'date' else 'TIME' if ftype == 'time' else 'TIMESTAMP'}"
    value = f"CASE WHEN {fast_ok} THEN {fast} WHEN {valid} THEN {slow} END::{target}"
    return value, state_sql(f"coalesce({valid}, false)", f"NOT (strlen({c}) = length({c}))", fast_ok=fast_ok)


def iso_text_sql(c: str, target: str, guard: str, shape: str, groups: tuple[int, int, int, int],
                 value: str) -> tuple[str, str]:
    """frictionless's default datetime/time: a shape guard, then dateutil's isoparse."""
    h, m, s, tz = groups

    def grp(i: int) -> str:
        return f"TRY_CAST(regexp_extract({c}, {shape}, {i}) AS INTEGER)"

    offset_ok = (f"(regexp_extract({c}, {shape}, {tz}) IN ('', 'Z') OR "
                 f"(TRY_CAST(substr(regexp_extract({c}, {shape}, {tz}), 2, 2) AS INTEGER) <= 23 AND "
                 f"TRY_CAST(substr(regexp_extract({c}, {shape}, {tz}), 5, 2) AS INTEGER) <= 59))")
    matched = f"regexp_matches({c}, {shape})"
    fits = f"({grp(h)} <= 23 AND {grp(m)} <= 59 AND {grp(s)} <= 59 AND {offset_ok})"
    state = (f"CASE WHEN {guard} THEN {BAD} WHEN {matched} AND {fits} THEN "
             f"({ok_if(f'{value} IS NOT NULL')}) ELSE {ODD} END")
    return f"{value}::{target}", state


def fast_strptime_sql(plan, c: str, pattern: str) -> tuple[str, str] | None:
    """The fast pass's cast of zero-padded text with DuckDB's strptime (None for other patterns)."""
    glob = canonical_glob(pattern)
    if glob is None:
        return None
    target = {"date": "DATE", "time": "TIME"}.get(plan.type, "TIMESTAMP")
    value = f"try_strptime({c}, {sql_string(pattern)})"
    if plan.type == "time":
        return f"{value}::TIME", f"({c} GLOB {sql_string(glob)} AND __p IS NOT NULL)"
    return f"{value}::{target}", f"({c} GLOB {sql_string(glob)} AND __p >= '0001-01-01'::DATE)"


class TemporalType(OrderedType):
    """A date/time/datetime type: ``format`` is ``default``, ``any`` (dateutil) or a strptime pattern.

    A type module names ``default_pattern`` (its ``default`` as a strptime pattern, also the fast pass's),
    ``value`` (the strptime/dateutil result as the type's value) and ``from_native`` (spreadsheet cells)."""

    default_pattern = ""

    def check_format(self, field: dict, where: str) -> None:
        check_strptime_format(field, where)

    def from_native(self, cell: Any) -> Any:
        """The value of a native (non-text) cell, or None if the type refuses it."""
        return None

    def value(self, parsed: dt.datetime) -> Any:
        return parsed

    def parse_default(self, cell: str) -> Any:
        return self.value(dt.datetime.strptime(cell, self.default_pattern))

    def parse(self, cell: str, fmt: str) -> Any:
        if fmt == "default":
            return self.parse_default(cell)
        if fmt == "any":
            from dateutil import parser

            return self.value(parser.parse(cell))
        return self.value(dt.datetime.strptime(cell, fmt))

    def reader(self, field: dict) -> Reader:
        fmt = field.get("format", "default")

        def read(cell: Any) -> Any:
            if not isinstance(cell, str):
                return self.from_native(cell)
            try:
                return self.parse(cell, fmt)
            except Exception:
                return None

        return read

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        return temporal_text_sql(plan, c, self.duckdb_type(plan.field))

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        fmt = plan.field.get("format", "default")
        if fmt == "any":
            return None
        return fast_strptime_sql(plan, c, self.default_pattern if fmt == "default" else fmt)


class IsoTemporalType(TemporalType):
    """``time`` and ``datetime``, whose ``default`` is ISO 8601 as frictionless reads it: a length and colon
    guard (the same in Python and SQL), then dateutil's isoparse of ``iso_prefix`` + the cell."""

    iso_min_length = 0
    iso_colon = 0  # index of the colon the guard requires (Python's index; SQL's substr is one more)
    iso_prefix = ""
    iso_shape = ""  # SQL regex literal of the ISO text, with groups for hour, minute, second, offset
    iso_groups = (0, 0, 0, 0)

    def parse_default(self, cell: str) -> Any:
        from dateutil import parser

        if len(cell) < self.iso_min_length or cell[self.iso_colon] != ":":
            return None
        return self.value(parser.isoparse(self.iso_prefix + cell))

    def iso_value_sql(self, c: str) -> str:
        """SQL of the value of ISO text that passed the shape check."""
        raise NotImplementedError

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        if plan.field.get("format", "default") != "default":
            return super().exact_sql(plan, c)
        guard = f"(length({c}) < {self.iso_min_length} OR substr({c}, {self.iso_colon + 1}, 1) <> ':')"
        return iso_text_sql(c, self.duckdb_type(plan.field), guard, self.iso_shape, self.iso_groups,
                            self.iso_value_sql(c))
