"""The fast pass: a valid CSV read once, straight into the typed Parquet that gets published.

Why: most files are valid, and proving it costs one ``COPY (SELECT typed columns FROM read_csv) TO parquet``.
Each cell must pass a cheap check whose success implies frictionless reads it the same way (the field type's
``fast_sql``) and every row-local constraint must hold; anything else calls ``error()``, which aborts the COPY,
and the exact pass (``exact.py``) takes over. A byte scan running beside the COPY confirms DuckDB saw every
line; unique fields, the primary key and foreign keys are then counted over the Parquet.

``FastPass`` is a part of ``Engine``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from catalog.errors import UserError
from catalog.sqltext import quote_ident, sql_string
from catalog.text import nfc
from pipelines import read as readers
from pipelines.validation.cells import fast_cell_sql, missing_sql
from pipelines.validation.constraints import constraint_sql, fast_pattern_sql
from pipelines.validation.effective import in_period_sql, period_of
from pipelines.validation.fields import duckdb_type
from pipelines.validation.header import Plan, field_missing_values
from pipelines.validation.lookups import category

PARQUET_OPTIONS = "COMPRESSION zstd, COMPRESSION_LEVEL 1"


class FastPass:
    """The one-read CSV path (a part of ``Engine``)."""

    def _fast(self, layout, thread: threading.Thread, scanned: dict, width: int, task: dict) -> bool:
        """Try the one-pass CSV->Parquet path; True if it proved the file valid.

        Every cell must pass a cheap check that implies frictionless accepts it with the same value, and
        every row-local constraint must hold, else ``error()`` aborts the COPY and the exact pass runs.
        The byte scan running in ``thread`` then confirms DuckDB saw every line (no blank line skipped).
        """
        if not self._fast_applies(layout):
            return False
        written = self._fast_copy(layout, width, normalize=False)
        thread.join()
        scan = scanned.get("scan")
        if scan is None or scan.has_nul:
            return False
        if scan.has_combining and written is not None:
            written = self._fast_copy(layout, width, normalize=True)
        if written is None or written == 0 or not readers.records_match(scan, layout, written):
            return False
        if scan.has_cr and not _all_crlf(self.source.path):
            return False
        out = Path(self.tmpdir) / "fast.parquet"
        pq = f"read_parquet({sql_string(str(out))})"
        if not self._delimiters_match(pq, scan, layout, written, width):
            return False
        if not self._fast_keys(pq, self._fast_plans()):
            out.unlink(missing_ok=True)
            return False
        self.fast_parquet = out
        self.plans = self._fast_plans()
        task["labels"] = list(layout.labels)
        task["stats"].update({"fields": len(self.schema["fields"]), "rows": written})
        return True

    def _fast_applies(self, layout) -> bool:
        """Only a plain CSV whose header is the schema's field names, with no checklist options, may go fast."""
        schema, dialect, checks = self.schema, self.dialect, self.checks
        return not (checks["duplicate_row"] or checks["pick"] or checks["skip"]
                    or schema.get("fieldsMatch", "exact") != "exact" or not dialect.header
                    or dialect.comment_char or dialect.comment_rows
                    or [nfc(label) for label in layout.labels] != [nfc(f["name"]) for f in schema["fields"]])

    def _delimiters_match(self, pq: str, scan, layout, written: int, width: int) -> bool:
        """The delimiters DuckDB saw (between and inside text values) are all the file has."""
        texts = [quote_ident(p.name) for p in self._fast_plans() if p.type in ("string", "any")]
        inside = self.con.execute(
            f"SELECT {readers.delimiter_count_sql(texts, layout.fmt.delimiter)} FROM {pq}").fetchone()[0]
        return readers.delimiters_match(scan, layout, written, width, inside)

    def _fast_plans(self) -> list[Plan]:
        schema = self.schema
        return [Plan(i + 1, f, i + 1, field_missing_values(schema, f), True) for i, f in enumerate(schema["fields"])]

    def _fast_copy(self, layout, width: int, *, normalize: bool) -> int | None:
        """The COPY of the fast pass; the number of rows written, or None if a cell needs the exact pass."""
        plans = self._fast_plans()
        if any(_may_hold(plan, layout.fmt.delimiter) for plan in plans):
            return None
        natives = self._native_numbers(plans)
        nullstr = plans[natives[0]].missing if natives else []
        types = ["DOUBLE" if i in natives else "VARCHAR" for i in range(len(plans))]
        relation = readers.duckdb_csv(self.source, layout, width, types=types, nullstr=nullstr,
                                      varchar=[i for i in range(len(plans)) if i not in natives])
        if relation is None:
            return None
        inner, outer, blank = [], [], []
        for i, plan in enumerate(plans):
            column = _fast_column(plan, native=i in natives, normalize=normalize)
            if column is None:
                return None
            inner += column[0]
            outer.append(column[1])
            blank.append(column[2])
        where = f"CASE WHEN {' AND '.join(blank)} THEN error('blank row') ELSE true END"
        out = Path(self.tmpdir) / "fast.parquet"
        sql = (f"COPY (SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {relation}) WHERE {where}) "
               f"TO {sql_string(str(out))} (FORMAT parquet, {PARQUET_OPTIONS})")
        try:
            with self._bar("validating"):
                return self.con.execute(sql).fetchone()[0]
        except duckdb.Error:
            out.unlink(missing_ok=True)
            return None

    def _native_numbers(self, plans: list[Plan]) -> list[int]:
        """Number fields DuckDB's CSV reader may parse itself: same missing values, same decimal char."""
        candidates = [i for i, p in enumerate(plans) if p.type == "number"
                      and not p.field.get("groupChar") and p.field.get("bareNumber", True)
                      and p.field.get("decimalChar", ".") == "."]
        if not candidates:
            return []
        missing = plans[candidates[0]].missing
        return [i for i in candidates if plans[i].missing == missing]

    def _fast_keys(self, pq: str, plans: list[Plan]) -> bool:
        """Unique fields and the primary key in one scan of the Parquet (a hash collision only sends the
        file to the exact pass); foreign keys by anti-join."""
        counts = [f"count({quote_ident(p.name)}) - count(DISTINCT {quote_ident(p.name)})"
                  for p in plans if p.constraints.get("unique")]
        pk = self.schema["primaryKey"]
        if pk:
            cols = ", ".join(quote_ident(k) for k in pk)
            counts.append(f"count(*) - count(DISTINCT hash({cols}))")
            counts.append("count(*) FILTER (WHERE " + " AND ".join(f"{quote_ident(k)} IS NULL" for k in pk) + ")")
        if counts and any(self.con.execute(f"SELECT {', '.join(counts)} FROM {pq}").fetchone()):
            return False
        by_name = {p.name: p for p in plans}
        return all(self._fast_foreign_key(pq, fk, index, by_name)
                   for index, fk in enumerate(self.schema.get("foreignKeys", [])))

    def _fast_foreign_key(self, pq: str, fk: dict, index: int, by_name: dict[str, Plan]) -> bool:
        """Every non-null key of the Parquet is in the referenced table (False also when unsure)."""
        in_period = "true"
        if period_of(fk):  # only rows dated in the key's period (effective.py)
            if period_of(fk)["field"] not in by_name:
                return True
            in_period = in_period_sql(period_of(fk), f"P.{quote_ident(period_of(fk)['field'])}")
            if not self.con.execute(f"SELECT 1 FROM {pq} P WHERE {in_period} LIMIT 1").fetchone():
                return True
        lookup = self._lookup_fast(pq, fk, index, by_name)
        if lookup is None:
            return False
        table, types = lookup
        conds = []
        for i, key in enumerate(fk["fields"]):
            if category(duckdb_type(by_name[key].field)) != category(types[i]):
                return False
            conds.append(f"L.r{i} IS NOT DISTINCT FROM P.{quote_ident(key)}")
        allnull = " AND ".join(f"P.{quote_ident(k)} IS NULL" for k in fk["fields"])
        return not self.con.execute(f"SELECT 1 FROM {pq} P WHERE NOT ({allnull}) AND {in_period} AND NOT EXISTS "
                                    f"(SELECT 1 FROM {table} L WHERE {' AND '.join(conds)}) LIMIT 1").fetchone()

    def _lookup_fast(self, pq: str, fk: dict, index: int, by_name: dict[str, Plan]):
        ref = fk["reference"]
        stack = self.lookups.get("stack", [])
        if not ref["resource"] or (stack and ref["resource"] == stack[-1]):
            name = f"{self.prefix}_lookup{index}"
            cols = ", ".join(f"{quote_ident(f)} AS r{i}" for i, f in enumerate(ref["fields"]))
            allnull = " AND ".join(f"r{i} IS NULL" for i in range(len(ref["fields"])))
            if any(f not in by_name for f in ref["fields"]):
                return None
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT DISTINCT * FROM "
                             f"(SELECT {cols} FROM {pq}) WHERE NOT ({allnull})")
            return name, [duckdb_type(by_name[f].field) for f in ref["fields"]]
        try:
            return self._lookup(ref["resource"], ref["fields"], index)
        except UserError:
            return None


