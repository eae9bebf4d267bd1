"""The exact pass: stage every cell as text, type it in SQL, and decide the odd cells in Python.

Why: a file the fast pass could not prove valid is read cell by cell the way frictionless reads it. The cells
are staged as text (DuckDB's CSV reader where it numbers rows as Python's csv module does, else Python's), each
column is typed by its field type's SQL (``cells.py``), and the few cells SQL cannot decide (non-ASCII digits,
rare types and formats) are read by the reference reader once per distinct value. The typed table then
answers every error query (``errors.py``, ``keys.py``).

``ExactPass`` is a part of ``Engine``; it uses the engine's connection, source, schema, dialect and plans.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from catalog.sqltext import sql_string
from pipelines import patterns
from pipelines import read as readers
from pipelines.read import Staged
from pipelines.validation.cells import cell_sql, decided_in_python, missing_sql
from pipelines.validation.constraints import pattern_plan, python_constraints
from pipelines.validation.fields import canonical_text, duckdb_type, make_reader
from pipelines.validation.fields.base import BAD, ODD, OK
from pipelines.validation.fields.native import native
from pipelines.validation.header import Plan


class ExactPass:
    """Staging and typing of the exact pass (a part of ``Engine``)."""

    def _stage(self, layout, scan, python: bool = False) -> Staged:
        source, table = self.source, f"{self.prefix}_raw"
        schema_width = len(self.schema["fields"])
        bar = readers.progress_bar(source.size, self.progress, "reading")
        try:
            if source.format in ("csv", "tsv") and not python:
                width = len(layout.labels) if layout.labels else schema_width
                relation = readers.csv_relation(source, self.dialect, layout, scan, width)
                if relation is not None:  # typed straight from the file; _type() checks DuckDB read it right
                    return Staged(table=relation, labels=layout.labels, header_rows=list(self.dialect.header_rows)
                                  if self.dialect.header else [], width=width, kinds=False, rows=-1,
                                  rn="NULL::BIGINT", n=str(width), extra="NULL::VARCHAR[]", direct=True)
            update = (lambda pos: bar.update(pos - bar.n)) if bar else None
            return readers.stage(self.con, source, self.dialect, table, [f["name"] for f in self.schema["fields"]],
                                 layout=layout, progress=update)
        finally:
            if bar:
                bar.close()

    def _type(self) -> None:
        """Stage -> typed table: raw cell, missing flag, state (0 valid, 1 invalid, 2 undecided), value."""
        staged = self.staged
        self.typed = self.base
        try:
            with self._bar("checking types"):
                self.con.execute(self._typing_sql())
        except duckdb.Error:
            if not staged.direct:
                raise
            self.con.execute(f"DROP TABLE IF EXISTS {self.base}")
        if staged.direct:
            if not self._number_direct():  # DuckDB read this file differently from Python's csv
                self.con.execute(f"DROP TABLE IF EXISTS {self.base}")
                self.staged = self._stage(self.layout, self.scan, python=True)
                self._type()  # read it row by row
                return
        else:
            self.con.execute(f"DROP TABLE IF EXISTS {staged.table}")
        for plan in self.plans:
            self._decide_in_python(plan)
            if "pattern" in plan.constraints and plan.type == "string":
                self._pattern_in_python(plan)

    def _typing_sql(self) -> str:
        staged = self.staged
        inner = [f"{staged.rn} AS __rn", f"{staged.n} AS __n", f"{staged.extra} AS __extra"]
        outer = ["__rn", "__n", "__extra"]
        if staged.direct:  # numbered after the fact from rowid (a fresh column is cheap to fill)
            inner, outer = inner[1:], outer[1:]
        for plan in self.plans:
            columns_in, columns_out = self._column_sql(plan, staged.kinds)
            inner += columns_in
            outer += columns_out
        blanks = [f"m{plan.j}" for plan in self.plans]
        outer.append(f"({' AND '.join(blanks) or 'false'}) AS __blank")
        return (f"CREATE OR REPLACE TABLE {self.base} AS SELECT {', '.join(outer)} FROM "
                f"(SELECT {', '.join(inner)} FROM {staged.table})")

    def _column_sql(self, plan: Plan, kinds: bool) -> tuple[list[str], list[str]]:
        """The columns of one field: c (text), k (kind), m (missing), s (state), v (value), and x (constraints
        Python found broken), p (pattern matched), z (an offset written) where they apply."""
        j = plan.j
        c, k = f"c{j}", (f"k{j}" if kinds else None)
        miss = missing_sql(plan, c, k)
        value, state = cell_sql(plan, c, k)
        inner = [c, f"{k} AS k{j}" if k else f"NULL::UTINYINT AS k{j}", f"{miss} AS m{j}",
                 f"CASE WHEN {miss} THEN {OK} ELSE ({state}) END::UTINYINT AS s{j}",
                 f"CASE WHEN {miss} THEN NULL ELSE {value} END AS w{j}"]
        outer = [f"c{j}", f"k{j}", f"m{j}", f"s{j}", f"CASE WHEN s{j} = {OK} THEN w{j} END AS v{j}"]
        if decided_in_python(plan):
            outer.append(f"NULL::VARCHAR[] AS x{j}")
        if "pattern" in plan.constraints and plan.type == "string":
            outer.append(f"{self._pattern_sql(plan)} AS p{j}")
        if duckdb_type(plan.field) == "TIMESTAMPTZ":  # Python never equates aware and naive datetimes
            outer.append(f"regexp_matches(c{j}, '(?:[Zz]|[+-][0-9]{{2}}(?::?[0-9]{{2}})?)$') AS z{j}")
        return inner, outer

    def _number_direct(self) -> bool:
        """Check that DuckDB read the file as Python's csv would; number its rows with a view. False if not."""
        rows = self._verify_direct()
        if rows is None:
            return False
        self.staged.rows = rows
        # rows are numbered by a view over the table's insertion order (no column to fill)
        self.typed = f"{self.base}_numbered"
        self.con.execute(f"CREATE OR REPLACE VIEW {self.typed} AS SELECT *, rowid + "
                         f"{self.layout.header_lines + 1} AS __rn FROM {self.base}")
        return True

    def _verify_direct(self) -> int | None:
        exists = self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                                  [self.base]).fetchone()[0]
        if not exists:
            return None
        return readers.verify_csv_stage(self.con, self.base, self.scan, self.layout, self.staged.width)

    def _pattern_sql(self, plan: Plan) -> str:
        """Every cell decided in SQL; NULL (decided by ``_pattern_in_python``, in RE2 too) only if DuckDB's
        RE2 build refuses the program (a size limit)."""
        re2, _sensitive = pattern_plan(plan.constraints["pattern"])
        v = f"CASE WHEN s{plan.j} = {OK} THEN w{plan.j} END"
        try:
            self.con.execute(f"SELECT regexp_matches('', {sql_string(re2)})")
        except duckdb.Error:
            return "NULL::BOOLEAN"
        return f"regexp_matches({v}, {sql_string(re2)})"

    def _pattern_in_python(self, plan: Plan) -> None:
        j = plan.j
        todo = self.con.execute(
            f"SELECT DISTINCT v{j} FROM {self.typed} WHERE v{j} IS NOT NULL AND p{j} IS NULL").fetchall()
        if not todo:
            return
        pattern = plan.constraints["pattern"]  # in RE2 with Python's meaning (never backtracks)
        table = pa.table({"v": pa.array([t[0] for t in todo], pa.string()),
                          "ok": pa.array([patterns.matches(pattern, t[0]) for t in todo], pa.bool_())})
        self.con.register("__pattern_fix", table)
        try:
            base = self.base
            self.con.execute(f"UPDATE {base} SET p{j} = f.ok FROM __pattern_fix f "
                             f"WHERE {base}.p{j} IS NULL AND {base}.v{j} = f.v")
        finally:
            self.con.unregister("__pattern_fix")

    def _decide_in_python(self, plan: Plan) -> None:
        """Cells SQL left undecided (state 2): read them with the reference reader, once per value."""
        j, target = plan.j, duckdb_type(plan.field)
        todo = self.con.execute(f"SELECT DISTINCT c{j}, k{j} FROM {self.typed} WHERE s{j} = {ODD}").fetchall()
        if not todo:
            return
        py_only = decided_in_python(plan)
        self.con.register("__fix", _decided(plan, todo, py_only))
        t = self.base
        extra = f", x{j} = f.fails" if py_only else ""
        cast = f"TRY_CAST(f.val AS {target})" if target != "JSON" else "f.val::JSON"
        if target.startswith("STRUCT"):
            cast = "json_transform(f.val::JSON, '{\"lon\": \"DOUBLE\", \"lat\": \"DOUBLE\"}')"
        try:
            self.con.execute(
                f"UPDATE {t} SET s{j} = CASE WHEN f.ok THEN {OK} ELSE {BAD} END, "
                f"v{j} = CASE WHEN f.ok THEN {cast} END{extra} FROM __fix f "
                f"WHERE {t}.s{j} = {ODD} AND {t}.c{j} = f.c AND {t}.k{j} IS NOT DISTINCT FROM f.k")
        finally:
            self.con.unregister("__fix")


def _decided(plan: Plan, todo: list[tuple], py_only: bool) -> pa.Table:
    """The reference reader's answer for each distinct (text, kind): valid, canonical text, broken constraints."""
    reader = make_reader(plan.field)
    texts, kinds, oks, vals, fails = [], [], [], [], []
    for text, kind in todo:
        value = reader(native(text, kind))
        texts.append(text)
        kinds.append(kind)
        oks.append(value is not None)
        vals.append(None if value is None else canonical_text(plan.field, value))
        fails.append(python_constraints(plan, value, reader) if py_only and value is not None else [])
    return pa.table({"c": pa.array(texts, pa.string()), "k": pa.array(kinds, pa.uint8()),
                     "ok": pa.array(oks, pa.bool_()), "val": pa.array(vals, pa.string()),
                     "fails": pa.array(fails, pa.list_(pa.string()))})
