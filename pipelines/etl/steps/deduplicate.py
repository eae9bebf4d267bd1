"""``deduplicate``: keep one row per key (the first, or the last by an order), so re-sent rows count once.

    - deduplicate: {key: [station_id, observed_at], keep: last, order_by: exported_at}

Without ``order_by``, first and last follow the input's order. The number of rows removed is reported.
"""

from __future__ import annotations

from catalog.i18n import _, format_number
from pipelines.etl.options import Opt, as_list
from pipelines.etl.steps.base import StepInput, ident

NEEDS_TABLE = True  # 'first' means first in the input table's row order
MATERIALIZE = True

OPTIONS = {
    "key": Opt("strs", doc="the columns that identify a row (default: all columns, i.e. exact duplicates)"),
    "keep": Opt("str", default="first", choices=("first", "last"), doc="which duplicate stays"),
    "order_by": Opt("strs", doc="the order deciding first/last (default: input order)"),
}


def build(options: dict, inp: StepInput) -> str:
    key = as_list(options.get("key")) or list(inp.columns)
    inp.require(key, "key")
    order = as_list(options.get("order_by"))
    inp.require(order, "order_by")
    direction = "DESC" if options.get("keep", "first") == "last" else "ASC"
    order_sql = ", ".join(f"{ident(c)} {direction}" for c in order)
    order_sql = (order_sql + ", " if order_sql else "") + f"rowid {direction}"
    partition = ", ".join(ident(c) for c in key)
    removed = inp.scalar(f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT {partition} FROM {inp.table})) "
                         f"FROM {inp.table}")
    if removed:
        inp.notes.append(_("đã bỏ {count} dòng trùng lặp", count=format_number(removed)))
    return (f"SELECT * FROM {inp.table} QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY {order_sql}) = 1 "
            f"ORDER BY rowid")
