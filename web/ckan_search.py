"""``package_search`` as CKAN's Solr answers it: ``q``, ``fq`` in Solr syntax, sort, paging and facets.

Free text (``q`` without field syntax) goes through the catalogue's own search index (``catalog/search.py``:
accent-insensitive, ranked). Field queries (``organization:x``, ``tags:"a b"``, ``-res_format:CSV``,
``metadata_modified:[2024-01-01T00:00:00Z TO *]``, ``(a OR b)``) are parsed here and evaluated against a small
per-dataset document. A query that cannot be parsed, an unknown field or an unknown sort key is a
``Search Query Error``, as on CKAN.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from catalog.metadata import Catalog
from catalog.search import fold, get_index
from pipelines.ckan_shapes import ckan_time, license_info, resource_dicts
from web.ckan_errors import search_query, validation
from web.context import MAX_INT64

ROWS_DEFAULT = 10
ROWS_MAX = 1000  # ckan.search.rows_max: larger values are capped silently
ALLOWED = {"q", "fq", "fq_list", "sort", "rows", "start", "facet", "facet.field", "facet.limit", "facet.mincount",
           "include_private", "include_drafts", "include_deleted", "use_default_schema", "fl", "qf", "defType",
           "mm", "df", "tie", "extras", "q.op"}
STRING_FIELDS = {"id", "name", "organization", "owner_org", "tags", "res_format", "license_id", "groups", "state",
                 "private", "capacity", "type", "dataset_type", "site_id", "res_url", "url", "version",
                 "schema_name", "frequency"}
TEXT_FIELDS = {"title", "notes", "text", "res_name", "res_description", "author", "maintainer",
               "temporal_coverage", "spatial_coverage"}
DATE_FIELDS = {"metadata_modified", "metadata_created"}
NUMBER_FIELDS = {"num_resources", "num_tags"}
SORT_KEYS = {"name", "id", "title", "title_string", "metadata_modified", "metadata_created", "score",
             "num_resources", "num_tags", "views_recent", "views_total", "organization", "license_id"}
UNITS = {"YEAR": 365, "YEARS": 365, "MONTH": 30, "MONTHS": 30, "DAY": 1, "DAYS": 1, "DATE": 1}


# -- documents -------------------------------------------------------------------------------------------------
def document(dataset: dict) -> dict[str, list[Any]]:
    """The fields of one dataset as Solr indexes them (every field multi-valued)."""
    resources = resource_dicts(dataset, "")
    tags = list(dict.fromkeys(dataset.get("tags") or []))
    doc: dict[str, list[Any]] = {
        "id": [dataset["id"]], "name": [dataset["name"]], "title": [dataset.get("title") or ""],
        "notes": [dataset.get("description") or ""], "organization": [dataset["org"]],
        "owner_org": [dataset["org_id"]], "tags": tags,
        "res_format": list(dict.fromkeys(r["format"] for r in resources if r["format"])),
        "res_name": [r["name"] for r in resources], "res_description": [r["description"] for r in resources],
        "res_url": [r["url"] for r in resources if r["url"].startswith("http")],
        "license_id": [dataset["license"]] if dataset.get("license") else [], "groups": [],
        "state": [dataset.get("state") or "active"], "private": [str(bool(dataset.get("private"))).lower()],
        "capacity": ["private" if dataset.get("private") else "public"], "type": ["dataset"],
        "dataset_type": ["dataset"], "site_id": ["default"],
        "author": [dataset.get("source") or ""], "maintainer": [dataset.get("contact") or ""],
        "metadata_modified": [parse_date(ckan_time(dataset.get("updated_at")))],
        "metadata_created": [parse_date(ckan_time(dataset.get("created_at")))],
        "num_resources": [len(resources)], "num_tags": [len(tags)],
    }
    for key in ("frequency", "temporal_coverage", "spatial_coverage", "schema_name"):
        doc[key] = doc["extras_" + key] = [dataset[key]] if dataset.get(key) else []
    for key, value in (dataset.get("extras") or {}).items():
        if not key.startswith("_"):
            doc["extras_" + key] = [str(value)]
    doc["text"] = [" ".join([dataset.get("title") or "", dataset["name"], dataset.get("description") or "",
                             " ".join(tags), dataset.get("org_title") or "", dataset["org"]])]
    return doc


# -- the query language ----------------------------------------------------------------------------------------
def parse_date(text: str | None) -> datetime | None:
    """Solr dates: ISO 8601 (with or without 'Z'), a bare date, ``*``, or ``NOW`` with ``-1DAY``-style math."""
    if text in (None, "", "*"):
        return None
    try:
        return _parse_date(text.strip())
    except OverflowError:
        raise ValueError(f"date out of range: {shown(text)}") from None


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
                raise ValueError(f"unknown date unit {unit}")
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
        return search_query(f"cannot parse {shown(self.text)}: {why}")

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
                raise self.error(f"no value after {field}:")
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
            raise self.error("unterminated quote")
        self.pos = end + 1
        return "".join(value)

    def range(self) -> tuple:
        text, opening, end = self.text, self.text[self.pos], self.pos + 1
        while end < len(text) and text[end] not in "]}":
            end += 1
        if end >= len(text):
            raise self.error("unterminated range")
        inner = text[self.pos + 1:end]
        words = inner.split()
        if words.count("TO") != 1 or words[0] == "TO" or words[-1] == "TO":
            raise self.error(f"range {shown(inner)} needs 'X TO Y'")
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
            raise self.error("empty term")
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
        return search_query(f"cannot parse {shown(self.text)}: {why}")

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
            raise self.error("unexpected end of query")
        node = self.or_expr()
        if self.at < len(self.tokens):
            raise self.error(f"unexpected {self.describe(self.peek())}")
        return node

    def describe(self, token: tuple | None) -> str:
        return "')'" if token == (")",) else f"token {token[0]!r}" if token else "end of query"

    def nested(self, parse: Callable[[], tuple]) -> tuple:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep")
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
            raise self.error("unexpected end of query")
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
                raise self.error("missing ')'")
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
        raise self.error("empty term")


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
        raise search_query(f"undefined field {node[1]}")


def matches(node: tuple, doc: dict[str, list[Any]]) -> bool:
    kind = node[0]
    if kind == "all":
        return True
    if kind == "and":
        return all(matches(part, doc) for part in node[1])
    if kind == "or":
        return any(matches(part, doc) for part in node[1])
    if kind == "not":
        return not matches(node[1], doc)
    field = node[1] or "text"
    values = doc.get(field, [])
    if kind == "range":
        return any(in_range(field, value, node[2], node[3], node[4], node[5]) for value in values)
    value = node[2]
    if value == "*":
        return any(v not in (None, "") for v in values)
    if field in TEXT_FIELDS or field.startswith("extras_") or node[1] is None:
        needle = fold(value.rstrip("*"))
        return any(needle in fold(str(v)) for v in values)
    if field in DATE_FIELDS:
        try:
            wanted = parse_date(value)
        except ValueError:
            raise search_query(f"invalid date {value!r} for {field}") from None
        return any(v == wanted for v in values)
    if field in NUMBER_FIELDS:
        return any(str(v) == value for v in values)
    if value.endswith("*"):
        prefix = value[:-1].casefold()
        return any(str(v).casefold().startswith(prefix) for v in values)
    return any(str(v).casefold() == value.casefold() for v in values)


def in_range(field: str, value: Any, low: str, high: str, low_incl: bool, high_incl: bool) -> bool:
    if value is None:
        return False
    try:
        if field in DATE_FIELDS:
            lo, hi = parse_date(low), parse_date(high)
        elif field in NUMBER_FIELDS:
            lo = None if low == "*" else float(low)
            hi = None if high == "*" else float(high)
        else:
            lo, hi, value = (None if low == "*" else low), (None if high == "*" else high), str(value)
    except ValueError:
        raise search_query(f"invalid range bound for {field}: [{low} TO {high}]") from None
    if lo is not None and (value < lo or (value == lo and not low_incl)):
        return False
    return not (hi is not None and (value > hi or (value == hi and not high_incl)))


# -- package_search -----------------------------------------------------------------------------------------------
def query_text(params: dict, name: str) -> str:
    """``q`` or ``fq`` as a string of bounded length (a number is taken as its digits)."""
    value = params.get(name)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        raise validation(**{name: "Must be a string"})
    text = str(value).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise search_query(f"{name} is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}: "
                           "split the query or search with fewer terms")
    return text


def parse_filter(text: str, name: str) -> tuple:
    """A parsed ``q`` / ``fq`` whose fields exist."""
    if len(text) > MAX_QUERY_CHARS:
        raise search_query(f"{name} is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    node = parse(text)
    check_fields(node)
    return node


def as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            try:
                value = json.loads(text)
            except ValueError:
                raise validation(**{"facet.field": "Could not parse as valid JSON"}) from None
        else:
            return [text]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def as_int(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value) if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise validation(**{name: "Invalid integer"}) from None
    if abs(number) > MAX_INT64:
        raise validation(**{name: f"Must be at most {MAX_INT64}"})
    return number


def parse_sort(text: str) -> list[tuple[str, bool]]:
    order = []
    for part in text.split(","):
        bits = part.split()
        if not bits:
            continue
        if len(bits) > 2 or (len(bits) == 2 and bits[1].lower() not in ("asc", "desc")):
            raise search_query(f"cannot sort by {part.strip()!r}: use 'field asc|desc'")
        if bits[0] not in SORT_KEYS:
            raise search_query(f"can not sort on undefined field {bits[0]!r}")
        order.append((bits[0], len(bits) == 2 and bits[1].lower() == "desc"))
    return order


def sort_value(key: str, dataset: dict, doc: dict, score: float) -> Any:
    if key == "score":
        return score
    if key in ("title", "title_string"):
        return fold(dataset.get("title") or dataset["name"])
    if key in ("metadata_modified", "metadata_created"):
        return doc[key][0] or datetime.min
    if key in ("num_resources", "num_tags"):
        return doc[key][0]
    if key in ("views_recent", "views_total"):
        return 0
    if key == "organization":
        return dataset["org"]
    if key == "license_id":
        return dataset.get("license") or ""
    return dataset[key]


def facet_label(field: str, value: str, titles: dict[str, str]) -> str:
    if field == "organization":
        return titles.get(value, value)
    if field == "license_id":
        lic = license_info(value)
        return lic["title"] if lic else value
    return value


def search(catalog: Catalog, params: dict, visible: Callable[[dict], bool]) -> dict:
    """Run a package_search; returns count, the page's dataset dicts, facets and search_facets."""
    unknown = sorted(k for k in params if k not in ALLOWED and not k.startswith("ext_"))
    if unknown:
        raise search_query(f"Invalid search parameters: {unknown}")
    rows = min(as_int(params.get("rows"), "rows", ROWS_DEFAULT), ROWS_MAX)
    start = as_int(params.get("start"), "start", 0)
    if rows < 0:
        raise validation(rows="Must be a natural number")
    if start < 0:
        raise validation(start="Must be a natural number")
    q = query_text(params, "q")
    fqs = [query_text(params, "fq")]
    fq_list = params.get("fq_list")
    fqs += as_list(fq_list) if fq_list not in (None, "") else []
    filters = [parse_filter(fq, "fq") for fq in fqs if fq.strip()]

    index = get_index(catalog)
    candidates = [(i, d) for i, d in enumerate(index.datasets) if visible(d)]
    scores: dict[int, float] = {}
    if q in ("", "*:*", "*"):
        pass
    elif has_field_syntax(q) or q.startswith(("-", "(")):
        filters.append(parse_filter(q, "q"))
    else:
        scores = index.score(q)
        candidates = [(i, d) for i, d in candidates if i in scores]
    if sum(clauses(node) for node in filters) > MAX_CLAUSES:
        raise search_query(f"too many clauses in q and fq: the limit is {MAX_CLAUSES}")

    hits = []
    for i, dataset in candidates:
        doc = document(dataset)
        if all(matches(node, doc) for node in filters):
            hits.append((i, dataset, doc))

    sort_text = str(params.get("sort") or "").strip() or "score desc, metadata_modified desc"
    order = parse_sort(sort_text)
    hits.sort(key=lambda h: h[1]["name"])
    for key, descending in reversed(order):
        hits.sort(key=lambda h, k=key: sort_value(k, h[1], h[2], scores.get(h[0], 0.0)), reverse=descending)

    facet_fields = as_list(params.get("facet.field"))
    facet_limit = as_int(params.get("facet.limit"), "facet.limit", 50)
    mincount = as_int(params.get("facet.mincount"), "facet.mincount", 1)
    titles = {d["org"]: d.get("org_title") or d["org"] for _, d, _ in hits}
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict] = {}
    if str(params.get("facet", "true")).lower() != "false":
        for field in facet_fields:
            counter: Counter = Counter()
            for _, _, doc in hits:
                counter.update(str(v) for v in dict.fromkeys(doc.get(field, [])) if v not in (None, ""))
            items = sorted(((v, n) for v, n in counter.items() if n >= mincount), key=lambda item: (-item[1], item[0]))
            if facet_limit >= 0:
                items = items[:facet_limit]
            facets[field] = dict(items)
            search_facets[field] = {"title": field, "items": [
                {"name": v, "display_name": facet_label(field, v, titles), "count": n} for v, n in items]}
    page = [dataset for _, dataset, _ in hits[start:start + rows]]
    return {"count": len(hits), "datasets": page, "facets": facets, "search_facets": search_facets,
            "sort": sort_text}
