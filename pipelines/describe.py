"""Infer a draft Table Schema from a data file, knowing Vietnamese conventions.

A department's file says ``1.883.245`` for a count, ``12,5`` for a decimal and ``05/09/1990`` for the 5th
of September. frictionless infers those as strings (or worse, ``format: any`` reads dates month first);
here a column becomes a number with ``groupChar "."``/``decimalChar ","`` or a ``%d/%m/%Y`` date when
every value in the sample reads that way and the reading is unambiguous. Every candidate type is tested
with the validator's own reference readers, so the draft validates the sample it came from.

A column of digit strings that start with 0 or have 9 digits or more stays a string: those are codes and
identifiers (``001090012345`` is a citizen ID, ``0912345678`` a phone number, ``0101234567`` a tax code), and
reading them as integers would drop the leading zeros and hide them from the privacy gate's text scan.

Staff write schemas from this draft, so it is a proposal that explains itself (``propose_schema``): one bad cell
(``32/03/2024``) does not make a date column ``string``: a type that reads at least ``MOST`` of the values is
proposed with the exceptions listed by row, to be fixed in the file. Headers such as ``Tỷ lệ đúng hạn (%)``
become ASCII snake_case names (``ty_le_dung_han``) with the header kept as the field's ``title``; the validator
accepts a header whose every label is its field's title (pipelines/validation/header.py).
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import duckdb

from catalog.i18n import N_, format_number, gettext
from catalog.sqltext import sql_string
from catalog.text import fold, nfc
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
_NOT_NAME = re.compile(r"[^a-z0-9]+")
MOST = 0.9  # a type that reads this share of a column's values is proposed, the rest listed as exceptions
SHOWN_EXCEPTIONS = 10
_DMY = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


@dataclass
class Proposal:
    """A draft schema and, per field, why it was proposed so (``explain`` words it for people)."""

    schema: dict
    notes: list[dict] = dataclass_field(default_factory=list)


def describe_file(path, *, encoding: str | None = None, dialect: dict | None = None,
                  format: str | None = None, keep_labels: bool = False) -> dict:
    """A draft Table Schema for the file: one field per column, types inferred from a sample.

    ``keep_labels`` names the fields after the header labels exactly, as frictionless does (the validator's
    schema for a package resource that has none); by default names are ASCII snake_case for people to keep.
    """
    return propose_schema(path, encoding=encoding, dialect=dialect, format=format, keep_labels=keep_labels).schema


def propose_schema(path, *, encoding: str | None = None, dialect: dict | None = None,
                   format: str | None = None, keep_labels: bool = False) -> Proposal:
    """The draft schema of ``describe_file`` with a note per field: the evidence and the exceptions."""
    source = open_source(path, format=format, encoding=encoding)
    parsed = parse_dialect(dialect)
    labels, numbers, rows = _sample(source, parsed)
    if not labels and rows:
        labels = [f"field{i + 1}" for i in range(max(len(r) for r in rows))]
    names = _names(labels, keep_labels)
    fields, used_missing, columns, notes = [], set(), [], []
    for index, name in enumerate(names):
        column = [row[index] if index < len(row) else (None, None) for row in rows]
        field, missing, note = _infer(name, column, numbers)
        if source.format == "geojson" and labels[index] == readers.GEOMETRY_FIELD:
            field["type"] = "geojson"  # the features' geometry (pipelines/read/geojson.py)
            name = field["name"] = readers.GEOMETRY_FIELD
            note = {"kind": "all", "count": note["count"], "exceptions": []}
        if labels and labels[index] and labels[index] != name:
            field["title"] = labels[index]
        fields.append(field)
        columns.append(column)
        notes.append({"field": name, "label": labels[index] if labels else name, "type": field["type"],
                      "format": field.get("format"), **note})
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
    return Proposal(schema, notes)


def field_name(label: str, index: int) -> str:
    """``Tỷ lệ đúng hạn (%)`` → ``ty_le_dung_han``: ASCII snake_case, never empty, never starting with a digit."""
    name = _NOT_NAME.sub("_", fold(nfc(label or ""))).strip("_")
    if not name:
        return f"field{index + 1}"
    return f"f_{name}" if name[0].isdigit() else name


def _names(labels: list[str], keep_labels: bool = False) -> list[str]:
    if keep_labels:
        return dedupe([label or f"field{index + 1}" for index, label in enumerate(labels)], sep="_")
    return dedupe([field_name(label, index) for index, label in enumerate(labels)], sep="_")


def _sample(source, dialect) -> tuple[list[str], list[int], list[list[tuple[str | None, int | None]]]]:
    """Labels, the row numbers of the sample, and up to SAMPLE_ROWS rows of (text, kind) cells."""
    if source.format in ("csv", "tsv"):
        layout, note = readers.read_csv_layout(source, dialect)
        if layout is None:
            from catalog.errors import InvalidInput

            raise InvalidInput(f"{source.path.name}: cannot decode the file ({note})")
        rows, numbers = [], []
        with open(source.path, "rb") as raw:
            text = io.TextIOWrapper(raw, source.encoding or "utf-8", newline="")
            reader = csv.reader((nfc(line) for line in text), **layout.fmt.python())
            for number, cells in enumerate(reader, start=1):
                if number < dialect.first_content_row or is_comment(dialect, number, cells):
                    continue
                rows.append([(cell, None) for cell in cells])
                numbers.append(number)
                if len(rows) >= SAMPLE_ROWS:
                    break
        return layout.labels, numbers, rows
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
    first = 2 if staged.labels else 1  # the row after the header (JSON and Parquet have no header row)
    return staged.labels, [first + i for i in range(len(rows))], rows


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


def _rejected(field: dict, values: list[tuple[str, int | None]]) -> list[int]:
    """Positions (in ``values``) of the cells the field's reader cannot read."""
    reader = make_reader({"name": "x", **field})
    return [i for i, (text, kind) in enumerate(values) if reader(native_cell(text, kind)) is None]


