"""Header mapping: which schema field each column is, and the label errors frictionless reports.

Why its own module: frictionless pairs labels with fields by position (``fieldsMatch: exact``) or by name
(``equal``, ``subset``, ``superset``, ``partial``), case-insensitively unless the dialect says otherwise, and
reports extra, missing, blank, duplicate and incorrect labels in a fixed order. The engine works from the
resulting ``Plan`` per column.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.errors import InvalidInput
from catalog.text import nfc
from pipelines.report import make_error
from pipelines.source import Dialect


def field_missing_values(schema: dict, field: dict) -> list[str]:
    """A field-level ``missingValues`` replaces the schema's (it does not add to it)."""
    return field["missingValues"] if "missingValues" in field else schema["missingValues"]


@dataclass
class Plan:
    """One expected column: the schema field at a label's position (or a stand-in ``any`` field)."""

    j: int  # 1-based staged column
    field: dict
    number: int  # fieldNumber in reports
    missing: list[str]
    schema_field: bool  # False for the stand-in of an extra label

    @property
    def name(self) -> str:
        return self.field["name"]

    @property
    def type(self) -> str:
        return self.field["type"]

    @property
    def constraints(self) -> dict:
        return self.field.get("constraints", {})


def dedupe(names: list[str], sep: str = "") -> list[str]:
    """The names made unique in order: a name already taken gets ``sep`` and 2, 3 … appended (also used by
    ``describe`` for the field names of a draft schema)."""
    out, used = [], set()
    for name in names:
        new, n = name, 2
        while new in used:
            new, n = f"{name}{sep}{n}", n + 1
        out.append(new)
        used.add(new)
    return out


def header_plans(schema: dict, labels: list[str], dialect: Dialect, header_rows: list[int],
                 width: int) -> tuple[list[Plan], list[dict]]:
    """Pair labels with fields and list the label errors, as frictionless's Header does."""
    fields = schema["fields"]
    if not labels:
        plans = [Plan(i + 1, f, i + 1, field_missing_values(schema, f), True) for i, f in enumerate(fields[:width])]
        return plans, []
    mode = schema.get("fieldsMatch", "exact")
    key = (lambda s: nfc(s).lower()) if not dialect.header_case else nfc
    matched = _match(fields, labels, mode, key)
    common = {"labels": list(labels), "rowNumbers": list(header_rows)}
    errors = _extra_labels(matched, labels, mode, common)
    errors += _missing_labels(schema, labels, mode, key, common)
    if mode == "exact" and not labels_are_titles(fields, labels, key):
        errors += _positional_label_errors(fields, labels, key, common)
    return _plans(schema, matched, labels), errors


def labels_are_titles(fields: list[dict], labels: list[str], key) -> bool:
    """Every label is its field's ``title``, in order: the header matches (our one extension to frictionless).

    ``describe`` drafts ASCII field names (``ty_le_dung_han``) and keeps each original header as the title
    (``Tỷ lệ đúng hạn (%)``), so the department's file keeps its header. frictionless would report every label
    as incorrect; a header that only partly matches the titles is still checked against the names, as there.
    """
    return len(labels) == len(fields) and all(
        f.get("title") and key(str(f["title"])) == key(label) for f, label in zip(fields, labels, strict=True))


def _match(fields: list[dict], labels: list[str], mode: str, key) -> list[dict | None]:
    """The field of each label: by position (``exact``) or by name (the other modes)."""
    if mode == "exact":
        return [fields[i] if i < len(fields) else None for i in range(len(labels))]
    if len({key(label) for label in labels}) != len(labels):
        raise InvalidInput(f'matching fields by name ("fieldsMatch": "{mode}") needs unique header labels')
    lookup: dict[str, dict] = {}
    for f in fields:
        lookup.setdefault(key(f["name"]), f)
    return [lookup.get(key(label)) for label in labels]


def _plans(schema: dict, matched: list[dict | None], labels: list[str]) -> list[Plan]:
    """One plan per column; a label without a field gets a stand-in ``any`` field named after it."""
    stand_in = dedupe([m["name"] if m else label for m, label in zip(matched, labels, strict=True)])
    plans = []
    for i, (f, label_name) in enumerate(zip(matched, stand_in, strict=True)):
        if f is None:
            plans.append(Plan(i + 1, {"name": label_name, "type": "any", "format": "default"}, i + 1, [""], False))
        else:
            plans.append(Plan(i + 1, f, i + 1, field_missing_values(schema, f), True))
    return plans


def _extra_labels(matched: list[dict | None], labels: list[str], mode: str, common: dict) -> list[dict]:
    errors = []
    if mode not in ("subset", "partial"):
        for i, (f, label) in enumerate(zip(matched, labels, strict=True)):
            if f is None:
                errors.append(make_error("extra-label", label=label, fieldName="", fieldNumber=i + 1, **common))
    if mode == "partial" and not any(matched):
        errors.append({**make_error("source-error", note="none of the schema's fields is in the header"),
                       "type": "unmatched-header", "title": "Unmatched Header"})
    return errors


def _missing_labels(schema: dict, labels: list[str], mode: str, key, common: dict) -> list[dict]:
    fields = schema["fields"]
    if mode != "exact":
        seen = {key(label) for label in labels}
        missing = [f for f in fields if key(f["name"]) not in seen]
        if mode in ("superset", "partial"):
            missing = [f for f in missing if f.get("constraints", {}).get("required")
                       or f["name"] in schema["primaryKey"]]
    else:
        missing = fields[len(labels):]
    return [make_error("missing-label", label="", fieldName=f["name"], fieldNumber=len(labels) + offset + 1,
                       **common) for offset, f in enumerate(missing)]


def _positional_label_errors(fields: list[dict], labels: list[str], key, common: dict) -> list[dict]:
    """Blank, duplicate and incorrect labels, the first that applies to each position."""
    errors = []
    for number, (f, label) in enumerate(zip(fields, labels, strict=False), start=1):
        props = {"fieldName": f["name"], "fieldNumber": number, **common}
        if not label:
            errors.append(make_error("blank-label", label="", **props))
            continue
        earlier = [str(n) for n, seen_label in enumerate(labels[: number - 1], start=1) if seen_label == label]
        if earlier:
            errors.append(make_error("duplicate-label", note=f'at position "{", ".join(earlier)}"', label=label,
                                     **props))
        elif key(label) != key(f["name"]):
            errors.append(make_error("incorrect-label", label=label, **props))
    return errors
