"""rename, select and drop: the column-shaping steps."""

from __future__ import annotations

import pytest
from test_etl_helpers import run_step

from pipelines.etl.steps.base import StepError

ROWS = [{"Quận": "Ba Đình", "Số lượt": "10", "Ghi chú": "x"}]


def test_rename_keeps_order_and_values(tmp_path):
    out, _ = run_step(ROWS, "rename", {"columns": {"Quận": "district", "Số lượt": "visits"}}, tmp_path)
    assert out == [{"district": "Ba Đình", "visits": "10", "Ghi chú": "x"}]


def test_rename_missing_column_names_it_and_lists_the_input(tmp_path):
    with pytest.raises(StepError, match=r"'Quan' not found") as info:
        run_step(ROWS, "rename", {"columns": {"Quan": "district"}}, tmp_path)
    assert "Quận" in info.value.hint


def test_rename_onto_an_existing_column_is_refused(tmp_path):
    with pytest.raises(StepError, match="already exist"):
        run_step(ROWS, "rename", {"columns": {"Quận": "Ghi chú"}}, tmp_path)


def test_select_orders_and_drops_the_rest(tmp_path):
    out, _ = run_step(ROWS, "select", {"columns": ["Số lượt", "Quận"]}, tmp_path)
    assert list(out[0]) == ["Số lượt", "Quận"]


def test_select_unknown_column_fails(tmp_path):
    with pytest.raises(StepError, match="'Huyện' not found"):
        run_step(ROWS, "select", {"columns": ["Huyện"]}, tmp_path)


def test_drop_removes_columns_and_refuses_to_drop_everything(tmp_path):
    out, _ = run_step(ROWS, "drop", {"columns": "Ghi chú"}, tmp_path)
    assert list(out[0]) == ["Quận", "Số lượt"]
    with pytest.raises(StepError, match="leaves nothing"):
        run_step(ROWS, "drop", {"columns": ["Quận", "Số lượt", "Ghi chú"]}, tmp_path)


def test_drop_missing_ok(tmp_path):
    out, _ = run_step(ROWS, "drop", {"columns": ["cccd"], "missing_ok": True}, tmp_path)
    assert list(out[0]) == ["Quận", "Số lượt", "Ghi chú"]
    with pytest.raises(StepError):
        run_step(ROWS, "drop", {"columns": ["cccd"]}, tmp_path)
