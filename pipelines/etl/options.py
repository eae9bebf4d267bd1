"""Typed options for pipeline files: one small spec language shared by the source, the steps and the target.

A spec says what an option must look like; ``check_options`` turns a user's mapping into problems (unknown
option with a close match, missing required option, wrong kind) that the definition loader places on a line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from catalog.i18n import N_, _

KINDS = {  # what each kind of option must be, for people (translated where it is shown)
    "str": N_("một đoạn văn bản"),
    "int": N_("một số nguyên"),
    "bool": N_("true hoặc false"),
    "strs": N_("một danh sách tên cột (hoặc một tên)"),
    "str_map": N_("một ánh xạ từ tên sang tên"),
    "map": N_("một ánh xạ (mapping)"),
    "scalar_map": N_("một ánh xạ từ giá trị sang giá trị"),
    "schema": N_("tên một lược đồ chuẩn, đường dẫn tới một JSON Table Schema, hoặc một lược đồ viết trực tiếp"),
    "any": N_("một giá trị"),
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
        return _("một ánh xạ (mapping)")
    if isinstance(value, list):
        return _("một danh sách")
    if value is None:
        return _("không có gì (null)")
    if isinstance(value, (int, float)):
        return _("số {value}", value=value)
    return f"{str(value)!r}"


def unknown_message(name: str, known: list[str], what: str) -> str:
    """``what`` (translated) names the kind of thing: tuỳ chọn, bước, khoá."""
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    if close:
        return _("{what} {name} không xác định: có phải ý bạn là {close}? các giá trị đã biết: {known}", what=what,
                 name=repr(name), close=repr(close[0]), known=", ".join(known))
    return _("{what} {name} không xác định: các giá trị đã biết: {known}", what=what, name=repr(name),
             known=", ".join(known))


def check_options(options: Any, spec: dict[str, Opt], what: str | None = None,
                  extra: Callable[[dict], list[Problem]] | None = None) -> list[Problem]:
    """Problems with ``options`` against ``spec`` (empty when fine); ``what`` (translated) names an option."""
    what = what or _("tuỳ chọn")
    if not isinstance(options, dict):
        return [((), _("cần một ánh xạ các tuỳ chọn, nhưng gặp {value}", value=describe_value(options)))]
    problems: list[Problem] = []
    malformed = False  # an option of the wrong kind: the extra checks could not read the options
    for name, value in options.items():
        if name not in spec:
            problems.append(((name,), unknown_message(name, list(spec), what)))
            continue
        opt = spec[name]
        if not is_kind(value, opt.kind):
            malformed = True
            problems.append(((name,), _("{what} {name} phải là {kind}, không phải {value}", what=what,
                                        name=repr(name), kind=_(KINDS[opt.kind]), value=describe_value(value))))
        elif opt.choices and value not in opt.choices:
            problems.append(((name,), _("{what} {name} phải là một trong {choices}, không phải {value}", what=what,
                                        name=repr(name), choices=", ".join(map(str, opt.choices)),
                                        value=describe_value(value))))
        elif opt.minimum is not None and value < opt.minimum:
            problems.append(((name,), _("{what} {name} phải ít nhất là {minimum}", what=what, name=repr(name),
                                        minimum=opt.minimum)))
    for name, opt in spec.items():
        if opt.required and name not in options:
            malformed = True
            problems.append(((), _("thiếu {what} bắt buộc {name} ({about})", what=what, name=repr(name),
                                   about=_(opt.doc or KINDS[opt.kind]))))
    if not malformed and extra is not None:
        problems += extra(options)
    return problems


def with_defaults(options: dict, spec: dict[str, Opt]) -> dict:
    return {**{k: o.default for k, o in spec.items() if o.default is not None}, **options}


def as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
