"""Foreign keys that hold for a period: ``x-effective`` checks each row against the list in force at its date.

Why: Hanoi's administrative map changed on 1 July 2025 (no district level any more; 126 commune-level units).
A row dated 2024 names one of the 30 district-level units, a row dated August 2025 one of the new units, and one
schema serves both by giving each foreign key the period it applies to, read from a date field of the row::

    {"fields": "district", "reference": {"resource": "hanoi-districts", "fields": "name"},
     "x-effective": {"field": "reported_on", "before": "2025-07-01"}}
    {"fields": "district", "reference": {"resource": "hanoi-communes-2025", "fields": "name"},
     "x-effective": {"field": "reported_on", "from": "2025-07-01"}}

A row is checked against such a key when its date is on or after ``from`` and before ``before`` (either may be
left out); a row without a date is not (the date field's ``required`` decides whether that is allowed). The
referenced dataset is needed only when some row falls in the period. frictionless ignores the property; the
catalogue's engine (``keys.py`` and ``fast.py``) applies it. A ``datetime`` field counts by its Hanoi date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from catalog.i18n import _
from catalog.sqltext import sql_string
from pipelines.validation.fields.base import fail

KEY = "x-effective"
DATE_TYPES = ("date", "datetime")


def check_effective(fk: dict, where: str, fields: list[dict]) -> None:
    """Normalise ``fk["x-effective"]`` to ``{"field", "from", "before"}`` (ISO dates or None), or fail."""
    if KEY not in fk:
        return
    period, where = fk[KEY], f"{where}.{KEY}"
    if not isinstance(period, dict) or not isinstance(period.get("field"), str):
        fail(where, "must be an object with 'field' (a date field of this schema) and 'from' and/or 'before'")
    types = {f["name"]: f.get("type", "string") for f in fields}
    if types.get(period["field"]) not in DATE_TYPES:
        fail(f"{where}.field", f"{period['field']!r} is not a date or datetime field of this schema")
    bounds = {key: _iso_date(period.get(key), f"{where}.{key}") for key in ("from", "before")}
    if bounds["from"] is None and bounds["before"] is None:
        fail(where, "needs 'from' or 'before' (an ISO date such as 2025-07-01)")
    if bounds["from"] and bounds["before"] and bounds["from"] >= bounds["before"]:
        fail(where, "'from' must be earlier than 'before'")
    fk[KEY] = {"field": period["field"], **bounds}


def _iso_date(value: Any, where: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        fail(where, f"{value!r} is not an ISO date such as 2025-07-01")


def period_of(fk: dict) -> dict | None:
    return fk.get(KEY)


def in_period_sql(period: dict, column: str) -> str:
    """SQL true when the row's date (``column``) falls in the period; NULL dates are outside it."""
    day = f"CAST({column} AS DATE)"
    conds = [f"{day} IS NOT NULL"]
    if period["from"]:
        conds.append(f"{day} >= DATE {sql_string(period['from'])}")
    if period["before"]:
        conds.append(f"{day} < DATE {sql_string(period['before'])}")
    return "(" + " AND ".join(conds) + ")"


def _period_text(period: dict) -> str:
    if period["from"] and period["before"]:
        return _("danh mục áp dụng từ {start} đến trước {end}", start=period["from"], end=period["before"])
    if period["from"]:
        return _("danh mục áp dụng từ {start}", start=period["from"])
    return _("danh mục áp dụng trước {end}", end=period["before"])


def note_sql(fk: dict, values_sql: str, column: str) -> str:
    """The row's error note as SQL: the values, the reference and the row's date, in the current language."""
    period, ref = fk[KEY], fk["reference"]
    marks = {"values": "\x00values\x00", "date": "\x00date\x00"}
    text = _('cột "{fields}": "{values}" không có trong danh mục "{resource}" (cột "{ref_fields}") áp dụng cho '
             'ngày {date} ({date_field}) của dòng này; {period}. Đơn vị hành chính có thể đã thay đổi: dùng đơn '
             'vị đang có hiệu lực vào ngày đó',
             fields=", ".join(fk["fields"]), resource=ref["resource"], ref_fields=", ".join(ref["fields"]),
             date_field=period["field"], period=_period_text(period), **marks)
    sql = {marks["values"]: values_sql, marks["date"]: f"CAST(CAST({column} AS DATE) AS VARCHAR)"}
    parts = []
    for piece in text.replace(marks["date"], "\x01" + marks["date"] + "\x01") \
                     .replace(marks["values"], "\x01" + marks["values"] + "\x01").split("\x01"):
        parts.append(sql[piece] if piece in sql else sql_string(piece))
    return "(" + " || ".join(p for p in parts if p != "''") + ")"
