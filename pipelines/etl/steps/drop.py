"""``drop``: remove columns (e.g. personal fields that must never reach a published dataset)."""

from __future__ import annotations

from catalog.i18n import N_, _
from pipelines.etl.options import Opt, as_list
from pipelines.etl.steps.base import StepError, StepInput, ident

OPTIONS = {
    "columns": Opt("strs", required=True, doc=N_("các cột cần bỏ")),
    "missing_ok": Opt("bool", default=False, doc="do not fail when a column is already absent"),
}


def build(options: dict, inp: StepInput) -> str:
    columns = as_list(options["columns"])
    if not options.get("missing_ok"):
        inp.require(columns, "columns")
    kept = [c for c in inp.columns if c not in columns]
    if not kept:
        raise StepError(_("tuỳ chọn 'columns': bỏ mọi cột thì không còn gì"))
    return f"SELECT {', '.join(ident(c) for c in kept)} FROM {inp.table}"
