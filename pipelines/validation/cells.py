"""The per-cell SQL of the exact pass: is a cell missing, and what does it read as.

Why separate from the types: each type module says how its text (and native) cells read; this module adds what
is common to every cell (missing values, native kinds, the Python-only fallback) so the engine asks one
question per column: ``cell_sql(plan, c, k)``.
"""

from __future__ import annotations

from pipelines import read as readers
from pipelines.validation.fields import field_type
from pipelines.validation.fields.base import ODD, in_list


def missing_sql(plan, c: str, k: str | None) -> str:
    """True when the cell is missing (NULL or a missing-value token; a native list or dict never is)."""
    if not plan.missing:
        return f"({c} IS NULL)"
    cond = f"{c} IN ({in_list(plan.missing)})"
    if k:
        cond = f"({cond} AND coalesce({k}, 0) NOT IN ({readers.KIND_LIST}, {readers.KIND_DICT}))"
    return f"({c} IS NULL OR {cond})"


def cell_sql(plan, c: str, k: str | None) -> tuple[str, str]:
    """(typed value, state) SQL for a non-missing cell; state 0 valid, 1 invalid, 2 decide in Python."""
    ftype = field_type(plan.type)
    target = ftype.duckdb_type(plan.field)
    if ftype.decided_in_python(plan.field):
        return f"NULL::{target}", str(ODD)
    value, state = ftype.exact_sql(plan, c)
    if not k:
        return f"({value})::{target}", state
    return ftype.native_sql(plan, c, k, value, state, target)


def fast_cell_sql(plan, c: str) -> tuple[str, str] | None:
    """(value, ok) SQL for the fast pass, or None if the type has no cheap exact check."""
    return field_type(plan.type).fast_sql(plan, c)


def decided_in_python(plan) -> bool:
    return field_type(plan.type).decided_in_python(plan.field)
