"""cast: Vietnamese numbers and dates, strictly (a wrong figure never becomes a plausible one)."""

from __future__ import annotations

import datetime as dt

import pytest
from test_etl_helpers import run_step

from pipelines.etl.steps.base import StepError


def test_vietnamese_numbers_and_dates(tmp_path):
    rows = [{"n": "1.234,5", "i": "1.883", "d": "05/09/2024", "t": "05/09/2024 13:30"},
            {"n": "-7,25", "i": "556", "d": "2024-09-06", "t": "2024-09-06 08:00:00"},
            {"n": "", "i": None, "d": " ", "t": ""}]
    out, _ = run_step(rows, "cast", {"locale": "vi", "columns": {
        "n": "number", "i": "integer", "d": "date", "t": "datetime"}}, tmp_path)
    assert out[0] == {"n": 1234.5, "i": 1883, "d": dt.date(2024, 9, 5), "t": dt.datetime(2024, 9, 5, 13, 30)}
    assert out[1] == {"n": -7.25, "i": 556, "d": dt.date(2024, 9, 6), "t": dt.datetime(2024, 9, 6, 8, 0)}
    assert out[2] == {"n": None, "i": None, "d": None, "t": None}


def test_misplaced_group_separator_is_an_error_not_75(tmp_path):
    with pytest.raises(StepError, match=r"'n': 2 value\(s\) are not a number") as info:
        run_step([{"n": "7.5"}, {"n": "1.2.3"}, {"n": "1.234"}], "cast",
                 {"locale": "vi", "columns": {"n": "number"}}, tmp_path)
    assert "'7.5'" in str(info.value) and "'1.2.3'" in str(info.value)


def test_on_error_null_empties_and_reports(tmp_path):
    out, inp = run_step([{"n": "12"}, {"n": "mười"}], "cast",
                        {"columns": {"n": "integer"}, "on_error": "null"}, tmp_path)
    assert [r["n"] for r in out] == [12, None]
    assert any("1 value(s)" in note for note in inp.notes)


def test_missing_values_placeholder(tmp_path):
    out, _ = run_step([{"n": "-"}, {"n": "3"}], "cast",
                      {"columns": {"n": "integer"}, "missing_values": ["", "-"]}, tmp_path)
    assert [r["n"] for r in out] == [None, 3]


def test_per_column_format_and_booleans(tmp_path):
    out, _ = run_step([{"d": "2024/09/05", "b": "Có"}, {"d": "2024/12/31", "b": "không"}], "cast",
                      {"columns": {"d": {"type": "date", "format": "%Y/%m/%d"}, "b": "boolean"}}, tmp_path)
    assert out == [{"d": dt.date(2024, 9, 5), "b": True}, {"d": dt.date(2024, 12, 31), "b": False}]


def test_iso_locale_refuses_day_first_dates(tmp_path):
    with pytest.raises(StepError, match="not a date"):
        run_step([{"d": "31/12/2024"}], "cast", {"columns": {"d": "date"}}, tmp_path)


def test_missing_column(tmp_path):
    with pytest.raises(StepError, match="'x' not found"):
        run_step([{"n": "1"}], "cast", {"columns": {"x": "integer"}}, tmp_path)