def _infer(name: str, column: list[tuple[str | None, int | None]], numbers: list[int]) -> tuple[dict, set[str], dict]:
    """The field, the missing-value tokens it needs, and the evidence (``kind``: native, all, most, code, text)."""
    cells = [(n, t, k) for n, (t, k) in zip(numbers, column, strict=False) if t is not None]
    texts = [t for _, t, k in cells if k is None]
    missing = {t for t in texts if t.strip() in MISSING_TOKENS or t == ""}
    kept = [(n, t, k) for n, t, k in cells if not (k is None and t in missing)]
    values = [(t, k) for _, t, k in kept]
    blank_only = {t for t in missing if t == ""}
    if not values:
        return {"name": name, "type": "string"}, set(), {"kind": "empty", "count": 0, "exceptions": []}
    count = len(values)
    kinds = {k for _, k in values}
    if kinds - {None}:
        native = _native_type(kinds, values)
        if native:
            return {"name": name, **native}, missing, {"kind": "native", "count": count, "exceptions": []}
    strings = [t for t, _ in values]
    if any(_CODE.match(s.strip()) for s in strings):
        return {"name": name, "type": "string"}, blank_only, {"kind": "code", "count": count, "exceptions": []}
    field = _every_value(strings, values) or _day_first(strings)
    if field:
        return {"name": name, **field}, missing, {"kind": "all", "count": count, "exceptions": []}
    field, bad = _most_values(strings, values)
    if field:
        exceptions = [{"row": kept[i][0], "value": kept[i][1]} for i in bad]
        return {"name": name, **field}, missing, {"kind": "most", "count": count, "exceptions": exceptions}
    return {"name": name, "type": "string"}, blank_only, {"kind": "text", "count": count, "exceptions": []}


def _plausible(candidate: dict, strings: list[str], every: bool) -> bool:
    """The shape tests that keep a candidate from reading too much (``every``: all values, else any)."""
    if candidate.get("groupChar") == ".":
        if not any(_VN_GROUPED.match(s) for s in strings):
            return False
        if every and not all(_VN_GROUPED.match(s) or _VN_DECIMAL.match(s) or s.lstrip("+-").isdigit()
                             for s in strings):
            return False
    if candidate.get("decimalChar") == "," and "groupChar" not in candidate:
        if not any(_VN_DECIMAL.match(s) for s in strings):
            return False
    if candidate.get("groupChar") == "," and not any(_EN_GROUPED.match(s) for s in strings):
        return False
    if candidate["type"] == "boolean" and not all(s.lower() in ("true", "false") for s in strings):
        return False
    return True