def _fast_column(plan: Plan, *, native: bool, normalize: bool) -> tuple[list[str], str, str] | None:
    """(inner columns, outer typed column, missing condition) of one field in the fast COPY; None if a cell
    of this field needs the exact pass. A DOUBLE column DuckDB parsed itself (``native``) is already typed."""
    j = plan.j
    if native:
        inner, missing, ok = [f"c{j} AS p{j}"], f"(p{j} IS NULL)", "true"
    else:
        c = f"nfc_normalize(c{j})" if normalize else f"c{j}"
        quick = fast_cell_sql(plan, f"c{j}")
        if quick is None:
            return None
        value, ok = quick
        inner = [f"{c} AS c{j}", f"{value} AS p{j}"] if not normalize else \
            [f"{c} AS c{j}", f"{fast_cell_sql(plan, c)[0]} AS p{j}"]
        ok = ok.replace("__p", f"p{j}")
        missing = missing_sql(plan, f"c{j}", None).replace(f"c{j} IS NULL OR ", "")
    rules = _fast_rules(plan)
    if rules is None:
        return None
    bad = " OR ".join([f"NOT coalesce({ok}, false)"] * (ok != "true") + rules) or "false"
    on_missing = "error('required')" if plan.constraints.get("required") else "NULL"
    outer = (f"CASE WHEN {missing} THEN {on_missing} WHEN {bad} THEN error('exact pass needed') "
             f"ELSE p{j}::{duckdb_type(plan.field)} END AS {quote_ident(plan.name)}")
    return inner, outer, missing


