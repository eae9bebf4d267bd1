"""``package_search`` as CKAN's Solr answers it: ``q``, ``fq`` in Solr syntax, sort, paging and facets.

Free text (``q`` without field syntax) goes through the catalogue's own search index (``catalog/search.py``:
accent-insensitive, ranked). Field queries (``organization:x``, ``tags:"a b"``, ``-res_format:CSV``,
``metadata_modified:[2024-01-01T00:00:00Z TO *]``, ``(a OR b)``) are parsed by ``web/ckan/query_parser.py`` and
evaluated here against a small per-dataset document. A query that cannot be parsed, an unknown field or an
unknown sort key is a ``Search Query Error``, as on CKAN.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from catalog import jsonlimits
from catalog.ckan.shapes import ckan_time, license_info, resource_dicts
from catalog.errors import InvalidInput
from catalog.i18n import format_number
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from catalog.search import get_index, listing, match_scores
from catalog.text import fold
from catalog.visibility import Viewer
from web.ckan.api import int_param
from web.ckan.errors import search_query, validation
from web.ckan.query_parser import (
    DATE_FIELDS,
    MAX_CLAUSES,
    MAX_QUERY_CHARS,
    NUMBER_FIELDS,
    TEXT_FIELDS,
    check_fields,
    clauses,
    has_field_syntax,
    parse,
    parse_date,
)
from web.context import MAX_INT64

ROWS_DEFAULT = 10
ROWS_MAX = 1000  # ckan.search.rows_max: larger values are capped silently
ALLOWED = {"q", "fq", "fq_list", "sort", "rows", "start", "facet", "facet.field", "facet.limit", "facet.mincount",
           "include_private", "include_drafts", "include_deleted", "use_default_schema", "fl", "qf", "defType",
           "mm", "df", "tie", "extras", "q.op"}
SORT_KEYS = {"name", "id", "title", "title_string", "metadata_modified", "metadata_created", "score",
             "num_resources", "num_tags", "views_recent", "views_total", "organization", "license_id"}


# -- documents and how a query tree matches them -------------------------------------------------------------------------------------------------
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
            raise search_query(_("ngày {value!r} của {field} không hợp lệ", value=value, field=field)) from None
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
        raise search_query(_("cận của khoảng cho {field} không hợp lệ: [{low} TO {high}]", field=field, low=low,
                              high=high)) from None
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
        raise validation(**{name: _("Phải là một chuỗi văn bản")})
    text = str(value).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise search_query(_("{name} dài {size} ký tự; giới hạn là {limit}: hãy chia nhỏ truy vấn hoặc tìm với ít từ "
                             "hơn", name=name, size=format_number(len(text)), limit=format_number(MAX_QUERY_CHARS)))
    return text


def parse_filter(text: str, name: str) -> tuple:
    """A parsed ``q`` / ``fq`` whose fields exist."""
    if len(text) > MAX_QUERY_CHARS:
        raise search_query(_("{name} dài {size} ký tự; giới hạn là {limit}", name=name, size=format_number(len(text)),
                             limit=format_number(MAX_QUERY_CHARS)))
    node = parse(text)
    check_fields(node)
    return node


def as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = jsonlimits.loads(text, "facet.field")
            except InvalidInput:
                raise validation(**{"facet.field": _("Không đọc được thành JSON hợp lệ")}) from None
        else:
            return [text]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def parse_sort(text: str) -> list[tuple[str, bool]]:
    order = []
    for part in text.split(","):
        bits = part.split()
        if not bits:
            continue
        if len(bits) > 2 or (len(bits) == 2 and bits[1].lower() not in ("asc", "desc")):
            raise search_query(_("không sắp xếp theo {sort!r} được: dùng 'field asc|desc'", sort=part.strip()))
        if bits[0] not in SORT_KEYS:
            raise search_query(_("không sắp xếp được theo trường chưa định nghĩa {field!r}", field=bits[0]))
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


def required_terms(node: tuple) -> list[tuple[str, str]]:
    """(field, case-folded value) pairs that every dataset matching ``node`` has, among the fields whose exact
    values the search index holds (``listing.TERM_FIELDS``): what narrows the datasets read. The rest of the tree
    is left to :func:`matches`, so the answer does not depend on what could be narrowed."""
    if node[0] == "and":
        return [term for part in node[1] for term in required_terms(part)]
    if node[0] != "term" or node[1] not in listing.TERM_FIELDS:
        return []
    value = node[2].casefold()
    return [] if value.endswith("*") or not value.isascii() else [(node[1], value)]


def only_terms(node: tuple) -> bool:
    """Is ``node`` exactly the conjunction of its :func:`required_terms` (so SQL alone answers it)?"""
    if node[0] == "and":
        return all(only_terms(part) for part in node[1])
    return bool(required_terms(node))


def field_candidates(catalog: Catalog, filters: list[tuple], visible: Callable[[dict], bool],
                     viewer: Viewer | None) -> list[tuple[int, dict]]:
    """The datasets that may match ``filters``: those with their required terms, found in the index (every
    active dataset only when nothing narrows them, or for a caller that gives no ``viewer``)."""
    if viewer is None:
        return [(i, d) for i, d in enumerate(get_index(catalog).datasets) if visible(d)]
    ids = listing.matching_ids(catalog, viewer, [term for node in filters for term in required_terms(node)])
    return [(i, d) for i, d in enumerate(listing.datasets(catalog, ids)) if visible(d)]


def sql_answer(catalog: Catalog, params: dict, filters: list[tuple], viewer: Viewer | None,
               window: tuple[int, int]) -> dict | None:
    """The whole answer from the index with COUNT and LIMIT/OFFSET, when SQL alone gives exactly what
    :func:`search` would (no free text, filters of exact terms only, no facets, a sort on indexed columns);
    None otherwise. What makes a catalogue-wide ``package_search`` (no ``q``) cost a page, not the catalogue."""
    sort_text = str(params.get("sort") or "").strip() or "score desc, metadata_modified desc"
    order = parse_sort(sort_text)
    wants_facets = as_list(params.get("facet.field")) and str(params.get("facet", "true")).lower() != "false"
    for name, default in (("facet.limit", 50), ("facet.mincount", 1)):  # checked as search() checks them
        int_param(params, name, default, minimum=-MAX_INT64)
    if viewer is None or wants_facets or not all(only_terms(node) for node in filters) \
            or any(key != "score" and key not in listing.ORDER_COLUMNS for key, _ in order):
        return None
    terms = [term for node in filters for term in required_terms(node)]
    rows, start = window
    ids = listing.matching_ids(catalog, viewer, terms, order=[(k, d) for k, d in order if k != "score"],
                               limit=rows, offset=start)
    return {"count": listing.count(catalog, viewer, terms), "datasets": listing.datasets(catalog, ids),
            "facets": {}, "search_facets": {}, "sort": sort_text}


def search(catalog: Catalog, params: dict, visible: Callable[[dict], bool], viewer: Viewer | None = None) -> dict:
    """Run a package_search; returns count, the page's dataset dicts, facets and search_facets. ``visible`` is
    the rule for one dataset; ``viewer`` (the same rule, for SQL) lets the index narrow the datasets read."""
    unknown = sorted(k for k in params if k not in ALLOWED and not k.startswith("ext_"))
    if unknown:
        raise search_query(_("Tham số tìm kiếm không hợp lệ: {names}", names=unknown))
    rows = min(int_param(params, "rows", ROWS_DEFAULT), ROWS_MAX)
    start = int_param(params, "start", 0)
    q = query_text(params, "q")
    fqs = [query_text(params, "fq")]
    fq_list = params.get("fq_list")
    fqs += as_list(fq_list) if fq_list not in (None, "") else []
    filters = [parse_filter(fq, "fq") for fq in fqs if fq.strip()]

    scores: dict[int, float] = {}
    if q in ("", "*:*", "*") or has_field_syntax(q) or q.startswith(("-", "(")):
        if q not in ("", "*:*", "*"):
            filters.append(parse_filter(q, "q"))
        if sum(clauses(node) for node in filters) <= MAX_CLAUSES:
            answer = sql_answer(catalog, params, filters, viewer, (rows, start))
            if answer is not None:
                return answer
        candidates = field_candidates(catalog, filters, visible, viewer)
    else:  # free text: only its matches are read (the index ranks them), not the whole catalogue
        by_id = match_scores(catalog, q)
        candidates = [(i, d) for i, d in enumerate(listing.datasets(catalog, list(by_id))) if visible(d)]
        scores = {i: by_id[d["id"]] for i, d in candidates}
    if sum(clauses(node) for node in filters) > MAX_CLAUSES:
        raise search_query(_("q và fq có quá nhiều mệnh đề: giới hạn là {limit}", limit=MAX_CLAUSES))

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
    facet_limit = int_param(params, "facet.limit", 50, minimum=-MAX_INT64)  # -1: no limit
    mincount = int_param(params, "facet.mincount", 1, minimum=-MAX_INT64)
    titles = {d["org"]: d.get("org_title") or d["org"] for _, d, _ in hits}
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict] = {}
    if str(params.get("facet", "true")).lower() != "false":
        for field in facet_fields:
            counter: Counter = Counter()
            for _score, _dataset, doc in hits:
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
