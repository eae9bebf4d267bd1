"""``rename``: give columns the target schema's names (``columns: {"Số lượt": so_luot}``)."""

from __future__ import annotations

from pipelines.etl.options import Opt, Problem
from pipelines.etl.steps.base import StepError, StepInput, ident

OPTIONS = {"columns": Opt("str_map", required=True, doc="old name → new name")}


def check(options: dict) -> list[Problem]:
    new = list(options["columns"].values())
    twice = sorted({n for n in new if new.count(n) > 1})
    return [(("columns",), f"two columns renamed to {name!r}") for name in twice]


def build(options: dict, inp: StepInput) -> str:
    mapping: dict[str, str] = options["columns"]
    inp.require(list(mapping), "columns")
    kept = [c for c in inp.columns if c not in mapping]
    clash = [new for new in mapping.values() if new in kept]
    if clash:
        raise StepError(f"option 'columns': new name(s) {', '.join(map(repr, clash))} already exist",
                        hint="drop or rename the existing column first")
    items = [f"{ident(c)} AS {ident(mapping[c])}" if c in mapping else ident(c) for c in inp.columns]
    return f"SELECT {', '.join(items)} FROM {inp.table}"