def _fast_rules(plan: Plan) -> list[str] | None:
    """SQL true when the typed value ``p{j}`` breaks a row-local constraint."""
    rules = []
    for name, cond, _note in constraint_sql(plan, f"p{plan.j}"):
        if name == "pattern":
            cond = fast_pattern_sql(plan.constraints["pattern"], f"p{plan.j}")
            if cond is None:
                return None
        rules.append(cond)
    return rules

def _may_hold(plan: Plan, delimiter: str) -> bool:
    """Whether a cell of a non-text field could contain the delimiter while its typed value does not (the
    fast pass counts delimiters inside values from the typed text columns only)."""
    if len(delimiter.encode()) != 1 or any(delimiter in mv for mv in plan.missing):
        return True
    if plan.type in ("string", "any"):
        return False
    f = plan.field
    texts = [f.get("decimalChar", ""), f.get("groupChar", ""), f.get("format", ""),
             *f.get("trueValues", []), *f.get("falseValues", [])]
    return any(delimiter in t for t in texts if t) or not f.get("bareNumber", True)


def _all_crlf(path: Path) -> bool:
    """Every CR is part of a CRLF (DuckDB and Python split lone CRs differently)."""
    cr = crlf = 0
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(readers.SCAN_CHUNK):
            data = tail + chunk
            cr += chunk.count(b"\r")
            crlf += data.count(b"\r\n") - tail.count(b"\r\n")
            tail = data[-1:]
    return cr == crlf
