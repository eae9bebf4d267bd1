"""Infer a draft Table Schema from a data file, knowing Vietnamese conventions.

A department's file says ``1.883.245`` for a count, ``12,5`` for a decimal and ``05/09/1990`` for the 5th
of September. frictionless infers those as strings (or worse, ``format: any`` reads dates month first);
here a column becomes a number with ``groupChar "."``/``decimalChar ","`` or a ``%d/%m/%Y`` date when
every value in the sample reads that way and the reading is unambiguous. Every candidate type is tested
with the validator's own reference readers, so the draft validates the sample it came from.

A column of digit strings that start with 0 or have 9 digits or more stays a string: those are codes and
identifiers (``001090012345`` is a citizen ID, ``0912345678`` a phone number, ``0101234567`` a tax code), and
reading them as integers would drop the leading zeros and hide them from the privacy gate's text scan.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable

import duckdb

from catalog.sqltext import sql_string
from catalog.text import nfc
from pipelines import read as readers
from pipelines.source import is_comment, open_source, parse_dialect
from pipelines.validation.fields import make_reader
from pipelines.validation.fields.native import native as native_cell
from pipelines.validation.header import dedupe

SAMPLE_ROWS = 5000
# Tokens departments write for "no value"; declared as missing values only when a column needs them.
MISSING_TOKENS = ["", "-", "--", "N/A", "n/a", "NA", "không có", "Không có", "KXĐ", "x", "..."]
_VN_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_VN_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_EN_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CODE = re.compile(r"^(?:0\d+|\d{9,})$")  # digit strings that are codes, not quantities
_DMY = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def describe_file(path, *, encoding: str | None = None, dialect: dict | None = None,
                  format: str | None = None) -> dict:
    """A draft Table Schema for the file: one field per column, types inferred from a sample."""
    source = open_source(path, format=format, encoding=encoding)
    parsed = parse_dialect(dialect)
    labels, rows = _sample(source, parsed)
    if not labels and rows:
        labels = [f"field{i + 1}" for i in range(max(len(r) for r in rows))]
    names = _names(labels)
    fields, used_missing, columns = [], set(), []
    for index, name in enumerate(names):
        column = [row[index] if index < len(row) else (None, None) for row in rows]
        field, missing = _infer(name, column)
        if source.format == "geojson" and name == readers.GEOMETRY_FIELD:
            field["type"] = "geojson"  # the features' geometry (pipelines/read/geojson.py)
        if labels and labels[index] and labels[index] != name:
            field["title"] = labels[index]
        fields.append(field)
        columns.append(column)
        used_missing |= missing
    # A file that writes 1.234.567 or 12,5 somewhere writes 629.381 for 629381 too: apply its convention
    # to the columns that alone were ambiguous (every value d.ddd, read as an English decimal).
    if any(f.get("decimalChar") == "," for f in fields):
        for field, column in zip(fields, columns, strict=True):
            texts = [t for t, k in column if t is not None and k is None and t.strip() not in MISSING_TOKENS]
            if field["type"] == "number" and "decimalChar" not in field and texts and all(
                    _VN_GROUPED.match(t) for t in texts):
                field.update({"groupChar": ".", "decimalChar": ","})
    schema: dict = {"fields": fields}
    missing_values = [token for token in MISSING_TOKENS if token in used_missing or token == ""]
    schema["missingValues"] = missing_values
    return schema


def _names(labels: list[str]) -> list[str]:
    return dedupe([label or f"field{index + 1}" for index, label in enumerate(labels)], sep="_")


def _sample(source, dialect) -> tuple[list[str], list[list[tuple[str | None, int | None]]]]:
    """Labels and up to SAMPLE_ROWS rows of (text, kind) cells."""
    if source.format in ("csv", "tsv"):
        layout, note = readers.read_csv_layout(source, dialect)
        if layout is None:
            from catalog.errors import InvalidInput

            raise InvalidInput(f"{source.path.name}: cannot decode the file ({note})")
        rows = []
        with open(source.path, "rb") as raw:
            text = io.TextIOWrapper(raw, source.encoding or "utf-8", newline="")
            reader = csv.reader((nfc(line) for line in text), **layout.fmt.python())
            for number, cells in enumerate(reader, start=1):
                if number < dialect.first_content_row or is_comment(dialect, number, cells):
                    continue
                rows.append([(cell, None) for cell in cells])
                if len(rows) >= SAMPLE_ROWS:
                    break
        return layout.labels, rows
    with tempfile.TemporaryDirectory(prefix="opendata-describe-") as tmp:
        con = duckdb.connect(config={"temp_directory": tmp})
        try:
            con.execute("SET enable_progress_bar = false")
            if source.format == "xlsx":
                staged = readers.stage_xlsx(con, source, dialect, 0, "sample")
            elif source.format == "parquet":
                staged = readers.stage_parquet(con, source, "sample")
            elif source.format == "geojson":
                staged = readers.stage_geojson(con, source, readers.geojson_field_names(source), "sample")
            else:
                staged = _json_sample(con, source)
            cols = ", ".join(f"c{j + 1}, k{j + 1}" for j in range(staged.width))
            data = con.execute(f"SELECT {cols} FROM {staged.table} LIMIT {SAMPLE_ROWS}").fetchall() if cols else []
        finally:
            con.close()
    rows = [[(r[2 * j], r[2 * j + 1]) for j in range(staged.width)] for r in data]
    return staged.labels, rows


def _json_sample(con, source):
    """Keys of a JSON array of objects, in first-seen order, then the rows keyed by them."""
    keys = con.execute(
        f"SELECT DISTINCT unnest(json_keys(j)) FROM read_json({sql_string(source.path)}, "
        f"format='array', records=false, columns={{'j': 'JSON'}}) LIMIT 1000").fetchall()
    names = list(dict.fromkeys(nfc(k[0]) for k in keys))
    return readers.stage_json(con, source, names, "sample")


# ------------------------------------------------------------------------------------------- inference


def _candidates() -> Iterable[dict]:
    yield {"type": "integer"}
    yield {"type": "number"}
    yield {"type": "number", "groupChar": ".", "decimalChar": ","}
    yield {"type": "number", "decimalChar": ","}
    yield {"type": "number", "groupChar": ","}
    yield {"type": "boolean"}
    yield {"type": "date"}
    yield {"type": "datetime"}
    yield {"type": "time"}


def _accepts(field: dict, values: list[tuple[str, int | None]]) -> bool:
    reader = make_reader({"name": "x", **field})
    return all(reader(native_cell(text, kind)) is not None for text, kind in values)


def _infer(name: str, column: list[tuple[str | None, int | None]]) -> tuple[dict, set[str]]:
    present = [(t, k) for t, k in column if t is not None]
    texts = [t for t, k in present if k is None]
    missing = {t for t in texts if t.strip() in MISSING_TOKENS or t == ""}
    values = [(t, k) for t, k in present if not (k is None and t in missing)]
    field: dict = {"name": name, "type": "string"}
    if not values:
        return {"name": name, "type": "string"}, set()
    kinds = {k for _, k in values}
    if kinds - {None}:
        native = _native_type(kinds, values)
        if native:
            return {"name": name, **native}, missing
    strings = [t for t, _ in values]
    if any(_CODE.match(s.strip()) for s in strings):
        return field, {t for t in missing if t == ""}
    for candidate in _candidates():
        if candidate.get("groupChar") == ".":
            if not any(_VN_GROUPED.match(s) for s in strings):
                continue
            if not all(_VN_GROUPED.match(s) or _VN_DECIMAL.match(s) or s.lstrip("+-").isdigit() for s in strings):
                continue
        if candidate.get("decimalChar") == "," and "groupChar" not in candidate:
            if not any(_VN_DECIMAL.match(s) for s in strings):
                continue
        if candidate.get("groupChar") == ",":
            if not any(_EN_GROUPED.match(s) for s in strings):
                continue
        if candidate["type"] == "boolean" and not all(s.lower() in ("true", "false") for s in strings):
            continue
        if _accepts(candidate, values):
            field = {"name": name, **candidate}
            break
    else:
        date = _day_first(strings)
        if date:
            field = {"name": name, **date}
    if field["type"] == "string":
        return field, {t for t in missing if t == ""}
    return field, missing


def _native_type(kinds: set, values: list[tuple[str, int | None]]) -> dict | None:
    K = readers
    if kinds <= {K.KIND_INT}:
        return {"type": "integer"}
    if kinds <= {K.KIND_INT, K.KIND_FLOAT, K.KIND_DECIMAL}:
        return {"type": "integer"} if _accepts({"type": "integer"}, values) else {"type": "number"}
    if kinds <= {K.KIND_BOOL}:
        return {"type": "boolean"}
    if kinds <= {K.KIND_DATE, K.KIND_DATETIME}:
        midnight = all(t.endswith("00:00:00") or k == K.KIND_DATE for t, k in values)
        return {"type": "date"} if midnight else {"type": "datetime"}
    if kinds <= {K.KIND_TIME}:
        return {"type": "time"}
    if kinds <= {K.KIND_DATE, K.KIND_DATETIME, None}:
        # Excel mixes real dates and dd/mm/yyyy text in one column: the text decides the format
        text = [t for t, k in values if k is None]
        date = _day_first(text)
        if date and date["type"] == "date":
            return date
    return None


def _day_first(strings: list[str]) -> dict | None:
    """dd/mm/yyyy (Vietnamese order) unless a value proves month first; time part → datetime."""
    matches = [_DMY.match(s) for s in strings]
    if not strings or not all(matches):
        return None
    separators = {m.group(2) for m in matches}
    if len(separators) != 1:
        return None
    sep = separators.pop()
    firsts = [int(m.group(1)) for m in matches]
    seconds = [int(m.group(3)) for m in matches]
    day_first = not (any(s > 12 for s in seconds) and all(f <= 12 for f in firsts))
    if day_first and any(s > 12 for s in seconds):
        return None  # neither order fits every value
    date = f"%d{sep}%m{sep}%Y" if day_first else f"%m{sep}%d{sep}%Y"
    with_time = {m.group(5) is not None for m in matches}
    if with_time == {False}:
        field = {"type": "date", "format": date}
    elif with_time == {True}:
        seconds_part = {m.group(7) is not None for m in matches}
        if len(seconds_part) != 1:
            return None
        field = {"type": "datetime", "format": date + (" %H:%M:%S" if seconds_part.pop() else " %H:%M")}
    else:
        return None
    values = [(s, None) for s in strings]
    return field if _accepts(field, values) else None

