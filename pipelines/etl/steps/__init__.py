"""The transform steps, one module each; ``STEPS`` maps a step's name in a pipeline file to its module.

A step module has ``OPTIONS`` (its option spec), optionally ``check(options)`` for checks that need no data,
optionally ``reference(options)`` naming a catalogue dataset it reads, ``build(options, input) -> SELECT``, and
optionally ``verify(options, input, output)`` for checks made on its result.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import duckdb

from pipelines.etl.steps import (
    aggregate,
    cast,
    deduplicate,
    derive,
    drop,
    filter,
    join,
    map,
    normalize,
    rename,
    select,
    sql,
    unpivot,
)
from pipelines.etl.steps.base import StepInput

STEPS: dict[str, ModuleType] = {
    "rename": rename, "select": select, "drop": drop, "cast": cast, "normalize": normalize, "map": map,
    "filter": filter, "derive": derive, "unpivot": unpivot, "join": join, "aggregate": aggregate,
    "deduplicate": deduplicate, "sql": sql,
}
ALIASES = {"normalise": "normalize", "dedupe": "deduplicate"}


def get_step(name: str) -> ModuleType | None:
    return STEPS.get(ALIASES.get(name, name))


def is_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
    return bool(row) and row[0] == "BASE TABLE"


def apply(con: duckdb.DuckDBPyConnection, table: str, out: str, step_type: str, options: dict, work_dir: Path,
          references: dict[str, str] | None = None) -> StepInput:
    """Run one step: ``out`` = the step's SELECT over ``table``. Returns the input (with the step's notes).

    ``out`` is a view unless the step module says ``MATERIALIZE`` (costly or row-changing work done once);
    a view chain is evaluated in one streaming pass when the result is finally written. A step that needs its
    input's row order (``NEEDS_TABLE``) gets the input materialised first.
    """
    module = get_step(step_type)
    if module is None:
        raise KeyError(step_type)
    full = {**{k: o.default for k, o in module.OPTIONS.items() if o.default is not None}, **options}
    if getattr(module, "NEEDS_TABLE", False) and not is_table(con, table):
        con.execute(f"CREATE TABLE {table}_t AS SELECT * FROM {table}")
        table = f"{table}_t"
    columns = {r[0]: str(r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()}
    inp = StepInput(con, table, columns, work_dir, references or {})
    kind = "TABLE" if getattr(module, "MATERIALIZE", False) else "VIEW"
    con.execute(f"CREATE {kind} {out} AS {module.build(full, inp)}")
    if hasattr(module, "verify"):
        module.verify(full, inp, out)
    return inp
