"""Validation reports: the named error types, error records, and the human rendering.

A report is a plain dict shaped like ``frictionless validate --json`` output, so tools written for
frictionless read ours. ``render_text`` turns one into the summary and table the CLI prints.
"""

from __future__ import annotations

import os
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# code -> (title, description, message template); templates use the error's camelCase properties.
ERRORS: dict[str, tuple[str, str, str]] = {
    "encoding-error": (
        "Encoding Error",
        "The bytes of the file cannot be decoded with the declared encoding.",
        "The data cannot be decoded: {note}",
    ),
    "source-error": (
        "Source Error",
        "The data source cannot be read as a table.",
        "The data source has not supported or has inconsistent contents: {note}",
    ),
    "resource-error": (
        "Resource Error",
        "The resource description or one of the resources it refers to is not usable.",
        "The resource is not usable: {note}",
    ),
    "blank-label": (
        "Blank Label",
        "A header cell is empty; every column needs a label.",
        'The label in the header at position "{fieldNumber}" is blank',
    ),
    "duplicate-label": (
        "Duplicate Label",
        "Two header cells have the same label; labels must be unique.",
        'The label "{label}" at position "{fieldNumber}" repeats a label: {note}',
    ),
    "missing-label": (
        "Missing Label",
        "A field of the schema has no column in the header.",
        'The header has no label for field "{fieldName}" at position "{fieldNumber}"',
    ),
    "extra-label": (
        "Extra Label",
        "The header has a column the schema does not describe.",
        'The header has an extra label "{label}" at position "{fieldNumber}"',
    ),
    "incorrect-label": (
        "Incorrect Label",
        "A header label differs from the name of the schema field at its position.",
        'The label "{label}" at position "{fieldNumber}" does not match the schema field "{fieldName}"',
    ),
    "blank-row": (
        "Blank Row",
        "Every cell of this row is empty or a missing value.",
        'Row at position "{rowNumber}" is completely blank',
    ),
    "extra-cell": (
        "Extra Cell",
        "This row has more cells than the header.",
        'Row at position "{rowNumber}" has an extra cell at position "{fieldNumber}"',
    ),
    "missing-cell": (
        "Missing Cell",
        "This row has fewer cells than the header.",
        'Row at position "{rowNumber}" has no cell for field "{fieldName}" at position "{fieldNumber}"',
    ),
    "type-error": (
        "Type Error",
        "The value is not of the field's type and format.",
        'The cell "{cell}" in row "{rowNumber}" and field "{fieldName}" at position "{fieldNumber}" '
        "is not valid: {note}",
    ),
    "constraint-error": (
        "Constraint Error",
        "The value breaks a constraint of the field.",
        'The cell "{cell}" in row "{rowNumber}" and field "{fieldName}" at position "{fieldNumber}" '
        "breaks a constraint: {note}",
    ),
    "unique-error": (
        "Unique Error",
        "The field must be unique but this value was already used in another row.",
        'Row at position "{rowNumber}" repeats a value of unique field "{fieldName}" at position '
        '"{fieldNumber}": {note}',
    ),
    "primary-key": (
        "PrimaryKey Error",
        "The primary key must be present and unique in every row.",
        'Row at position "{rowNumber}" breaks the primary key: {note}',
    ),
    "foreign-key": (
        "ForeignKey Error",
        "The values of a foreign key must exist in the referenced table.",
        'Row at position "{rowNumber}" breaks a foreign key: {note}',
    ),
    "duplicate-row": (
        "Duplicate Row",
        "The row repeats an earlier row.",
        'Row at position "{rowNumber}" is a duplicate: {note}',
    ),
}

