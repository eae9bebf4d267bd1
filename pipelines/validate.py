"""Validate a table against a Table Schema, in DuckDB, with frictionless's answers.

Two passes, one engine of SQL per field type:

* the **fast pass** (valid CSV files, the common case): one ``COPY (SELECT typed columns FROM read_csv)
  TO parquet``; a cell SQL cannot prove valid aborts the statement, then constraints, keys and blank
  rows are counted over the Parquet. A valid file is done in one read and its Parquet is already written.
* the **exact pass** (anything else, or any error found): the cells are staged as text (DuckDB's reader,
  or Python's csv module where DuckDB would number rows differently), typed by SQL that emulates
  frictionless's parsers, the few cells SQL cannot decide (non-ASCII digits, rare types) are decided in
  Python once per distinct value, then each error class is one query. Errors come out in frictionless's
  order, cut at ``limit_errors`` like frictionless stops reading.

Where we deliberately differ from frictionless (NFC, group chars), see VALIDATION.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from catalog.errors import InvalidInput, InvalidSchema, NotFound, UserError
from pipelines import patterns
from pipelines import read as readers
from pipelines.read import Staged, sql_str
from pipelines.report import make_error, make_report
from pipelines.source import Dialect, Source, open_source, parse_dialect
from pipelines.tableschema import (
    CONSTRAINTS,
    FALSE_VALUES,
    TRUE_VALUES,
    WHITESPACE,
    canonical_text,
    check_schema,
    duckdb_type,
    field_missing_values,
    make_reader,
    nfc,
    strptime_regex,
    value_length,
)

MEMORY_LIMIT = os.environ.get("OPENDATA_DUCKDB_MEMORY", "600MB")
# "frictionless": report what frictionless 5.21 reports (the default); "intended": also apply the corpus's
# intended answers where they differ (a blank row is one error, not blank-row + primary-key + duplicate-row).
POLICIES = ("frictionless", "intended")
WS = sql_str(WHITESPACE)
NON_ASCII_DIGIT = r"'[^0-9\P{Nd}]'"
INT_RE = "'[+-]?[0-9](?:_?[0-9])*'"
_DEC = r"(?:[0-9](?:_?[0-9])*)"
DECIMAL_RE = sql_str(rf"[+-]?(?:{_DEC}(?:\.{_DEC}?)?|\.{_DEC})(?:[eE][+-]?{_DEC})?|[+-]?(?i:inf|infinity|s?nan[0-9]*)")
FLOAT_RE = sql_str(rf"[+-]?(?:{_DEC}(?:\.{_DEC}?)?|\.{_DEC})(?:[eE][+-]?{_DEC})?|[+-]?(?i:inf|infinity|nan)")
NAN_RE = "'(?i)^[+-]?s?nan'"
SIMPLE_DIRECTIVES = set("YmdHMS")
OK, BAD, ODD = 0, 1, 2
PARQUET_OPTIONS = "COMPRESSION zstd, COMPRESSION_LEVEL 1"
PY_ONLY_TYPES = ("yearmonth", "object", "array", "list", "duration", "geopoint", "geojson")
KIND_BOOL = readers.KIND_BOOL


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ------------------------------------------------------------------------------------------ public API


@dataclass
class Validation:
    """The outcome of validating one table: the report, and the typed data staged in DuckDB."""

    valid: bool
    report: dict
    rows: int
    _engine: _Engine | None = field(default=None, repr=False)

    def write_parquet(self, path: Path) -> None:
        """Write the typed table (schema order, zstd) to ``path``; only for a valid table."""
        if not self.valid or self._engine is None:
            raise InvalidInput("the table is not valid, so there is no typed Parquet to write",
                               hint="fix the errors in the report first")
        self._engine.write_parquet(Path(path))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __enter__(self) -> Validation:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - safety net for callers that forget close()
        with contextlib.suppress(Exception):
            self.close()


def validate_file(path, *, schema: dict, dialect: dict | None = None, encoding: str | None = None,
                  format: str | None = None, checklist: dict | None = None,
                  references: Callable[[str], Path | None] | None = None,
                  progress: bool = False, limit_errors: int = 1000, name: str | None = None,
                  policy: str | None = None, _lookups: dict | None = None) -> Validation:
    """Validate one data file (CSV/TSV, XLSX, JSON array of objects, Parquet) against ``schema``.

    ``references(resource_name)`` gives the Parquet file of a catalogue dataset for foreign keys.
    Raises ``UserError`` subclasses for input that is not a table (empty, binary, wrong format, not
    UTF-8 without ``encoding``...); a table with errors returns ``valid=False`` with the report.
    """
    started = time.perf_counter()
    schema = check_schema(schema)
    checks = parse_checklist(checklist)
    checks["policy"] = _policy(policy)
    source = open_source(path, format=format, encoding=encoding)
    engine = _Engine(source, schema, parse_dialect(dialect), checks, limit_errors=limit_errors,
                     progress=progress, references=references, lookups=_lookups or {})
    try:
        task = engine.run(name=name or source.name, place=str(path))
    except BaseException:
        engine.close()
        raise
    report = make_report(task, seconds=time.perf_counter() - started)
    return Validation(valid=task["valid"], report=report, rows=task["stats"].get("rows", 0) or 0, _engine=engine)


def validate_package(package_path, resource: str | None = None, *, checklist: dict | None = None,
                     progress: bool = False, policy: str | None = None) -> Validation:
    """Validate one resource of a datapackage.json; foreign keys resolve against its other resources."""
    package_path = Path(package_path)
    package = _load_json(package_path, "datapackage")
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list) or not resources:
        raise InvalidSchema(f"{package_path.name}: a data package needs a non-empty 'resources' list")
    names = [r.get("name") for r in resources if isinstance(r, dict)]
    if resource is None:
        if len(resources) != 1:
            raise InvalidInput(f"{package_path.name} has {len(resources)} resources ({', '.join(map(str, names))})",
                               hint="choose one with --resource NAME")
        resource = names[0]
    chosen = _package_resource(package_path, resources, resource)
    lookups = {"package": (package_path, resources), "stack": [resource]}
    return validate_file(chosen["path"], schema=chosen["schema"], dialect=chosen["dialect"],
                         encoding=chosen["encoding"], format=chosen["format"], checklist=checklist,
                         progress=progress, name=resource, policy=policy, _lookups=lookups)


def _policy(policy: str | None) -> str:
    chosen = policy or os.environ.get("OPENDATA_VALIDATION_POLICY") or "frictionless"
    if chosen not in POLICIES:
        raise InvalidInput(f"unknown validation policy {chosen!r}", hint=f"one of {', '.join(POLICIES)}")
    return chosen


def _load_json(path: Path, what: str) -> Any:
    if not path.exists():
        raise NotFound(f"{path}: no such {what} file")
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSchema(f"{path.name}: not valid JSON ({exc})") from exc


def _package_resource(package_path: Path, resources: list, name: str) -> dict:
    base = package_path.parent
    for res in resources:
        if isinstance(res, dict) and res.get("name") == name:
            break
    else:
        names = ", ".join(str(r.get("name")) for r in resources if isinstance(r, dict))
        raise NotFound(f"{package_path.name} has no resource {name!r}", hint=f"resources: {names}")
    data = res.get("path")
    if not isinstance(data, str) or not data:
        raise InvalidSchema(f"resources[{name}].path: a resource needs a local file 'path'")
    if "://" in data or os.path.isabs(data) or ".." in Path(data).parts:
        raise InvalidSchema(f"resources[{name}].path: {data!r} must be a relative path inside the package")

    def descriptor(key: str) -> dict | None:
        value = res.get(key)
        if isinstance(value, str):
            if "://" in value or ".." in Path(value).parts:
                raise InvalidSchema(f"resources[{name}].{key}: {value!r} must be a local relative path")
            return _load_json(base / value, key)
        return value

    schema = descriptor("schema")
    return {"path": base / data, "schema": schema, "dialect": descriptor("dialect"),
            "encoding": res.get("encoding"), "format": res.get("format")}


def parse_checklist(checklist: dict | None) -> dict:
    checklist = checklist or {}
    if not isinstance(checklist, dict):
        raise InvalidSchema("checklist: must be a JSON object")
    out = {"duplicate_row": False, "pick": checklist.get("pickErrors") or [],
           "skip": checklist.get("skipErrors") or []}
    for i, check in enumerate(checklist.get("checks") or []):
        kind = check.get("type") if isinstance(check, dict) else None
        if kind == "duplicate-row":
            out["duplicate_row"] = True
        elif kind != "baseline":
            raise InvalidSchema(f"checklist.checks[{i}]: {kind!r} is not a check we run",
                                hint="supported: duplicate-row (the baseline checks always run)")
    return out


# ------------------------------------------------------------------------------------------ field plans


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


def _dedupe(names: list[str]) -> list[str]:
    out, used = [], set()
    for name in names:
        new, n = name, 2
        while new in used:
            new, n = f"{name}{n}", n + 1
        out.append(new)
        used.add(new)
    return out


def header_plans(schema: dict, labels: list[str], dialect: Dialect, header_rows: list[int],
                 width: int) -> tuple[list[Plan], list[dict]]:
    """Pair labels with fields and list the label errors, as frictionless's Header does."""
    fields = schema["fields"]
    mode = schema.get("fieldsMatch", "exact")
    key = (lambda s: nfc(s).lower()) if not dialect.header_case else nfc
    errors: list[dict] = []
    if not labels:
        plans = [Plan(i + 1, f, i + 1, field_missing_values(schema, f), True) for i, f in enumerate(fields[:width])]
        return plans, errors
    by_name = mode != "exact"
    lookup: dict[str, dict] = {}
    for f in fields:
        lookup.setdefault(key(f["name"]), f)
    common = {"labels": list(labels), "rowNumbers": list(header_rows)}
    if by_name and len({key(label) for label in labels}) != len(labels):
        raise InvalidInput(f'matching fields by name ("fieldsMatch": "{mode}") needs unique header labels')
    matched = [(fields[i] if i < len(fields) else None) if not by_name else lookup.get(key(label))
               for i, label in enumerate(labels)]
    stand_in = _dedupe([m["name"] if m else label for m, label in zip(matched, labels, strict=True)])
    plans = []
    for i, (f, label_name) in enumerate(zip(matched, stand_in, strict=True)):
        if f is None:
            plans.append(Plan(i + 1, {"name": label_name, "type": "any", "format": "default"}, i + 1, [""], False))
        else:
            plans.append(Plan(i + 1, f, i + 1, field_missing_values(schema, f), True))
    if mode not in ("subset", "partial"):
        for i, (f, label) in enumerate(zip(matched, labels, strict=True)):
            if f is None:
                errors.append(make_error("extra-label", label=label, fieldName="", fieldNumber=i + 1, **common))
    if mode == "partial" and not any(matched):
        errors.append({**make_error("source-error", note="none of the schema's fields is in the header"),
                       "type": "unmatched-header", "title": "Unmatched Header"})
    if by_name:
        seen = {key(label) for label in labels}
        missing = [f for f in fields if key(f["name"]) not in seen]
        if mode in ("superset", "partial"):
            missing = [f for f in missing if f.get("constraints", {}).get("required")
                       or f["name"] in schema["primaryKey"]]
    else:
        missing = fields[len(labels):]
    for offset, f in enumerate(missing):
        errors.append(make_error("missing-label", label="", fieldName=f["name"],
                                 fieldNumber=len(labels) + offset + 1, **common))
    if not by_name:
        for number, (f, label) in enumerate(zip(fields, labels, strict=False), start=1):
            if not label:
                errors.append(make_error("blank-label", label="", fieldName=f["name"], fieldNumber=number, **common))
                continue
            earlier = [str(n) for n, seen_label in enumerate(labels[: number - 1], start=1) if seen_label == label]
            if earlier:
                errors.append(make_error("duplicate-label", note=f'at position "{", ".join(earlier)}"', label=label,
                                         fieldName=f["name"], fieldNumber=number, **common))
                continue
            if key(label) != key(f["name"]):
                errors.append(make_error("incorrect-label", label=label, fieldName=f["name"], fieldNumber=number,
                                         **common))
    return plans, errors


