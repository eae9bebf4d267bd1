"""deduplicate: one row per key, first or last."""

from __future__ import annotations

from test_etl_helpers import run_step

ROWS = [{"k": "a", "v": "1", "at": "2"}, {"k": "b", "v": "2", "at": "1"}, {"k": "a", "v": "3", "at": "1"},
        {"k": "b", "v": "2", "at": "1"}]


def test_first_by_input_order_keeps_order_and_reports(tmp_path):
    out, inp = run_step(ROWS, "deduplicate", {"key": "k"}, tmp_path)
    assert [r["v"] for r in out] == ["1", "2"]
    assert inp.notes == ["removed 2 duplicate row(s)"]


def test_last_by_a_column(tmp_path):
    out, _ = run_step(ROWS, "deduplicate", {"key": "k", "keep": "last", "order_by": "at"}, tmp_path)
    assert {r["k"]: r["v"] for r in out} == {"a": "1", "b": "2"}


def test_exact_duplicates_by_default(tmp_path):
    out, _ = run_step(ROWS, "deduplicate", {}, tmp_path)
    assert len(out) == 3
