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

MAX_JSON_DEPTH = 64  # arrays and objects inside one another; CKAN and Table Schema bodies use fewer than 8


def loads(text: str | bytes, what: str = "the JSON") -> Any:
    """Parse ``text``; ``InvalidInput`` naming ``what`` if it is not JSON or nests too deeply."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep(what) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except ValueError as exc:  # bytes that are not UTF-8, integers of more than 4300 digits
        raise InvalidInput(f"{what} is not valid JSON: {exc}") from None
    check_depth(value, what)
    return value


def loads_object(text: str | bytes, what: str = "the JSON") -> dict:
    """``loads`` for a value that must be a JSON object (a schema, a dialect, a checklist descriptor)."""
    value = loads(text, what)
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} must be a JSON object")
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
    return InvalidInput(f"{what} nests arrays or objects more than {MAX_JSON_DEPTH} levels deep",
                        hint="flatten the structure")


def check_depth(value: Any, what: str = "the JSON") -> None:
    """Refuse a parsed JSON value nested too deeply or holding strings that are not text; without recursion."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            if not is_text(item):
                raise InvalidInput(f"{what} holds a string that is not valid Unicode (a lone surrogate such as "
                                   "\\ud800)", hint="send text encoded as UTF-8")
            continue
        children = [*item, *item.values()] if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            if level > MAX_JSON_DEPTH:
                raise too_deep(what)
            stack.extend((child, level + 1) for child in children)
