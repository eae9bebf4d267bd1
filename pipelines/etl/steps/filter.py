"""``filter``: keep the rows where a SQL condition holds (``where: "so_luot > 0 AND quan IS NOT NULL"``).

Drop total rows, notes under a table, blank lines Excel left behind. The condition is one SQL expression over
the input's columns (quote names with spaces: ``"Chỉ tiêu" <> 'Tổng số'``).
"""

from __future__ import annotations

from catalog.i18n import N_
from pipelines.etl.options import Opt
from pipelines.etl.steps.base import StepInput, expression

OPTIONS = {"where": Opt("str", required=True, doc=N_("một điều kiện SQL, ví dụ \"so_luot > 0\""))}


def build(options: dict, inp: StepInput) -> str:
    return f"SELECT * FROM {inp.table} WHERE {expression(options['where'], 'where')}"
