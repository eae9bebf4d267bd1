"""The ``number`` type: decimals read as frictionless does, with our groupChar rule.

Why the rule: with ``groupChar "."`` frictionless deletes every dot, so ``7.5`` silently becomes 75; we accept
a group char only when it groups the integer part by threes (VALIDATION.md, decision 2). Values are stored
as DOUBLE.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.sqltext import sql_string
from pipelines import read as readers
from pipelines.validation.fields.base import (
    OK,
    WS,
    OrderedType,
    Reader,
    non_ascii_digit,
    number_text,
    number_text_sql,
    numeric_state_sql,
    ok_if,
)

_DEC = r"(?:[0-9](?:_?[0-9])*)"
DECIMAL_RE = sql_string(
    rf"[+-]?(?:{_DEC}(?:\.{_DEC}?)?|\.{_DEC})(?:[eE][+-]?{_DEC})?|[+-]?(?i:inf|infinity|s?nan[0-9]*)")
FLOAT_RE = sql_string(rf"[+-]?(?:{_DEC}(?:\.{_DEC}?)?|\.{_DEC})(?:[eE][+-]?{_DEC})?|[+-]?(?i:inf|infinity|nan)")
NAN_RE = "'(?i)^[+-]?s?nan'"
PROCESSING = ("decimalChar", "groupChar", "bareNumber")


def group_ok(text: str, group: str, decimal: str) -> bool:
    """Our groupChar rule: when the group char appears, the integer part is grouped by threes."""
    if not group or group not in text:
        return True
    head = text.split(decimal, 1)[0] if decimal else text
    head = head.lstrip("+-")
    parts = head.split(group)
    return bool(parts[0]) and len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]) and all(
        p.isdigit() for p in parts)


def _native_number(cell: Any, as_float: bool) -> Any:
    if cell is True or cell is False:
        return None
    if isinstance(cell, (int, float, Decimal)):
        return float(cell) if as_float else (Decimal(str(cell)) if isinstance(cell, float) else cell)
    return None


def _processed_text(cell: str, field: dict) -> str | None:
    """The number text (after bareNumber) after groupChar and decimalChar, or None if it breaks our rules."""
    decimal, group = field.get("decimalChar", "."), field.get("groupChar", "")
    if not group_ok(cell, group, decimal):
        return None
    if group:
        cell = cell.replace(group, "")
    if decimal != "." and "." in cell:
        return None
    return cell.replace(decimal, ".")


def _processed_sql(field: dict, s: str) -> tuple[str, list[str]]:
    """SQL for ``_processed_text``: the number text, and the conditions that make the cell invalid."""
    decimal, group = field.get("decimalChar", "."), field.get("groupChar", "")
    bad_conds = []
    if group:
        head = f"split_part({s}, {sql_string(decimal)}, 1)"
        grouped = sql_string("[+-]*[0-9]{1,3}(?:" + re.escape(group) + "[0-9]{3})+")
        bad_conds.append(f"(contains({s}, {sql_string(group)}) AND NOT regexp_full_match({head}, {grouped}))")
        s = f"replace({s}, {sql_string(group)}, '')"
    if decimal != ".":
        bad_conds.append(f"contains({s}, '.')")
        s = f"replace({s}, {sql_string(decimal)}, '.')"
    return f"trim({s}, {WS})", bad_conds


def _fast_ok_sql(field: dict, c: str, fast: str) -> str:
    decimal, processing = field.get("decimalChar", "."), any(k in field for k in PROCESSING)
    if processing and (field.get("groupChar", "") or not field.get("bareNumber", True)):
        return "false"
    if processing and decimal != ".":
        return f"(NOT contains({c}, '.') AND {fast} IS NOT NULL)"
    return f"({fast} IS NOT NULL)"


class NumberType(OrderedType):
    name = "number"
    duck = "DOUBLE"

    def reader(self, field: dict) -> Reader:
        processing = any(k in field for k in PROCESSING)
        as_float = field.get("floatNumber", False)

        def read(cell: Any) -> Any:
            if not isinstance(cell, str):
                return _native_number(cell, as_float)
            cell = number_text(cell, field)
            if processing:
                cell = _processed_text(cell, field)
                if cell is None:
                    return None
            try:
                return float(cell) if as_float else Decimal(cell)
            except (ValueError, InvalidOperation):
                return None

        return read

    def canonical(self, field: dict, value: Any) -> str:
        return repr(float(value))

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        f = plan.field
        decimal, processing = f.get("decimalChar", "."), any(k in f for k in PROCESSING)
        grammar = FLOAT_RE if f.get("floatNumber") else DECIMAL_RE
        s = number_text_sql(c, f)
        s, bad_conds = _processed_sql(f, s) if processing else (s, [])
        num = f"replace({s}, '_', '')"
        slow = f"CASE WHEN regexp_matches({s}, {NAN_RE}) THEN 'NaN'::DOUBLE ELSE TRY_CAST({num} AS DOUBLE) END"
        fast_text = c if not processing or decimal == "." else f"replace({c}, {sql_string(decimal)}, '.')"
        fast = f"TRY_CAST({fast_text} AS DOUBLE)"
        fast_ok = _fast_ok_sql(f, c, fast)
        value = f"CASE WHEN {fast_ok} THEN {fast} ELSE {slow} END"
        return value, numeric_state_sql(c, f"regexp_full_match({s}, {grammar})", fast_ok=fast_ok,
                                        bad=" OR ".join(bad_conds))

    def native_branches(self, plan, c: str, k: str, target: str) -> list[tuple[str, str, str]]:
        K = readers
        value = f"TRY_CAST({c} AS DOUBLE)"
        return [(f"{k} IN ({K.KIND_INT}, {K.KIND_FLOAT}, {K.KIND_DECIMAL})", value, ok_if(f"{value} IS NOT NULL"))]

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        value, state = self.exact_sql(plan, c)
        return value, f"(({state}) = {OK} AND NOT {non_ascii_digit(c)})"


TYPE = NumberType()
