"""The Lucene/Solr query language CKAN clients send in ``q`` and ``fq``: tokenizer, parser and field checks.

Why apart from ``package_search`` (``web/ckan/search.py``): the language is a parser with its own bounds (length,
clauses, nesting) and its own fuzz tests; the search action only evaluates the trees it returns. The parser is
linear in the query's length; a query that cannot be parsed, or that names an unknown field, is a
``Search Query Error``, as on CKAN.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from catalog.i18n import gettext as _
from web.ckan.errors import search_query

STRING_FIELDS = {"id", "name", "organization", "owner_org", "tags", "res_format", "license_id", "groups", "state",
                 "private", "capacity", "type", "dataset_type", "site_id", "res_url", "url", "version",
                 "schema_name", "frequency"}
TEXT_FIELDS = {"title", "notes", "text", "res_name", "res_description", "author", "maintainer",
               "temporal_coverage", "spatial_coverage"}
DATE_FIELDS = {"metadata_modified", "metadata_created"}
NUMBER_FIELDS = {"num_resources", "num_tags"}
UNITS = {"YEAR": 365, "YEARS": 365, "MONTH": 30, "MONTHS": 30, "DAY": 1, "DAYS": 1, "DATE": 1}


def parse_date(text: str | None) -> datetime | None:
    """Solr dates: ISO 8601 (with or without 'Z'), a bare date, ``*``, or ``NOW`` with ``-1DAY``-style math."""
    if text in (None, "", "*"):
        return None
    try:
        return _parse_date(text.strip())
    except OverflowError:
        raise ValueError(_("ngày nằm ngoài khoảng cho phép: {date}", date=shown(text))) from None


def _parse_date(text: str) -> datetime:
    match = re.fullmatch(r"NOW((?:[+-]\d+[A-Z]+|/[A-Z]+)*)", text.upper())
    if match:
        moment = datetime.now(UTC).replace(tzinfo=None)
        for sign, amount, unit, rounding in re.findall(r"([+-])(\d+)([A-Z]+)|/([A-Z]+)", match.group(1)):
            if rounding:
                moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
                continue
            if unit.rstrip("S") in ("HOUR", "MINUTE", "SECOND"):
                delta = timedelta(**{unit.rstrip("S").lower() + "s": int(amount)})
            elif unit in UNITS:
                delta = timedelta(days=int(amount) * UNITS[unit])
            else:
                raise ValueError(_("không có đơn vị thời gian {unit}", unit=unit))
            moment = moment + delta if sign == "+" else moment - delta
        return moment
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


# Bounds of a query: Solr's default maxBooleanClauses, a nesting depth no real query reaches, and a length far
# above any URL's (CKAN clients send q in a GET query string). The parser is linear in the length; the bounds
# keep the evaluation (clauses x datasets) and the tree walks (recursive, depth-bounded) small.
MAX_QUERY_CHARS = 8192
MAX_CLAUSES = 1024
MAX_DEPTH = 32
OPERATORS = {"AND": "AND", "&&": "AND", "OR": "OR", "||": "OR", "NOT": "NOT"}


def shown(text: str, limit: int = 80) -> str:
    """A query as quoted in an error message: long ones are cut."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def field_name_end(text: str, pos: int) -> int:
    """Where ``name:`` ends (after the colon) if a field name starts at ``pos``, else -1.

    A field name is an ASCII letter or ``_`` followed by word characters, dots and dashes (CKAN's extras_x.y)."""
    if pos >= len(text) or not (text[pos] == "_" or (text[pos].isascii() and text[pos].isalpha())):
        return -1
    end = pos + 1
    while end < len(text) and (text[end].isalnum() or text[end] in "_.-"):
        end += 1
    return end + 1 if end < len(text) and text[end] == ":" else -1


def has_field_syntax(text: str) -> bool:
    """Does ``text`` contain ``name:`` anywhere (one pass: the run of name characters before each colon)?"""
    run_has_start = False
    for char in text:
        if char == ":" and run_has_start:
            return True
        if char == "_" or char.isalnum() or char in ".-":
            run_has_start = run_has_start or char == "_" or (char.isascii() and char.isalpha())
        else:
            run_has_start = False
    return False