def _every_value(strings: list[str], values: list[tuple[str, int | None]]) -> dict | None:
    for candidate in _candidates():
        if _plausible(candidate, strings, every=True) and _accepts(candidate, values):
            return candidate
    return None


def _most_values(strings: list[str], values: list[tuple[str, int | None]]) -> tuple[dict | None, list[int]]:
    """The first type (numbers, then dates) that reads at least MOST of the values, with the rest."""
    needed = max(2, math.ceil(MOST * len(values)))
    candidates = [c for c in _candidates() if c["type"] != "boolean" and _plausible(c, strings, every=False)]
    candidates += _date_formats(strings)
    for candidate in candidates:
        bad = _rejected(candidate, values)
        if len(values) - len(bad) >= needed:
            return candidate, bad
    return None, []


def _date_formats(strings: list[str]) -> list[dict]:
    """Day-first (then month-first) date formats in the separator most values use."""
    matches = [m for m in (_DMY.match(s) for s in strings) if m]
    if not matches:
        return []
    separators = [m.group(2) for m in matches]
    sep = max(set(separators), key=separators.count)
    with_time = sum(m.group(5) is not None for m in matches) > len(matches) / 2
    with_seconds = sum(m.group(7) is not None for m in matches) > len(matches) / 2
    time = (" %H:%M:%S" if with_seconds else " %H:%M") if with_time else ""
    kind = "datetime" if with_time else "date"
    return [{"type": kind, "format": f"%d{sep}%m{sep}%Y{time}"}, {"type": kind, "format": f"%m{sep}%d{sep}%Y{time}"}]


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



# ------------------------------------------------------------------------------------------- explanation
TYPE_WORDS = {"integer": N_("số nguyên"), "number": N_("số"), "date": N_("ngày"), "datetime": N_("ngày giờ"),
              "time": N_("giờ"), "boolean": N_("đúng/sai"), "string": N_("chuỗi"), "geojson": N_("hình học GeoJSON")}


def explain(proposal: Proposal) -> list[str]:
    """One line per field, in the current language: what was proposed, on what evidence, what to fix."""
    return [_explain_field(note) for note in proposal.notes]


def _explain_field(note: dict) -> str:
    kind = gettext(TYPE_WORDS.get(note["type"], note["type"]))
    shown = f"{kind} ({note['type']}{', ' + note['format'] if note.get('format') else ''})"
    head = gettext("«{label}» → {name}: {kind}", label=note["label"], name=note["field"], kind=shown)
    count = format_number(note["count"])
    if note["kind"] == "empty":
        reason = gettext("cột trống trong mẫu, để kiểu chuỗi; sửa lại nếu cột có dữ liệu khác.")
    elif note["kind"] == "code":
        reason = gettext("có mã số bắt đầu bằng 0 hoặc dài từ 9 chữ số (mã, số điện thoại, CCCD): giữ kiểu chuỗi "
                         "để không mất số 0 đầu.")
    elif note["kind"] == "text":
        reason = gettext("giá trị không đọc được như số hay ngày, để kiểu chuỗi.")
    elif note["kind"] == "most":
        reason = _explain_exceptions(note, count)
    else:
        reason = gettext("cả {count} giá trị trong mẫu đều đọc được.", count=count)
    renamed = ""
    if note["label"] != note["field"]:
        renamed = " " + gettext("Tên trường viết không dấu; tiêu đề cột gốc giữ làm title.")
    return f"{head}: {reason}{renamed}"


def _explain_exceptions(note: dict, count: str) -> str:
    exceptions = note["exceptions"]
    listed = ", ".join(gettext("dòng {row} «{value}»", row=e["row"], value=e["value"])
                       for e in exceptions[:SHOWN_EXCEPTIONS])
    more = len(exceptions) - SHOWN_EXCEPTIONS
    if more > 0:
        listed += " " + gettext("và {n} ô khác", n=format_number(more))
    return gettext("{ok} trên {count} giá trị đọc được; {bad} ngoại lệ cần sửa trong tệp (hoặc đổi kiểu thành "
                   "chuỗi): {listed}.", ok=format_number(note["count"] - len(exceptions)), count=count,
                   bad=format_number(len(exceptions)), listed=listed)