TAGS = {
    "encoding-error": [], "source-error": [], "resource-error": [],
    "blank-label": ["#table", "#header", "#label"], "duplicate-label": ["#table", "#header", "#label"],
    "missing-label": ["#table", "#header", "#label"], "extra-label": ["#table", "#header", "#label"],
    "incorrect-label": ["#table", "#header", "#label"],
    "blank-row": ["#table", "#row"], "primary-key": ["#table", "#row"], "foreign-key": ["#table", "#row"],
    "duplicate-row": ["#table", "#row"],
    "extra-cell": ["#table", "#row", "#cell"], "missing-cell": ["#table", "#row", "#cell"],
    "type-error": ["#table", "#row", "#cell"], "constraint-error": ["#table", "#row", "#cell"],
    "unique-error": ["#table", "#row", "#cell"],
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def make_error(code: str, note: str = "", **props) -> dict:
    """One error record: type, title, description, message, tags, note, then its properties."""
    title, description, template = ERRORS[code]
    error = {"type": code, "title": title, "description": description, "message": "",
             "tags": list(TAGS[code]), "note": note}
    error.update(props)
    error["message"] = template.format_map(_Blank(error))
    return error


def make_report(task: dict, *, seconds: float) -> dict:
    """Wrap one task into the top-level report dict."""
    return {
        "valid": task["valid"],
        "stats": {"tasks": 1, "errors": len(task["errors"]), "warnings": len(task["warnings"]),
                  "seconds": round(seconds, 3)},
        "warnings": [],
        "errors": [],
        "tasks": [task],
    }


def for_client(value: Any, path: Path, filename: str, *, hide: Iterable[str | Path] = ()) -> Any:
    """A report (or any JSON value) as a client over HTTP may see it: the server's path of the file becomes the
    client's file name, and the folders in ``hide`` (the catalogue home) become "…". Server paths tell an
    attacker where things live; the client only knows the name of the file it sent."""
    name = Path(str(filename).replace("\\", "/")).name or path.name
    swaps = [(str(path), name), (str(path.parent) + os.sep, "")]
    swaps += [(str(folder), "…") for folder in sorted(map(str, hide), key=len, reverse=True) if len(str(folder)) > 1]
    return _swap(value, swaps)


def _swap(value: Any, swaps: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for old, new in swaps:
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {key: _swap(item, swaps) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_swap(item, swaps) for item in value]
    return value


# --------------------------------------------------------------------------------------------- rendering


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _clip(text: str, limit: int) -> str:
    text = text.replace("\n", "⏎").replace("\r", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def render_text(report: dict, *, max_errors: int = 50) -> str:
    """A human report: one summary line per table, a count per error type, then the first ``max_errors``
    errors as a table (row, field, type, cell, problem)."""
    lines: list[str] = []
    errors_all = list(report.get("errors") or [])
    for task in report.get("tasks") or []:
        stats = task.get("stats", {})
        errors = list(task.get("errors") or [])
        name = task.get("name") or task.get("place") or "table"
        rows, fields = stats.get("rows"), stats.get("fields")
        shape = f"{rows if rows is not None else '?'} rows, {fields if fields is not None else '?'} fields"
        if task.get("valid"):
            lines.append(f"VALID    {name}: {shape}")
        else:
            lines.append(f"INVALID  {name}: {shape}, {len(errors)} error{'s' if len(errors) != 1 else ''}")
        for warning in task.get("warnings") or []:
            lines.append(f"  warning: {warning}")
        errors_all += errors
    if not report.get("tasks"):
        lines.append("VALID" if report.get("valid") else "INVALID")
    if not errors_all:
        return "\n".join(lines) + "\n"
    counts = Counter(e["type"] for e in errors_all)
    lines.append("  " + ", ".join(f"{count} × {code}" for code, count in counts.most_common()))
    shown = errors_all[:max_errors]
    header = ["row", "field", "type", "cell", "problem"]
    table = [[
        "" if e.get("rowNumber") is None else str(e["rowNumber"]),
        str(e.get("fieldName") or e.get("label") or ""),
        e["type"],
        _clip(str(e.get("cell", "") if e.get("cell") is not None else ""), 24),
        # a row error's note says briefly what is wrong; header errors read better as the full message
        _clip((e.get("note") if e.get("rowNumber") is not None else "") or e.get("message") or "", 90),
    ] for e in shown]
    widths = [max(_width(r[i]) for r in [header, *table]) for i in range(4)]
    lines.append("")
    lines.append("  " + "  ".join(_pad(h, widths[i]) if i < 4 else h for i, h in enumerate(header)))
    for row in table:
        lines.append("  " + "  ".join(_pad(c, widths[i]) if i < 4 else c for i, c in enumerate(row)))
    if len(errors_all) > len(shown):
        lines.append(f"  … and {len(errors_all) - len(shown)} more errors (use --json for all of them)")
    return "\n".join(lines) + "\n"