# ------------------------------------------------------------------------------------------- cell SQL


def _in_list(values: list[str]) -> str:
    return ", ".join(sql_str(v) for v in values)


def missing_sql(plan: Plan, c: str, k: str | None) -> str:
    if not plan.missing:
        return f"({c} IS NULL)"
    cond = f"{c} IN ({_in_list(plan.missing)})"
    if k:
        cond = f"({cond} AND coalesce({k}, 0) NOT IN ({readers.KIND_LIST}, {readers.KIND_DICT}))"
    return f"({c} IS NULL OR {cond})"


def _strip_bare(s: str) -> str:
    return f"regexp_replace(regexp_replace({s}, '^[^-0-9]*', ''), '[^0-9]*$', '')"


def _int_text(plan: Plan, c: str) -> tuple[str, str]:
    s = f"trim({c}, {WS})"
    if not plan.field.get("bareNumber", True):
        s = _strip_bare(s)
    fast = f"(TRY_CAST({c} AS BIGINT)::VARCHAR = {c})"
    slow = f"TRY_CAST(replace({s}, '_', '') AS BIGINT)"
    value = f"CASE WHEN {fast} THEN TRY_CAST({c} AS BIGINT) ELSE {slow} END"
    state = (f"CASE WHEN {fast} THEN {OK} WHEN regexp_matches({c}, {NON_ASCII_DIGIT}) THEN {ODD} "
             f"WHEN regexp_full_match({s}, {INT_RE}) AND {slow} IS NOT NULL THEN {OK} ELSE {BAD} END")
    return value, state


def _number_text(plan: Plan, c: str) -> tuple[str, str]:
    f = plan.field
    decimal, group = f.get("decimalChar", "."), f.get("groupChar", "")
    bare, processing = f.get("bareNumber", True), any(k in f for k in ("decimalChar", "groupChar", "bareNumber"))
    grammar = FLOAT_RE if f.get("floatNumber") else DECIMAL_RE
    s = f"trim({c}, {WS})"
    bad_conds = []
    if processing:
        if not bare:
            s = _strip_bare(s)
        if group:
            head = f"split_part({s}, {sql_str(decimal)}, 1)"
            grouped = sql_str("[+-]*[0-9]{1,3}(?:" + re.escape(group) + "[0-9]{3})+")
            bad_conds.append(f"(contains({s}, {sql_str(group)}) AND NOT regexp_full_match({head}, {grouped}))")
            s = f"replace({s}, {sql_str(group)}, '')"
        if decimal != ".":
            bad_conds.append(f"contains({s}, '.')")
            s = f"replace({s}, {sql_str(decimal)}, '.')"
        s = f"trim({s}, {WS})"
    num = f"replace({s}, '_', '')"
    slow = f"CASE WHEN regexp_matches({s}, {NAN_RE}) THEN 'NaN'::DOUBLE ELSE TRY_CAST({num} AS DOUBLE) END"
    fast_text = c if not processing or decimal == "." else f"replace({c}, {sql_str(decimal)}, '.')"
    fast = f"TRY_CAST({fast_text} AS DOUBLE)"
    fast_ok = f"({fast} IS NOT NULL)"
    if processing and (group or not bare):
        fast_ok = "false"
    elif processing and decimal != ".":
        fast_ok = f"(NOT contains({c}, '.') AND {fast} IS NOT NULL)"
    value = f"CASE WHEN {fast_ok} THEN {fast} ELSE {slow} END"
    bad = " OR ".join(bad_conds) or "false"
    state = (f"CASE WHEN {fast_ok} THEN {OK} WHEN regexp_matches({c}, {NON_ASCII_DIGIT}) THEN {ODD} "
             f"WHEN {bad} THEN {BAD} WHEN regexp_full_match({s}, {grammar}) THEN {OK} ELSE {BAD} END")
    return value, state


def _parts_sql(c: str, regex: str, groups: list[str]) -> tuple[str, dict[str, str]]:
    """SQL for 'the regex covers the whole text' and for each directive's captured text."""
    whole = f"(length(regexp_extract({c}, {sql_str(regex)}, 0)) = length({c}))"
    parts = {g: f"regexp_extract({c}, {sql_str(regex)}, {i + 1})" for i, g in enumerate(groups)}
    return whole, parts


_MONTHS = "['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec']"


def _datetime_parts(parts: dict[str, str]) -> dict[str, str]:
    """Integer SQL for year..microsecond (Python strptime's defaults for absent directives)."""
    def num(g: str, default: str) -> str:
        return f"TRY_CAST(trim({parts[g]}) AS INTEGER)" if g in parts else default

    if "Y" in parts:
        year = num("Y", "1900")
    elif "y" in parts:
        year = f"(CASE WHEN {num('y', '0')} <= 68 THEN 2000 ELSE 1900 END + {num('y', '0')})"
    else:
        year = "1900"
    if "m" in parts:
        month = num("m", "1")
    elif "b" in parts or "B" in parts:
        month = f"list_position({_MONTHS}, lower(substr({parts.get('b') or parts['B']}, 1, 3)))"
    else:
        month = "1"
    day = num("d", "1")
    if "H" in parts:
        hour = num("H", "0")
    elif "I" in parts:
        i = num("I", "0")
        p = f"lower({parts['p']})" if "p" in parts else "''"
        hour = f"(CASE WHEN {p} = 'pm' THEN (CASE WHEN {i} = 12 THEN 12 ELSE {i} + 12 END) " \
               f"ELSE (CASE WHEN {i} = 12 THEN 0 ELSE {i} END) END)"
    else:
        hour = "0"
    micro = f"TRY_CAST(rpad({parts['f']}, 6, '0') AS INTEGER)" if "f" in parts else "0"
    return {"year": year, "month": month, "day": day, "hour": hour, "minute": num("M", "0"),
            "second": num("S", "0"), "micro": micro}


def _valid_date(p: dict[str, str]) -> str:
    return (f"({p['year']} BETWEEN 1 AND 9999 AND {p['month']} BETWEEN 1 AND 12 AND {p['day']} >= 1 AND "
            f"{p['day']} <= day(last_day(make_date({p['year']}, {p['month']}, 1))))")


def _offset_sql(z: str) -> str:
    """Seconds east of UTC from a %z capture (+07:00, +0700, Z)."""
    digits = f"replace(replace({z}, ':', ''), '.', '')"
    sign = f"(CASE WHEN starts_with({z}, '-') THEN -1 ELSE 1 END)"
    return (f"(CASE WHEN {z} = 'Z' THEN 0 ELSE {sign} * (TRY_CAST(substr({digits}, 2, 2) AS INTEGER) * 3600 + "
            f"TRY_CAST(substr({digits}, 4, 2) AS INTEGER) * 60 + coalesce(TRY_CAST(substr({digits}, 6, 2) AS INTEGER), 0)) END)")


