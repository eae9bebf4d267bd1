"""describe_file: a draft Table Schema that knows Vietnamese number and date conventions."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from catalog.errors import InvalidInput
from pipelines.describe import describe_file
from pipelines.validate import validate_file


def fields_of(schema: dict) -> dict:
    return {f["name"]: {k: v for k, v in f.items() if k != "name"} for f in schema["fields"]}


def test_vietnamese_numbers_and_dates(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(
        "nam,khach,doanh_thu,ty_le,ngay,ghi_chu\n"
        '2023,"2.457.375","6.410,4","79,5",05/09/1990,-\n'
        '2024,"629.381","3.964,9","80,25",31/12/2024,có\n'
        '2025,-,"4.711,6","7,5",1/2/2003,\n', encoding="utf-8")
    schema = describe_file(path)
    fields = fields_of(schema)
    assert fields["nam"] == {"type": "integer"}
    assert fields["khach"] == {"type": "number", "groupChar": ".", "decimalChar": ","}
    assert fields["doanh_thu"] == {"type": "number", "groupChar": ".", "decimalChar": ","}
    assert fields["ty_le"] == {"type": "number", "decimalChar": ","}
    assert fields["ngay"] == {"type": "date", "format": "%d/%m/%Y"}
    assert fields["ghi_chu"] == {"type": "string"}
    assert "-" in schema["missingValues"]
    with validate_file(path, schema=schema) as validation:  # the draft validates the file it came from
        assert validation.valid, validation.report


def test_ambiguous_dates_are_day_first_unless_proven_otherwise(tmp_path):
    day_first = tmp_path / "a.csv"
    day_first.write_text("d\n01/02/2020\n03/04/2021\n", encoding="utf-8")
    assert fields_of(describe_file(day_first))["d"]["format"] == "%d/%m/%Y"
    month_first = tmp_path / "b.csv"
    month_first.write_text("d\n01/02/2020\n12/31/2021\n", encoding="utf-8")
    assert fields_of(describe_file(month_first))["d"]["format"] == "%m/%d/%Y"
    with_time = tmp_path / "c.csv"
    with_time.write_text("t\n05/09/1990 13:05\n31/12/2024 00:00\n", encoding="utf-8")
    assert fields_of(describe_file(with_time))["t"] == {"type": "datetime", "format": "%d/%m/%Y %H:%M"}


def test_plain_types(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b,c,d,e\n1,1.5,true,2024-01-05,2024-01-05T10:00:00\n2,2,false,2024-02-05,"
                    "2024-01-05T11:00:00\n", encoding="utf-8")
    assert {k: v["type"] for k, v in fields_of(describe_file(path)).items()} == {
        "a": "integer", "b": "number", "c": "boolean", "d": "date", "e": "datetime"}


def test_xlsx_native_cells(tmp_path):
    path = tmp_path / "data.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ma", "so", "ngay", "ty_le"])
    sheet.append(["HN1", 12, dt.datetime(1999, 9, 16), 1.5])
    sheet.append(["HN2", 1200.0, "29/12/1987", 2])
    book.save(path)
    fields = fields_of(describe_file(path))
    assert fields["ma"]["type"] == "string" and fields["so"]["type"] == "integer"
    assert fields["ngay"] == {"type": "date", "format": "%d/%m/%Y"} and fields["ty_le"]["type"] == "number"


def test_json_and_encoding(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps([{"ten": "Ba Đình", "so": 1}, {"ten": "Đống Đa", "so": 2}], ensure_ascii=False))
    assert {k: v["type"] for k, v in fields_of(describe_file(path)).items()} == {"ten": "string", "so": "integer"}
    latin = tmp_path / "latin.csv"
    latin.write_bytes("ten\nHà Đông\n".encode("cp1258"))
    with pytest.raises(InvalidInput, match="--encoding"):
        describe_file(latin)
    assert fields_of(describe_file(latin, encoding="cp1258"))["ten"] == {"type": "string"}


def test_digit_codes_with_leading_zeros_or_nine_digits_stay_strings(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("so_cccd,dien_thoai,ma_so_thue,ma_quan,so_luong,dan_so\n"
                    "001090012345,0912345678,0101234567,001,12,8053663\n"
                    "079203004567,0987654321,0109876543,002,7,123456\n", encoding="utf-8")
    fields = fields_of(describe_file(path))
    assert {name: field["type"] for name, field in fields.items()} == {
        "so_cccd": "string", "dien_thoai": "string", "ma_so_thue": "string", "ma_quan": "string",
        "so_luong": "integer", "dan_so": "integer"}
    with validate_file(path, schema=describe_file(path)) as validation:
        assert validation.valid, validation.report


def test_a_column_with_one_long_digit_string_stays_a_string(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("ma\n12\n123456789\n", encoding="utf-8")  # 9 digits: an ID number, not a quantity
    assert fields_of(describe_file(path))["ma"] == {"type": "string"}


def test_one_bad_date_does_not_make_a_date_column_text_the_exception_is_listed_by_row(tmp_path):
    from pipelines.describe import propose_schema

    rows = [f"{day:02d}/03/2024,{day * 10}" for day in range(1, 31)] + ["32/03/2024,310"]
    path = tmp_path / "do.csv"
    path.write_text("ngay,luong_mua\n" + "\n".join(rows) + "\n", encoding="utf-8")
    proposal = propose_schema(path)
    assert fields_of(proposal.schema)["ngay"] == {"type": "date", "format": "%d/%m/%Y"}
    note = proposal.notes[0]
    assert note["kind"] == "most" and note["exceptions"] == [{"row": 32, "value": "32/03/2024"}]
    with validate_file(path, schema=proposal.schema) as validation:  # the exception is what staff must fix
        errors = validation.report["tasks"][0]["errors"]
        assert [(e["type"], e["rowNumber"]) for e in errors] == [("type-error", 32)]


def test_a_column_mostly_text_stays_a_string(tmp_path):
    from pipelines.describe import propose_schema

    path = tmp_path / "t.csv"
    path.write_text("x\n1\n2\nba\nbốn\n5\n", encoding="utf-8")
    proposal = propose_schema(path)
    assert fields_of(proposal.schema)["x"] == {"type": "string"} and proposal.notes[0]["kind"] == "text"


def test_vietnamese_headers_become_ascii_snake_case_names_with_the_header_kept_as_title(tmp_path):
    path = tmp_path / "dvc.csv"
    path.write_text("Đơn vị,Tỷ lệ đúng hạn (%),2024 Số hồ sơ,Đơn vị\nSở Y tế,\"98,5\",1200,a\n", encoding="utf-8")
    schema = describe_file(path)
    assert [(f["name"], f.get("title")) for f in schema["fields"]] == [
        ("don_vi", "Đơn vị"), ("ty_le_dung_han", "Tỷ lệ đúng hạn (%)"), ("f_2024_so_ho_so", "2024 Số hồ sơ"),
        ("don_vi_2", "Đơn vị")]
    with validate_file(path, schema=schema) as validation:  # the file keeps its header: labels are the titles
        assert validation.valid, validation.report


def test_a_header_that_only_partly_matches_the_titles_is_still_checked_against_the_names(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("Đơn vị,khác\nSở Y tế,1\n", encoding="utf-8")
    schema = {"fields": [{"name": "don_vi", "title": "Đơn vị", "type": "string"},
                         {"name": "so", "title": "Số", "type": "integer"}]}
    with validate_file(path, schema=schema) as validation:
        assert {e["type"] for e in validation.report["tasks"][0]["errors"]} == {"incorrect-label"}


def test_the_proposal_explains_itself_in_vietnamese_and_in_english(tmp_path):
    from catalog.i18n import language
    from pipelines.describe import explain, propose_schema

    rows = [f"{day:02d}/03/2024,0912345{day:03d}" for day in range(1, 21)] + ["32/03/2024,0912345999"]
    path = tmp_path / "e.csv"
    path.write_text("Ngày đo,Điện thoại\n" + "\n".join(rows) + "\n", encoding="utf-8")
    proposal = propose_schema(path)
    vietnamese = explain(proposal)
    assert "«Ngày đo» → ngay_do: ngày (date, %d/%m/%Y)" in vietnamese[0]
    assert "20 trên 21 giá trị đọc được" in vietnamese[0] and "dòng 22 «32/03/2024»" in vietnamese[0]
    assert "giữ kiểu chuỗi" in vietnamese[1]
    with language("en"):
        english = explain(proposal)
    assert "20 of 21 values read" in english[0] and "row 22" in english[0]
