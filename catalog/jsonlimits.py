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


def too_deep(what: str) -> InvalidInput:
    return InvalidInput(f"{what} nests arrays or objects more than {MAX_JSON_DEPTH} levels deep",
                        hint="flatten the structure")


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in children)
    return deepest


def check_depth(value: Any, what: str = "the JSON") -> None:
    if depth(value) > MAX_JSON_DEPTH:
        raise too_deep(what)
