"""JSON from outside (request bodies, JSON-valued parameters) parsed with a bounded nesting depth.

Python's ``json`` recurses once per nesting level: a body of 100,000 ``[`` raises ``RecursionError`` (a 500
where it escapes), and a body just under the interpreter's limit parses but breaks whatever walks it next
(validation, serialisation). No real request nests deeper than a handful of levels, so every JSON that comes
from a client goes through ``loads`` here: too deep, or not JSON at all, is an ``InvalidInput`` that says so.
The depth is checked after parsing with an explicit stack, so the check is linear and cannot overflow itself.
"""

from __future__ import annotations

import json
from typing import Any

from catalog.errors import InvalidInput
from catalog.i18n import gettext as _

MAX_JSON_DEPTH = 64  # arrays and objects inside one another; CKAN and Table Schema bodies use fewer than 8


def loads(text: str | bytes, what: str = "the JSON") -> Any:
    """Parse ``text``; ``InvalidInput`` naming ``what`` if it is not JSON or nests too deeply."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep(what) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(_("{what} không phải JSON hợp lệ: {error} ở dòng {line}, cột {column}", what=what,
                             error=exc.msg, line=exc.lineno, column=exc.colno)) from None
    except ValueError as exc:  # bytes that are not UTF-8, integers of more than 4300 digits
        raise InvalidInput(_("{what} không phải JSON hợp lệ: {error}", what=what, error=exc)) from None
    check_depth(value, what)
    return value


def loads_object(text: str | bytes, what: str = "the JSON") -> dict:
    """``loads`` for a value that must be a JSON object (a schema, a dialect, a checklist descriptor)."""
    value = loads(text, what)
    if not isinstance(value, dict):
        raise InvalidInput(_("{what} phải là một đối tượng JSON ({{…}})", what=what))
    return value


def is_text(value: str) -> bool:
    """Is ``value`` Unicode text that can be stored and sent (no lone surrogates, which JSON's ``\\ud800`` can
    smuggle in and no encoder accepts)?"""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def too_deep(what: str) -> InvalidInput:
    return InvalidInput(_("{what} lồng mảng hoặc đối tượng sâu hơn {limit} cấp", what=what, limit=MAX_JSON_DEPTH),
                        hint=_("hãy làm phẳng cấu trúc"))


def check_depth(value: Any, what: str = "the JSON") -> None:
    """Refuse a parsed JSON value nested too deeply or holding strings that are not text; without recursion."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            if not is_text(item):
                raise InvalidInput(_("{what} chứa một chuỗi không phải Unicode hợp lệ (một surrogate đứng riêng như "
                                     "\\ud800)", what=what), hint=_("gửi văn bản mã hoá UTF-8"))
            continue
        children = [*item, *item.values()] if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            if level > MAX_JSON_DEPTH:
                raise too_deep(what)
            stack.extend((child, level + 1) for child in children)
