"""``aggregate``: group rows and count or sum them, with small-cell suppression for record-level data.

Record-level data (one row per patient, per pupil) may only be published as aggregates, and an aggregate over a
handful of people can still single one out. With ``suppress``, every group with fewer than ``k`` rows (default
5) has its measures replaced by null and a flag column set to true, so a published count never describes fewer
than k people. The dataset's metadata records that suppression was applied (``extras.suppression``).

    - aggregate:
        group_by: [district, reported_on]
        count: records                      # rows per group
        count_distinct: {health_stations: tram_y_te}
        sum: {visits: so_luot}
        suppress: {k: 5, flag: suppressed}  # or: suppress: true

Suppressed groups are blanked in every measure (a sum over three patients discloses as much as their count).
Groups are output in key order, so the same input always gives the same file.
"""

from __future__ import annotations

from pipelines.etl.options import Opt, Problem, as_list
from pipelines.etl.steps.base import StepError, StepInput, ident

FUNCTIONS = {"sum": "sum", "count_distinct": "count(DISTINCT {})", "min": "min", "max": "max", "avg": "avg"}
DEFAULT_K = 5

MATERIALIZE = True  # small, and read again by the checks that follow

OPTIONS = {
    "group_by": Opt("strs", required=True, doc="the columns to group by"),
    "count": Opt("str", doc="name of the column counting rows per group"),
    "sum": Opt("str_map", doc="new column → column to sum"),
    "count_distinct": Opt("str_map", doc="new column → column whose distinct values are counted"),
    "min": Opt("str_map", doc="new column → column"),
    "max": Opt("str_map", doc="new column → column"),
    "avg": Opt("str_map", doc="new column → column"),
    "suppress": Opt("any", doc="true, or {k: 5, flag: suppressed}: blank the measures of groups under k rows"),
}


def suppression(options: dict) -> dict | None:
    value = options.get("suppress")
    if value in (None, False):
        return None
    settings = {"k": DEFAULT_K, "flag": "suppressed"}
    if isinstance(value, dict):
        settings.update(value)
    return settings


def check(options: dict) -> list[Problem]:
    problems: list[Problem] = []
    if not any(options.get(k) for k in ("count", *FUNCTIONS)):
        problems.append(((), "no measure: give 'count' and/or sum, count_distinct, min, max, avg"))
    value = options.get("suppress")
    if value is not None and not isinstance(value, (bool, dict)):
        problems.append((("suppress",), "suppress must be true/false or a mapping {k: 5, flag: suppressed}"))
    if isinstance(value, dict):
        for key in value:
            if key not in ("k", "flag"):
                problems.append((("suppress", key), f"unknown suppress option {key!r} (known: k, flag)"))
        k = value.get("k", DEFAULT_K)
        if not isinstance(k, int) or isinstance(k, bool) or k < 2:
            problems.append((("suppress", "k"), "k must be a whole number of at least 2"))
        if not isinstance(value.get("flag", "suppressed"), str) or not value.get("flag", "suppressed"):
            problems.append((("suppress", "flag"), "flag must be a column name"))
    outputs = [options["count"]] if options.get("count") else []
    for fn in FUNCTIONS:
        outputs += list((options.get(fn) or {}).keys())
    twice = sorted({o for o in outputs if outputs.count(o) > 1})
    problems += [((), f"measure {name!r} is defined twice") for name in twice]
    return problems


def build(options: dict, inp: StepInput) -> str:
    groups = as_list(options["group_by"])
    inp.require(groups, "group_by")
    measures: dict[str, str] = {}
    if options.get("count"):
        measures[options["count"]] = "count(*)"
    for fn, template in FUNCTIONS.items():
        for out, column in (options.get(fn) or {}).items():
            inp.require([column], f"{fn}.{out}")
            if fn in ("sum", "avg") and inp.columns[column].upper() == "VARCHAR":
                raise StepError(f"option '{fn}.{out}': column {column!r} is text",
                                hint="cast it to a number first (a cast step before the aggregate)")
            measures[out] = template.format(ident(column)) if "{}" in template else f"{template}({ident(column)})"
    clash = [m for m in measures if m in groups]
    if clash:
        raise StepError(f"measure name(s) {', '.join(map(repr, clash))} are also group columns")
    keys = ", ".join(ident(g) for g in groups)
    settings = suppression(options)
    if settings is None:
        items = ", ".join(f"{expr} AS {ident(name)}" for name, expr in measures.items())
        return f"SELECT {keys}, {items} FROM {inp.table} GROUP BY {keys} ORDER BY {keys}"
    k, flag = int(settings["k"]), settings["flag"]
    if flag in measures or flag in groups:
        raise StepError(f"suppression flag column {flag!r} clashes with a group or measure name")
    inner = ", ".join(f"{expr} AS {ident(name)}" for name, expr in measures.items())
    small = f'"__group_rows" < {k}'
    outer = ", ".join(f"CASE WHEN {small} THEN NULL ELSE {ident(name)} END AS {ident(name)}" for name in measures)
    groups_total, suppressed = inp.con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE n < {k}) FROM (SELECT count(*) n FROM {inp.table} "
        f"GROUP BY {keys})").fetchone()
    inp.notes.append(f"small-cell suppression: {suppressed} of {groups_total} group(s) under {k} row(s) blanked "
                     f"and flagged in {flag!r}")
    inp.meta["suppression"] = {"k": k, "flag": flag, "measures": list(measures), "group_by": groups,
                               "suppressed_cells": int(suppressed), "groups": int(groups_total)}
    return (f"SELECT {keys}, {outer}, {small} AS {ident(flag)} FROM (SELECT {keys}, {inner}, "
            f"count(*) AS \"__group_rows\" FROM {inp.table} GROUP BY {keys}) ORDER BY {keys}")
