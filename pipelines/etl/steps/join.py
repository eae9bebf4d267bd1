"""``join``: look up columns in a reference dataset of the catalogue (e.g. district codes from hanoi-districts).

    - join:
        dataset: hanoi-districts
        keys: {quan_huyen: name}          # input column → reference column (or a list of shared names)
        columns: {code: district_code}    # reference columns to bring (name → new name), default: all others
        unmatched: fail                   # fail (default), keep (empty lookups) or drop the row

A reference with duplicate keys would multiply rows, so it fails the step. Input row order is kept.
"""

from __future__ import annotations

from pipelines.etl.options import Opt, Problem
from pipelines.etl.steps.base import StepError, StepInput, ident

NEEDS_TABLE = True  # input order is kept through the table's rowid
MATERIALIZE = True

OPTIONS = {
    "dataset": Opt("str", required=True, doc="the reference dataset in the catalogue"),
    "version": Opt("int", minimum=1, doc="a version number (default: the latest)"),
    "keys": Opt("any", required=True, doc="input column → reference column, or a list of shared column names"),
    "columns": Opt("any", doc="reference columns to add: a list, or a mapping name → new name"),
    "unmatched": Opt("str", default="fail", choices=("fail", "keep", "drop"), doc="input rows with no match"),
}


def keys_of(options: dict) -> dict[str, str]:
    keys = options["keys"]
    if isinstance(keys, str):
        return {keys: keys}
    if isinstance(keys, list):
        return {k: k for k in keys}
    return dict(keys)


def check(options: dict) -> list[Problem]:
    keys = options["keys"]
    ok = (isinstance(keys, str) and keys) or (isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys)) \
        or (isinstance(keys, dict) and keys and all(isinstance(v, str) for v in keys.values()))
    problems: list[Problem] = [] if ok else [(("keys",), "keys must be a column name, a list of names or a "
                                                       "mapping input column → reference column")]
    columns = options.get("columns")
    if columns is not None and not (
            (isinstance(columns, list) and all(isinstance(c, str) for c in columns))
            or (isinstance(columns, dict) and all(isinstance(v, str) for v in columns.values()))):
        problems.append((("columns",), "columns must be a list of names or a mapping name → new name"))
    return problems


def reference(options: dict) -> tuple[str, int | None]:
    """What the runner must load before the step runs (the step reads only loaded tables)."""
    return options["dataset"], options.get("version")


def reference_key(dataset: str, version: int | None) -> str:
    return f"{dataset}@{version or 'latest'}"


def build(options: dict, inp: StepInput) -> str:
    keys = keys_of(options)
    inp.require(list(keys), "keys")
    ref = inp.references[reference_key(*reference(options))]
    ref_columns = [r[0] for r in inp.con.execute(f"DESCRIBE {ref}").fetchall()]
    missing = [k for k in keys.values() if k not in ref_columns]
    if missing:
        raise StepError(f"option 'keys': {options['dataset']} has no column(s) {', '.join(map(repr, missing))}",
                        hint=f"its columns: {', '.join(ref_columns)}")
    wanted = options.get("columns")
    if wanted is None:
        bring = {c: c for c in ref_columns if c not in keys.values()}
    elif isinstance(wanted, list):
        bring = {c: c for c in wanted}
    else:
        bring = {str(k): v for k, v in wanted.items()}
    absent = [c for c in bring if c not in ref_columns]
    if absent:
        raise StepError(f"option 'columns': {options['dataset']} has no column(s) {', '.join(map(repr, absent))}",
                        hint=f"its columns: {', '.join(ref_columns)}")
    clash = [new for new in bring.values() if new in inp.columns]
    if clash:
        raise StepError(f"the join would add column(s) {', '.join(map(repr, clash))} that the input already has",
                        hint="rename them: columns: {reference_name: new_name}")
    ref_keys = ", ".join(ident(k) for k in keys.values())
    dupes = inp.scalar(f"SELECT count(*) FROM (SELECT {ref_keys} FROM {ref} GROUP BY ALL HAVING count(*) > 1)")
    if dupes:
        raise StepError(f"{options['dataset']} has {dupes} duplicated key value(s) in {ref_keys}: "
                        "the join would multiply rows", hint="join on a column that is unique in the reference")
    cond = " AND ".join(f"i.{ident(a)} = r.{ident(b)}" for a, b in keys.items())
    unmatched = options.get("unmatched", "fail")
    if unmatched == "fail":
        rows = inp.con.execute(
            f"SELECT {', '.join('i.' + ident(k) + '::VARCHAR' for k in keys)}, count(*) FROM {inp.table} i "
            f"ANTI JOIN {ref} r ON {cond} GROUP BY ALL ORDER BY count(*) DESC LIMIT 5").fetchall()
        if rows:
            total = inp.scalar(f"SELECT count(*) FROM {inp.table} i ANTI JOIN {ref} r ON {cond}")
            shown = ", ".join(f"{' / '.join(map(repr, r[:-1]))} ({r[-1]})" for r in rows)
            raise StepError(f"{total:,} row(s) have no match in {options['dataset']}: {shown}",
                            hint="fix the values (normalize/map steps), or set unmatched: keep or drop")
    how = "INNER" if unmatched == "drop" else "LEFT"
    added = ", ".join(f"r.{ident(c)} AS {ident(new)}" for c, new in bring.items())
    select = "i.*" + (f", {added}" if added else "")
    return f"SELECT {select} FROM {inp.table} i {how} JOIN {ref} r ON {cond} ORDER BY i.rowid"
