"""The one formula-safe rule for everything we write that a spreadsheet program opens.

Why: a cell whose text starts with ``=`` (or ``+``, ``-``, ``@``, a tab or a carriage return) is run as a
formula by Excel and LibreOffice when a CSV is opened, and an XLSX cell written as a formula runs when the
workbook is opened. Published data, SQL results and even column names come from people we do not control, so a
download must never carry a live formula (``=HYPERLINK(...)``, ``=WEBSERVICE(...)``, DDE).

- XLSX: text is always written as a text cell (never ``<f>``), whatever its first character.
- CSV for Excel (``?excel=1``): text that starts with a dangerous character gets a leading ``'``, which Excel
  shows as "this is text" and does not display; the header row is protected the same way as the values.

Every writer uses the helpers here: the format writers of ``catalog/writers/`` (dataset downloads, explorer
views and SQL results alike), and the pages that decide whether to offer an XLSX download.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Excel's limits, for every writer and every page that offers an XLSX download.
EXCEL_MAX_ROWS = 1_048_575  # rows of data in one sheet: Excel's 1,048,576, less the header row
EXCEL_MAX_CELL = 32_767  # characters in one cell
# Excel keeps 15 significant digits: an integer from here on (an id, 2^53, 2^60) is written as text, so it stays
# exact. One rule for every XLSX writer.
EXCEL_EXACT_INTEGERS = 10**15
FORMULA_PREFIXES = "=+-@\t\r"
BOM = b"\xef\xbb\xbf"  # CSV for Excel starts with it, or Excel reads UTF-8 as the local code page
QUOTE = "'"
_DANGEROUS = re.compile("^[" + re.escape(FORMULA_PREFIXES) + "]")
# The same rule as a regular expression for DuckDB and pyarrow (RE2 syntax).
DANGEROUS_PATTERN = "^[=+\\-@\\t\\r]"
# Characters XML 1.0 cannot hold (an XLSX is XML): dropped from text cells.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_dangerous(text: str) -> bool:
    """Whether a spreadsheet program would read ``text`` as the start of a formula."""
    return bool(_DANGEROUS.match(text))


def excel_text(text: str) -> str:
    """``text`` as a CSV-for-Excel cell: a leading ``'`` when Excel would run it as a formula."""
    return QUOTE + text if is_dangerous(text) else text


def excel_header(names: Iterable[str]) -> list[str]:
    """Column names protected like values (a column may be named ``=HYPERLINK(...)``)."""
    return [excel_text(name) for name in names]


def excel_sql(expr: str) -> str:
    """DuckDB SQL applying ``excel_text`` to the text expression ``expr``."""
    return f"CASE WHEN regexp_matches({expr}, '{DANGEROUS_PATTERN}') THEN '{QUOTE}{QUOTE}' || {expr} ELSE {expr} END"


def excel_arrow(column: Any) -> Any:
    """A pyarrow string array with ``excel_text`` applied to every value (nulls stay null)."""
    import pyarrow.compute as pc

    dangerous = pc.match_substring_regex(column, DANGEROUS_PATTERN)
    return pc.if_else(dangerous, pc.binary_join_element_wise(QUOTE, column, ""), column)


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (an XLSX is XML)."""
    return _XML_ILLEGAL.sub("", text)
