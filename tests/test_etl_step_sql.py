"""sql: one SELECT over the step's input only, in the public SQL endpoint's sandbox."""

from __future__ import annotations

import pytest
from test_etl_helpers import run_step

from pipelines.etl.steps.base import StepError

ROWS = [{"d": "Ba Đình", "n": "2"}, {"d": "Ba Đình", "n": "3"}, {"d": "Tây Hồ", "n": "4"}]


def test_select_over_input(tmp_path):
    out, _ = run_step(ROWS, "sql", {"query": "SELECT d, sum(n::INT) AS total FROM input GROUP BY d ORDER BY d"},
                      tmp_path)
    assert out == [{"d": "Ba Đình", "total": 5}, {"d": "Tây Hồ", "total": 4}]


@pytest.mark.parametrize("query", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM t_in",                              # another table of the run: not visible
    "SELECT 1; DROP VIEW input",
    "CREATE TABLE x AS SELECT 1",
    "SELECT current_setting('allowed_paths')",
    "COPY input TO '/tmp/leak.csv'",
])
def test_sandbox_refuses(tmp_path, query):
    with pytest.raises(StepError):
        run_step(ROWS, "sql", {"query": query}, tmp_path)
