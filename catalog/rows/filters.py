"""Typed row filters: one condition (column, operator, value) with its value already in the column's type.

Why a module of its own: the explorer, the REST API, the downloads of a view and the CKAN datastore all filter
rows, and each reads its conditions from a different syntax (query-string parameters, JSON). They all build these
objects, so a filter means the same thing everywhere; how a filter becomes SQL is ``catalog/rows/sql.py``. This
module knows Table Schema types and how a value is written for each of them, never the web's parameter names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from catalog.errors import InvalidInput
from catalog.text import nfc

OPS = ("eq", "ne", "lt", "le", "gt", "ge", "contains", "in", "blank", "notblank")
VALUELESS_OPS = frozenset({"blank", "notblank"})
MAX_IN_VALUES = 1000
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "on", "có", "co", "đúng", "dung"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f", "off", "không", "khong", "sai"})


@dataclass(frozen=True)
class Filter:
    """One condition on one column; ``value`` is already coerced to the column's type (a list for ``in``)."""

    column: str
    op: str
    value: Any = None


def schema_fields(schema: dict) -> dict[str, dict]:
    """The schema's fields by name, in order."""
    return {f["name"]: f for f in (schema or {}).get("fields", [])}


def unknown_column(name: str, fields: Mapping[str, dict], where: str) -> InvalidInput:
    """The error for a column the schema does not have, listing the ones it has."""
    shown = ", ".join(list(fields)[:40])
    return InvalidInput(f"unknown column {name!r} in {where}", hint=f"the columns are: {shown}")


# -- values by Table Schema type ------------------------------------------------------------------------------
def _parse_bool(raw: str, field: dict) -> bool:
    text = raw.strip().lower()
    if raw.strip() in field.get("trueValues", ()) or text in TRUE_WORDS:
        return True
    if raw.strip() in field.get("falseValues", ()) or text in FALSE_WORDS:
        return False
    raise ValueError("expected true or false")


def _parse_date(raw: str, field: dict) -> date:
    text = raw.strip()
    fmt = field.get("format")
    formats = ["%Y-%m-%d", "%d/%m/%Y"]
    if fmt and fmt not in ("default", "any") and "%" in fmt:
        formats.insert(0, fmt)
    for candidate in formats:
        try:
            return datetime.strptime(text, candidate).date()
        except ValueError:
            continue
    raise ValueError("expected a date such as 2024-01-31 (or 31/01/2024)")


def _parse_datetime(raw: str, field: dict) -> datetime:
    text = raw.strip()
    fmt = field.get("format")
    if fmt and fmt not in ("default", "any") and "%" in fmt:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.combine(_parse_date(text, {}), time())
    except ValueError:
        raise ValueError("expected a date and time such as 2024-01-31T08:00:00 or 2024-01-31") from None


def _parse_time(raw: str, field: dict) -> time:
    try:
        return time.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError("expected a time such as 08:30 or 08:30:00") from None


def _parse_int(raw: str, field: dict) -> int:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("expected a whole number such as 42")
    return int(text)


def _parse_number(raw: str, field: dict) -> float:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise ValueError("expected a number with '.' as the decimal point, such as 50.5")
    return float(text)


def _parse_yearmonth(raw: str, field: dict) -> str:
    text = raw.strip()
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        raise ValueError("expected a year and month such as 2024-01")
    return text


PARSERS = {
    "integer": _parse_int, "year": _parse_int, "number": _parse_number, "boolean": _parse_bool,
    "date": _parse_date, "datetime": _parse_datetime, "time": _parse_time, "yearmonth": _parse_yearmonth,
}


def coerce(field: dict, raw: str, where: str) -> Any:
    """``raw`` as a value of the column's Table Schema type; a clear ``InvalidInput`` when it is not one."""
    kind = field.get("type", "string")
    parser = PARSERS.get(kind)
    if parser is None:
        return nfc(raw)
    try:
        return parser(raw, field)
    except ValueError as exc:
        raise InvalidInput(f"{where}: {raw!r} is not a valid {kind} for column {field['name']!r}",
                           hint=str(exc)) from None


# -- building filters -----------------------------------------------------------------------------------------
def typed_filter(schema: dict, column: str, op: str, raw: str | Sequence[str] | None = None, *,
                 where: str = "filter") -> Filter:
    """A filter from text values: the column checked against the schema, the value coerced to its type.

    ``raw`` is one text for a comparison or ``contains``, a list of texts for ``in`` and nothing for ``blank``
    and ``notblank``. ``where`` names the condition in error messages (the caller knows how it was written).
    """
    fields = schema_fields(schema)
    if op not in OPS:
        raise InvalidInput(f"unknown filter operator {op!r}", hint="use one of: " + ", ".join(OPS))
    if column not in fields:
        raise unknown_column(column, fields, where)
    if op in VALUELESS_OPS:
        return Filter(column, op)
    if op == "contains":
        return Filter(column, op, nfc(str(raw)))
    if op == "in":
        items = [raw] if isinstance(raw, str) else list(raw or ())
        if len(items) > MAX_IN_VALUES:
            raise InvalidInput(f"{where} lists {len(items)} values", hint=f"at most {MAX_IN_VALUES}")
        return Filter(column, op, [coerce(fields[column], str(item), where) for item in items])
    return Filter(column, op, coerce(fields[column], str(raw), where))
