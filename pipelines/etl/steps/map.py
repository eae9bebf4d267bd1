"""``map``: replace values by a lookup (``"Q. Đống Đa": "Đống Đa"``), the departments' spelling to the standard's.

``unmapped`` says what happens to a value that is not in the mapping: ``keep`` it, make it ``null``, or
``fail`` the step with the values found (so a new spelling in next month's report is noticed, not published).

    - map:
        columns: quan_huyen
        values: {"Q. Đống Đa": "Đống Đa", "Q.Đống Đa": "Đống Đa", "H. Sóc Sơn": "Sóc Sơn"}
        unmapped: fail
"""

from __future__ import annotations

from catalog.i18n import N_, _
from pipelines.etl.options import Opt, as_list
from pipelines.etl.steps.base import StepError, StepInput, ident, literal, select_list

OPTIONS = {
    "columns": Opt("strs", required=True, doc=N_("(các) cột có giá trị được ánh xạ")),
    "values": Opt("scalar_map", required=True, doc=N_("giá trị cũ → giá trị mới")),
    "unmapped": Opt("str", default="keep", choices=("keep", "null", "fail"), doc="values not in the mapping"),
}


def case_sql(col: str, values: dict, unmapped: str) -> str:
    whens = " ".join(f"WHEN {literal(old)} THEN {literal(new)}" for old, new in values.items())
    other = {"keep": col, "null": "NULL", "fail": col}[unmapped]
    return f"CASE {col}::VARCHAR {whens} ELSE {other} END"


def build(options: dict, inp: StepInput) -> str:
    columns = as_list(options["columns"])
    inp.require(columns, "columns")
    values = {str(k): v for k, v in options["values"].items()}
    unmapped = options.get("unmapped", "keep")
    if unmapped == "fail":
        keys = ", ".join(literal(k) for k in values)
        targets = ", ".join(literal(str(v)) for v in values.values() if v is not None)
        for column in columns:
            col = ident(column)
            rows = inp.con.execute(
                f"SELECT {col}::VARCHAR, count(*) FROM {inp.table} WHERE {col} IS NOT NULL "
                f"AND {col}::VARCHAR NOT IN ({keys}) AND {col}::VARCHAR NOT IN ({targets or keys}) "
                f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5").fetchall()
            if rows:
                shown = ", ".join(f"{v!r} ({n})" for v, n in rows)
                raise StepError(_("cột {column} có các giá trị mà ánh xạ không biết: {examples}",
                                  column=repr(column), examples=shown),
                                hint=_("hãy thêm chúng vào 'values' (hoặc đặt unmapped: keep)"))
    replaced = {}
    for column in columns:
        col = ident(column)
        expr = case_sql(col, values, unmapped)
        # Keep the column's type when every new value fits it (mapping codes 1/2 → 1/2 in an integer column).
        if inp.columns[column].upper() != "VARCHAR":
            expr = f"TRY_CAST({expr} AS {inp.columns[column]})"
        replaced[column] = expr
    return f"SELECT {select_list(inp.columns, replaced)} FROM {inp.table}"
