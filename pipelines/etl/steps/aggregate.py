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

from catalog.i18n import N_, _, format_number
from pipelines.etl.options import Opt, Problem, as_list
from pipelines.etl.steps.base import StepError, StepInput, ident

FUNCTIONS = {"sum": "sum", "count_distinct": "count(DISTINCT {})", "min": "min", "max": "max", "avg": "avg"}
DEFAULT_K = 5

MATERIALIZE = True  # small, and read again by the checks that follow

OPTIONS = {
    "group_by": Opt("strs", required=True, doc=N_("các cột dùng để nhóm")),
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
        problems.append(((), _("không có phép đo nào: hãy ghi 'count' và/hoặc sum, count_distinct, min, max, avg")))
    value = options.get("suppress")
    if value is not None and not isinstance(value, (bool, dict)):
        problems.append((("suppress",), _("suppress phải là true/false hoặc một ánh xạ {example}",
                                          example="{k: 5, flag: suppressed}")))
    if isinstance(value, dict):
        for key in value:
            if key not in ("k", "flag"):
                problems.append((("suppress", key), _("tuỳ chọn suppress {key} không xác định (đã biết: k, flag)",
                                                      key=repr(key))))
        k = value.get("k", DEFAULT_K)
        if not isinstance(k, int) or isinstance(k, bool) or k < 2:
            problems.append((("suppress", "k"), _("k phải là một số nguyên không nhỏ hơn 2")))
        if not isinstance(value.get("flag", "suppressed"), str) or not value.get("flag", "suppressed"):
            problems.append((("suppress", "flag"), _("flag phải là một tên cột")))
    outputs = [options["count"]] if options.get("count") else []
    for fn in FUNCTIONS:
        outputs += list((options.get(fn) or {}).keys())
    twice = sorted({o for o in outputs if outputs.count(o) > 1})
    problems += [((), _("phép đo {name} được định nghĩa hai lần", name=repr(name))) for name in twice]
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
                raise StepError(_("tuỳ chọn {option}: cột {column} là văn bản", option=repr(f"{fn}.{out}"),
                                  column=repr(column)),
                                hint=_("hãy chuyển nó thành số trước (một bước cast trước bước aggregate)"))
            measures[out] = template.format(ident(column)) if "{}" in template else f"{template}({ident(column)})"
    clash = [m for m in measures if m in groups]
    if clash:
        raise StepError(_("(các) tên phép đo {names} trùng với cột nhóm", names=", ".join(map(repr, clash))))
    keys = ", ".join(ident(g) for g in groups)
    settings = suppression(options)
    if settings is None:
        items = ", ".join(f"{expr} AS {ident(name)}" for name, expr in measures.items())
        return f"SELECT {keys}, {items} FROM {inp.table} GROUP BY {keys} ORDER BY {keys}"
    k, flag = int(settings["k"]), settings["flag"]
    if flag in measures or flag in groups:
        raise StepError(_("cột cờ ẩn số liệu {flag} trùng với tên một cột nhóm hoặc phép đo", flag=repr(flag)))
    inner = ", ".join(f"{expr} AS {ident(name)}" for name, expr in measures.items())
    small = f'"__group_rows" < {k}'
    outer = ", ".join(f"CASE WHEN {small} THEN NULL ELSE {ident(name)} END AS {ident(name)}" for name in measures)
    groups_total, suppressed = inp.con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE n < {k}) FROM (SELECT count(*) n FROM {inp.table} "
        f"GROUP BY {keys})").fetchone()
    inp.notes.append(_("ẩn ô nhỏ: {suppressed} trên {groups} nhóm có dưới {k} dòng đã được để trống và đánh dấu "
                       "trong {flag}", suppressed=format_number(suppressed), groups=format_number(groups_total),
                       k=k, flag=repr(flag)))
    inp.meta["suppression"] = {"k": k, "flag": flag, "measures": list(measures), "group_by": groups,
                               "suppressed_cells": int(suppressed), "groups": int(groups_total)}
    return (f"SELECT {keys}, {outer}, {small} AS {ident(flag)} FROM (SELECT {keys}, {inner}, "
            f"count(*) AS \"__group_rows\" FROM {inp.table} GROUP BY {keys}) ORDER BY {keys}")
