"""Typed options for pipeline files: one small spec language shared by the source, the steps and the target.

A spec says what an option must look like; ``check_options`` turns a user's mapping into problems (unknown
option with a close match, missing required option, wrong kind) that the definition loader places on a line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KINDS = {
    "str": "a text",
    "int": "a whole number",
    "bool": "true or false",
    "strs": "a list of column names (or one name)",
    "str_map": "a mapping of names to names",
    "map": "a mapping",
    "scalar_map": "a mapping of values to values",
    "schema": "a standard schema name, a path to a JSON Table Schema, or an inline schema mapping",
    "any": "a value",
}


@dataclass(frozen=True)
class Opt:
    """One option: its kind (a key of KINDS), whether it is required, its default, allowed values, help."""

    kind: str
    required: bool = False
    default: Any = None
    choices: tuple = ()
    doc: str = ""
    minimum: int | None = None


Problem = tuple[tuple, str]  # (path inside the checked mapping, message)


def is_kind(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str) and value.strip() != ""
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "strs":
        return (isinstance(value, str) and value != "") or (
            isinstance(value, list) and bool(value) and all(isinstance(v, str) and v != "" for v in value))
    if kind == "str_map":
        return isinstance(value, dict) and bool(value) and all(
            isinstance(k, str) and isinstance(v, str) and v != "" for k, v in value.items())
    if kind in ("map", "scalar_map"):
        return isinstance(value, dict) and bool(value)
    if kind == "schema":
        return (isinstance(value, str) and value.strip() != "") or isinstance(value, dict)
    return True


def describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"{str(value)!r}"


def unknown_message(name: str, known: list[str], what: str) -> str:
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown {what} {name!r}: {hint}known: {', '.join(known)}"


def check_options(options: Any, spec: dict[str, Opt], what: str = "option",
                  extra: Callable[[dict], list[Problem]] | None = None) -> list[Problem]:
    """Problems with ``options`` against ``spec`` (empty when fine)."""
    if not isinstance(options, dict):
        return [((), f"expected a mapping of options, got {describe_value(options)}")]
    problems: list[Problem] = []
    malformed = False  # an option of the wrong kind: the extra checks could not read the options
    for name, value in options.items():
        if name not in spec:
            problems.append(((name,), unknown_message(name, list(spec), what)))
            continue
        opt = spec[name]
        if not is_kind(value, opt.kind):
            malformed = True
            problems.append(((name,), f"{what} {name!r} must be {KINDS[opt.kind]}, not {describe_value(value)}"))
        elif opt.choices and value not in opt.choices:
            problems.append(((name,), f"{what} {name!r} must be one of {', '.join(map(str, opt.choices))}, "
                                      f"not {describe_value(value)}"))
        elif opt.minimum is not None and value < opt.minimum:
            problems.append(((name,), f"{what} {name!r} must be at least {opt.minimum}"))
    for name, opt in spec.items():
        if opt.required and name not in options:
            malformed = True
            problems.append(((), f"missing required {what} {name!r} ({opt.doc or KINDS[opt.kind]})"))
    if not malformed and extra is not None:
        problems += extra(options)
    return problems


def with_defaults(options: dict, spec: dict[str, Opt]) -> dict:
    return {**{k: o.default for k, o in spec.items() if o.default is not None}, **options}


def as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
