"""aggregate: group, count, sum, and small-cell suppression."""

from __future__ import annotations

import pyarrow as pa
import pytest
from test_etl_helpers import run_step

from pipelines.etl.steps.base import StepError

ROWS = [{"district": "Ba Đình", "station": f"T{i % 3}", "cost": float(i)} for i in range(12)] + \
       [{"district": "Ba Vì", "station": "T9", "cost": 1.0} for _ in range(2)]
TYPES = {"cost": pa.float64()}


def test_counts_sums_distincts_in_key_order(tmp_path):
    out, _ = run_step(ROWS, "aggregate", {"group_by": "district", "count": "records",
                                          "count_distinct": {"stations": "station"}, "sum": {"cost": "cost"}},
                      tmp_path, types=TYPES)
    assert out == [{"district": "Ba Vì", "records": 2, "stations": 1, "cost": 2.0},
                   {"district": "Ba Đình", "records": 12, "stations": 3, "cost": 66.0}]


def test_small_cells_are_blanked_and_flagged(tmp_path):
    out, inp = run_step(ROWS, "aggregate", {"group_by": ["district"], "count": "records",
                                            "sum": {"cost": "cost"}, "suppress": True}, tmp_path, types=TYPES)
    by = {r["district"]: r for r in out}
    assert by["Ba Vì"] == {"district": "Ba Vì", "records": None, "cost": None, "suppressed": True}
    assert by["Ba Đình"]["records"] == 12 and by["Ba Đình"]["suppressed"] is False
    assert inp.meta["suppression"]["k"] == 5 and inp.meta["suppression"]["suppressed_cells"] == 1


def test_custom_k_and_flag(tmp_path):
    out, _ = run_step(ROWS, "aggregate", {"group_by": "district", "count": "n",
                                          "suppress": {"k": 2, "flag": "an"}}, tmp_path, types=TYPES)
    assert {r["district"]: (r["n"], r["an"]) for r in out} == {"Ba Vì": (2, False), "Ba Đình": (12, False)}


def test_sum_of_text_is_refused_with_a_hint(tmp_path):
    with pytest.raises(StepError, match="is text") as info:
        run_step([{"d": "a", "n": "1"}], "aggregate", {"group_by": "d", "sum": {"t": "n"}}, tmp_path)
    assert "cast" in info.value.hint
