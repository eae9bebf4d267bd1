"""``derive``: add (or replace) a column computed by a SQL expression over the row.

    - derive: {column: thang, expression: "CAST(regexp_extract(ky, '\\d+') AS INTEGER)"}
    - derive: {columns: {total: "domestic + international", year: "2024"}}
"""

from __future__ import annotations

from catalog.i18n import _
from pipelines.etl.options import Opt, Problem
from pipelines.etl.steps.base import StepInput, expression, ident, select_list

OPTIONS = {
    "column": Opt("str", doc="the new column's name (with 'expression')"),
    "expression": Opt("str", doc="its SQL expression"),
    "columns": Opt("str_map", doc="several at once: name → SQL expression, in order"),
}


def check(options: dict) -> list[Problem]:
    single = "column" in options or "expression" in options
    if single and "columns" in options:
        return [((), _("hãy ghi hoặc 'column' cùng 'expression', hoặc 'columns', không ghi cả hai"))]
    if single and not ("column" in options and "expression" in options):
        return [((), _("'column' và 'expression' phải đi cùng nhau"))]
    if not single and "columns" not in options:
        return [((), _("thiếu 'column' và 'expression' (hoặc 'columns')"))]
    return []


def build(options: dict, inp: StepInput) -> str:
    wanted = options.get("columns") or {options["column"]: options["expression"]}
    table, columns = inp.table, dict(inp.columns)
    # Each expression sees the columns derived before it, so nest one projection per new column.
    sql = f"SELECT * FROM {table}"
    for name, text in wanted.items():
        expr = expression(text, f"columns.{name}" if "columns" in options else "expression")
        if name in columns:
            sql = f"SELECT {select_list(columns, {name: expr})} FROM ({sql})"
        else:
            sql = f"SELECT *, {expr} AS {ident(name)} FROM ({sql})"
            columns[name] = ""
    return sql
