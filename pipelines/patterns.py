"""Schema ``pattern`` constraints, matched in RE2 with Python's meaning.

Why: a Table Schema ``pattern`` comes from whoever sends the schema (anonymous ``POST /api/v1/validate``
included). frictionless matches it with Python's ``re`` (``re.match('^' + pattern + '$', value)``), which
backtracks without bound: ``(a+)+$`` on ``'a' * 40 + '!'`` runs for days and holds the GIL. RE2 runs in
time linear in the value, whatever the pattern, so every pattern is matched in RE2 here (and, for plain
ASCII cells, in DuckDB's ``regexp_*``, which is RE2 too).

Python and RE2 spell and read patterns differently (``\\d`` is any Unicode digit in Python, ASCII only in RE2;
``$`` also matches before a final newline in Python; ``{,3}`` is a repetition in Python, literal text in RE2).
So the pattern is not handed to RE2 as text: Python's own parser (``re._parser``, the one ``re.compile`` uses)
reads it, and the parsed tree is written back out in RE2 syntax with Python's meaning: every literal as a code
point, ``\\d``/``\\w``/``\\s`` as the Unicode classes Python uses, ``$`` as "optional newline, then the end".
What RE2 cannot express without backtracking (backreferences, lookahead/lookbehind, conditionals, atomic
groups, possessive repeats) is refused with ``UnsupportedPattern``, which names the feature and a rewrite.
One known difference is left: ``\\b``/``\\B`` treat only ASCII letters and digits as word characters.
"""

from __future__ import annotations

import functools
import re
import warnings
from re import _constants as C  # noqa: N812 (the names re itself uses)
from re import _parser

import re2

from catalog.i18n import N_, _

# Python's classes in RE2 syntax (class bodies, to be put inside [...]): \d is Unicode category Nd, \w is
# str.isalnum() or '_', \s is str.isspace() (\t-\r, \x1c-\x1f, space, \x85 and the Z categories).
DIGIT = r"\p{Nd}"
WORD = r"\p{L}\p{N}_"
SPACE = r"\t-\r\x1c-\x20\x85\p{Z}"
ASCII_CLASSES = {"DIGIT": "0-9", "WORD": "0-9A-Za-z_", "SPACE": r"\t-\r\x20"}
UNICODE_CLASSES = {"DIGIT": DIGIT, "WORD": WORD, "SPACE": SPACE}
MAX_REPEAT = 1000  # RE2's largest repetition count

UNSUPPORTED = {  # the feature and its rewrite, translated where they are shown
    "GROUPREF": (N_("một tham chiếu ngược (backreference: \\1 hoặc (?P=name))"),
                 N_("hãy viết tường minh phần lặp lại")),
    "GROUPREF_EXISTS": (N_("một nhóm điều kiện ((?(1)...|...))"),
                        N_("hãy viết cả hai trường hợp thành các lựa chọn với |")),
    "ASSERT": (N_("một phép nhìn trước hoặc nhìn sau (lookahead/lookbehind: (?=...), (?<=...))"),
               N_("hãy so khớp chính văn bản đó, hoặc kiểm tra điều kiện bằng một ràng buộc thứ hai (enum, "
                  "minLength...)")),
    "ASSERT_NOT": (N_("một phép nhìn trước hoặc nhìn sau phủ định (negative lookahead or lookbehind: (?!...), "
                      "(?<!...))"),
                   N_("hãy mô tả các giá trị được phép theo cách khẳng định, ví dụ bằng một lớp ký tự [^...]")),
    "ATOMIC_GROUP": (N_("một nhóm nguyên tử (atomic group: (?>...))"), N_("hãy dùng một nhóm thường (...)")),
    "POSSESSIVE_REPEAT": (N_("một phép lặp chiếm hữu (possessive: *+, ++, ?+)"),
                          N_("hãy dùng phép lặp thường (*, +, ?)")),
}