def _temporal_text(plan: Plan, c: str) -> tuple[str, str]:
    ftype, fmt = plan.type, plan.field.get("format", "default")
    if fmt == "any":
        return "NULL", str(ODD)
    target = duckdb_type(plan.field)
    if ftype in ("datetime", "time") and fmt == "default":
        return _iso_text(plan, c, target)
    pattern = "%Y-%m-%d" if fmt == "default" else fmt
    translated = strptime_regex(pattern)
    if translated is None:
        return "NULL", str(ODD)
    regex, groups = translated
    whole, parts = _parts_sql(c, regex, groups)
    p = _datetime_parts(parts)
    seconds = f"({p['second']} + {p['micro']} / 1000000.0)"
    valid = f"({whole} AND {_valid_date(p)} AND {p['second']} <= 59)"
    if ftype == "date":
        slow = f"make_date({p['year']}, {p['month']}, {p['day']})"
    elif ftype == "time":
        slow = f"make_time({p['hour']}, {p['minute']}, {seconds})"
    else:
        slow = f"make_timestamp({p['year']}, {p['month']}, {p['day']}, {p['hour']}, {p['minute']}, {seconds})"
        if "z" in parts:
            offset = _offset_sql(parts["z"])
            slow = f"timezone('UTC', {slow} - to_seconds({offset}))"
            valid = f"({valid} AND {offset} IS NOT NULL)"
    fast_ok, fast = "false", "NULL"
    glob = _canonical_glob(pattern) if set(groups) <= SIMPLE_DIRECTIVES else None
    if glob is not None:  # zero-padded text: DuckDB's strptime reads it exactly as Python's does
        parsed = f"try_strptime({c}, {sql_str(pattern)})"
        fast_ok = f"({c} GLOB {sql_str(glob)} AND {parsed} >= '0001-01-01'::DATE)"
        fast = f"{parsed}::{ 'DATE' if ftype == 'date' else 'TIME' if ftype == 'time' else 'TIMESTAMP'}"
    ascii_ok = f"(strlen({c}) = length({c}))"
    value = f"CASE WHEN {fast_ok} THEN {fast} WHEN {valid} THEN {slow} END::{target}"
    state = (f"CASE WHEN {fast_ok} THEN {OK} WHEN NOT {ascii_ok} THEN {ODD} "
             f"WHEN coalesce({valid}, false) THEN {OK} ELSE {BAD} END")
    return value, state


def _iso_text(plan: Plan, c: str, target: str) -> tuple[str, str]:
    """frictionless's default datetime/time: a shape guard, then dateutil's isoparse."""
    if plan.type == "datetime":
        guard = f"(length({c}) < 19 OR substr({c}, 17, 1) <> ':')"
        shape = sql_str(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?$")
        h, m, s, tz = 4, 5, 6, 8
        value = f"TRY_CAST({c} AS TIMESTAMPTZ)"
    else:
        guard = f"(length({c}) < 8 OR substr({c}, 6, 1) <> ':')"
        shape = sql_str(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?$")
        h, m, s, tz = 1, 2, 3, 5
        value = f"TRY_CAST(regexp_extract({c}, '^[0-9:.]+') AS TIME)"

    def grp(i: int) -> str:
        return f"TRY_CAST(regexp_extract({c}, {shape}, {i}) AS INTEGER)"

    offset_ok = (f"(regexp_extract({c}, {shape}, {tz}) IN ('', 'Z') OR "
                 f"(TRY_CAST(substr(regexp_extract({c}, {shape}, {tz}), 2, 2) AS INTEGER) <= 23 AND "
                 f"TRY_CAST(substr(regexp_extract({c}, {shape}, {tz}), 5, 2) AS INTEGER) <= 59))")
    matched = f"regexp_matches({c}, {shape})"
    fits = f"({grp(h)} <= 23 AND {grp(m)} <= 59 AND {grp(s)} <= 59 AND {offset_ok})"
    state = (f"CASE WHEN {guard} THEN {BAD} WHEN {matched} AND {fits} THEN "
             f"(CASE WHEN {value} IS NULL THEN {BAD} ELSE {OK} END) ELSE {ODD} END")
    return f"{value}::{target}", state


def _year_text(c: str) -> tuple[str, str]:
    s = f"trim({c}, {WS})"
    v = f"TRY_CAST(replace({s}, '_', '') AS INTEGER)"
    state = (f"CASE WHEN length({c}) <> 4 THEN {BAD} WHEN regexp_matches({c}, {NON_ASCII_DIGIT}) THEN {ODD} "
             f"WHEN regexp_full_match({s}, {INT_RE}) AND {v} BETWEEN 0 AND 9999 THEN {OK} ELSE {BAD} END")
    return v, state


def cell_sql(plan: Plan, c: str, k: str | None) -> tuple[str, str]:
    """(typed value, state) SQL for a non-missing cell; state 0 valid, 1 invalid, 2 decide in Python."""
    ftype, fmt, target = plan.type, plan.field.get("format", "default"), duckdb_type(plan.field)
    if ftype in PY_ONLY_TYPES or (ftype == "string" and fmt != "default"):
        return f"NULL::{target}", str(ODD)
    if ftype in ("string", "any"):
        text = (c, str(OK))
    elif ftype == "integer":
        text = _int_text(plan, c)
    elif ftype == "number":
        text = _number_text(plan, c)
    elif ftype == "boolean":
        trues = [v for v in plan.field.get("trueValues", TRUE_VALUES)]
        falses = plan.field.get("falseValues", FALSE_VALUES)
        trues = [v for v in trues if v not in falses]
        value = (f"CASE WHEN {c} IN ({_in_list(trues) or 'NULL'}) THEN true "
                 f"WHEN {c} IN ({_in_list(falses) or 'NULL'}) THEN false END")
        text = (value, f"CASE WHEN ({value}) IS NULL THEN {BAD} ELSE {OK} END")
    elif ftype in ("date", "datetime", "time"):
        text = _temporal_text(plan, c)
    elif ftype == "year":
        text = _year_text(c)
    else:  # pragma: no cover - every type is handled above
        raise AssertionError(ftype)
    value, state = text
    if not k:
        return f"({value})::{target}", state
    return _kind_sql(plan, c, k, value, state, target)


def _kind_sql(plan: Plan, c: str, k: str, value: str, state: str, target: str) -> tuple[str, str]:
    """Native cells (XLSX/JSON/Parquet): frictionless accepts some natives as they are."""
    K = readers
    ftype = plan.type
    branches: list[tuple[str, str, str]] = []  # (kind condition, value, state)
    if ftype == "any":
        return f"({c})::{target}", str(OK)
    if ftype == "integer":
        d = f"TRY_CAST({c} AS DOUBLE)"
        whole = f"({d} = floor({d}) AND isfinite({d}) AND TRY_CAST({d} AS BIGINT) IS NOT NULL)"
        branches.append((f"{k} = {K.KIND_INT}", f"TRY_CAST({c} AS BIGINT)",
                         f"CASE WHEN TRY_CAST({c} AS BIGINT) IS NULL THEN {BAD} ELSE {OK} END"))
        branches.append((f"{k} IN ({K.KIND_FLOAT}, {K.KIND_DECIMAL})", f"TRY_CAST({d} AS BIGINT)",
                         f"CASE WHEN {whole} THEN {OK} ELSE {BAD} END"))
    elif ftype == "number":
        ok = f"CASE WHEN TRY_CAST({c} AS DOUBLE) IS NULL THEN {BAD} ELSE {OK} END"
        branches.append((f"{k} IN ({K.KIND_INT}, {K.KIND_FLOAT}, {K.KIND_DECIMAL})", f"TRY_CAST({c} AS DOUBLE)", ok))
    elif ftype == "boolean":
        branches.append((f"{k} = {K.KIND_BOOL}", f"({c} = 'True')", str(OK)))
    elif ftype == "date":
        ts = f"TRY_CAST({c} AS TIMESTAMP)"
        branches.append((f"{k} = {K.KIND_DATETIME}", f"{ts}::DATE",
                         f"CASE WHEN {ts}::TIME = '00:00:00'::TIME THEN {OK} ELSE {BAD} END"))
        branches.append((f"{k} = {K.KIND_DATE}", f"TRY_CAST({c} AS DATE)", str(OK)))
    elif ftype == "datetime":
        branches.append((f"{k} = {K.KIND_DATETIME}", f"TRY_CAST({c} AS {target})", str(OK)))
    elif ftype == "time":
        branches.append((f"{k} = {K.KIND_TIME}", f"TRY_CAST(regexp_extract({c}, '^[0-9:.]+') AS TIME)", str(OK)))
    elif ftype == "year":
        branches.append((f"{k} = {K.KIND_INT}", f"TRY_CAST({c} AS INTEGER)",
                         f"CASE WHEN TRY_CAST({c} AS BIGINT) BETWEEN 0 AND 9999 THEN {OK} ELSE {BAD} END"))
        branches.append((f"{k} = {K.KIND_BOOL}", f"CASE WHEN {c} = 'True' THEN 1 ELSE 0 END", str(OK)))
    value_sql = f"CASE WHEN {k} IS NULL THEN ({value})::{target} "
    state_sql = f"CASE WHEN {k} IS NULL THEN {state} "
    for cond, v, s in branches:
        value_sql += f"WHEN {cond} THEN ({v})::{target} "
        state_sql += f"WHEN {cond} THEN {s} "
    return value_sql + "END", state_sql + f"ELSE {BAD} END"


def _canonical_glob(fmt: str) -> str | None:
    """A GLOB matching the zero-padded fixed-width text of a Y/m/d/H/M/S strptime pattern."""
    widths = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%":
            directive = fmt[i + 1: i + 2]
            if directive not in widths:
                return None
            out.append("[0-9]" * widths[directive])
            i += 2
            continue
        if fmt[i] in "*?[]\\" or fmt[i].isspace() or ord(fmt[i]) > 127:
            return None
        out.append(fmt[i])
        i += 1
    return "".join(out)


def fast_cell_sql(plan: Plan, c: str) -> tuple[str, str] | None:
    """(value, ok) SQL for the fast pass; ``ok`` may use ``__p``, the value computed once. A cell passes
    only a cheap check whose success implies frictionless reads it the same way; None if the type has no
    such check (the exact pass is used)."""
    ftype, fmt = plan.type, plan.field.get("format", "default")
    if ftype in ("string", "any"):
        return (c, "true") if ftype == "any" or fmt == "default" else None
    if ftype == "integer":
        return f"TRY_CAST({c} AS BIGINT)", f"(__p::VARCHAR = {c})"
    if ftype == "number":
        value, state = _number_text(plan, c)
        return value, f"(({state}) = {OK} AND NOT regexp_matches({c}, {NON_ASCII_DIGIT}))"
    if ftype == "boolean":
        value, _state = cell_sql(plan, c, None)
        return value, "(__p IS NOT NULL)"
    if ftype == "year":
        return f"TRY_CAST({c} AS INTEGER)", f"({c} GLOB '[0-9][0-9][0-9][0-9]')"
    if ftype == "datetime" and fmt == "default":
        digits = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]"
        shape = (f"({c} GLOB '{digits}' OR {c} GLOB '{digits}[+-][01][0-9]:[0-5][0-9]' OR {c} GLOB '{digits}Z' "
                 f"OR {c} GLOB '{digits.replace('T', ' ')}')")
        return f"TRY_CAST({c} AS TIMESTAMPTZ)", f"({shape} AND substr({c}, 12, 2) <= '23' AND __p IS NOT NULL)"
    if ftype in ("date", "datetime", "time") and fmt != "any":
        pattern = "%Y-%m-%d" if fmt == "default" and ftype == "date" else fmt
        if ftype == "time" and fmt == "default":
            pattern = "%H:%M:%S"
        glob = _canonical_glob(pattern)
        if glob is None:
            return None
        target = {"date": "DATE", "time": "TIME"}.get(ftype, "TIMESTAMP")
        value = f"try_strptime({c}, {sql_str(pattern)})"
        if ftype == "time":
            return f"{value}::TIME", f"({c} GLOB {sql_str(glob)} AND __p IS NOT NULL)"
        return f"{value}::{target}", f"({c} GLOB {sql_str(glob)} AND __p >= '0001-01-01'::DATE)"
    return None


# ---------------------------------------------------------------------------------- constraint SQL


def literal_sql(plan: Plan, value: Any) -> str:
    """A typed SQL literal for a constraint value read by the field's reader."""
    return f"{sql_str(canonical_text(plan.field, value))}::{duckdb_type(plan.field)}"


def pattern_plan(pattern: str) -> tuple[str | None, bool]:
    """(RE2 pattern for DuckDB matching exactly what Python's ``re.match('^{p}$')`` matches, False): the
    pattern as ``pipelines/patterns.py`` writes it, Python's meaning in RE2 syntax, so SQL decides every cell."""
    return patterns.re2_text(pattern), False


def fast_pattern_sql(pattern: str, v: str) -> str | None:
    """SQL true when ``v`` breaks the pattern."""
    re2, _sensitive = pattern_plan(pattern)
    return f"NOT regexp_matches({v}, {sql_str(re2)})"


def constraint_sql(plan: Plan, v: str) -> list[tuple[str, str, str]]:
    """(constraint name, SQL that is true when the value breaks it, note) for non-missing, valid cells."""
    out = []
    reader = make_reader(plan.field)
    for name in CONSTRAINTS[plan.type]:
        if name == "required" or name not in plan.constraints:
            continue
        value = plan.constraints[name]
        note = f'constraint "{name}" is "{value}"'
        if plan.type in PY_ONLY_TYPES or (plan.type == "string" and plan.field.get("format", "default") != "default"):
            out.append((name, f"list_contains(x{plan.j}, {sql_str(name)})", note))
            continue
        if name in ("minLength", "maxLength"):
            op = "<" if name == "minLength" else ">"
            out.append((name, f"length({v}) {op} {int(value)}", note))
        elif name == "pattern":
            out.append((name, f"NOT p{plan.j}", note))
        elif name == "enum":
            items = [reader(item) for item in value]
            lits = [literal_sql(plan, item) for item in items if item is not None]
            cond = f"NOT coalesce({v} IN ({', '.join(lits)}), false)" if lits else "true"
            out.append((name, cond, note))
        else:
            op = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}[name]
            cond = f"{v} {op} {literal_sql(plan, reader(value))}"
            if plan.type == "number":
                cond = f"(isnan({v}) OR {cond})"
            out.append((name, cond, note))
    return out


