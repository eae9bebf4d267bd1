"""Validation semantics, one behaviour per test: types, formats, constraints, header and row errors, keys.

Expected answers are frictionless 5.21's (checked by running it; see frictionless-pitfalls.md), except
where VALIDATION.md records a deliberate difference (NFC text, group chars), which is tested as such.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from catalog.errors import InvalidInput, InvalidSchema
from catalog.i18n import language
from pipelines.report import ERRORS, render_text
from pipelines.tableschema import check_schema, duckdb_type
from pipelines.validate import validate_file, validate_package


def write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def triples(validation) -> set:
    errors = validation.report["errors"] + validation.report["tasks"][0]["errors"]
    return {(e["type"], e.get("rowNumber"), e.get("fieldName") or None) for e in errors}


def check(tmp_path: Path, text: str, fields: list[dict], **options) -> set:
    schema = {"fields": fields, **options.pop("schema_extra", {})}
    with validate_file(write(tmp_path, text), schema=schema, **options) as validation:
        found = triples(validation)
        assert validation.valid == (not found)
        return found


def f(name: str, ftype: str = "string", **props) -> dict:
    return {"name": name, "type": ftype, **props}


# ------------------------------------------------------------------------------------------------ types


def test_integer_accepts_what_python_int_accepts(tmp_path):
    text = "n\n+5\n007\n 12\n1_000\n-3\n"
    assert check(tmp_path, text, [f("n", "integer")]) == set()


def test_integer_rejects_group_and_decimal_text(tmp_path):
    # frictionless: integer ignores groupChar, and "1883.0" is not an integer
    text = "n\n1.883\n1883.0\n1e3\nkhoảng 500\n"
    assert check(tmp_path, text, [f("n", "integer", groupChar=".")]) == {
        ("type-error", r, "n") for r in (2, 3, 4, 5)}


def test_integer_bare_number_false_strips_units(tmp_path):
    assert check(tmp_path, "n\n500 lượt\n₫1200\n", [f("n", "integer", bareNumber=False)]) == set()


def test_number_decimal_comma(tmp_path):
    text = 'x\n"12,5"\n12.5\n"-0,25"\n'
    assert check(tmp_path, text, [f("x", "number", decimalChar=",")]) == {("type-error", 3, "x")}


def test_number_accepts_nan_inf_exponent_but_nan_breaks_bounds(tmp_path):
    text = "x\n1e3\ninf\nNaN\n.5\n"
    found = check(tmp_path, text, [f("x", "number", constraints={"minimum": 0})])
    assert found == {("constraint-error", 4, "x")}


def test_group_char_requires_groups_of_three(tmp_path):
    """Our decision (VALIDATION.md): "7.5" with groupChar "." is a type error, not 75."""
    text = 'x\n"1.883.245"\n"12.345,6"\n7.5\n150.5\n"1.2.3"\n1234\n'
    found = check(tmp_path, text, [f("x", "number", groupChar=".", decimalChar=",")])
    assert found == {("type-error", 4, "x"), ("type-error", 5, "x"), ("type-error", 6, "x")}


def test_group_char_values_are_typed(tmp_path):
    path = write(tmp_path, 'x\n"1.883.245"\n"12.345,6"\n')
    with validate_file(path, schema={"fields": [f("x", "number", groupChar=".", decimalChar=",")]}) as v:
        v.write_parquet(tmp_path / "out.parquet")
    values = duckdb.sql(f"SELECT x FROM '{tmp_path / 'out.parquet'}'").fetchall()
    assert values == [(1883245.0,), (12345.6,)]


def test_unicode_digits_are_decided_like_python(tmp_path):
    # int("١٢") == 12 in Python, so frictionless accepts Arabic-Indic digits; we decide such cells in Python
    assert check(tmp_path, "n\n١٢\n12\n", [f("n", "integer", constraints={"maximum": 11})]) == {
        ("constraint-error", 2, "n"), ("constraint-error", 3, "n")}


def test_default_date_is_lenient(tmp_path):
    assert check(tmp_path, "d\n2000-1-1\n2024-02-29\n2023-02-29\n", [f("d", "date")]) == {("type-error", 4, "d")}


def test_day_month_year_format(tmp_path):
    text = "d\n5/9/1990\n05/09/1990\n2000-01-01\n31/02/2010\n"
    assert check(tmp_path, text, [f("d", "date", format="%d/%m/%Y")]) == {
        ("type-error", 4, "d"), ("type-error", 5, "d")}


def test_default_datetime_needs_seconds(tmp_path):
    text = "t\n2024-01-05 13:00:00\n2024-01-05T13:00:00+07:00\n2024-01-05T13:00\n2024-01-05T24:00:00\n"
    assert check(tmp_path, text, [f("t", "datetime")]) == {("type-error", 4, "t")}


def test_strptime_datetime_with_offset(tmp_path):
    path = write(tmp_path, "t\n05/01/2024 13:00 +0700\n")
    schema = {"fields": [f("t", "datetime", format="%d/%m/%Y %H:%M %z")]}
    with validate_file(path, schema=schema) as v:
        assert v.valid
        v.write_parquet(tmp_path / "t.parquet")
    value = duckdb.sql(f"SELECT epoch(t) FROM '{tmp_path / 't.parquet'}'").fetchall()[0][0]
    assert value == 1704434400  # 2024-01-05 06:00 UTC


def test_boolean_values(tmp_path):
    text = "b\ntrue\nFALSE\n1\nyes\n"
    assert check(tmp_path, text, [f("b", "boolean")]) == {("type-error", 5, "b")}
    assert check(tmp_path, "b\ncó\nkhông\n", [f("b", "boolean", trueValues=["có"], falseValues=["không"])]) == set()


def test_year_time_and_rare_types(tmp_path):
    assert check(tmp_path, "y\n2024\n999\n 202\n", [f("y", "year")]) == {("type-error", 3, "y")}
    assert check(tmp_path, "t\n13:05:00\n25:00:00\n", [f("t", "time")]) == {("type-error", 3, "t")}
    assert check(tmp_path, 'o\n"{""a"": 1}"\n[1]\n', [f("o", "object")]) == {("type-error", 3, "o")}
    assert check(tmp_path, "m\n2024-01\n2024-13\n", [f("m", "yearmonth")]) == {("type-error", 3, "m")}
    assert check(tmp_path, 'p\n"105.8,21.0"\n"200,1"\n', [f("p", "geopoint")]) == {("type-error", 3, "p")}


# ----------------------------------------------------------------------------------------- constraints


def test_unique_flags_only_later_occurrences(tmp_path):
    text = "id\nA\nB\nA\nA\n"
    assert check(tmp_path, text, [f("id", constraints={"unique": True})]) == {
        ("unique-error", 4, "id"), ("unique-error", 5, "id")}


def test_unique_note_points_at_previous_occurrence(tmp_path):
    path = write(tmp_path, "id\nA\nB\nA\nA\n")
    with validate_file(path, schema={"fields": [f("id", constraints={"unique": True})]}) as v:
        notes = [e["note"] for e in v.report["tasks"][0]["errors"]]
    assert notes == ["the same as in the row at position 2", "the same as in the row at position 4"]


def test_required_includes_missing_tokens(tmp_path):
    text = "a,b\nx,không có\ny,\nz,-\n"
    fields = [f("a"), f("b", constraints={"required": True})]
    found = check(tmp_path, text, fields, schema_extra={"missingValues": ["", "-", "không có"]})
    assert found == {("constraint-error", r, "b") for r in (2, 3, 4)}


def test_field_missing_values_replace_schema_ones(tmp_path):
    text = "a,b\n-,-\nx,N/A\n"
    fields = [f("a", "integer"), f("b", "integer", missingValues=["N/A"])]
    found = check(tmp_path, text, fields, schema_extra={"missingValues": ["-"]})
    assert found == {("type-error", 2, "b"), ("type-error", 3, "a")}


def test_string_constraints(tmp_path):
    text = "s\nHN0001\nHN01\nabcdefghijk\n"
    fields = [f("s", constraints={"pattern": "HN[0-9]{4}", "maxLength": 10, "minLength": 5})]
    assert check(tmp_path, text, fields) == {("constraint-error", 3, "s"), ("constraint-error", 4, "s")}


def test_pattern_alternation_is_anchored_like_python(tmp_path):
    # frictionless compiles "^{pattern}$" and uses re.match: "a|b" means "^a" or "b$" at the start
    assert check(tmp_path, "s\nax\nb\nxb\n", [f("s", constraints={"pattern": "a|b"})]) == {
        ("constraint-error", 4, "s")}


def test_unicode_word_characters_in_a_pattern_mean_what_they_mean_in_python(tmp_path):
    fields = [f("s", constraints={"pattern": r"HN\w{4}"})]
    assert check(tmp_path, "s\nHN0001\nHX0001\nHNĐ001\n", fields) == {("constraint-error", 3, "s")}


def test_a_pattern_that_needs_backtracking_is_refused_with_the_feature_and_a_rewrite():
    with language("en"), pytest.raises(InvalidSchema, match=r"constraints\.pattern: '\(\?=HN\)\\\\w\{6\}' uses a lookahead.*"):
        check_schema({"fields": [f("s", constraints={"pattern": r"(?=HN)\w{6}"})]})


def test_enum_on_integers_and_numbers(tmp_path):
    text = "m,x\n3,1.0\n4,2.5\n2,3\n"
    fields = [f("m", "integer", constraints={"enum": [3, 4]}), f("x", "number", constraints={"enum": [1, 2.5]})]
    assert check(tmp_path, text, fields) == {("constraint-error", 4, "m"), ("constraint-error", 4, "x")}


def test_bounds_on_dates(tmp_path):
    fields = [f("d", "date", format="%d/%m/%Y", constraints={"minimum": "01/01/2000"})]
    assert check(tmp_path, "d\n05/09/1990\n05/09/2001\n", fields) == {("constraint-error", 2, "d")}


def test_type_error_skips_constraints(tmp_path):
    fields = [f("n", "integer", constraints={"minimum": 0, "required": True})]
    assert check(tmp_path, "n\nabc\n", fields) == {("type-error", 2, "n")}


# ------------------------------------------------------------------------------------- Vietnamese text


def test_nfd_text_matches_nfc_enum(tmp_path):
    """Our decision: text is NFC before checks (frictionless would flag the NFD value)."""
    nfd = "Đo\u0302\u0301ng Đa"
    fields = [f("quan", constraints={"enum": ["Đống Đa"]})]
    assert check(tmp_path, f"quan\n{nfd}\nHà Nội\n", fields) == {("constraint-error", 3, "quan")}


def test_nfd_missing_token_and_label(tmp_path):
    nfd_label = "tra\u0323m"
    text = f"{nfd_label},x\nA,kho\u0302ng co\u0301\n"
    fields = [f("trạm"), f("x", "integer")]
    assert check(tmp_path, text, fields, schema_extra={"missingValues": ["không có"]}) == set()


def test_cp1258_declared(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("tram,ghi_chu\nHà Đông,không có\n".encode("cp1258"))
    schema = {"fields": [f("tram", constraints={"enum": ["Hà Đông"]}), f("ghi_chu", "integer")],
              "missingValues": ["không có"]}
    with validate_file(path, schema=schema, encoding="cp1258") as v:
        assert v.valid, v.report
        v.write_parquet(tmp_path / "out.parquet")
    assert duckdb.sql(f"SELECT tram FROM '{tmp_path / 'out.parquet'}'").fetchall()[0][0] == "Hà Đông"


# ------------------------------------------------------------------------------------- header and rows


def test_label_errors(tmp_path):
    fields = [f("a"), f("b"), f("c"), f("d")]
    assert check(tmp_path, "a,,a\n1,2,3\n", fields) == {
        ("blank-label", None, "b"), ("duplicate-label", None, "c"), ("missing-label", None, "d")}
    assert check(tmp_path, "a,B,c,d,e\n1,2,3,4,5\n", fields) == {
        ("incorrect-label", None, "b"), ("extra-label", None, None)}


def test_missing_column_gives_one_error(tmp_path):
    fields = [f("a"), f("b", constraints={"required": True})]
    assert check(tmp_path, "a\nx\ny\n", fields) == {("missing-label", None, "b")}


def test_header_case_insensitive(tmp_path):
    assert check(tmp_path, "A,b\n1,2\n", [f("a"), f("b")], dialect={"headerCase": False}) == set()


@pytest.mark.parametrize("mode, text, expected", [
    ("equal", "b,a\nx,1\n", set()),
    ("equal", "a,c\n1,z\n", {("extra-label", None, None), ("missing-label", None, "b")}),
    ("subset", "a,b,c\n1,x,z\n", set()),
    ("subset", "b\nx\n", {("missing-label", None, "a")}),
    ("superset", "a,c\n1,z\n", {("extra-label", None, None)}),
    ("superset", "c\nz\n", {("extra-label", None, None), ("missing-label", None, "a")}),
    ("partial", "a,c\n1,z\n", set()),
    ("partial", "c\nz\n", {("unmatched-header", None, None), ("missing-label", None, "a")}),
])
def test_fields_match_modes(tmp_path, mode, text, expected):
    fields = [f("a", "integer", constraints={"required": True}), f("b")]
    assert check(tmp_path, text, fields, schema_extra={"fieldsMatch": mode}) == expected


def test_fields_matched_by_name_are_written_in_schema_order(tmp_path):
    schema = {"fields": [f("a", "integer"), f("b"), f("c", "date")], "fieldsMatch": "superset"}
    with validate_file(write(tmp_path, "b,a\nx,1\n"), schema=schema) as v:
        assert v.valid
        v.write_parquet(tmp_path / "out.parquet")
    rel = duckdb.sql(f"SELECT * FROM '{tmp_path / 'out.parquet'}'")
    assert rel.columns == ["a", "b", "c"] and rel.fetchall() == [(1, "x", None)]


def test_rows_short_long_blank(tmp_path):
    text = "a,b\n1\n1,2,3\n,\n\n"
    fields = [f("a"), f("b", constraints={"required": True})]
    assert check(tmp_path, text, fields) == {
        ("missing-cell", 2, "b"), ("constraint-error", 2, "b"), ("extra-cell", 3, None),
        ("blank-row", 4, None), ("blank-row", 5, None)}


def test_trailing_empty_extra_cells(tmp_path):
    """DuckDB's reader drops empty cells past the last column; we still report them as frictionless does."""
    lines = ["a,b"] + [f"{i},x" for i in range(2000)] + ["1,2,", "3,4,,"]
    found = check(tmp_path, "\n".join(lines) + "\n", [f("a", "integer"), f("b")])
    assert found == {("extra-cell", 2002, None), ("extra-cell", 2003, None)}