class UnsupportedPattern(ValueError):
    """A pattern the validator cannot run in linear time: the message names the feature and how to rewrite it."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # errors become UnsupportedPattern, not lines on stderr
    return options


@functools.lru_cache(maxsize=256)
def re2_text(pattern: str) -> str:
    """RE2 syntax (for the ``re2`` module and DuckDB's ``regexp_matches``, which searches) matching exactly what
    ``re.match('^' + pattern + '$', value)`` matches. Raises ``UnsupportedPattern`` for a pattern outside the
    supported syntax, ``re.error`` for one Python itself refuses."""
    with warnings.catch_warnings():  # "possible nested set" and the like: the user's pattern, not our code
        warnings.simplefilter("ignore", FutureWarning)
        tree = _parser.parse(f"^{pattern}$")
    return r"\A(?:" + _emit(tree, tree.state.flags) + ")"  # \A: re.match anchors every alternative


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re2._Regexp:
    """The RE2 program of ``re2_text(pattern)``."""
    text = re2_text(pattern)
    try:
        return re2.compile(text, _options())
    except re2.error as exc:
        detail = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise UnsupportedPattern(_("quá lớn hoặc quá phức tạp cho bộ máy biểu thức chính quy của trình kiểm tra "
                                   "({detail}); hãy đơn giản hoá nó (ít phép lặp hơn hoặc lặp ít lần hơn)",
                                   detail=detail)) from None


def matches(pattern: str, value: str) -> bool:
    """Python's ``bool(re.match('^' + pattern + '$', value))``, in linear time."""
    program = compile_pattern(pattern)
    try:
        return program.match(value) is not None
    except UnicodeEncodeError:  # a lone surrogate (JSON "\\ud800"): RE2 reads UTF-8 only
        return program.match(value.encode("utf-8", "replace").decode()) is not None


def check_pattern(pattern: str) -> None:
    """Raise ``UnsupportedPattern`` or ``re.error`` when ``pattern`` cannot be used as a constraint."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        re.compile(f"^{pattern}$")  # Python's verdict first: a pattern frictionless refuses is refused here too
    compile_pattern(pattern)


# -- the parsed tree, written in RE2 syntax -------------------------------------------------------------------
def _emit(items, flags: int) -> str:
    return "".join(_emit_item(op, arg, flags) for op, arg in items)


def _emit_item(op, arg, flags: int) -> str:
    name = str(op)
    if name in UNSUPPORTED:
        what, fix = UNSUPPORTED[name]
        raise UnsupportedPattern(_("dùng {what}, điều mà RE2 (bộ máy biểu thức chính quy thời gian tuyến tính của "
                                   "trình kiểm tra) không hỗ trợ: {fix}", what=_(what), fix=_(fix)))
    if name == "LITERAL":
        return _case(_char(arg), flags)
    if name == "NOT_LITERAL":
        return _case(f"[^{_char(arg)}]", flags)
    if name == "ANY":
        return r"(?s:.)" if flags & C.SRE_FLAG_DOTALL else r"[^\n]"
    if name == "IN":
        return _case(_charset(arg, flags), flags)
    if name == "BRANCH":
        return "(?:" + "|".join(_emit(branch, flags) for branch in arg[1]) + ")"
    if name == "SUBPATTERN":
        group, add, remove, items = arg
        inner = _emit(items, (flags | add) & ~remove)
        return f"({inner})" if group is not None else f"(?:{inner})"
    if name in ("MAX_REPEAT", "MIN_REPEAT"):
        return _repeat(*arg, flags)
    if name == "AT":
        return _at(str(arg), flags)
    raise UnsupportedPattern(_("dùng một cấu trúc mà trình kiểm tra không hỗ trợ ({name})", name=name.lower()))


def _char(code: int) -> str:
    return f"\\x{{{code:x}}}"


def _case(text: str, flags: int) -> str:
    return f"(?i:{text})" if flags & C.SRE_FLAG_IGNORECASE else text


def _repeat(low: int, high, items, flags: int) -> str:
    if low > MAX_REPEAT or (high is not C.MAXREPEAT and high > MAX_REPEAT):
        raise UnsupportedPattern(_("lặp một thành phần hơn {count} lần, điều mà bộ máy biểu thức chính quy của "
                                   "trình kiểm tra không hỗ trợ: hãy dùng số lần nhỏ hơn, hoặc minLength/maxLength "
                                   "cho độ dài", count=MAX_REPEAT))
    body = f"(?:{_emit(items, flags)})"
    upper = "" if high is C.MAXREPEAT else str(high)
    return f"{body}{{{low},{upper}}}"


def _at(code: str, flags: int) -> str:
    multiline = flags & C.SRE_FLAG_MULTILINE
    if code == "AT_BEGINNING":
        return "(?m:^)" if multiline else r"\A"
    if code == "AT_END":  # Python's $: the end, or before a newline that ends the text
        return "(?m:$)" if multiline else r"(?:\n?\z)"
    return {"AT_BEGINNING_STRING": r"\A", "AT_END_STRING": r"\z", "AT_BOUNDARY": r"\b",
            "AT_NON_BOUNDARY": r"\B"}[code]


def _charset(items, flags: int) -> str:
    """A character set ([...], \\d, \\w, \\s and their negations) in RE2 syntax with Python's classes."""
    classes = ASCII_CLASSES if flags & C.SRE_FLAG_ASCII else UNICODE_CLASSES
    negate = bool(items) and str(items[0][0]) == "NEGATE"
    body, negated_classes = [], []
    for op, arg in items[1:] if negate else items:
        kind = str(op)
        if kind == "LITERAL":
            body.append(_char(arg))
        elif kind == "RANGE":
            body.append(f"{_char(arg[0])}-{_char(arg[1])}")
        elif kind == "CATEGORY":
            category = str(arg).removeprefix("CATEGORY_")
            if category.startswith("NOT_"):
                negated_classes.append(classes[category.removeprefix("NOT_")])
            else:
                body.append(classes[category])
        else:
            raise UnsupportedPattern(_("dùng một tập ký tự mà trình kiểm tra không hỗ trợ ({kind})",
                                       kind=kind.lower()))
    if not negated_classes:
        inner = "".join(body)
        return f"[^{inner}]" if negate else (f"[{inner}]" if inner else "[^\\x00-\\x{10ffff}]")
    if negate:  # [^...\W] means "a word character and none of ...": an intersection RE2 cannot write
        raise UnsupportedPattern(_("đặt \\W, \\S hoặc \\D trong một tập phủ định [^...], điều mà bộ máy biểu thức "
                                   "chính quy của trình kiểm tra không biểu diễn được: hãy liệt kê các ký tự được "
                                   "phép"))
    parts = [f"[^{cls}]" for cls in negated_classes] + ([f"[{''.join(body)}]"] if body else [])
    return "(?:" + "|".join(parts) + ")"
