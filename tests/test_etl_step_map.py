"""map: the departments' spellings to the standard's."""

from __future__ import annotations

import pytest
from test_etl_helpers import run_step

from pipelines.etl.steps.base import StepError

ROWS = [{"q": "Q. Đống Đa"}, {"q": "Đống Đa"}, {"q": "H. Sóc Sơn"}, {"q": None}]
VALUES = {"Q. Đống Đa": "Đống Đa", "H. Sóc Sơn": "Sóc Sơn"}


def test_maps_and_keeps_others(tmp_path):
    out, _ = run_step(ROWS, "map", {"columns": "q", "values": VALUES}, tmp_path)
    assert [r["q"] for r in out] == ["Đống Đa", "Đống Đa", "Sóc Sơn", None]


def test_unmapped_null(tmp_path):
    out, _ = run_step(ROWS + [{"q": "Quận 1"}], "map", {"columns": "q", "values": VALUES, "unmapped": "null"},
                      tmp_path)
    assert [r["q"] for r in out] == ["Đống Đa", None, "Sóc Sơn", None, None]


def test_unmapped_fail_lists_new_spellings_but_accepts_standard_ones(tmp_path):
    run_step(ROWS, "map", {"columns": "q", "values": VALUES, "unmapped": "fail"}, tmp_path)
    with pytest.raises(StepError, match=r"'Q.Đống Đa' \(2\)"):
        run_step(ROWS + [{"q": "Q.Đống Đa"}, {"q": "Q.Đống Đa"}], "map",
                 {"columns": "q", "values": VALUES, "unmapped": "fail"}, tmp_path)


def test_quotes_in_values_are_data_not_sql(tmp_path):
    out, _ = run_step([{"q": "it's"}], "map", {"columns": "q", "values": {"it's": "x'); DROP TABLE t_in; --"}},
                      tmp_path)
    assert out[0]["q"] == "x'); DROP TABLE t_in; --"
