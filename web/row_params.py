"""The query-string language of row views: ``col=v``, ``col__gt=v``, ``col__in=a,b``, ``col__blank=1``, ``limit``.

Why here and not in ``catalog/``: parameter names (``lang``, ``page``, ``format``, ``_sort`` ...) and the
``column__operator`` spelling are how the web writes a view in a URL. This module turns them into the typed
``Filter`` objects of ``catalog/rows/filters.py``; the catalogue never sees a request. The explorer, the REST
API and "download this view" read their filters here, so one URL means the same rows on each of them.

Text filters ignore accents and case (``district=dong da`` finds "Đống Đa"); ``_exact=1`` in the same query
string makes every text filter of the view compare accents and case as written. ``_version=N`` names the
version a view reads (``pinned_version``); it is never a filter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.rows import (
    FALSE_WORDS,
    MAX_LIMIT,
    OPS,
    TRUE_WORDS,
    VALUELESS_OPS,
    Filter,
    schema_fields,
    typed_filter,
    unknown_column,
)
from catalog.text import nfc
from web.context import bounded_int

# Query parameters that steer a page or a download and are never filters.
RESERVED = frozenset({
    "_sort", "_limit", "_cursor", "_fields", "_col", "sort", "limit", "cursor", "fields", "format", "lang", "q",
    "bom", "excel", "offset", "page", "_exact", "_version",
})
EXACT_PARAM = "_exact"
VERSION_PARAM = "_version"

Params = Mapping[str, str] | Sequence[tuple[str, str]]


def _param_items(params: Params) -> list[tuple[str, str]]:
    if hasattr(params, "items") and callable(params.items):
        try:
            return list(params.items(multi=True))  # werkzeug MultiDict: keep repeated keys
        except TypeError:
            return list(params.items())
    return list(params)


def parse_filters(params: Params, schema: dict) -> list[Filter]:
    """Filters from query parameters: ``col=v``, ``col__gt=v``, ``col__in=a,b``, ``col__blank=1`` ...

    Reserved parameters (paging, sorting, format) are skipped, and so is a filter with an empty value (what an
    untouched form field sends). An unknown column or operator, or a value that is not of the column's type,
    raises ``InvalidInput`` naming the parameter.
    """
    fields = schema_fields(schema)
    filters: list[Filter] = []
    items = _param_items(params)
    exact = exact_flag(items)
    for key, raw in items:
        key, raw = nfc(str(key)), nfc(str(raw))
        if not key or key in RESERVED or (key.startswith("_") and key not in fields):
            continue
        found = _parse_one(key, raw, schema, fields, exact)
        if found is not None:
            filters.append(found)
    return filters


def _split_key(key: str, fields: Mapping[str, dict]) -> tuple[str, str]:
    """``col__op`` as (column, operator); a column whose own name contains ``__`` is taken whole."""
    if key in fields or "__" not in key:
        return key, "eq"
    column, op = key.rsplit("__", 1)
    if op not in OPS:
        raise InvalidInput(_("không có phép lọc {op!r} trong {key!r}", op=op, key=key),
                           hint=_("dùng một trong: {ops} (ví dụ {column}__gt=10)", ops=", ".join(OPS), column=column))
    return column, op


def exact_flag(params: Params) -> bool:
    """``_exact=1``: text filters compare accents and case as written (the default folds both away)."""
    for key, raw in _param_items(params):
        if key == EXACT_PARAM:
            text = str(raw).strip().lower()
            if text in TRUE_WORDS:
                return True
            if text and text not in FALSE_WORDS:
                raise InvalidInput(_("{name} phải là 1 hoặc 0, không phải {value!r}", name=EXACT_PARAM, value=raw),
                                   hint=_("{name}=1 so khớp đúng dấu và chữ hoa/thường", name=EXACT_PARAM))
    return False


def pinned_version(params: Params) -> int | None:
    """``_version=N``: the version number a view asks for (None when absent); a clear error when not a number."""
    for key, raw in _param_items(params):
        if key == VERSION_PARAM and str(raw).strip():
            text = str(raw).strip()
            if not text.isdigit() or int(text) < 1:
                raise InvalidInput(_("{name} phải là một số phiên bản như 2, không phải {value!r}", name=VERSION_PARAM,
                                     value=raw), hint=_("trang bộ dữ liệu liệt kê các phiên bản của nó"))
            return int(text)
    return None


def _parse_one(key: str, raw: str, schema: dict, fields: Mapping[str, dict], exact: bool) -> Filter | None:
    column, op = _split_key(key, fields)
    where = _("bộ lọc {key!r}", key=key)
    if column not in fields:
        raise unknown_column(column, fields, where)
    if op in VALUELESS_OPS:
        text = raw.strip().lower()
        if text in FALSE_WORDS:
            op = "notblank" if op == "blank" else "blank"
        elif text and text not in TRUE_WORDS:
            raise InvalidInput(_("{where}: cần 1 hoặc 0, không phải {value!r}", where=where, value=raw))
        return typed_filter(schema, column, op, where=where)
    if raw.strip() == "":
        return None
    if op == "in":
        items = split_list(raw)
        return typed_filter(schema, column, op, items, where=where, exact=exact) if items else None
    return typed_filter(schema, column, op, raw, where=where, exact=exact)


def split_list(raw: str) -> list[str]:
    """``a,b,c`` or a JSON array (for values that contain commas)."""
    text = raw.strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, list):
            return [nfc(str(v)) for v in data]
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_limit(value: Any, default: int = 100, maximum: int = MAX_LIMIT) -> int:
    """The ``limit`` of a page of rows: a whole number from 1 to ``maximum``."""
    return bounded_int(value, "limit", default, 1, maximum)
