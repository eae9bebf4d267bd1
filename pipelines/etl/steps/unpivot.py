"""``unpivot``: turn a wide sheet (one column per month) into long rows (one row per month).

    - unpivot: {columns: ["Tháng 1", "Tháng 2", "Tháng 3"], name: ky, value: so_luot}
    - unpivot: {keep: ["Chỉ tiêu"], name: ky, value: so_luot}     # every other column becomes rows

Empty cells become no row unless ``include_nulls: true``. Follow with ``map``/``derive`` to turn the old
column names (``Tháng 1``) into values (1).
"""

from __future__ import annotations

from catalog.i18n import _
from pipelines.etl.options import Opt, Problem, as_list
from pipelines.etl.steps.base import StepError, StepInput, ident

MATERIALIZE = True  # the row count changes: later checks should not redo it

OPTIONS = {
    "columns": Opt("strs", doc="the wide columns that become rows"),
    "keep": Opt("strs", doc="or: the columns that stay (every other column becomes rows)"),
    "name": Opt("str", default="name", doc="the new column holding the old column names"),
    "value": Opt("str", default="value", doc="the new column holding the values"),
    "include_nulls": Opt("bool", default=False, doc="also make rows for empty cells"),
}


def check(options: dict) -> list[Problem]:
    if ("columns" in options) == ("keep" in options):
        return [((), _("hãy ghi hoặc 'columns' (các cột trở thành dòng) hoặc 'keep' (các cột giữ nguyên), không ghi "
                       "cả hai"))]
    if options.get("name", "name") == options.get("value", "value"):
        return [(("value",), _("'name' và 'value' phải khác nhau"))]
    return []


def build(options: dict, inp: StepInput) -> str:
    if "columns" in options:
        wide = as_list(options["columns"])
        inp.require(wide, "columns")
    else:
        keep = as_list(options["keep"])
        inp.require(keep, "keep")
        wide = [c for c in inp.columns if c not in keep]
    if not wide:
        raise StepError(_("không có cột nào để xoay (unpivot)"))
    name, value = options.get("name", "name"), options.get("value", "value")
    taken = [n for n in (name, value) if n in inp.columns and n not in wide]
    if taken:
        raise StepError(_("(các) tên cột mới {names} đã tồn tại", names=", ".join(map(repr, taken))),
                        hint=_("hãy chọn tên 'name'/'value' khác"))
    types = {inp.columns[c] for c in wide}
    nulls = "INCLUDE NULLS" if options.get("include_nulls") else "EXCLUDE NULLS"
    source = inp.table
    if len(types) > 1:  # one value column needs one type: read every wide column as text
        casts = ", ".join(f"{ident(c)}::VARCHAR AS {ident(c)}" if c in wide else ident(c) for c in inp.columns)
        source = f"(SELECT {casts} FROM {inp.table})"
    return (f"SELECT * FROM {source} AS wide UNPIVOT {nulls} ({ident(value)} FOR {ident(name)} IN "
            f"({', '.join(ident(c) for c in wide)}))")
