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
