"""join: look up a reference table (loaded by the runner from a catalogue dataset)."""

from __future__ import annotations

import duckdb
import pytest
from test_etl_helpers import run_step, table_from

from pipelines.etl.steps.base import StepError

REF = [{"code": "001", "name": "Ba Đình"}, {"code": "006", "name": "Đống Đa"}]
OPTIONS = {"dataset": "hanoi-districts", "keys": {"quan": "name"}, "columns": {"code": "district_code"}}


def setup(rows):
    con = duckdb.connect()
    table_from(con, "ref_0", rows)
    return con, {"hanoi-districts@latest": "ref_0"}


def test_adds_columns_and_keeps_input_order(tmp_path):
    con, refs = setup(REF)
    rows = [{"quan": "Đống Đa", "n": "1"}, {"quan": "Ba Đình", "n": "2"}, {"quan": "Đống Đa", "n": "3"}]
    out, _ = run_step(rows, "join", OPTIONS, tmp_path, con=con, references=refs)
    assert [(r["n"], r["district_code"]) for r in out] == [("1", "006"), ("2", "001"), ("3", "006")]


def test_unmatched_fails_with_the_values(tmp_path):
    con, refs = setup(REF)
    with pytest.raises(StepError, match=r"1 row\(s\) have no match.*'Q. Đống Đa'"):
        run_step([{"quan": "Q. Đống Đa", "n": "1"}, {"quan": "Ba Đình", "n": "2"}], "join", OPTIONS, tmp_path,
                 con=con, references=refs)


def test_unmatched_keep_and_drop(tmp_path):
    rows = [{"quan": "Hà Nội", "n": "1"}, {"quan": "Ba Đình", "n": "2"}]
    con, refs = setup(REF)
    kept, _ = run_step(rows, "join", {**OPTIONS, "unmatched": "keep"}, tmp_path, con=con, references=refs)
    assert [r["district_code"] for r in kept] == [None, "001"]
    con, refs = setup(REF)
    dropped, _ = run_step(rows, "join", {**OPTIONS, "unmatched": "drop"}, tmp_path, con=con, references=refs)
    assert [r["n"] for r in dropped] == ["2"]


def test_duplicate_reference_keys_are_refused(tmp_path):
    con, refs = setup(REF + [{"code": "999", "name": "Ba Đình"}])
    with pytest.raises(StepError, match="multiply rows"):
        run_step([{"quan": "Ba Đình", "n": "1"}], "join", OPTIONS, tmp_path, con=con, references=refs)


def test_reference_column_missing(tmp_path):
    con, refs = setup(REF)
    with pytest.raises(StepError, match="no column"):
        run_step([{"quan": "Ba Đình"}], "join", {**OPTIONS, "keys": {"quan": "ten"}}, tmp_path, con=con,
                 references=refs)
