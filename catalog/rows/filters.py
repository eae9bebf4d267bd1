"""Typed row filters: one condition (column, operator, value) with its value already in the column's type.

Why a module of its own: the explorer, the REST API, the downloads of a view and the CKAN datastore all filter
rows, and each reads its conditions from a different syntax (query-string parameters, JSON). They all build these
objects, so a filter means the same thing everywhere; how a filter becomes SQL is ``catalog/rows/sql.py``. This
module knows Table Schema types and how a value is written for each of them, never the web's parameter names.

Text comparisons (``eq``, ``ne``, ``in``, ``contains``, ``starts``) ignore accents and case by default, as site
search does: "dong da" finds "Đống Đa". The value is folded here (``catalog.text.fold``) and the column in SQL
(``catalog.sqltext.fold_sql``); ``exact=True`` keeps accents and case. Numbers accept a decimal comma
(``50,5``) as well as a decimal point; see ``_parse_number``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from catalog.errors import InvalidInput
from catalog.i18n import N_, format_number
from catalog.i18n import gettext as _
from catalog.text import fold, nfc

OPS = ("eq", "ne", "lt", "le", "gt", "ge", "contains", "starts", "in", "blank", "notblank")
# Operators that compare text and so fold accents and case on text columns (unless the filter is exact).
TEXT_OPS = frozenset({"eq", "ne", "in", "contains", "starts"})
TEXT_TYPES = frozenset({"string", "any"})
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
    exact: bool = False  # text compared as written (accents and case) rather than folded


def schema_fields(schema: dict) -> dict[str, dict]:
    """The schema's fields by name, in order."""
    return {f["name"]: f for f in (schema or {}).get("fields", [])}


def unknown_column(name: str, fields: Mapping[str, dict], where: str) -> InvalidInput:
    """The error for a column the schema does not have, listing the ones it has."""
    shown = ", ".join(list(fields)[:40])
    return InvalidInput(_("không có cột {name!r} trong {where}", name=name, where=where),
                        hint=_("các cột là: {shown}", shown=shown))


# -- values by Table Schema type ------------------------------------------------------------------------------
def _parse_bool(raw: str, field: dict) -> bool:
    text = raw.strip().lower()
    if raw.strip() in field.get("trueValues", ()) or text in TRUE_WORDS:
        return True
    if raw.strip() in field.get("falseValues", ()) or text in FALSE_WORDS:
        return False
    raise ValueError(_("cần giá trị đúng hoặc sai: 1/0, true/false, có/không"))


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
    raise ValueError(_("cần một ngày như 2024-01-31 (hoặc 31/01/2024)"))


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
        raise ValueError(_("cần ngày và giờ như 2024-01-31T08:00:00 hoặc 2024-01-31")) from None


def _parse_time(raw: str, field: dict) -> time:
    try:
        return time.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(_("cần một giờ như 08:30 hoặc 08:30:00")) from None


def _parse_int(raw: str, field: dict) -> int:
    text = raw.strip()
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", text):  # 1.234.567: Vietnamese thousands
        text = text.replace(".", "")
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(_("cần một số nguyên như 42 (hoặc 1.234), không có phần thập phân"))
    return int(text)


def number_text(raw: str) -> str:
    """A number as people write it in Vietnam or elsewhere, in Python's spelling.

    The rule: when both ``.`` and ``,`` appear, the last one is the decimal mark and the other groups thousands
    (``1.234,5`` and ``1,234.5`` are 1234.5); a single comma alone is a decimal comma (``50,5`` is 50.5; the
    Vietnamese reading of ``1,234`` is 1.234); several of the same mark group thousands (``1.234.567``).
    Spaces inside are dropped. The result is checked by the caller.
    """
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        decimal, group = (",", ".") if text.rfind(",") > text.rfind(".") else (".", ",")
        return text.replace(group, "").replace(decimal, ".")
    for mark in (",", "."):
        if text.count(mark) > 1:
            return text.replace(mark, "") if re.fullmatch(rf"[+-]?\d{{1,3}}(\{mark}\d{{3}})+", text) else text
    return text.replace(",", ".")


def _parse_number(raw: str, field: dict) -> float:
    text = number_text(raw)
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise ValueError(_("cần một số như 50,5 (dấu phẩy thập phân) hoặc 50.5"))
    return float(text)


def _parse_yearmonth(raw: str, field: dict) -> str:
    text = raw.strip()
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        raise ValueError(_("cần năm và tháng như 2024-01"))
    return text


# Table Schema types as people say them, in error messages.
TYPE_NAMES = {
    "integer": N_("kiểu số nguyên"), "year": N_("kiểu năm"), "number": N_("kiểu số"),
    "boolean": N_("kiểu đúng/sai"), "date": N_("kiểu ngày"), "datetime": N_("kiểu ngày giờ"), "time": N_("kiểu giờ"),
    "yearmonth": N_("kiểu năm-tháng"),
}
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
        raise InvalidInput(_("{where}: {raw!r} không phải giá trị {kind} hợp lệ cho cột {column!r}", where=where,
                             raw=raw, kind=_(TYPE_NAMES.get(kind, kind)), column=field["name"]),
                           hint=str(exc)) from None


# -- building filters -----------------------------------------------------------------------------------------
def typed_filter(schema: dict, column: str, op: str, raw: str | Sequence[str] | None = None, *,
                 where: str = "", exact: bool = False) -> Filter:
    """A filter from text values: the column checked against the schema, the value coerced to its type.

    ``raw`` is one text for a comparison or ``contains``, a list of texts for ``in`` and nothing for ``blank``
    and ``notblank``. ``where`` names the condition in error messages (the caller knows how it was written).
    On a text column, a text comparison is folded (accents and case ignored) unless ``exact``.
    """
    fields = schema_fields(schema)
    where = where or _("một bộ lọc")
    if op not in OPS:
        raise InvalidInput(_("không có phép lọc {op!r}", op=op), hint=_("dùng một trong: {ops}", ops=", ".join(OPS)))
    if column not in fields:
        raise unknown_column(column, fields, where)
    if op in VALUELESS_OPS:
        return Filter(column, op)
    field = fields[column]
    if op in ("contains", "starts"):
        text = nfc(str(raw))
        return Filter(column, op, text if exact else fold(text), exact=exact)
    folds = is_folded(op, field, exact)
    if op == "in":
        items = [raw] if isinstance(raw, str) else list(raw or ())
        if len(items) > MAX_IN_VALUES:
            raise InvalidInput(_("{where} liệt kê {count} giá trị", where=where, count=format_number(len(items))),
                               hint=_("tối đa {limit}", limit=format_number(MAX_IN_VALUES)))
        values = [coerce(field, str(item), where) for item in items]
        return Filter(column, op, [fold(v) for v in values] if folds else values, exact=exact)
    value = coerce(field, str(raw), where)
    return Filter(column, op, fold(value) if folds else value, exact=exact)


def is_folded(op: str, field: dict, exact: bool) -> bool:
    """Does this condition compare folded text (accents and case ignored)? ``contains`` and ``starts`` always
    compare text; ``=``, ``≠`` and ``in`` do on text columns; ``exact`` turns folding off."""
    if exact or op not in TEXT_OPS:
        return False
    return op in ("contains", "starts") or field.get("type", "string") in TEXT_TYPES
