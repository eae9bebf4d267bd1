"""``join``: look up columns in a reference dataset of the catalogue (e.g. district codes from hanoi-districts).

    - join:
        dataset: hanoi-districts
        keys: {quan_huyen: name}          # input column → reference column (or a list of shared names)
        columns: {code: district_code}    # reference columns to bring (name → new name), default: all others
        unmatched: fail                   # fail (default), keep (empty lookups) or drop the row

A reference with duplicate keys would multiply rows, so it fails the step. Input row order is kept.
"""

from __future__ import annotations

from catalog.i18n import N_, _, format_number
from pipelines.etl.options import Opt, Problem
from pipelines.etl.steps.base import StepError, StepInput, ident

NEEDS_TABLE = True  # input order is kept through the table's rowid
MATERIALIZE = True

OPTIONS = {
    "dataset": Opt("str", required=True, doc=N_("bộ dữ liệu tham chiếu trong danh mục")),
    "version": Opt("int", minimum=1, doc="a version number (default: the latest)"),
    "keys": Opt("any", required=True, doc=N_("cột đầu vào → cột tham chiếu, hoặc một danh sách tên cột chung")),
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
    problems: list[Problem] = [] if ok else [(("keys",), _("keys phải là một tên cột, một danh sách tên hoặc một "
                                                         "ánh xạ cột đầu vào → cột tham chiếu"))]
    columns = options.get("columns")
    if columns is not None and not (
            (isinstance(columns, list) and all(isinstance(c, str) for c in columns))
            or (isinstance(columns, dict) and all(isinstance(v, str) for v in columns.values()))):
        problems.append((("columns",), _("columns phải là một danh sách tên hoặc một ánh xạ tên → tên mới")))
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
        raise StepError(_("tuỳ chọn {option}: {dataset} không có (các) cột {columns}", option="'keys'",
                          dataset=options["dataset"], columns=", ".join(map(repr, missing))),
                        hint=_("các cột của nó: {columns}", columns=", ".join(ref_columns)))
    wanted = options.get("columns")
    if wanted is None:
        bring = {c: c for c in ref_columns if c not in keys.values()}
    elif isinstance(wanted, list):
        bring = {c: c for c in wanted}
    else:
        bring = {str(k): v for k, v in wanted.items()}
    absent = [c for c in bring if c not in ref_columns]
    if absent:
        raise StepError(_("tuỳ chọn {option}: {dataset} không có (các) cột {columns}", option="'columns'",
                          dataset=options["dataset"], columns=", ".join(map(repr, absent))),
                        hint=_("các cột của nó: {columns}", columns=", ".join(ref_columns)))
    clash = [new for new in bring.values() if new in inp.columns]
    if clash:
        raise StepError(_("phép nối sẽ thêm (các) cột {columns} mà đầu vào đã có", columns=", ".join(map(repr, clash))),
                        hint=_("hãy đổi tên chúng: columns: {example}", example="{ten_tham_chieu: ten_moi}"))
    ref_keys = ", ".join(ident(k) for k in keys.values())
    dupes = inp.scalar(f"SELECT count(*) FROM (SELECT {ref_keys} FROM {ref} GROUP BY ALL HAVING count(*) > 1)")
    if dupes:
        raise StepError(_("{dataset} có {count} giá trị khoá trùng lặp trong {keys}: phép nối sẽ nhân bản dòng",
                          dataset=options["dataset"], count=format_number(dupes), keys=ref_keys),
                        hint=_("hãy nối theo một cột có giá trị duy nhất trong bộ tham chiếu"))
    cond = " AND ".join(f"i.{ident(a)} = r.{ident(b)}" for a, b in keys.items())
    unmatched = options.get("unmatched", "fail")
    if unmatched == "fail":
        rows = inp.con.execute(
            f"SELECT {', '.join('i.' + ident(k) + '::VARCHAR' for k in keys)}, count(*) FROM {inp.table} i "
            f"ANTI JOIN {ref} r ON {cond} GROUP BY ALL ORDER BY count(*) DESC LIMIT 5").fetchall()
        if rows:
            total = inp.scalar(f"SELECT count(*) FROM {inp.table} i ANTI JOIN {ref} r ON {cond}")
            shown = ", ".join(f"{' / '.join(map(repr, r[:-1]))} ({r[-1]})" for r in rows)
            raise StepError(_("{count} dòng không khớp với {dataset}: {examples}", count=format_number(total),
                              dataset=options["dataset"], examples=shown),
                            hint=_("hãy sửa các giá trị (bước normalize/map), hoặc đặt unmatched: keep hoặc drop"))
    how = "INNER" if unmatched == "drop" else "LEFT"
    added = ", ".join(f"r.{ident(c)} AS {ident(new)}" for c, new in bring.items())
    select = "i.*" + (f", {added}" if added else "")
    return f"SELECT {select} FROM {inp.table} i {how} JOIN {ref} r ON {cond} ORDER BY i.rowid"
