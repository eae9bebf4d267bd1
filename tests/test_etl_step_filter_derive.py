"""filter and derive: one SQL expression each, parsed by DuckDB as exactly one expression."""

from __future__ import annotations

import pytest
from test_etl_helpers import run_step

from pipelines.etl.steps.base import StepError

ROWS = [{"ky": "Tháng 1", "n": "5"}, {"ky": "Tháng 12", "n": "0"}, {"ky": "Tổng số", "n": "5"}]


def test_filter_keeps_matching_rows(tmp_path):
    out, _ = run_step(ROWS, "filter", {"where": "ky <> 'Tổng số' AND CAST(n AS INT) > 0"}, tmp_path)
    assert out == [{"ky": "Tháng 1", "n": "5"}]


@pytest.mark.parametrize("bad", ["1=1) UNION SELECT * FROM t_in --", "n > 0; DROP TABLE t_in", "n >"])
def test_filter_refuses_anything_but_one_expression(tmp_path, bad):
    with pytest.raises(StepError, match="not one SQL expression"):
        run_step(ROWS, "filter", {"where": bad}, tmp_path)


def test_filter_unknown_column_is_a_step_error(tmp_path):
    import duckdb

    with pytest.raises(duckdb.BinderException):
        run_step(ROWS, "filter", {"where": "nope > 1"}, tmp_path)


def test_derive_adds_and_replaces_in_order(tmp_path):
    out, _ = run_step(ROWS[:2], "derive", {"columns": {
        "thang": "CAST(regexp_extract(ky, '\\d+') AS INTEGER)", "n": "CAST(n AS INTEGER) * 2",
        "double_thang": "thang * 2"}}, tmp_path)
    assert out[0] == {"ky": "Tháng 1", "n": 10, "thang": 1, "double_thang": 2}
    assert list(out[0]) == ["ky", "n", "thang", "double_thang"]


def test_derive_single_form(tmp_path):
    out, _ = run_step(ROWS[:1], "derive", {"column": "year", "expression": "2024"}, tmp_path)
    assert out[0]["year"] == 2024
