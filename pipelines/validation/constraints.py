"""Field constraints: their descriptor check, their SQL for the exact and fast passes, and Python's answer.

Why one module: ``required``, ``minimum``/``maximum``, ``minLength``/``maxLength``, ``enum`` and ``pattern``
mean the same for every type; only the order a type evaluates them in is the type's own
(``FieldType.constraints``). Patterns are matched by ``pipelines/patterns.py`` (RE2 with Python's meaning).
"""

from __future__ import annotations

import re
from typing import Any

from catalog.sqltext import sql_string
from catalog.text import nfc
from pipelines import patterns
from pipelines.validation.fields import canonical_text, duckdb_type, field_type, make_reader
from pipelines.validation.fields.base import fail

BOUND_OPS = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}


# ------------------------------------------------------------------------------------- descriptor check


def check_constraints(field: dict, where: str) -> None:
    """Refuse constraints the field's type lacks or values of the wrong kind; NFC the text ones."""
    ftype = field["type"]
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        fail(f"{where}.constraints", "must be a JSON object")
    reader = make_reader(field)
    for name, value in constraints.items():
        cwhere = f"{where}.constraints.{name}"
        if name != "unique" and name not in field_type(ftype).constraints:
            fail(cwhere, f"not supported by type {ftype!r}")
        if name in ("required", "unique") and not isinstance(value, bool):
            fail(cwhere, f"{value!r} is not true or false")
        if name in ("minLength", "maxLength") and (not isinstance(value, int) or isinstance(value, bool)):
            fail(cwhere, f"{value!r} is not an integer")
        if name == "pattern":
            constraints[name] = _checked_pattern(value, cwhere)
        if name == "enum":
            if not isinstance(value, list) or not value:
                fail(cwhere, "must be a non-empty list")
            constraints[name] = [nfc(v) if isinstance(v, str) else v for v in value]
        if name in BOUND_OPS and (value is None or reader(value) is None):
            fail(cwhere, f"{value!r} is not a valid {ftype} value for this field")


def _checked_pattern(value: Any, where: str) -> str:
    if not isinstance(value, str):
        fail(where, f"{value!r} is not a regular expression string")
    try:
        patterns.check_pattern(value)
    except re.error as exc:
        fail(where, f"{value!r} is not a valid regular expression ({exc})")
    except patterns.UnsupportedPattern as exc:
        fail(where, f"{value!r} {exc}")
    return nfc(value)


# ------------------------------------------------------------------------------------------------ SQL


def literal_sql(plan, value: Any) -> str:
    """A typed SQL literal for a constraint value read by the field's reader."""
    return f"{sql_string(canonical_text(plan.field, value))}::{duckdb_type(plan.field)}"


def pattern_plan(pattern: str) -> tuple[str | None, bool]:
    """(RE2 pattern for DuckDB matching exactly what Python's ``re.match('^{p}$')`` matches, False): the
    pattern as ``pipelines/patterns.py`` writes it, Python's meaning in RE2 syntax, so SQL decides every cell."""
    return patterns.re2_text(pattern), False


def fast_pattern_sql(pattern: str, v: str) -> str | None:
    """SQL true when ``v`` breaks the pattern."""
    re2, _sensitive = pattern_plan(pattern)
    return f"NOT regexp_matches({v}, {sql_string(re2)})"


def _checked(plan) -> list[tuple[str, Any]]:
    """(name, value) of the plan's constraints other than ``required``, in the type's order."""
    return [(name, plan.constraints[name]) for name in field_type(plan.type).constraints
            if name != "required" and name in plan.constraints]


def _bound_sql(plan, name: str, value: Any, v: str, reader) -> str:
    if name in ("minLength", "maxLength"):
        return f"length({v}) {'<' if name == 'minLength' else '>'} {int(value)}"
    if name == "pattern":
        return f"NOT p{plan.j}"
    if name == "enum":
        lits = [literal_sql(plan, item) for item in (reader(item) for item in value) if item is not None]
        return f"NOT coalesce({v} IN ({', '.join(lits)}), false)" if lits else "true"
    cond = f"{v} {BOUND_OPS[name]} {literal_sql(plan, reader(value))}"
    return f"(isnan({v}) OR {cond})" if plan.type == "number" else cond


def constraint_sql(plan, v: str) -> list[tuple[str, str, str]]:
    """(constraint name, SQL that is true when the value breaks it, note) for non-missing, valid cells."""
    out = []
    reader = make_reader(plan.field)
    in_python = field_type(plan.type).decided_in_python(plan.field)
    for name, value in _checked(plan):
        note = f'constraint "{name}" is "{value}"'
        if in_python:  # the reference reader listed the broken constraints in x{j}
            out.append((name, f"list_contains(x{plan.j}, {sql_string(name)})", note))
        else:
            out.append((name, _bound_sql(plan, name, value, v, reader), note))
    return out


def required_note(plan) -> str:
    return f'constraint "required" is "{plan.constraints.get("required")}"'


# --------------------------------------------------------------------------------------------- Python


def value_length(value: Any) -> int | None:
    try:
        return len(value)
    except TypeError:
        return None


def _holds(name: str, limit: Any, value: Any, reader) -> bool:
    if name == "minLength":
        return value_length(value) is None or value_length(value) >= limit
    if name == "maxLength":
        return value_length(value) is None or value_length(value) <= limit
    if name == "pattern":
        return patterns.matches(limit, value)
    if name == "enum":
        return value in [reader(item) for item in limit]
    bound = reader(limit)
    return {"minimum": value >= bound, "maximum": value <= bound,
            "exclusiveMinimum": value > bound, "exclusiveMaximum": value < bound}[name]


def python_constraints(plan, value: Any, reader) -> list[str]:
    """Constraint names a Python-decided value breaks (rare types: yearmonth, object, geopoint ...)."""
    fails = []
    for name, limit in _checked(plan):
        try:
            ok = _holds(name, limit, value, reader)
        except TypeError:
            ok = False
        if not ok:
            fails.append(name)
    return fails
