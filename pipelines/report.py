"""Validation reports: the named error types, error records, and the human rendering.

A report is a plain dict shaped like ``frictionless validate --json`` output, so tools written for
frictionless read ours: ``type``, ``title``, ``message`` and ``note`` stay frictionless's English words. What
department staff read is the error's ``explanation`` (``pipelines/validation/explain.py``: what is wrong and what
to do, in the current language). ``render_text`` turns a report into the summary and list the CLI prints.
"""

from __future__ import annotations

import os
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from catalog.i18n import format_number
from catalog.i18n import gettext as _
from pipelines.validation.explain import explain

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


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: a combining mark takes none, a wide (CJK) character two."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _clip(text: str, limit: int) -> str:
    text = text.replace("\n", "⏎").replace("\r", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def _summary(task: dict) -> str:
    """One line per table: valid or not, its name, rows and fields (numbers in the language's format)."""
    stats = task.get("stats", {})
    name = task.get("name") or task.get("place") or _("bảng")
    rows, fields = stats.get("rows"), stats.get("fields")
    shape = _("{rows} dòng, {fields} trường", rows="?" if rows is None else format_number(rows),
              fields="?" if fields is None else format_number(fields))
    if task.get("valid"):
        return _("HỢP LỆ        {name}: {shape}", name=name, shape=shape)
    count = len(task.get("errors") or [])
    return _("KHÔNG HỢP LỆ  {name}: {shape}, {count} lỗi", name=name, shape=shape, count=format_number(count))


def _where(error: dict) -> str:
    """Where an error is, in words: ``dòng 3, cột "quality", ô "Kem"`` (parts it lacks left out)."""
    parts = []
    if error.get("rowNumber") is not None:
        parts.append(_("dòng {row}", row=format_number(error["rowNumber"])))
    field = error.get("fieldName") or error.get("label")
    if field:
        parts.append(_("cột \"{field}\"", field=field))
    elif error.get("fieldNumber"):
        parts.append(_("cột thứ {number}", number=error["fieldNumber"]))
    if error.get("cell") not in (None, ""):
        parts.append(_("ô \"{cell}\"", cell=_clip(str(error["cell"]), 40)))
    return ", ".join(parts)


def render_text(report: dict, *, max_errors: int = 50) -> str:
    """A human report in the current language: one summary line per table, a count per error type, then the
    first ``max_errors`` errors, each with where it is and its explanation (what is wrong, what to do)."""
    lines: list[str] = []
    errors_all = list(report.get("errors") or [])
    for task in report.get("tasks") or []:
        lines.append(_summary(task))
        for warning in task.get("warnings") or []:
            lines.append("  " + _("cảnh báo: {warning}", warning=warning))
        errors_all += list(task.get("errors") or [])
    if not report.get("tasks"):
        lines.append(_("HỢP LỆ") if report.get("valid") else _("KHÔNG HỢP LỆ"))
    if not errors_all:
        return "\n".join(lines) + "\n"
    counts = Counter(e["type"] for e in errors_all)
    lines.append("  " + ", ".join(f"{format_number(count)} × {code}" for code, count in counts.most_common()))
    shown = errors_all[:max_errors]
    for error in shown:
        where = _where(error)
        lines.append("")
        lines.append(f"  [{error['type']}] {where}".rstrip())
        text = error.get("explanation") or explain(error)
        lines += ["      " + line for line in textwrap.wrap(text, 96)]
    if len(errors_all) > len(shown):
        lines.append("")
        lines.append("  " + _("… và {count} lỗi nữa (dùng --json để xem tất cả)",
                               count=format_number(len(errors_all) - len(shown))))
    return "\n".join(lines) + "\n"