def test_missing_cell_constraint_error_cell_is_none(tmp_path):
    path = write(tmp_path, "a,b\n1\n")
    with validate_file(path, schema={"fields": [f("a"), f("b", constraints={"required": True})]}) as v:
        constraint = [e for e in v.report["tasks"][0]["errors"] if e["type"] == "constraint-error"][0]
    assert constraint["cell"] == "None" and constraint["cells"] == ["1"]


def test_blank_rows_and_primary_key(tmp_path):
    text = "a,b\n1,x\n,\n1,x\n1,\n"
    fields = [f("a", "integer"), f("b")]
    found = check(tmp_path, text, fields, schema_extra={"primaryKey": ["a", "b"]})
    # a partly empty key is not flagged; an all-empty one is; a repeated one is
    assert found == {("blank-row", 3, None), ("primary-key", 3, None), ("primary-key", 4, None)}


def test_intended_policy_reports_blank_rows_once(tmp_path):
    text = "a,b\n1,x\n,\n"
    found = check(tmp_path, text, [f("a", "integer"), f("b")], schema_extra={"primaryKey": ["a"]},
                  policy="intended")
    assert found == {("blank-row", 3, None)}


def test_skip_blank_rows_and_comments(tmp_path):
    text = "a,b\n# note\n1,2\n\n3,4\n"
    assert check(tmp_path, text, [f("a", "integer"), f("b", "integer")],
                 dialect={"skipBlankRows": True, "commentChar": "#"}) == set()


