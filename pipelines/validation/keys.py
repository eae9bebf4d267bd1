"""Keys across rows: unique fields, the primary key, foreign keys and (opt-in) duplicate rows.

Why window functions: each is "the same as in the row at position N", which ``lag(__rn) OVER (PARTITION BY
key ORDER BY __rn)`` answers in one scan; equality must be Python's equality of the typed values, so an
aware and a naive datetime never match (the ``z`` column) and duplicate rows compare Python's ``str()``.

``KeyQueries`` is a part of ``Engine``; the referenced tables come from ``lookups.py``.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from catalog.sqltext import sql_string
from pipelines.validation.effective import in_period_sql, note_sql, period_of
from pipelines.validation.fields import duckdb_type, field_type, make_reader
from pipelines.validation.fields.base import OK
from pipelines.validation.fields.native import native
from pipelines.validation.header import Plan
from pipelines.validation.lookups import category


def key_cols(plan: Plan) -> list[str]:
    """Columns whose equality is Python's equality of the typed value."""
    cols = [f"v{plan.j}"]
    if duckdb_type(plan.field) == "TIMESTAMPTZ":
        cols.append(f"z{plan.j}")
    return cols


def _py_str(value: Any) -> str | None:
    """Python's str() of a typed value, what frictionless joins to compare rows."""
    return None if value is None else str(value)


def _unique_query(t: str, plan: Plan) -> str:
    j = plan.j
    nan = f" AND NOT isnan(v{j})" if plan.type == "number" else ""
    return (f"SELECT rn, 4 AS cls, {plan.number} AS fno, 0 AS sub, 'unique-error' AS type, "
            f"'the same as in the row at position ' || prev AS note, cell, {sql_string(plan.name)} AS fname "
            f"FROM (SELECT __rn AS rn, coalesce(c{j}, 'None') AS cell, "
            f"lag(__rn) OVER (PARTITION BY {', '.join(key_cols(plan))} ORDER BY __rn) AS prev FROM {t} "
            f"WHERE v{j} IS NOT NULL{nan}) WHERE prev IS NOT NULL")


def _primary_key_queries(t: str, pk: list[str], names: dict[str, Plan], intended: bool) -> list[str]:
    cols = [f"v{names[k].j}" for k in pk]
    allnull = " AND ".join(f"{c} IS NULL" for c in cols)
    once = " AND NOT __blank" if intended else ""
    keys = [col for k in pk for col in key_cols(names[k])]
    return [f"SELECT __rn AS rn, 5 AS cls, 0 AS fno, 0 AS sub, 'primary-key' AS type, "
            f"'cells composing the primary keys are all \"None\"' AS note, NULL AS cell, '' AS fname "
            f"FROM {t} WHERE {allnull}{once}",
            f"SELECT rn, 5 AS cls, 0 AS fno, 1 AS sub, 'primary-key' AS type, "
            f"'the same as in the row at position ' || prev AS note, NULL AS cell, '' AS fname FROM "
            f"(SELECT __rn AS rn, lag(__rn) OVER (PARTITION BY {', '.join(keys)} ORDER BY __rn) AS prev "
            f"FROM {t} WHERE NOT ({allnull})) WHERE prev IS NOT NULL"]


