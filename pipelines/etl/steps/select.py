"""``select``: keep these columns, in this order (everything else is dropped)."""

from __future__ import annotations

from catalog.i18n import N_
from pipelines.etl.options import Opt, as_list
from pipelines.etl.steps.base import StepInput, ident

OPTIONS = {"columns": Opt("strs", required=True, doc=N_("các cột cần giữ, theo thứ tự"))}


def build(options: dict, inp: StepInput) -> str:
    columns = as_list(options["columns"])
    inp.require(columns, "columns")
    return f"SELECT {', '.join(ident(c) for c in dict.fromkeys(columns))} FROM {inp.table}"
