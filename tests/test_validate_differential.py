"""Differential test: random schemas and random bad cells, validated by frictionless and by us.

Both must report the same set of (type, rowNumber, fieldName). Generation stays inside the behaviour we
share with frictionless on purpose; deliberately different areas are left out (VALIDATION.md):
* text is NFC (we normalise, frictionless compares code points), so no decomposed text is generated;
* ``groupChar`` (we require grouping by threes) is not generated;
* integers stay within 64 bits (our Parquet column is BIGINT);
* rare types whose checks we simplify (geojson schema, wkt, email/uri formats) are not generated.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

frictionless = pytest.importorskip("frictionless")

from pipelines.validate import validate_file  # noqa: E402

TRICKY = [
    "", " ", "-", "N/A", "không có", "0", "1", "007", "+5", "-3", "1_000", "1.5", "1,5", "1.0", "1e3", "NaN", "inf",
    "abc", "Đống Đa", "Ba Đình", "Tư pháp", " 12", "12 ", "١٢", "true", "TRUE", "yes", "False", "2024-01-05",
    "2024-1-5", "05/09/1990", "5/9/1990", "31/02/2010", "2024-01-05T13:00:00", "2024-01-05 13:00:00",
    "2024-01-05T13:00", "2024-01-05T13:00:00+07:00", "2024-01-05T13:00:00Z", "13:05:00", "25:00:00", "2024",
    "999", "HN0001", "HN-001", "a,b", 'say "hi"', "x\ny", "1.883", "a;b", "1;5", "x\ty",
]


def field_strategy(index: int):
    name = f"f{index}"
    return st.one_of(
        st.builds(lambda c: {"name": name, "type": "string", "constraints": c},
                  st.fixed_dictionaries({}, optional={
                      "required": st.booleans(), "unique": st.booleans(),
                      "enum": st.sampled_from([["Ba Đình", "Đống Đa"], ["a", "b", "abc"]]),
                      "pattern": st.sampled_from(["HN[0-9]{4}", "[a-z]+", "HN-[0-9]{3}|abc"]),
                      "minLength": st.integers(0, 3), "maxLength": st.integers(2, 8)})),
        st.builds(lambda c, bare: {"name": name, "type": "integer", "constraints": c, **bare},
                  st.fixed_dictionaries({}, optional={
                      "required": st.booleans(), "unique": st.booleans(), "minimum": st.integers(-5, 5),
                      "maximum": st.integers(0, 2000), "enum": st.just([3, 4, "5"])}),
                  st.sampled_from([{}, {"bareNumber": False}])),
        st.builds(lambda c, opts: {"name": name, "type": "number", "constraints": c, **opts},
                  st.fixed_dictionaries({}, optional={
                      "required": st.booleans(), "minimum": st.sampled_from([0, 1.5]),
                      "maximum": st.sampled_from([100, 1000.5])}),
                  st.sampled_from([{}, {"decimalChar": ","}, {"bareNumber": False}, {"decimalChar": "."}])),
        st.builds(lambda c: {"name": name, "type": "boolean", "constraints": c},
                  st.fixed_dictionaries({}, optional={"required": st.booleans()})),
        st.builds(lambda fmt, c: {"name": name, "type": "date", "format": fmt, "constraints": c},
                  st.sampled_from(["default", "%d/%m/%Y"]),
                  st.fixed_dictionaries({}, optional={"required": st.booleans(), "unique": st.booleans()})),
        st.builds(lambda fmt, c: {"name": name, "type": "datetime", "format": fmt, "constraints": c},
                  st.sampled_from(["default", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"]),
                  st.fixed_dictionaries({}, optional={"required": st.booleans()})),
        st.builds(lambda c: {"name": name, "type": "year", "constraints": c},
                  st.fixed_dictionaries({}, optional={"minimum": st.just(2000)})),
        st.builds(lambda c: {"name": name, "type": "time", "constraints": c},
                  st.fixed_dictionaries({}, optional={"required": st.booleans()})),
    )


def good_value(field: dict, draw) -> str:
    ftype = field["type"]
    if ftype == "string":
        enum = field["constraints"].get("enum")
        if enum:
            return draw(st.sampled_from(enum))
        return draw(st.sampled_from(["HN0001", "HN1234", "abc", "Đống Đa", "x y", "HN-001"]))
    if ftype == "integer":
        return str(draw(st.integers(-10, 3000)))
    if ftype == "number":
        value = draw(st.sampled_from(["1.5", "0", "42", "99.25", "-2", "1000"]))
        return value.replace(".", ",") if field.get("decimalChar") == "," else value
    if ftype == "boolean":
        return draw(st.sampled_from(["true", "false", "True", "0", "1"]))
    if ftype == "date":
        return draw(st.sampled_from(["2024-01-05", "1990-09-05"] if field["format"] == "default"
                                    else ["05/09/1990", "31/12/2024", "1/2/2003"]))
    if ftype == "datetime":
        return draw(st.sampled_from({"default": ["2024-01-05T13:00:00", "2024-01-05T13:00:00+07:00"],
                                     "%Y-%m-%dT%H:%M:%S": ["2024-01-05T13:00:00", "2024-1-5T1:2:3"],
                                     "%d/%m/%Y %H:%M": ["05/01/2024 13:00", "5/1/2024 1:05"]}[field["format"]]))
    if ftype == "year":
        return draw(st.sampled_from(["2024", "1999", "0999"]))
    return draw(st.sampled_from(["13:05:00", "00:00:00", "23:59:59"]))


@st.composite
def cases(draw):
    nfields = draw(st.integers(1, 4))
    fields = [draw(field_strategy(i)) for i in range(nfields)]
    for field in fields:
        if not field["constraints"]:
            del field["constraints"]
        field.setdefault("constraints", {})
    schema: dict = {"fields": fields, "missingValues": draw(st.sampled_from([[""], ["", "-", "N/A"], ["N/A"]]))}
    if draw(st.booleans()) and nfields >= 1:
        schema["primaryKey"] = [f["name"] for f in fields[: draw(st.integers(1, min(2, nfields)))]]
    if draw(st.integers(0, 4)) == 0:
        fields[0]["missingValues"] = ["không có"]
    labels = [f["name"] for f in fields]
    header_change = draw(st.sampled_from(["none"] * 6 + ["rename", "blank", "duplicate", "drop", "extra"]))
    if header_change == "rename":
        labels[0] = "Tên khác"
    elif header_change == "blank":
        labels[-1] = ""
    elif header_change == "duplicate" and nfields > 1:
        labels[1] = labels[0]
    elif header_change == "drop" and nfields > 1:
        labels = labels[:-1]
    elif header_change == "extra":
        labels = labels + ["them"]
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        shape = draw(st.sampled_from(["ok"] * 8 + ["short", "long", "blank"]))
        if shape == "blank":
            rows.append([""] * len(labels))
            continue
        row = []
        for field in fields[: len(labels)]:
            if draw(st.integers(0, 3)) == 0:
                row.append(draw(st.sampled_from(TRICKY)))
            else:
                row.append(good_value(field, draw))
        row += ["x"] * (len(labels) - len(row))
        if shape == "short" and len(row) > 1:
            row = row[:-1]
        elif shape == "long":
            row = row + [draw(st.sampled_from(["thừa", ""]))]
        rows.append(row)
    if draw(st.integers(0, 5)) == 0 and rows:
        rows.append(list(rows[0]))  # a duplicate row
    trailing = draw(st.integers(0, 2)) if draw(st.integers(0, 4)) == 0 else 0
    duplicate_check = draw(st.booleans())
    delimiter = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    return schema, labels, rows, (trailing, delimiter), duplicate_check


def write_csv(path: Path, labels, rows, layout) -> None:
    trailing, delimiter = layout if isinstance(layout, tuple) else (layout, ",")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", delimiter=delimiter)
        writer.writerow(labels)
        for row in rows:
            if row == [""] * len(row) and len(row) > 1:
                handle.write(delimiter.join(row) + "\n")
            else:
                writer.writerow(row)
        handle.write("\n" * trailing)


def frictionless_triples(folder: Path, schema: dict, checklist: dict) -> tuple[bool, set]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resource = frictionless.Resource(path="data.csv", basepath=str(folder),
                                         schema=frictionless.Schema.from_descriptor(json.loads(json.dumps(schema))),
                                         encoding="utf-8", format="csv")
        report = resource.validate(frictionless.Checklist.from_descriptor(checklist))
    errors = list(report.errors)
    for task in report.tasks:
        errors += task.errors
    return report.valid, {(e.type, getattr(e, "row_number", None), getattr(e, "field_name", None) or None)
                          for e in errors}


def our_triples(path: Path, schema: dict, checklist: dict) -> tuple[bool, set]:
    with validate_file(path, schema=schema, encoding="utf-8", checklist=checklist) as validation:
        errors = list(validation.report["errors"]) + validation.report["tasks"][0]["errors"]
        return validation.valid, {(e["type"], e.get("rowNumber"), e.get("fieldName") or None) for e in errors}


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("DIFF_EXAMPLES", "80")), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_same_errors_as_frictionless(tmp_path_factory, case):
    schema, labels, rows, trailing, duplicate_check = case
    folder = tmp_path_factory.mktemp("diff")
    path = folder / "data.csv"
    write_csv(path, labels, rows, trailing)
    if all(not any(r) for r in rows) and not trailing:
        pass
    checklist = {"checks": [{"type": "duplicate-row"}]} if duplicate_check else {"checks": []}
    theirs = frictionless_triples(folder, schema, checklist)
    ours = our_triples(path, schema, checklist)
    assert ours == theirs, f"schema={json.dumps(schema, ensure_ascii=False)}\n{path.read_text()}"


NATIVE = st.sampled_from([
    None, 0, 1, 7, 1200, -3, 1.5, 1200.0, 2.25, True, False, "", " ", "-", "abc", "12", "1,5", "2024-01-05",
    "05/09/1990", "2024-01-05T13:00:00", "true", "2024", "13:05:00",
    dt.datetime(1999, 9, 16), dt.datetime(2001, 3, 19, 10, 30), dt.date(2020, 1, 2), dt.time(13, 5),
])
XLSX_FIELDS = st.sampled_from([
    {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "date"},
    {"type": "date", "format": "%d/%m/%Y"}, {"type": "datetime"}, {"type": "boolean"}, {"type": "year"},
    {"type": "time"}, {"type": "any"},
])


@settings(max_examples=int(os.environ.get("DIFF_XLSX_EXAMPLES", "25")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(XLSX_FIELDS, min_size=1, max_size=3),
       rows=st.lists(st.lists(NATIVE, min_size=3, max_size=3), min_size=1, max_size=6),
       missing=st.sampled_from([[""], ["", "-"], ["-"]]))
def test_xlsx_cells_like_frictionless(tmp_path_factory, kinds, rows, missing):
    """Native spreadsheet cells (numbers, dates, booleans) are read as frictionless reads them."""
    import openpyxl

    folder = tmp_path_factory.mktemp("xlsx")
    fields = [{"name": f"f{i}", **kind} for i, kind in enumerate(kinds)]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([f["name"] for f in fields])
    for row in rows:
        sheet.append(row[: len(fields)])
    book.save(folder / "data.xlsx")
    schema = {"fields": fields, "missingValues": missing}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resource = frictionless.Resource(path="data.xlsx", basepath=str(folder),
                                         schema=frictionless.Schema.from_descriptor(json.loads(json.dumps(schema))))
        report = resource.validate()
    theirs = (report.valid, {(e.type, getattr(e, "row_number", None), getattr(e, "field_name", None) or None)
                             for task in report.tasks for e in task.errors})
    with validate_file(folder / "data.xlsx", schema=schema) as validation:
        ours = (validation.valid, {(e["type"], e.get("rowNumber"), e.get("fieldName") or None)
                                   for e in validation.report["tasks"][0]["errors"]})
    assert ours == theirs, f"{schema}\n{rows}"
