"""A version's published schema (what the files we serve hold) and its source description (how the source was written).

Why two: departments send ``dd/mm/yyyy`` dates and ``1.234,5`` numbers, so the schema that VALIDATES an upload
(the dataset's schema) carries the source's parsing hints. The files the catalogue serves are typed Parquet and
a CSV with ISO dates and plain numbers; a descriptor that still declared ``%d/%m/%Y`` or ``decimalChar ","``
would contradict them, and ``frictionless validate`` of our own download would fail. So each version stores:

* ``schema``: the published Table Schema, the source hints removed (defaults describe our files) and
  constraint values written the way the files write them (ISO dates, JSON numbers);
* ``source_description``: the hints that were removed, field by field, plus how the source file was read
  (format, encoding, dialect) when the publisher said so.

:func:`split` is the one place that decides which is which; ``catalog.unit_of_work`` stores both for every
version, and :func:`migrate_versions` rewrites versions stored before the split.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog import db

# Per type, the field keys that say how the SOURCE wrote a value (frictionless's parsing options).
SOURCE_KEYS = {
    "date": ("format",), "time": ("format",), "datetime": ("format",), "year": ("format",),
    "yearmonth": ("format",),
    "number": ("groupChar", "decimalChar", "bareNumber"),
    "integer": ("groupChar", "bareNumber"),
    "boolean": ("trueValues", "falseValues"),
}
ALL_TYPES_KEYS = ("missingValues",)
SCHEMA_KEYS = ("missingValues", "fieldsMatch", "encoding", "dialect")  # table-level source hints
VALUE_CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum")
ISO = {"date": "%Y-%m-%d", "time": "%H:%M:%S", "datetime": "%Y-%m-%dT%H:%M:%S"}


def split(schema: dict | None) -> tuple[dict, dict]:
    """(published schema, source description) of a validation schema; the input is not changed."""
    published = copy.deepcopy(schema or {})
    described: dict[str, Any] = {k: published.pop(k) for k in SCHEMA_KEYS if k in published}
    if described.get("missingValues") == [""]:
        del described["missingValues"]  # the default: nothing to describe
    fields = []
    for field in published.get("fields") or []:
        hints = _split_field(field) if isinstance(field, dict) else {}
        if hints:
            fields.append({"name": field.get("name"), **hints})
    if fields:
        described["fields"] = fields
    return published, described


def published(schema: dict | None) -> dict:
    return split(schema)[0]


def _split_field(field: dict) -> dict:
    """Remove ``field``'s source hints in place (rewriting constraint values to match); returns the hints."""
    kind = field.get("type", "string")
    original = copy.deepcopy(field.get("constraints"))
    hints = {k: field.pop(k) for k in SOURCE_KEYS.get(kind, ()) + ALL_TYPES_KEYS if k in field}
    if hints.get("format") in ("default", None):
        hints.pop("format", None)
    if isinstance(field.get("constraints"), dict) and hints:
        read = _reader(kind, hints)
        constraints = field["constraints"]
        for key in VALUE_CONSTRAINTS:
            if key in constraints:
                value = constraints[key]
                constraints[key] = [read(v) for v in value] if isinstance(value, list) else read(value)
        if constraints != original:
            hints["constraints"] = original
    return hints


def _reader(kind: str, hints: dict):
    """A constraint value as the source wrote it -> as the published files write it (unchanged if unreadable)."""
    def read(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return _convert(kind, hints, value)
        except (ValueError, TypeError):
            return value
    return read


def _convert(kind: str, hints: dict, value: str) -> Any:
    fmt = hints.get("format")
    if kind in ISO and fmt and "%" in fmt:
        parsed = dt.datetime.strptime(value, fmt)
        if kind == "date":
            return parsed.date().isoformat()
        if kind == "time":
            return parsed.time().isoformat()
        return parsed.isoformat()
    if kind in ("number", "integer"):
        text = value.replace(hints.get("groupChar") or "\x00", "")
        text = text.replace(hints.get("decimalChar") or ".", ".")
        return int(text) if kind == "integer" else float(text)
    if kind == "boolean":
        if value in (hints.get("trueValues") or []):
            return True
        if value in (hints.get("falseValues") or []):
            return False
    return value


def version_columns(schema: dict | None, source: dict | None = None) -> dict:
    """The version row's ``schema`` and ``source_description`` from the validation schema; ``source`` adds how
    the file was read (format, encoding, dialect)."""
    published_schema, described = split(schema)
    extra = {k: v for k, v in (source or {}).items() if v not in (None, "", {})}
    return {"schema": published_schema, "source_description": {**described, **extra}}


def migrate_versions(conn: Connection) -> None:
    """The data step of the migration that added ``source_description``: split every stored version's schema."""
    v = db.versions
    rows = conn.execute(sa.select(v.c.id, v.c.schema, v.c.source_format).where(v.c.source_description.is_(None)))
    for row in rows.fetchall():
        columns = version_columns(row.schema, {"format": row.source_format})
        conn.execute(v.update().where(v.c.id == row.id).values(**columns))