def required_note(plan: Plan) -> str:
    return f'constraint "required" is "{plan.constraints.get("required")}"'


# ------------------------------------------------------------------------------------------- the engine


class _Engine:
    def __init__(self, source: Source, schema: dict, dialect: Dialect, checks: dict, *, limit_errors: int,
                 progress: bool, references, lookups: dict, prefix: str = "t"):
        self.source, self.schema, self.dialect, self.checks = source, schema, dialect, checks
        self.limit = limit_errors
        self.progress = progress
        self.references = references
        self.lookups = lookups
        self.prefix = prefix
        # removed by close(), else when garbage collected or at interpreter exit (a finalizer)
        self._tmp = tempfile.TemporaryDirectory(prefix="opendata-validate-", ignore_cleanup_errors=True)
        self.tmpdir = self._tmp.name
        self.con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": self.tmpdir,
                                          "preserve_insertion_order": True})
        # DuckDB's own progress bar prints to stdout, which must stay clean for --json; we poll it instead
        self.con.execute("SET enable_progress_bar_print = false")
        self.con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")
        self.con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
        self.fast_parquet: Path | None = None
        self.layout = self.scan = None
        self.plans: list[Plan] = []
        self.staged: Staged | None = None
        self.base = self.typed = f"{prefix}_typed"  # the typed table; reads go through ``typed``

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.con.close()
        self._tmp.cleanup()

    # --- progress -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _bar(self, desc: str):
        """A tqdm bar over the source's bytes while DuckDB runs a long statement (terminal only)."""
        size = self.source.size
        bar = readers.progress_bar(size, self.progress, desc)
        if bar is None:
            yield
            return
        done = threading.Event()

        def poll() -> None:
            while not done.wait(0.2):
                with contextlib.suppress(Exception):
                    pct = self.con.query_progress()
                    if pct and pct > 0:
                        bar.n = min(size, int(size * pct / 100))
                        bar.refresh()

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
            bar.close()

    # --- run ------------------------------------------------------------------------------------

    def run(self, *, name: str, place: str) -> dict:
        source = self.source
        task = {"name": name, "type": "table", "valid": True, "place": place, "labels": [],
                "stats": {"errors": 0, "warnings": 0, "seconds": 0, "bytes": source.size}, "warnings": [],
                "errors": []}
        started = time.perf_counter()
        problem = self._unresolvable_reference()
        if problem:
            task["errors"] = [make_error("resource-error", note=problem)]
            return self._finish(task, started)
        layout = scan = None
        if source.format in ("csv", "tsv"):
            layout, note = readers.read_csv_layout(source, self.dialect)
            if layout is None:
                task["errors"] = [make_error("encoding-error", note=note)]
                task["valid"] = False
                return self._finish(task, started)
            # the byte scan (blank lines, NUL, decomposed text) runs beside the fast pass's COPY
            scanned: dict = {}

            def scan_file() -> None:
                try:
                    scanned["scan"] = readers.scan_bytes(source.path, delimiter=layout.fmt.delimiter)
                except BaseException as exc:  # re-raised in the main thread
                    scanned["error"] = exc

            thread = threading.Thread(target=scan_file, daemon=True)
            thread.start()
            width = len(layout.labels) if layout.labels else len(self.schema["fields"])
            fast = self._fast(layout, thread, scanned, width, task)
            thread.join()
            if "error" in scanned:
                raise scanned["error"]
            scan = scanned["scan"]
            if scan.has_nul and not (source.encoding or "").startswith("utf-16"):
                raise InvalidInput(f"{source.path.name} contains NUL bytes: it is a binary file, not CSV text",
                                   hint="for UTF-16 text without a byte order mark pass --encoding utf-16")
            if fast:
                return self._finish(task, started)
        self.layout, self.scan = layout, scan
        self.staged = self._stage(layout, scan)
        staged = self.staged
        task["labels"] = list(staged.labels)
        if not staged.opened:
            task["errors"] = [make_error("encoding-error", note=staged.encoding_error)]
            task["valid"] = False
            return self._finish(task, started)
        self.plans, header_errors = header_plans(self.schema, staged.labels, self.dialect, staged.header_rows,
                                                 staged.width)
        self._type()
        staged = self.staged
        if staged.rows == 0 and not staged.encoding_error:
            what = "a header but no data rows" if staged.labels and source.format in ("csv", "tsv", "xlsx") \
                else "no data rows"
            raise InvalidInput(f"{source.path.name} has {what}: there is nothing to validate or publish")
        errors, rows_read, limited = self._errors(header_errors)
        if staged.encoding_error and not limited:
            errors.append(make_error("encoding-error", note=staged.encoding_error))
        errors = self._filter(errors)
        task["errors"] = errors
        task["valid"] = not errors
        task["stats"].update({"fields": len(self.schema["fields"]), "rows": rows_read})
        if limited:
            task["warnings"].append(f"reached error limit: {self.limit}")
        return self._finish(task, started)

    def _unresolvable_reference(self) -> str | None:
        """frictionless fails a table whose foreign key points at a resource it cannot see; so do we."""
        stack = self.lookups.get("stack", [])
        package = self.lookups.get("package")
        for fk in self.schema.get("foreignKeys", []):
            resource = fk["reference"]["resource"]
            if not resource or (stack and resource == stack[-1]):
                continue
            if package is not None:
                names = [r.get("name") for r in package[1] if isinstance(r, dict)]
                if resource not in names:
                    return (f'failed to handle a foreign key for resource "{stack[-1] if stack else ""}" as '
                            f'resource "{resource}" does not exist')
            elif self.references is not None:
                found = self.references(resource)
                if found is None or not Path(found).exists():
                    return f'foreign key: no dataset "{resource}" in the catalogue to check references against'
            else:
                return (f'package is required for foreign keys to other resources: "{resource}" '
                        "(validate the datapackage.json, or publish the referenced dataset first)")
        return None

    def _finish(self, task: dict, started: float) -> dict:
        task["stats"]["errors"] = len(task["errors"])
        task["stats"]["warnings"] = len(task["warnings"])
        task["stats"]["seconds"] = round(time.perf_counter() - started, 3)
        task["valid"] = not task["errors"]
        return task

    def _filter(self, errors: list[dict]) -> list[dict]:
        pick, skip = self.checks["pick"], self.checks["skip"]
        if pick:
            errors = [e for e in errors if e["type"] in pick or set(e["tags"]) & set(pick)]
        if skip:
            errors = [e for e in errors if e["type"] not in skip and not set(e["tags"]) & set(skip)]
        return errors

    # --- staging --------------------------------------------------------------------------------

    def _stage(self, layout, scan, python: bool = False) -> Staged:
        source, table = self.source, f"{self.prefix}_raw"
        schema_width = len(self.schema["fields"])
        bar = readers.progress_bar(source.size, self.progress, "reading")
        try:
            if source.format in ("csv", "tsv"):
                width = len(layout.labels) if layout.labels else schema_width
                relation = None if python else readers.csv_relation(source, self.dialect, layout, scan, width)
                if relation is not None:  # typed straight from the file; _type() checks DuckDB read it right
                    return Staged(table=relation, labels=layout.labels, header_rows=list(self.dialect.header_rows)
                                  if self.dialect.header else [], width=width, kinds=False, rows=-1,
                                  rn="NULL::BIGINT", n=str(width), extra="NULL::VARCHAR[]", direct=True)
                update = (lambda pos: bar.update(pos - bar.n)) if bar else None
                return readers.stage_csv_python(self.con, source, self.dialect, layout, width, table, update)
            if source.format == "xlsx":
                return readers.stage_xlsx(self.con, source, self.dialect, schema_width, table)
            if source.format == "json":
                return readers.stage_json(self.con, source, [f["name"] for f in self.schema["fields"]], table)
            return readers.stage_parquet(self.con, source, table)
        finally:
            if bar:
                bar.close()

    # --- typing ---------------------------------------------------------------------------------

    def _type(self) -> None:
        """Stage -> typed table: raw cell, missing flag, state (0 valid, 1 invalid, 2 undecided), value."""
        staged = self.staged
        inner = [f"{staged.rn} AS __rn", f"{staged.n} AS __n", f"{staged.extra} AS __extra"]
        outer = ["__rn", "__n", "__extra"]
        if staged.direct:  # numbered after the fact from rowid (a fresh column is cheap to fill)
            inner, outer = inner[1:], outer[1:]
        blanks = []
        for plan in self.plans:
            j = plan.j
            c, k = f"c{j}", (f"k{j}" if staged.kinds else None)
            miss = missing_sql(plan, c, k)
            value, state = cell_sql(plan, c, k)
            inner += [c, f"{k} AS k{j}" if k else f"NULL::UTINYINT AS k{j}", f"{miss} AS m{j}",
                      f"CASE WHEN {miss} THEN {OK} ELSE ({state}) END::UTINYINT AS s{j}",
                      f"CASE WHEN {miss} THEN NULL ELSE {value} END AS w{j}"]
            outer += [f"c{j}", f"k{j}", f"m{j}", f"s{j}", f"CASE WHEN s{j} = {OK} THEN w{j} END AS v{j}"]
            if plan.type in PY_ONLY_TYPES or (plan.type == "string" and plan.field.get("format") != "default"):
                outer.append(f"NULL::VARCHAR[] AS x{j}")
            if "pattern" in plan.constraints and plan.type == "string":
                outer.append(f"{self._pattern_sql(plan)} AS p{j}")
            if duckdb_type(plan.field) == "TIMESTAMPTZ":  # Python never equates aware and naive datetimes
                outer.append(f"regexp_matches(c{j}, '(?:[Zz]|[+-][0-9]{{2}}(?::?[0-9]{{2}})?)$') AS z{j}")
            blanks.append(f"m{j}")
        outer.append(f"({' AND '.join(blanks) or 'false'}) AS __blank")
        self.typed = self.base
        sql = (f"CREATE OR REPLACE TABLE {self.base} AS SELECT {', '.join(outer)} FROM "
               f"(SELECT {', '.join(inner)} FROM {staged.table})")
        try:
            with self._bar("checking types"):
                self.con.execute(sql)
        except duckdb.Error:
            if not staged.direct:
                raise
            self.con.execute(f"DROP TABLE IF EXISTS {self.base}")
        if staged.direct:
            rows = self._verify_direct()
            if rows is None:  # DuckDB read this file differently from Python's csv: read it row by row
                self.con.execute(f"DROP TABLE IF EXISTS {self.base}")
                self.staged = self._stage(self.layout, self.scan, python=True)
                self._type()
                return
            staged.rows = rows
            # rows are numbered by a view over the table's insertion order (no column to fill)
            self.typed = f"{self.base}_numbered"
            self.con.execute(f"CREATE OR REPLACE VIEW {self.typed} AS SELECT *, rowid + "
                             f"{self.layout.header_lines + 1} AS __rn FROM {self.base}")
        else:
            self.con.execute(f"DROP TABLE IF EXISTS {staged.table}")
        for plan in self.plans:
            self._decide_in_python(plan)
            if "pattern" in plan.constraints and plan.type == "string":
                self._pattern_in_python(plan)

    def _verify_direct(self) -> int | None:
        exists = self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                                  [self.base]).fetchone()[0]
        if not exists:
            return None
        return readers.verify_csv_stage(self.con, self.base, self.scan, self.layout, self.staged.width)

    def _pattern_sql(self, plan: Plan) -> str:
        """Every cell decided in SQL; NULL (decided by ``_pattern_in_python``, in RE2 too) only if DuckDB's
        RE2 build refuses the program (a size limit)."""
        re2, _sensitive = pattern_plan(plan.constraints["pattern"])
        v = f"CASE WHEN s{plan.j} = {OK} THEN w{plan.j} END"
        try:
            self.con.execute(f"SELECT regexp_matches('', {sql_str(re2)})")
        except duckdb.Error:
            return "NULL::BOOLEAN"
        return f"regexp_matches({v}, {sql_str(re2)})"

    def _pattern_in_python(self, plan: Plan) -> None:
        j = plan.j
        todo = self.con.execute(
            f"SELECT DISTINCT v{j} FROM {self.typed} WHERE v{j} IS NOT NULL AND p{j} IS NULL").fetchall()
        if not todo:
            return
        pattern = plan.constraints["pattern"]  # in RE2 with Python's meaning (never backtracks)
        table = pa.table({"v": pa.array([t[0] for t in todo], pa.string()),
                          "ok": pa.array([patterns.matches(pattern, t[0]) for t in todo], pa.bool_())})
        self.con.register("__pattern_fix", table)
        try:
            base = self.base
            self.con.execute(f"UPDATE {base} SET p{j} = f.ok FROM __pattern_fix f "
                             f"WHERE {base}.p{j} IS NULL AND {base}.v{j} = f.v")
        finally:
            self.con.unregister("__pattern_fix")

    def _decide_in_python(self, plan: Plan) -> None:
        """Cells SQL left undecided (state 2): read them with the reference reader, once per value."""
        j, target = plan.j, duckdb_type(plan.field)
        todo = self.con.execute(f"SELECT DISTINCT c{j}, k{j} FROM {self.typed} WHERE s{j} = {ODD}").fetchall()
        if not todo:
            return
        reader = make_reader(plan.field)
        py_only = plan.type in PY_ONLY_TYPES or (plan.type == "string" and plan.field.get("format") != "default")
        texts, kinds, oks, vals, fails = [], [], [], [], []
        for text, kind in todo:
            value = reader(_native(text, kind))
            texts.append(text)
            kinds.append(kind)
            oks.append(value is not None)
            vals.append(None if value is None else canonical_text(plan.field, value))
            fails.append(_python_constraints(plan, value, reader) if py_only and value is not None else [])
        table = pa.table({"c": pa.array(texts, pa.string()), "k": pa.array(kinds, pa.uint8()),
                          "ok": pa.array(oks, pa.bool_()), "val": pa.array(vals, pa.string()),
                          "fails": pa.array(fails, pa.list_(pa.string()))})
        self.con.register("__fix", table)
        t = self.base
        extra = f", x{j} = f.fails" if py_only else ""
        cast = f"TRY_CAST(f.val AS {target})" if target != "JSON" else "f.val::JSON"
        if target.startswith("STRUCT"):
            cast = "json_transform(f.val::JSON, '{\"lon\": \"DOUBLE\", \"lat\": \"DOUBLE\"}')"
        try:
            self.con.execute(
                f"UPDATE {t} SET s{j} = CASE WHEN f.ok THEN {OK} ELSE {BAD} END, "
                f"v{j} = CASE WHEN f.ok THEN {cast} END{extra} FROM __fix f "
                f"WHERE {t}.s{j} = {ODD} AND {t}.c{j} = f.c AND {t}.k{j} IS NOT DISTINCT FROM f.k")
        finally:
            self.con.unregister("__fix")

    # --- errors ---------------------------------------------------------------------------------

    def _error_queries(self) -> list[str]:
        """One SELECT per error class: (rn, class, field number, sub-order, type, note, cell, field name)."""
        t, queries = self.typed, []

        def q(where: str, cls: int, fno: int, sub: int, etype: str, note: str, cell: str, fname: str,
              source: str = t) -> str:
            return (f"SELECT __rn AS rn, {cls} AS cls, {fno} AS fno, {sub} AS sub, {sql_str(etype)} AS type, "
                    f"{note} AS note, {cell} AS cell, {sql_str(fname)} AS fname FROM {source} WHERE {where}")

        for plan in self.plans:
            j = plan.j
            cell = f"coalesce(c{j}, 'None')"
            fmt = plan.field.get("format", "default")
            note = sql_str(f'type is "{plan.type}/{fmt}"')
            queries.append(q(f"NOT __blank AND s{j} = {BAD}", 1, plan.number, 0, "type-error", note, cell, plan.name))
            if not plan.schema_field:
                continue
            order = CONSTRAINTS[plan.type]
            if plan.constraints.get("required"):
                queries.append(q(f"NOT __blank AND m{j}", 1, plan.number, 1, "constraint-error",
                                 sql_str(required_note(plan)), cell, plan.name))
            for name, cond, cnote in constraint_sql(plan, f"v{j}"):
                queries.append(q(f"NOT __blank AND s{j} = {OK} AND NOT m{j} AND coalesce({cond}, false)", 1,
                                 plan.number, 1 + order.index(name), "constraint-error", sql_str(cnote), cell,
                                 plan.name))
        width = len(self.plans)
        queries.append(
            f"SELECT rn, 2 AS cls, {width} + i AS fno, 0 AS sub, 'extra-cell' AS type, '' AS note, "
            f"coalesce(cell, 'None') AS cell, '' AS fname FROM (SELECT __rn AS rn, unnest(__extra) AS cell, "
            f"unnest(range(1, len(__extra) + 1)) AS i FROM {t} WHERE NOT __blank AND __extra IS NOT NULL)")
        for plan in self.plans:
            queries.append(q(f"NOT __blank AND __n < {plan.j}", 3, plan.number, 0, "missing-cell", "''", "''",
                             plan.name))
        queries.append(q("__blank", 1, 0, 0, "blank-row", "''", "NULL", ""))
        return queries

    @staticmethod
    def _key_cols(plan: Plan) -> list[str]:
        """Columns whose equality is Python's equality of the typed value."""
        cols = [f"v{plan.j}"]
        if duckdb_type(plan.field) == "TIMESTAMPTZ":
            cols.append(f"z{plan.j}")
        return cols

    def _key_queries(self) -> list[str]:
        t, out = self.typed, []
        names = {p.name: p for p in self.plans if p.schema_field}
        for plan in self.plans:
            if plan.schema_field and plan.constraints.get("unique"):
                j = plan.j
                nan = f" AND NOT isnan(v{j})" if plan.type == "number" else ""
                out.append(
                    f"SELECT rn, 4 AS cls, {plan.number} AS fno, 0 AS sub, 'unique-error' AS type, "
                    f"'the same as in the row at position ' || prev AS note, cell, {sql_str(plan.name)} AS fname "
                    f"FROM (SELECT __rn AS rn, coalesce(c{j}, 'None') AS cell, "
                    f"lag(__rn) OVER (PARTITION BY {', '.join(self._key_cols(plan))} ORDER BY __rn) AS prev FROM {t} "
                    f"WHERE v{j} IS NOT NULL{nan}) WHERE prev IS NOT NULL")
        pk = self.schema["primaryKey"]
        if pk and all(k in names for k in pk):
            cols = [f"v{names[k].j}" for k in pk]
            allnull = " AND ".join(f"{c} IS NULL" for c in cols)
            once = " AND NOT __blank" if self.checks.get("policy") == "intended" else ""
            out.append(f"SELECT __rn AS rn, 5 AS cls, 0 AS fno, 0 AS sub, 'primary-key' AS type, "
                       f"'cells composing the primary keys are all \"None\"' AS note, NULL AS cell, '' AS fname "
                       f"FROM {t} WHERE {allnull}{once}")
            keys = [col for k in pk for col in self._key_cols(names[k])]
            out.append(f"SELECT rn, 5 AS cls, 0 AS fno, 1 AS sub, 'primary-key' AS type, "
                       f"'the same as in the row at position ' || prev AS note, NULL AS cell, '' AS fname FROM "
                       f"(SELECT __rn AS rn, lag(__rn) OVER (PARTITION BY {', '.join(keys)} ORDER BY __rn) AS prev "
                       f"FROM {t} WHERE NOT ({allnull})) WHERE prev IS NOT NULL")
        for index, fk in enumerate(self.schema.get("foreignKeys", [])):
            if not all(k in names for k in fk["fields"]):
                continue
            query = self._fk_query(index, fk, names)
            if query:
                out.append(query)
        if self.checks["duplicate_row"]:
            out.append(self._duplicate_query())
        return out

    def _fk_query(self, index: int, fk: dict, names: dict[str, Plan]) -> str | None:
        ref = fk["reference"]
        lookup = self._lookup(ref["resource"], ref["fields"], index)
        if lookup is None:
            return None
        table, types = lookup
        t = self.typed
        cols = [f"v{names[k].j}" for k in fk["fields"]]
        allnull = " AND ".join(f"{c} IS NULL" for c in cols)
        conds = []
        for i, (col, key) in enumerate(zip(cols, fk["fields"], strict=True)):
            if _category(duckdb_type(names[key].field)) != _category(types[i]):
                conds.append("false")
            else:
                conds.append(f"L.r{i} IS NOT DISTINCT FROM {t}.{col}")
        values = " || ', ' || ".join(f"coalesce({c}::VARCHAR, 'None')" for c in cols)
        note = (f"'for \"{', '.join(fk['fields'])}\": values \"' || {values} || '\" not found in the lookup table "
                f"\"{ref['resource']}\" as \"{', '.join(ref['fields'])}\"'")
        return (f"SELECT __rn AS rn, 6 AS cls, {index} AS fno, 0 AS sub, 'foreign-key' AS type, {note} AS note, "
                f"NULL AS cell, '' AS fname FROM {t} WHERE NOT ({allnull}) AND NOT EXISTS "
                f"(SELECT 1 FROM {table} L WHERE {' AND '.join(conds)})")

    def _lookup(self, resource: str, fields: list[str], index: int) -> tuple[str, list[str]] | None:
        """A table r0..rn of the referenced key tuples (not all-null), and their DuckDB types."""
        name = f"{self.prefix}_lookup{index}"
        package = self.lookups.get("package")
        stack = self.lookups.get("stack", [])
        self_ref = not resource or (stack and resource == stack[-1])
        if self_ref:
            plans = {p.name: p for p in self.plans if p.schema_field}
            if not all(f in plans for f in fields):
                raise InvalidSchema(f"foreignKeys: {fields} are not fields of this resource")
            cols = [f"v{plans[f].j} AS r{i}" for i, f in enumerate(fields)]
            types = [duckdb_type(plans[f].field) for f in fields]
            source = self.typed
        elif package is not None:
            package_path, resources = package
            if resource in stack:
                raise InvalidSchema(f"foreignKeys: circular reference through resource {resource!r}")
            chosen = _package_resource(package_path, resources, resource)
            parquet = self._typed_resource(chosen, resource, stack)
            source, cols, types = self._parquet_lookup(parquet, fields, resource)
        elif self.references is not None:
            parquet = self.references(resource)
            if parquet is None:
                raise NotFound(f"foreign key: no dataset {resource!r} in the catalogue to check references against")
            source, cols, types = self._parquet_lookup(Path(parquet), fields, resource)
        else:
            raise InvalidInput(f"foreign key to resource {resource!r}: a single file cannot see other resources",
                               hint="validate the datapackage.json with --resource, or publish the referenced dataset")
        allnull = " AND ".join(f"r{i} IS NULL" for i in range(len(fields)))
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT DISTINCT * FROM "
                         f"(SELECT {', '.join(cols)} FROM {source}) WHERE NOT ({allnull})")
        return name, types

    def _parquet_lookup(self, parquet: Path, fields: list[str], resource: str) -> tuple[str, list[str], list[str]]:
        source = f"read_parquet({sql_str(str(parquet))})"
        described = {row[0]: row[1] for row in self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        missing = [f for f in fields if f not in described]
        if missing:
            raise InvalidSchema(f"foreign key: resource {resource!r} has no field {missing[0]!r}")
        return source, [f"{ident(f)} AS r{i}" for i, f in enumerate(fields)], [described[f] for f in fields]

    def _typed_resource(self, chosen: dict, resource: str, stack: list[str]) -> Path:
        """Type another resource of the package (its rows as frictionless's lookup reads them)."""
        schema = chosen["schema"]
        if schema is None:
            from pipelines.describe import describe_file

            schema = describe_file(chosen["path"], encoding=chosen["encoding"], dialect=chosen["dialect"],
                                   format=chosen["format"])
        schema = check_schema(schema)
        schema["foreignKeys"] = []
        source = open_source(chosen["path"], format=chosen["format"], encoding=chosen["encoding"])
        engine = _Engine(source, schema, parse_dialect(chosen["dialect"]), parse_checklist(None), limit_errors=0,
                         progress=False, references=None,
                         lookups={"package": self.lookups["package"], "stack": [*stack, resource]},
                         prefix=f"ref{len(stack)}")
        try:
            layout = scan = None
            if source.format in ("csv", "tsv"):
                layout, note = readers.read_csv_layout(source, engine.dialect)
                if layout is None:
                    raise InvalidInput(f"resource {resource!r}: cannot decode {source.path.name} ({note})")
                scan = readers.scan_bytes(source.path, delimiter=layout.fmt.delimiter)
            engine.layout, engine.scan = layout, scan
            engine.staged = engine._stage(layout, scan)
            engine.plans, _ = header_plans(schema, engine.staged.labels, engine.dialect, engine.staged.header_rows,
                                           engine.staged.width)
            engine._type()
            out = Path(self.tmpdir) / f"lookup-{resource}-{len(stack)}.parquet"
            by_name = {p.name: p for p in engine.plans if p.schema_field}
            cols = ", ".join(f"v{p.j} AS {ident(p.name)}" for p in by_name.values())
            engine.con.execute(f"COPY (SELECT {cols} FROM {engine.typed}) TO {sql_str(str(out))} (FORMAT parquet)")
            return out
        finally:
            engine.close()

    def _duplicate_query(self) -> str:
        keys = [f"coalesce({self._str_sql(plan)}, 'None')" for plan in self.plans]
        return (f"SELECT rn, 7 AS cls, 0 AS fno, 0 AS sub, 'duplicate-row' AS type, "
                f"'the same as row at position \"' || prev || '\"' AS note, NULL AS cell, '' AS fname FROM "
                f"(SELECT __rn AS rn, lag(__rn) OVER (PARTITION BY concat_ws(',', {', '.join(keys)}) ORDER BY __rn) "
                f"AS prev, __blank FROM {self.typed}) WHERE prev IS NOT NULL"
                + (" AND NOT __blank" if self.checks.get("policy") == "intended" else ""))

    def _str_sql(self, plan: Plan) -> str:
        """SQL for Python's str() of the typed value (what frictionless hashes for duplicate rows)."""
        j, ftype = plan.j, plan.type
        if ftype in ("string", "any"):
            return f"v{j}"
        if ftype in ("integer", "year"):
            return f"v{j}::VARCHAR"
        if ftype == "boolean":
            return f"CASE WHEN v{j} THEN 'True' WHEN NOT v{j} THEN 'False' END"
        if ftype == "date":
            return f"strftime(v{j}, '%Y-%m-%d')"
        # numbers keep their written form in Decimal's str(); other types: decide once per value in Python
        table = f"{self.prefix}_str{j}"
        todo = self.con.execute(f"SELECT DISTINCT c{j}, k{j} FROM {self.typed} WHERE s{j} = {OK} AND NOT m{j}").fetchall()
        reader = make_reader(plan.field)
        texts = [t for t, _ in todo]
        strs = [_py_str(reader(_native(t, k))) for t, k in todo]
        kinds = [k for _, k in todo]
        arrow = pa.table({"c": pa.array(texts, pa.string()), "k": pa.array(kinds, pa.uint8()),
                          "s": pa.array(strs, pa.string())})
        self.con.register("__strs", arrow)
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM __strs")
        finally:
            self.con.unregister("__strs")
        return (f"(SELECT s FROM {table} x WHERE x.c = {self.typed}.c{j} AND x.k IS NOT DISTINCT FROM "
                f"{self.typed}.k{j} AND {self.typed}.s{j} = {OK} AND NOT {self.typed}.m{j})")

    def _errors(self, header_errors: list[dict]) -> tuple[list[dict], int, bool]:
        queries = self._error_queries() + self._key_queries()
        limit = self.limit if self.limit and self.limit > 0 else None
        sql = " UNION ALL ".join(queries) + " ORDER BY rn, cls, fno, sub"
        if limit is not None:
            sql += f" LIMIT {max(0, limit - len(header_errors)) + 1}"
        with self._bar("checking"):
            rows = self.con.execute(sql).fetchall()
        limited = False
        errors = list(header_errors)
        room = None if limit is None else max(0, limit - len(header_errors))
        if room is not None and (len(rows) > room or len(header_errors) >= limit):
            rows = rows[:room]
            limited = True
        if limit is not None and len(header_errors) >= limit:
            errors = errors[:limit]
        cells = self._row_cells(sorted({r[0] for r in rows}))
        for rn, _cls, fno, _sub, etype, note, cell, fname in rows:
            props: dict[str, Any] = {"cells": cells.get(rn, []), "rowNumber": rn}
            if etype in ("type-error", "constraint-error", "unique-error", "missing-cell", "extra-cell"):
                props.update({"cell": cell if cell is not None else "", "fieldName": fname, "fieldNumber": fno})
            errors.append(make_error(etype, note=note or "", **props))
        rows_read = self.staged.rows
        if limited and rows:
            rows_read = self.con.execute(f"SELECT count(*) FROM {self.typed} WHERE __rn <= {rows[-1][0]}").fetchone()[0]
        return errors, rows_read, limited

    def _row_cells(self, rns: list[int]) -> dict[int, list[str]]:
        if not rns:
            return {}
        cols = ", ".join(f"coalesce(c{p.j}, '')" for p in self.plans)
        rows = self.con.execute(
            f"SELECT __rn, __n, [{cols}]::VARCHAR[], __extra FROM {self.typed} WHERE __rn IN "
            f"(SELECT unnest(?::BIGINT[]))", [rns]).fetchall()
        return {rn: list(cells[:n]) + [c or "" for c in (extra or [])] for rn, n, cells, extra in rows}

    # --- the fast pass --------------------------------------------------------------------------

    def _fast(self, layout, thread: threading.Thread, scanned: dict, width: int, task: dict) -> bool:
        """Try the one-pass CSV->Parquet path; True if it proved the file valid.

        Every cell must pass a cheap check that implies frictionless accepts it with the same value, and
        every row-local constraint must hold, else ``error()`` aborts the COPY and the exact pass runs.
        The byte scan running in ``thread`` then confirms DuckDB saw every line (no blank line skipped).
        """
        schema, fields = self.schema, self.schema["fields"]
        if (self.checks["duplicate_row"] or self.checks["pick"] or self.checks["skip"]
                or schema.get("fieldsMatch", "exact") != "exact" or not self.dialect.header
                or self.dialect.comment_char or self.dialect.comment_rows
                or [nfc(label) for label in layout.labels] != [nfc(f["name"]) for f in fields]):
            return False
        written = self._fast_copy(layout, width, normalize=False)
        thread.join()
        scan = scanned.get("scan")
        if scan is None or scan.has_nul:
            return False
        if scan.has_combining and written is not None:
            written = self._fast_copy(layout, width, normalize=True)
        if written is None or written == 0 or not readers.records_match(scan, layout, written):
            return False
        if scan.has_cr and not _all_crlf(self.source.path):
            return False
        out = Path(self.tmpdir) / "fast.parquet"
        pq = f"read_parquet({sql_str(str(out))})"
        texts = [ident(p.name) for p in self._fast_plans() if p.type in ("string", "any")]
        inside = self.con.execute(
            f"SELECT {readers.delimiter_count_sql(texts, layout.fmt.delimiter)} FROM {pq}").fetchone()[0]
        if not readers.delimiters_match(scan, layout, written, width, inside):
            return False
        if not self._fast_keys(pq, self._fast_plans()):
            out.unlink(missing_ok=True)
            return False
        self.fast_parquet = out
        self.plans = self._fast_plans()
        task["labels"] = list(layout.labels)
        task["stats"].update({"fields": len(fields), "rows": written})
        return True

    def _fast_plans(self) -> list[Plan]:
        schema = self.schema
        return [Plan(i + 1, f, i + 1, field_missing_values(schema, f), True) for i, f in enumerate(schema["fields"])]

    def _fast_copy(self, layout, width: int, *, normalize: bool) -> int | None:
        """The COPY of the fast pass; the number of rows written, or None if a cell needs the exact pass."""
        plans = self._fast_plans()
        if any(_may_hold(plan, layout.fmt.delimiter) for plan in plans):
            return None
        natives = self._native_numbers(plans)
        nullstr = plans[natives[0]].missing if natives else []
        types = ["DOUBLE" if i in natives else "VARCHAR" for i in range(len(plans))]
        relation = readers.duckdb_csv(self.source, layout, width, types=types, nullstr=nullstr,
                                      varchar=[i for i in range(len(plans)) if i not in natives])
        if relation is None:
            return None
        inner, outer, blank = [], [], []
        for i, plan in enumerate(plans):
            j = plan.j
            if i in natives:
                inner.append(f"c{j} AS p{j}")
                missing, ok = f"(p{j} IS NULL)", "true"
            else:
                c = f"nfc_normalize(c{j})" if normalize else f"c{j}"
                quick = fast_cell_sql(plan, f"c{j}")
                if quick is None:
                    return None
                value, ok = quick
                inner += [f"{c} AS c{j}", f"{value} AS p{j}"] if not normalize else \
                    [f"{c} AS c{j}", f"{fast_cell_sql(plan, c)[0]} AS p{j}"]
                ok = ok.replace("__p", f"p{j}")
                missing = missing_sql(plan, f"c{j}", None).replace(f"c{j} IS NULL OR ", "")
            rules = []
            for name, cond, _note in constraint_sql(plan, f"p{j}"):
                if name == "pattern":
                    cond = fast_pattern_sql(plan.constraints["pattern"], f"p{j}")
                    if cond is None:
                        return None
                rules.append(cond)
            bad = " OR ".join([f"NOT coalesce({ok}, false)"] * (ok != "true") + rules) or "false"
            on_missing = "error('required')" if plan.constraints.get("required") else "NULL"
            outer.append(f"CASE WHEN {missing} THEN {on_missing} WHEN {bad} THEN error('exact pass needed') "
                         f"ELSE p{j}::{duckdb_type(plan.field)} END AS {ident(plan.name)}")
            blank.append(missing)
        where = f"CASE WHEN {' AND '.join(blank)} THEN error('blank row') ELSE true END"
        out = Path(self.tmpdir) / "fast.parquet"
        sql = (f"COPY (SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {relation}) WHERE {where}) "
               f"TO {sql_str(str(out))} (FORMAT parquet, {PARQUET_OPTIONS})")
        try:
            with self._bar("validating"):
                return self.con.execute(sql).fetchone()[0]
        except duckdb.Error:
            out.unlink(missing_ok=True)
            return None

    def _native_numbers(self, plans: list[Plan]) -> list[int]:
        """Number fields DuckDB's CSV reader may parse itself: same missing values, same decimal char."""
        candidates = [i for i, p in enumerate(plans) if p.type == "number"
                      and not p.field.get("groupChar") and p.field.get("bareNumber", True)
                      and p.field.get("decimalChar", ".") == "."]
        if not candidates:
            return []
        missing = plans[candidates[0]].missing
        return [i for i in candidates if plans[i].missing == missing]

    def _fast_keys(self, pq: str, plans: list[Plan]) -> bool:
        """Unique fields and the primary key in one scan of the Parquet (a hash collision only sends the
        file to the exact pass); foreign keys by anti-join."""
        by_name = {p.name: p for p in plans}
        counts = []
        for plan in plans:
            if plan.constraints.get("unique"):
                col = ident(plan.name)
                counts.append(f"count({col}) - count(DISTINCT {col})")
        pk = self.schema["primaryKey"]
        if pk:
            cols = ", ".join(ident(k) for k in pk)
            counts.append(f"count(*) - count(DISTINCT hash({cols}))")
            counts.append("count(*) FILTER (WHERE " + " AND ".join(f"{ident(k)} IS NULL" for k in pk) + ")")
        if counts and any(self.con.execute(f"SELECT {', '.join(counts)} FROM {pq}").fetchone()):
            return False
        for index, fk in enumerate(self.schema.get("foreignKeys", [])):
            lookup = self._lookup_fast(pq, fk, index, by_name)
            if lookup is None:
                return False
            table, types = lookup
            conds = []
            for i, key in enumerate(fk["fields"]):
                if _category(duckdb_type(by_name[key].field)) != _category(types[i]):
                    return False
                conds.append(f"L.r{i} IS NOT DISTINCT FROM P.{ident(key)}")
            allnull = " AND ".join(f"P.{ident(k)} IS NULL" for k in fk["fields"])
            if self.con.execute(f"SELECT 1 FROM {pq} P WHERE NOT ({allnull}) AND NOT EXISTS "
                                f"(SELECT 1 FROM {table} L WHERE {' AND '.join(conds)}) LIMIT 1").fetchone():
                return False
        return True

    def _lookup_fast(self, pq: str, fk: dict, index: int, by_name: dict[str, Plan]):
        ref = fk["reference"]
        stack = self.lookups.get("stack", [])
        if not ref["resource"] or (stack and ref["resource"] == stack[-1]):
            name = f"{self.prefix}_lookup{index}"
            cols = ", ".join(f"{ident(f)} AS r{i}" for i, f in enumerate(ref["fields"]))
            allnull = " AND ".join(f"r{i} IS NULL" for i in range(len(ref["fields"])))
            if any(f not in by_name for f in ref["fields"]):
                return None
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT DISTINCT * FROM "
                             f"(SELECT {cols} FROM {pq}) WHERE NOT ({allnull})")
            return name, [duckdb_type(by_name[f].field) for f in ref["fields"]]
        try:
            return self._lookup(ref["resource"], ref["fields"], index)
        except UserError:
            return None

    # --- output ---------------------------------------------------------------------------------

    def write_parquet(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.fast_parquet is not None and self.fast_parquet.exists():
            shutil.copyfile(self.fast_parquet, path)
            return
        # schema order; a field the header lacks (allowed by fieldsMatch superset/partial) is an empty column
        by_name = {p.name: p for p in self.plans if p.schema_field}
        cols = ", ".join(
            f"{'v' + str(by_name[f['name']].j) if f['name'] in by_name else 'NULL'}::{duckdb_type(f)} AS {ident(f['name'])}"
            for f in self.schema["fields"])
        with self._bar("writing parquet"):  # the staged table keeps the file's row order
            self.con.execute(f"COPY (SELECT {cols} FROM {self.typed}) TO {sql_str(str(path))} "
                             f"(FORMAT parquet, {PARQUET_OPTIONS})")


def _may_hold(plan: Plan, delimiter: str) -> bool:
    """Whether a cell of a non-text field could contain the delimiter while its typed value does not (the
    fast pass counts delimiters inside values from the typed text columns only)."""
    if len(delimiter.encode()) != 1 or any(delimiter in mv for mv in plan.missing):
        return True
    if plan.type in ("string", "any"):
        return False
    f = plan.field
    texts = [f.get("decimalChar", ""), f.get("groupChar", ""), f.get("format", ""),
             *f.get("trueValues", []), *f.get("falseValues", [])]
    return any(delimiter in t for t in texts if t) or not f.get("bareNumber", True)


def _all_crlf(path: Path) -> bool:
    """Every CR is part of a CRLF (DuckDB and Python split lone CRs differently)."""
    cr = crlf = 0
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(readers.SCAN_CHUNK):
            data = tail + chunk
            cr += chunk.count(b"\r")
            crlf += data.count(b"\r\n") - tail.count(b"\r\n")
            tail = data[-1:]
    return cr == crlf


def _category(duck_type: str) -> str:
    t = duck_type.upper()
    if t in ("BIGINT", "INTEGER", "DOUBLE", "FLOAT", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER") \
            or t.startswith("DECIMAL"):
        return "number"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    return t


def _native(text: str | None, kind: int | None) -> Any:
    """Rebuild the native cell a reader saw from (str(value), kind)."""
    import datetime as dt
    from decimal import Decimal

    if text is None or kind is None or kind == readers.KIND_OTHER:
        return text
    try:
        if kind == readers.KIND_INT:
            return int(text)
        if kind == readers.KIND_FLOAT:
            return float(text)
        if kind == readers.KIND_DECIMAL:
            return Decimal(text)
        if kind == readers.KIND_BOOL:
            return text == "True"
        if kind == readers.KIND_DATETIME:
            return dt.datetime.fromisoformat(text)
        if kind == readers.KIND_DATE:
            return dt.date.fromisoformat(text)
        if kind == readers.KIND_TIME:
            return dt.time.fromisoformat(text)
        if kind in (readers.KIND_LIST, readers.KIND_DICT):
            return json.loads(text)
    except ValueError:
        return text
    return text


def _py_str(value: Any) -> str | None:
    """Python's str() of a typed value, what frictionless joins to compare rows."""
    return None if value is None else str(value)


def _python_constraints(plan: Plan, value: Any, reader) -> list[str]:
    """Constraint names a Python-decided value breaks (rare types: yearmonth, object, geopoint ...)."""
    fails = []
    for name in CONSTRAINTS[plan.type]:
        if name == "required" or name not in plan.constraints:
            continue
        limit = plan.constraints[name]
        try:
            if name == "minLength":
                ok = value_length(value) is None or value_length(value) >= limit
            elif name == "maxLength":
                ok = value_length(value) is None or value_length(value) <= limit
            elif name == "pattern":
                ok = patterns.matches(limit, value)
            elif name == "enum":
                ok = value in [reader(item) for item in limit]
            else:
                bound = reader(limit)
                ok = {"minimum": value >= bound, "maximum": value <= bound,
                      "exclusiveMinimum": value > bound, "exclusiveMaximum": value < bound}[name]
        except TypeError:
            ok = False
        if not ok:
            fails.append(name)
    return fails
