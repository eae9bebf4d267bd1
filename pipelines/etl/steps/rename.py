"""``rename``: give columns the target schema's names (``columns: {"Số lượt": so_luot}``)."""

from __future__ import annotations

from catalog.i18n import N_, _
from pipelines.etl.options import Opt, Problem
from pipelines.etl.steps.base import StepError, StepInput, ident

OPTIONS = {"columns": Opt("str_map", required=True, doc=N_("tên cũ → tên mới"))}


def check(options: dict) -> list[Problem]:
    new = list(options["columns"].values())
    twice = sorted({n for n in new if new.count(n) > 1})
    return [(("columns",), _("hai cột được đổi tên thành {name}", name=repr(name))) for name in twice]


def build(options: dict, inp: StepInput) -> str:
    mapping: dict[str, str] = options["columns"]
    inp.require(list(mapping), "columns")
    kept = [c for c in inp.columns if c not in mapping]
    clash = [new for new in mapping.values() if new in kept]
    if clash:
        raise StepError(_("tuỳ chọn 'columns': (các) tên mới {names} đã tồn tại", names=", ".join(map(repr, clash))),
                        hint=_("hãy bỏ hoặc đổi tên cột đang có trước"))
    items = [f"{ident(c)} AS {ident(mapping[c])}" if c in mapping else ident(c) for c in inp.columns]
    return f"SELECT {', '.join(items)} FROM {inp.table}"
