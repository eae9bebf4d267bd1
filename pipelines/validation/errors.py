"""The report's row errors: one SQL query per error class over the typed table, merged in frictionless's order.

Why one UNION: frictionless reports errors row by row, and within a row by class (cell errors, extra cells,
missing cells, keys), field number and constraint order; sorting one union by (row, class, field, sub-order)
gives that order at once, and a LIMIT stops the scan where frictionless would stop reading
(``limit_errors``).

``ErrorQueries`` is a part of ``Engine`` (the key queries come from ``keys.py``).
"""

from __future__ import annotations

from typing import Any

from catalog.sqltext import sql_string
from pipelines.report import make_error
from pipelines.validation.constraints import constraint_sql, required_note
from pipelines.validation.fields import field_type
from pipelines.validation.fields.base import BAD, OK
from pipelines.validation.header import Plan

CELL_ERRORS = ("type-error", "constraint-error", "unique-error", "missing-cell", "extra-cell")


def _query(t: str, where: str, cls: int, fno: int, sub: int, etype: str, note: str, cell: str, fname: str) -> str:
    """One error class as (rn, class, field number, sub-order, type, note, cell, field name)."""
    return (f"SELECT __rn AS rn, {cls} AS cls, {fno} AS fno, {sub} AS sub, {sql_string(etype)} AS type, "
            f"{note} AS note, {cell} AS cell, {sql_string(fname)} AS fname FROM {t} WHERE {where}")


def _field_queries(t: str, plan: Plan) -> list[str]:
    """Type errors, and for schema fields the required and other constraint errors."""
    j = plan.j
    cell = f"coalesce(c{j}, 'None')"
    fmt = plan.field.get("format", "default")
    note = sql_string(f'type is "{plan.type}/{fmt}"')
    queries = [_query(t, f"NOT __blank AND s{j} = {BAD}", 1, plan.number, 0, "type-error", note, cell, plan.name)]
    if not plan.schema_field:
        return queries
    order = field_type(plan.type).constraints
    if plan.constraints.get("required"):
        queries.append(_query(t, f"NOT __blank AND m{j}", 1, plan.number, 1, "constraint-error",
                              sql_string(required_note(plan)), cell, plan.name))
    for name, cond, cnote in constraint_sql(plan, f"v{j}"):
        queries.append(_query(t, f"NOT __blank AND s{j} = {OK} AND NOT m{j} AND coalesce({cond}, false)", 1,
                              plan.number, 1 + order.index(name), "constraint-error", sql_string(cnote), cell,
                              plan.name))
    return queries


class ErrorQueries:
    """Cell and row errors, and the assembly of the error list (a part of ``Engine``)."""

    def _error_queries(self) -> list[str]:
        """One SELECT per error class: (rn, class, field number, sub-order, type, note, cell, field name)."""
        t, queries = self.typed, []
        for plan in self.plans:
            queries += _field_queries(t, plan)
        width = len(self.plans)
        queries.append(
            f"SELECT rn, 2 AS cls, {width} + i AS fno, 0 AS sub, 'extra-cell' AS type, '' AS note, "
            f"coalesce(cell, 'None') AS cell, '' AS fname FROM (SELECT __rn AS rn, unnest(__extra) AS cell, "
            f"unnest(range(1, len(__extra) + 1)) AS i FROM {t} WHERE NOT __blank AND __extra IS NOT NULL)")
        for plan in self.plans:
            queries.append(_query(t, f"NOT __blank AND __n < {plan.j}", 3, plan.number, 0, "missing-cell", "''",
                                  "''", plan.name))
        queries.append(_query(t, "__blank", 1, 0, 0, "blank-row", "''", "NULL", ""))
        return queries

    def _errors(self, header_errors: list[dict]) -> tuple[list[dict], int, bool]:
        """(errors, rows read, whether the error limit was reached), header errors first."""
        limit = self.limit if self.limit and self.limit > 0 else None
        sql = " UNION ALL ".join(self._error_queries() + self._key_queries()) + " ORDER BY rn, cls, fno, sub"
        if limit is not None:
            sql += f" LIMIT {max(0, limit - len(header_errors)) + 1}"
        with self._bar("checking"):
            rows = self.con.execute(sql).fetchall()
        limited = False
        errors = list(header_errors)
        room = None if limit is None else max(0, limit - len(header_errors))
        if room is not None and (len(rows) > room or len(header_errors) >= limit):
            rows = rows[:room]
            limited = True
        if limit is not None and len(header_errors) >= limit:
            errors = errors[:limit]
        errors += self._row_errors(rows)
        rows_read = self.staged.rows
        if limited and rows:
            rows_read = self.con.execute(f"SELECT count(*) FROM {self.typed} WHERE __rn <= {rows[-1][0]}").fetchone()[0]
        return errors, rows_read, limited

    def _row_errors(self, rows: list[tuple]) -> list[dict]:
        cells = self._row_cells(sorted({r[0] for r in rows}))
        errors = []
        for rn, _cls, fno, _sub, etype, note, cell, fname in rows:
            props: dict[str, Any] = {"cells": cells.get(rn, []), "rowNumber": rn}
            if etype in CELL_ERRORS:
                props.update({"cell": cell if cell is not None else "", "fieldName": fname, "fieldNumber": fno})
            errors.append(make_error(etype, note=note or "", **props))
        return errors

    def _row_cells(self, rns: list[int]) -> dict[int, list[str]]:
        if not rns:
            return {}
        cols = ", ".join(f"coalesce(c{p.j}, '')" for p in self.plans)
        rows = self.con.execute(
            f"SELECT __rn, __n, [{cols}]::VARCHAR[], __extra FROM {self.typed} WHERE __rn IN "
            f"(SELECT unnest(?::BIGINT[]))", [rns]).fetchall()
        return {rn: list(cells[:n]) + [c or "" for c in (extra or [])] for rn, n, cells, extra in rows}