class Tokenizer:
    """One left-to-right pass over a query, yielding tokens; no position is read more than twice.

    Tokens: ``("(",)``, ``(")",)``, ``("op", word, text)``, ``("prefix", char)``, ``("all",)``,
    ``("group", field)`` for ``field:(``, and ``("value", field, kind, payload)`` for a term, phrase or range."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, why: str) -> Exception:
        return search_query(_("không phân tích được {query}: {why}", query=shown(self.text), why=why))

    def tokens(self) -> list[tuple]:
        found = []
        text = self.text
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(text):
                return found
            found.append(self.token())

    def token(self) -> tuple:
        text, pos = self.text, self.pos
        char = text[pos]
        if char in "()":
            self.pos += 1
            return (char,)
        operator = self.operator()
        if operator:
            return operator
        if char in "-!+":
            self.pos += 1
            return ("prefix", char)
        if text.startswith("*:*", pos):
            self.pos += 3
            return ("all",)
        field = None
        end = field_name_end(text, pos)
        if end > 0:
            field, self.pos = text[pos:end - 1], end
            if self.pos >= len(text):
                raise self.error(_("không có giá trị sau {field}:", field=field))
            if text[self.pos] == "(":
                self.pos += 1
                return ("group", field)
        return self.value(field)

    def operator(self) -> tuple | None:
        text, pos = self.text, self.pos
        for word in OPERATORS:
            end = pos + len(word)
            if text.startswith(word, pos) and (end >= len(text) or text[end].isspace() or text[end] == "("):
                self.pos = end
                return ("op", OPERATORS[word], word)
        return None

    def value(self, field: str | None) -> tuple:
        char = self.text[self.pos]
        if char == '"':
            return ("value", field, "phrase", self.phrase())
        if char in "[{":
            return ("value", field, "range", self.range())
        return ("value", field, "word", self.word())

    def phrase(self) -> str:
        text, end, value = self.text, self.pos + 1, []
        while end < len(text) and text[end] != '"':
            if text[end] == "\\" and end + 1 < len(text):
                end += 1
            value.append(text[end])
            end += 1
        if end >= len(text):
            raise self.error(_("dấu ngoặc kép chưa đóng"))
        self.pos = end + 1
        return "".join(value)

    def range(self) -> tuple:
        text, opening, end = self.text, self.text[self.pos], self.pos + 1
        while end < len(text) and text[end] not in "]}":
            end += 1
        if end >= len(text):
            raise self.error(_("khoảng chưa đóng"))
        inner = text[self.pos + 1:end]
        words = inner.split()
        if words.count("TO") != 1 or words[0] == "TO" or words[-1] == "TO":
            raise self.error(_("khoảng {range} cần dạng 'X TO Y'", range=shown(inner)))
        split = words.index("TO")
        self.pos = end + 1
        return " ".join(words[:split]), " ".join(words[split + 1:]), opening == "[", text[end] == "]"

    def word(self) -> str:
        text, value = self.text, []
        while self.pos < len(text) and not text[self.pos].isspace() and text[self.pos] != ")":
            if text[self.pos] == "\\" and self.pos + 1 < len(text):
                self.pos += 1
            value.append(text[self.pos])
            self.pos += 1
        if not value:
            raise self.error(_("điều kiện rỗng"))
        return "".join(value)


class Parser:
    """Recursive descent over the tokens of the Lucene/Solr query syntax CKAN clients send.

    Recursion follows nesting (parentheses, NOT and -), which is bounded by ``MAX_DEPTH``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = Tokenizer(text).tokens()
        self.at = 0
        self.depth = 0
        self.fields: list[str | None] = [None]

    def error(self, why: str) -> Exception:
        return search_query(_("không phân tích được {query}: {why}", query=shown(self.text), why=why))

    def peek(self) -> tuple | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_op(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "op" and token[1] in words

    def parse(self) -> tuple:
        if not self.tokens:
            raise self.error(_("truy vấn kết thúc đột ngột"))
        node = self.or_expr()
        if self.at < len(self.tokens):
            raise self.error(_("không mong đợi {token}", token=self.describe(self.peek())))
        return node

    def describe(self, token: tuple | None) -> str:
        if token == (")",):
            return "')'"
        return _("từ {token!r}", token=token[0]) if token else _("cuối truy vấn")

    def nested(self, parse: Callable[[], tuple]) -> tuple:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(_("lồng sâu hơn {limit} cấp", limit=MAX_DEPTH))
        try:
            return parse()
        finally:
            self.depth -= 1

    def or_expr(self) -> tuple:
        parts = [self.and_expr()]
        while self.is_op("OR"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_expr(self) -> tuple:
        parts = [self.unary()]
        while self.peek() not in (None, (")",)) and not self.is_op("OR"):
            if self.is_op("AND"):
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def unary(self) -> tuple:
        token = self.peek()
        if token is None:
            raise self.error(_("truy vấn kết thúc đột ngột"))
        if self.is_op("NOT") or (token[0] == "prefix" and token[1] in "-!"):
            self.take()
            return ("not", self.nested(self.unary))
        if token[0] == "prefix":
            self.take()
            return self.nested(self.unary)
        return self.primary()

    def primary(self) -> tuple:
        token = self.take()
        kind = token[0]
        if kind in ("(", "group"):
            self.fields.append(token[1] if kind == "group" else self.fields[-1])
            node = self.nested(self.or_expr)
            self.fields.pop()
            if self.peek() != (")",):
                raise self.error(_("thiếu ')'"))
            self.take()
            return node
        if kind == "all":
            return ("all",)
        if kind == "op":  # AND / OR where a term belongs is the word itself
            return ("term", self.fields[-1], token[2], "word")
        if kind == "value":
            field = token[1] if token[1] is not None else self.fields[-1]
            if token[2] == "range":
                return ("range", field, *token[3])
            return ("term", field, token[3], token[2])
        raise self.error(_("điều kiện rỗng"))


def parse(text: str) -> tuple:
    """The query tree of ``text``, or a Search Query Error; linear in the length of ``text``."""
    return Parser(text).parse()


def clauses(node: tuple) -> int:
    """How many terms, ranges and match-alls a query tree holds (iteratively: any depth)."""
    count, stack = 0, [node]
    while stack:
        node = stack.pop()
        if node[0] in ("and", "or"):
            stack.extend(node[1])
        elif node[0] == "not":
            stack.append(node[1])
        else:
            count += 1
    return count


def known_field(field: str) -> bool:
    return (field in STRING_FIELDS or field in TEXT_FIELDS or field in DATE_FIELDS or field in NUMBER_FIELDS
            or field.startswith("extras_") or field.startswith("res_extras_") or field.startswith("vocab_"))


def check_fields(node: tuple) -> None:
    kind = node[0]
    if kind in ("and", "or"):
        for part in node[1]:
            check_fields(part)
    elif kind == "not":
        check_fields(node[1])
    elif kind in ("term", "range") and node[1] is not None and not known_field(node[1]):
        raise search_query(_("trường chưa định nghĩa {field}", field=node[1]))
