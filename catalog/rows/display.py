"""A cell's number as people read it (``20.000``, ``21,03748`` in Vietnamese), and which numbers are not amounts.

Why a rule of its own: every table of rows (the dataset preview, the explorer, the SQL page, map popups) shows
the same values, and only amounts want a thousands separator: a year 2024 written "2.024" or a commune code
"10.105" reads wrong. The raw value stays in machine format wherever a program reads it (JSON, CSV, data
attributes); only the text shown is formatted, by ``catalog.i18n.format_number`` (Babel's locale data).

The rule: a number is written *plain* (no grouping, a decimal comma still) when its column is typed ``year``, or
carries ``"grouping": false`` in its Table Schema field, or has a name word (split on ``_``, ``-``, spaces)
or a first title word, accents and case ignored, among ``PLAIN_WORDS``: year/năm, code/mã, id, số hiệu
(``nam_hoc``, ``ma_xa``, ``district_code``, "Năm", "Mã xã"). Every other integer or number column is grouped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import babel.numbers

from catalog.i18n import current_lang, format_number
from catalog.text import fold

PLAIN_WORDS = frozenset({"year", "nam", "code", "ma", "id", "zip", "postcode", "sohieu"})
_WORDS = re.compile(r"[^0-9a-z]+")


def _words(text: str) -> list[str]:
    return [w for w in _WORDS.split(fold(text or "")) if w]


def is_plain(column: Mapping[str, Any] | str | None) -> bool:
    """Whether a column's numbers are labels (years, codes) rather than amounts: no thousands separator."""
    if column is None:
        return False
    if isinstance(column, str):
        column = {"name": column}
    if column.get("type") == "year" or column.get("grouping") is False:
        return True
    name = _words(str(column.get("name") or ""))
    title = _words(str(column.get("title") or ""))
    # every name word, the title's first word, and the first two words joined ("so_hieu", "Số hiệu" → sohieu)
    candidates = name + title[:1] + ["".join(name[:2]), "".join(title[:2])]
    return bool(PLAIN_WORDS.intersection(candidates))


def display_number(value: Any, column: Mapping[str, Any] | str | None = None, lang: str | None = None) -> str:
    """``value`` as the tables show it: grouped (``20.000``) unless ``is_plain(column)`` (``2024``)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "" if value is None else str(value)
    if not is_plain(column):
        return format_number(value, lang=lang)
    if isinstance(value, int) or not math.isfinite(value):
        return str(value)
    try:
        return babel.numbers.format_decimal(Decimal(str(value)), format="0.#", locale=lang or current_lang(),
                                            decimal_quantization=False)
    except InvalidOperation:  # beyond Decimal's precision: the value as Python writes it
        return str(value)