class KeyQueries:
    """Error queries over several rows (a part of ``Engine``)."""

    def _key_queries(self) -> list[str]:
        t = self.typed
        names = {p.name: p for p in self.plans if p.schema_field}
        out = [_unique_query(t, plan) for plan in self.plans if plan.schema_field and plan.constraints.get("unique")]
        pk = self.schema["primaryKey"]
        if pk and all(k in names for k in pk):
            out += _primary_key_queries(t, pk, names, self.checks.get("policy") == "intended")
        for index, fk in enumerate(self.schema.get("foreignKeys", [])):
            if not all(k in names for k in fk["fields"]):
                continue
            query = self._fk_query(index, fk, names)
            if query:
                out.append(query)
        if self.checks["duplicate_row"]:
            out.append(self._duplicate_query())
        return out

    def _fk_query(self, index: int, fk: dict, names: dict[str, Plan]) -> str | None:
        ref = fk["reference"]
        period = period_of(fk)
        in_period = "true"
        if period:  # only rows dated in the key's period (effective.py)
            if period["field"] not in names:
                return None
            day = f"{self.typed}.v{names[period['field']].j}"
            in_period = in_period_sql(period, day)
            if not self.con.execute(f"SELECT 1 FROM {self.typed} WHERE {in_period} LIMIT 1").fetchone():
                return None
        lookup = self._lookup(ref["resource"], ref["fields"], index)
        if lookup is None:
            return None
        table, types = lookup
        t = self.typed
        cols = [f"v{names[k].j}" for k in fk["fields"]]
        allnull = " AND ".join(f"{c} IS NULL" for c in cols)
        conds = []
        for i, (col, key) in enumerate(zip(cols, fk["fields"], strict=True)):
            if category(duckdb_type(names[key].field)) != category(types[i]):
                conds.append("false")
            else:
                conds.append(f"L.r{i} IS NOT DISTINCT FROM {t}.{col}")
        values = " || ', ' || ".join(f"coalesce({c}::VARCHAR, 'None')" for c in cols)
        note = (f"'for \"{', '.join(fk['fields'])}\": values \"' || {values} || '\" not found in the lookup table "
                f"\"{ref['resource']}\" as \"{', '.join(ref['fields'])}\"'")
        if period:
            note = note_sql(fk, values, day)
        return (f"SELECT __rn AS rn, 6 AS cls, {index} AS fno, 0 AS sub, 'foreign-key' AS type, {note} AS note, "
                f"NULL AS cell, '' AS fname FROM {t} WHERE NOT ({allnull}) AND {in_period} AND NOT EXISTS "
                f"(SELECT 1 FROM {table} L WHERE {' AND '.join(conds)})")

    def _duplicate_query(self) -> str:
        keys = [f"coalesce({self._str_sql(plan)}, 'None')" for plan in self.plans]
        return (f"SELECT rn, 7 AS cls, 0 AS fno, 0 AS sub, 'duplicate-row' AS type, "
                f"'the same as row at position \"' || prev || '\"' AS note, NULL AS cell, '' AS fname FROM "
                f"(SELECT __rn AS rn, lag(__rn) OVER (PARTITION BY concat_ws(',', {', '.join(keys)}) ORDER BY __rn) "
                f"AS prev, __blank FROM {self.typed}) WHERE prev IS NOT NULL"
                + (" AND NOT __blank" if self.checks.get("policy") == "intended" else ""))

    def _str_sql(self, plan: Plan) -> str:
        """SQL for Python's str() of the typed value (what frictionless hashes for duplicate rows)."""
        in_sql = field_type(plan.type).str_sql(f"v{plan.j}")
        if in_sql is not None:
            return in_sql
        # numbers keep their written form in Decimal's str(); other types: decide once per value in Python
        j, typed = plan.j, self.typed
        table = f"{self.prefix}_str{j}"
        todo = self.con.execute(f"SELECT DISTINCT c{j}, k{j} FROM {typed} WHERE s{j} = {OK} AND NOT m{j}").fetchall()
        reader = make_reader(plan.field)
        arrow = pa.table({"c": pa.array([t for t, _ in todo], pa.string()),
                          "k": pa.array([k for _, k in todo], pa.uint8()),
                          "s": pa.array([_py_str(reader(native(t, k))) for t, k in todo], pa.string())})
        self.con.register("__strs", arrow)
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM __strs")
        finally:
            self.con.unregister("__strs")
        return (f"(SELECT s FROM {table} x WHERE x.c = {typed}.c{j} AND x.k IS NOT DISTINCT FROM "
                f"{typed}.k{j} AND {typed}.s{j} = {OK} AND NOT {typed}.m{j})")
