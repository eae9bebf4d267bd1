"""unpivot: a wide monthly sheet to long rows."""

from __future__ import annotations

import pytest
from test_etl_helpers import run_step

from pipelines.etl.steps.base import StepError

WIDE = [{"Chỉ tiêu": "Khách quốc tế", "Tháng 1": "10", "Tháng 2": None, "Tháng 3": "30"},
        {"Chỉ tiêu": "Khách nội địa", "Tháng 1": "11", "Tháng 2": "21", "Tháng 3": "31"}]


def test_keep_form_turns_other_columns_into_rows_and_skips_empty_cells(tmp_path):
    out, _ = run_step(WIDE, "unpivot", {"keep": ["Chỉ tiêu"], "name": "ky", "value": "so_luot"}, tmp_path)
    assert len(out) == 5
    assert {"Chỉ tiêu": "Khách quốc tế", "ky": "Tháng 3", "so_luot": "30"} in out
    assert not any(r["ky"] == "Tháng 2" and r["Chỉ tiêu"] == "Khách quốc tế" for r in out)


def test_columns_form_with_nulls(tmp_path):
    out, _ = run_step(WIDE, "unpivot", {"columns": ["Tháng 1", "Tháng 2"], "include_nulls": True}, tmp_path)
    assert len(out) == 4 and set(out[0]) == {"Chỉ tiêu", "Tháng 3", "name", "value"}


def test_missing_wide_column_and_name_clash(tmp_path):
    with pytest.raises(StepError, match="'Tháng 13' not found"):
        run_step(WIDE, "unpivot", {"columns": ["Tháng 13"]}, tmp_path)
    with pytest.raises(StepError, match="already exist"):
        run_step(WIDE, "unpivot", {"columns": ["Tháng 1"], "name": "Chỉ tiêu"}, tmp_path)