def test_header_rows_and_semicolon_dialect(tmp_path):
    text = "Báo cáo;;\nNăm 2024;;\na;b;c\n1;2;3\n"
    assert check(tmp_path, text, [f("a", "integer"), f("b"), f("c")], dialect={"headerRows": [3]}) == set()
    assert check(tmp_path, "a|b\n1|x\n", [f("a", "integer"), f("b")]) == set()


def test_duplicate_row_is_opt_in(tmp_path):
    text = "a,b\n1,x\n2,y\n01,x\n"
    fields = [f("a", "integer"), f("b")]
    assert check(tmp_path, text, fields) == set()
    assert check(tmp_path, text, fields, checklist={"checks": [{"type": "duplicate-row"}]}) == {
        ("duplicate-row", 4, None)}


def test_duplicate_row_compares_python_strings(tmp_path):
    # Decimal("1.0") and Decimal("1.00") print differently, so these rows are not duplicates
    text = "x\n1.0\n1.00\n1.0\n"
    found = check(tmp_path, text, [f("x", "number")], checklist={"checks": [{"type": "duplicate-row"}]})
    assert found == {("duplicate-row", 4, None)}


def test_encoding_error_when_declared(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("tram\nLáng\n".encode("cp1258"))
    with validate_file(path, schema={"fields": [f("tram")]}, encoding="utf-8") as v:
        assert triples(v) == {("encoding-error", None, None)}


def test_encoding_error_late_keeps_earlier_rows(tmp_path):
    # frictionless decodes 8 KB chunks: rows before the bad chunk are checked, then reading stops
    rows = "1,x\n" + "".join(f"{i},ok\n" for i in range(5000))
    path = tmp_path / "data.csv"
    path.write_bytes(("a,b\n" + rows).encode() + "9,Láng\n".encode("cp1258") + b"10,y\n")
    fields = [f("a", "integer"), f("b", constraints={"enum": ["ok"]})]
    with validate_file(path, schema={"fields": fields}, encoding="utf-8") as v:
        assert triples(v) == {("encoding-error", None, None), ("constraint-error", 2, "b")}
        assert v.report["tasks"][0]["stats"]["rows"] == 4234  # what frictionless 5.21 reads here


def test_error_limit_stops_like_frictionless(tmp_path):
    text = "n\n" + "x\n" * 30
    with validate_file(write(tmp_path, text), schema={"fields": [f("n", "integer")]}, limit_errors=10) as v:
        task = v.report["tasks"][0]
        assert len(task["errors"]) == 10 and task["warnings"] == ["reached error limit: 10"]
        assert task["stats"]["rows"] == 10


# --------------------------------------------------------------------------------------- foreign keys


def test_foreign_key_in_package(tmp_path):
    (tmp_path / "districts.csv").write_text("ma,ten\n1,Ba Đình\n2,Đống Đa\n", encoding="utf-8")
    (tmp_path / "schools.csv").write_text("id,quan\nA,Ba Đình\nB,Q. Ba Đình\nC,\n", encoding="utf-8")
    package = {"resources": [
        {"name": "schools", "path": "schools.csv",
         "schema": {"fields": [f("id"), f("quan")],
                    "foreignKeys": [{"fields": "quan", "reference": {"resource": "districts", "fields": "ten"}}]}},
        {"name": "districts", "path": "districts.csv", "schema": {"fields": [f("ma", "integer"), f("ten")]}},
    ]}
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    with validate_package(tmp_path / "datapackage.json", "schools") as v:
        assert triples(v) == {("foreign-key", 3, None)}
        assert "Q. Ba Đình" in v.report["tasks"][0]["errors"][0]["note"]


def test_foreign_key_to_catalogue_dataset(tmp_path):
    ref = tmp_path / "districts.parquet"
    duckdb.sql(f"COPY (SELECT * FROM (VALUES (1, 'Ba Đình'), (2, 'Đống Đa')) t(ma, ten)) TO '{ref}'")
    schema = {"fields": [f("id"), f("ma", "integer")],
              "foreignKeys": [{"fields": ["ma"], "reference": {"resource": "districts", "fields": ["ma"]}}]}
    path = write(tmp_path, "id,ma\nA,1\nB,3\n")
    with validate_file(path, schema=schema, references=lambda name: ref if name == "districts" else None) as v:
        assert triples(v) == {("foreign-key", 3, None)}


def test_foreign_key_without_package_is_a_resource_error(tmp_path):
    schema = {"fields": [f("a")], "foreignKeys": [{"fields": "a", "reference": {"resource": "x", "fields": "a"}}]}
    with validate_file(write(tmp_path, "a\n1\n"), schema=schema) as v:
        assert triples(v) == {("resource-error", None, None)}


def test_self_referencing_foreign_key(tmp_path):
    schema = {"fields": [f("id"), f("parent")],
              "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}]}
    assert check(tmp_path, "id,parent\na,\nb,a\nc,z\n", schema["fields"],
                 schema_extra={"foreignKeys": schema["foreignKeys"]}) == {("foreign-key", 4, None)}


# ----------------------------------------------------------------------------------- outputs and API


def test_write_parquet_types_and_order(tmp_path):
    text = "ma,so,ngay,ty_le,luc,ok\nHN1,12,05/09/1990,\"1,5\",2024-01-05T13:00:00,true\nHN2,,01/01/2000,2,,false\n"
    fields = [f("ma"), f("so", "integer"), f("ngay", "date", format="%d/%m/%Y"),
              f("ty_le", "number", decimalChar=","), f("luc", "datetime"), f("ok", "boolean")]
    with validate_file(write(tmp_path, text), schema={"fields": fields}) as v:
        assert v.valid and v.rows == 2
        v.write_parquet(tmp_path / "out.parquet")
    rel = duckdb.sql(f"SELECT * FROM '{tmp_path / 'out.parquet'}'")
    assert rel.columns == ["ma", "so", "ngay", "ty_le", "luc", "ok"]
    assert [str(t) for t in rel.types] == ["VARCHAR", "BIGINT", "DATE", "DOUBLE", "TIMESTAMP WITH TIME ZONE",
                                           "BOOLEAN"]
    rows = rel.fetchall()
    assert rows[0][0] == "HN1" and rows[1][1] is None and str(rows[0][2]) == "1990-09-05" and rows[0][3] == 1.5
    meta = duckdb.sql(f"SELECT DISTINCT compression FROM parquet_metadata('{tmp_path / 'out.parquet'}')").fetchall()
    assert meta == [("ZSTD",)]


def test_fast_and_exact_passes_write_the_same_parquet(tmp_path):
    lines = ["id,n,x,t"] + [f"A{i},{i},{i / 4},2024-01-{1 + i % 28:02d}T10:00:00" for i in range(3000)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    fields = [f("id", constraints={"unique": True}), f("n", "integer"), f("x", "number"),
              f("t", "datetime", format="%Y-%m-%dT%H:%M:%S")]
    with validate_file(path, schema={"fields": fields}) as fast:
        assert fast.valid and fast._engine.fast_parquet is not None
        fast.write_parquet(tmp_path / "fast.parquet")
    with validate_file(path, schema={"fields": fields}, checklist={"checks": [{"type": "duplicate-row"}]}) as exact:
        assert exact.valid and exact._engine.fast_parquet is None
        exact.write_parquet(tmp_path / "exact.parquet")
    a = duckdb.sql(f"SELECT * FROM '{tmp_path / 'fast.parquet'}'").fetchall()
    b = duckdb.sql(f"SELECT * FROM '{tmp_path / 'exact.parquet'}'").fetchall()
    assert a == b and len(a) == 3000


def test_invalid_refuses_parquet(tmp_path):
    with validate_file(write(tmp_path, "n\nx\n"), schema={"fields": [f("n", "integer")]}) as v:
        with pytest.raises(InvalidInput):
            v.write_parquet(tmp_path / "x.parquet")


def test_report_shape(tmp_path):
    with validate_file(write(tmp_path, "n\nx\n"), schema={"fields": [f("n", "integer")]}) as v:
        report = v.report
    assert set(report) == {"valid", "stats", "warnings", "errors", "tasks"}
    task = report["tasks"][0]
    assert {"name", "type", "valid", "place", "labels", "stats", "warnings", "errors"} <= set(task)
    assert {"errors", "rows", "fields", "bytes"} <= set(task["stats"])
    error = task["errors"][0]
    assert {"type", "title", "description", "message", "tags", "note", "rowNumber", "fieldName", "fieldNumber",
            "cell", "cells"} <= set(error)
    assert error["title"] == ERRORS["type-error"][0] and '"x"' in error["message"]
    json.dumps(report)


def test_render_text_is_vietnamese_by_default_and_english_on_request(tmp_path):
    with validate_file(write(tmp_path, "n\nx\n" + "y\n" * 80), schema={"fields": [f("n", "integer")]}) as v:
        with language("vi"):
            text = render_text(v.report, max_errors=5)
        with language("en"):
            english = render_text(v.report, max_errors=5)
    assert text.startswith("KHÔNG HỢP LỆ") and "type-error" in text and "76 lỗi nữa" in text
    assert "không phải là số nguyên" in text  # the error's explanation, not frictionless's note
    assert english.startswith("INVALID") and "76 more errors" in english


# ------------------------------------------------------------------------------------------- schemas


def test_check_schema_names_the_bad_property():
    with pytest.raises(InvalidSchema, match=r"fields\[2\]\.type: 'integr' is not a Table Schema type"):
        check_schema({"fields": [f("a"), f("b"), f("c", "integr")]})
    with pytest.raises(InvalidSchema, match=r"fields\[0\]\.constraints\.pattern: not supported"):
        check_schema({"fields": [f("a", "integer", constraints={"pattern": "x"})]})
    with pytest.raises(InvalidSchema, match="primaryKey"):
        check_schema({"fields": [f("a")], "primaryKey": ["b"]})
    with pytest.raises(InvalidSchema, match=r"fields\[0\]\.format"):
        check_schema({"fields": [f("a", "date", format="dd/mm/yyyy")]})
    with pytest.raises(InvalidSchema, match="minimum"):
        check_schema({"fields": [f("a", "integer", constraints={"minimum": "x"})]})


def test_duckdb_types():
    assert duckdb_type(f("a", "integer")) == "BIGINT"
    assert duckdb_type(f("a", "datetime", format="%d/%m/%Y %H:%M")) == "TIMESTAMP"
    assert duckdb_type(f("a", "datetime")) == "TIMESTAMPTZ"
    assert duckdb_type(f("a", "geopoint")) == "STRUCT(lon DOUBLE, lat DOUBLE)"


def test_unknown_check_is_refused(tmp_path):
    with pytest.raises(InvalidSchema, match="checklist"):
        validate_file(write(tmp_path, "a\n1\n"), schema={"fields": [f("a")]},
                      checklist={"checks": [{"type": "row-constraint"}]})
