"""Conform: line the last step's output up with the target schema, typed, before validation.

The schema decides the columns (exactly its fields, in its order) and their types. Text that already reads
plainly as the field's type (``2024-09-05``, ``1234.5``) is typed here, so a pipeline over clean text needs no
cast step; anything else (``1.234,5``, ``05/09/2024``) needs an explicit ``cast`` step, and the error says so.
A column the schema lacks, or a field no step produced, fails the run with both lists: guessing would publish
something the department did not mean. Constraints (required, enum, ranges, keys) are the validator's job.
"""

from __future__ import annotations

import duckdb

from catalog.errors import InvalidInput
from catalog.i18n import _, format_number
from pipelines.etl.steps.base import ident, literal

DUCK_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
              "datetime": "TIMESTAMP", "time": "TIME", "year": "INTEGER"}
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
           "FLOAT", "DOUBLE", "DECIMAL")
STRPTIME_DEFAULTS = ("default", "any", "")


class ConformError(InvalidInput):
    """The transformed table does not fit the target schema's columns or types."""


def duck_type(field: dict) -> str:
    return DUCK_TYPES.get(field.get("type", "string"), "VARCHAR")


def convert_sql(col: str, source: str, field: dict) -> str:
    """SQL reading ``col`` (of DuckDB type ``source``) as the field's type; NULL where it cannot."""
    target = duck_type(field)
    source = source.upper()
    if source == target or (source.startswith("DECIMAL") and target == "DOUBLE"):
        return f"{col}::{target}" if source != target else col
    if target == "VARCHAR":
        return f"{col}::VARCHAR"
    if source != "VARCHAR":
        if target == "BIGINT" and (source in ("FLOAT", "DOUBLE") or source.startswith("DECIMAL")):
            return f"CASE WHEN {col} = trunc({col}) THEN TRY_CAST({col} AS BIGINT) END"
        return f"TRY_CAST({col} AS {target})"
    text = f"trim({col})"
    kind = field.get("type", "string")
    if kind in ("integer", "year"):
        return f"CASE WHEN regexp_full_match({text}, '[+-]?[0-9]+') THEN TRY_CAST({text} AS {target}) END"
    if kind == "boolean":
        trues = field.get("trueValues") or ["true", "True", "TRUE", "1"]
        falses = field.get("falseValues") or ["false", "False", "FALSE", "0"]
        return (f"CASE WHEN {text} IN ({', '.join(map(literal, trues))}) THEN TRUE "
                f"WHEN {text} IN ({', '.join(map(literal, falses))}) THEN FALSE END")
    fmt = field.get("format") or ""
    if kind in ("date", "datetime", "time") and fmt not in STRPTIME_DEFAULTS and "%" in fmt:
        return f"try_strptime({text}, {literal(fmt)})::{target}"
    return f"TRY_CAST({text} AS {target})"


def conform(con: duckdb.DuckDBPyConnection, table: str, schema: dict, out: str, after: str) -> int:
    """Create the view ``out`` over ``table`` with the schema's fields, typed; returns its row count.

    Only the columns that need converting are checked (one counting query; examples only on failure).
    """
    fields = schema.get("fields", [])
    described = {r[0]: str(r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()}
    names = [f["name"] for f in fields]
    missing = [n for n in names if n not in described]
    extra = [c for c in described if c not in names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(_("thiếu (các) trường của lược đồ {fields}", fields=", ".join(map(repr, missing))))
        if extra:
            parts.append(_("có (các) cột mà lược đồ không biết: {columns}", columns=", ".join(map(repr, extra))))
        raise ConformError(_("kết quả đầu ra {after} {problems}", after=after, problems=_(" và ").join(parts)),
                           hint=_("hãy dùng rename/select/drop/derive để kết quả có đúng các trường: {fields}",
                                  fields=", ".join(names)))
    exprs = {f["name"]: convert_sql(ident(f["name"]), described[f["name"]], f) for f in fields}
    converting = [f for f in fields if exprs[f["name"]] != ident(f["name"])]
    bad = {f["name"]: _bad_sql(f["name"], exprs[f["name"]], described[f["name"]]) for f in converting}
    if converting:
        counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE {bad[f['name']]})" for f in converting)
                             + f" FROM {table}").fetchone()
        problems = []
        for field, count in zip(converting, counts, strict=True):
            if not count:
                continue
            examples = con.execute(f"SELECT DISTINCT {ident(field['name'])}::VARCHAR FROM {table} "
                                   f"WHERE {bad[field['name']]} LIMIT 3").fetchall()
            shown = ", ".join(repr(e[:30]) for (e,) in examples)
            problems.append(_("{field}: {count} giá trị không phải giá trị kiểu {type} đơn thuần (ví dụ {examples})",
                              field=repr(field["name"]), count=format_number(count),
                              type=field.get("type", "string"), examples=shown))
        if problems:
            raise ConformError(_("kết quả đầu ra {after} không khớp kiểu dữ liệu của lược đồ: {problems}", after=after,
                                 problems="; ".join(problems)),
                               hint=_("hãy thêm một bước cast (locale: vi đọc được 1.234,5 và 05/09/2024)"))
    items = []
    for field in fields:
        name = field["name"]
        expr = exprs[name]
        if described[name].upper() == "VARCHAR" and duck_type(field) != "VARCHAR":
            expr = f"CASE WHEN trim({ident(name)}) = '' THEN NULL ELSE {expr} END"
        items.append(f"{expr} AS {ident(name)}")
    con.execute(f"CREATE VIEW {out} AS SELECT {', '.join(items)} FROM {table}")
    return con.execute(f"SELECT count(*) FROM {out}").fetchone()[0]


def _bad_sql(name: str, expr: str, source: str) -> str:
    """A value present in the output that the conversion cannot read."""
    col = ident(name)
    if source.upper() == "VARCHAR":
        return f"{col} IS NOT NULL AND trim({col}) <> '' AND ({expr}) IS NULL"
    return f"{col} IS NOT NULL AND ({expr}) IS NULL"
