"""What changed between two versions of a dataset: rows added, removed and changed, and the schema's changes.

Why one module: the changelog written at publish time (``pipelines/publish.py``), the versions table, the Atom
feeds and the diff endpoint all say "what changed"; computed in one place they cannot disagree. Before it the
changelog compared only field types, so an enum value added or a title renamed gave ``fields_changed: []``.

Rows are compared in DuckDB on the versions' Parquet parts, never in Python: by primary key when both versions
have the key's columns (a FULL OUTER hash join on the key: same key with other values is *changed*, and the
changed columns are named), otherwise by whole-row content as multisets (each distinct row counted +1 in the new
version and -1 in the old one, grouped; what does not cancel out was added or removed). Only the columns both
versions share are compared; a column added or removed is a schema change. Only the rows that differ are kept
(in a temporary table, which DuckDB spills to disk when large), and at most ``SAMPLE_ROWS`` of each kind are
read back into Python as samples.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import duckdb

from catalog.jsonvalues import jsonable
from catalog.sqltext import quote_ident, sql_list

SAMPLE_ROWS = 20
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
           "FLOAT", "DOUBLE", "DECIMAL")
ADDED, REMOVED, CHANGED = 1, 2, 3
SUMMARY_KEYS = ("rows_added", "rows_removed", "rows_changed", "compared_by", "key", "columns_changed")


# -- schema ------------------------------------------------------------------------------------------------------
def _fields(schema: dict | None) -> dict[str, dict]:
    return {f["name"]: f for f in (schema or {}).get("fields") or [] if isinstance(f, dict) and "name" in f}


def primary_key(schema: dict | None) -> list[str]:
    key = (schema or {}).get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


def _enum_change(name: str, old: dict, new: dict) -> dict | None:
    before, after = old.get("enum"), new.get("enum")
    if before == after:
        return None
    before, after = list(before or []), list(after or [])
    return {"name": name, "added": [v for v in after if v not in before],
            "removed": [v for v in before if v not in after]}


def _constraint_change(name: str, old: dict, new: dict) -> dict | None:
    keys = sorted((set(old) | set(new)) - {"enum"})
    differ = [k for k in keys if old.get(k) != new.get(k)]
    if not differ:
        return None
    return {"name": name, "from": {k: old[k] for k in differ if k in old}, "to": {k: new[k] for k in differ if k in new}}


def _field_change(name: str, old: dict, new: dict) -> dict[str, Any]:
    """The ways one field present in both versions changed (empty when it did not)."""
    out: dict[str, Any] = {}
    if old.get("type", "string") != new.get("type", "string"):
        out["retyped"] = {"name": name, "from": old.get("type", "string"), "to": new.get("type", "string")}
    for key, label in (("title", "titles_changed"), ("description", "descriptions_changed"),
                       ("format", "formats_changed")):
        if (old.get(key) or "") != (new.get(key) or ""):
            out[label] = {"name": name, "from": old.get(key) or "", "to": new.get(key) or ""}
    old_c, new_c = old.get("constraints") or {}, new.get("constraints") or {}
    if enum := _enum_change(name, old_c, new_c):
        out["enum_values"] = enum
    if constraint := _constraint_change(name, old_c, new_c):
        out["constraints_changed"] = constraint
    return out


def schema_changes(old: dict | None, new: dict | None) -> dict[str, Any]:
    """Fields added, removed and changed; ``fields_changed`` names every shared field whose descriptor differs in
    any way (type, title, description, format, constraints, enum values, or anything else)."""
    old_f, new_f = _fields(old), _fields(new)
    shared = [n for n in new_f if n in old_f]
    out: dict[str, Any] = {
        "fields_added": [n for n in new_f if n not in old_f],
        "fields_removed": [n for n in old_f if n not in new_f],
        "fields_changed": [n for n in shared if old_f[n] != new_f[n]],
        "fields_retyped": [], "titles_changed": [], "descriptions_changed": [], "formats_changed": [],
        "enum_values": [], "constraints_changed": [],
    }
    for name in shared:
        for label, change in _field_change(name, old_f[name], new_f[name]).items():
            out["fields_retyped" if label == "retyped" else label].append(change)
    old_key, new_key = primary_key(old), primary_key(new)
    out["primary_key"] = {"from": old_key, "to": new_key} if old_key != new_key else None
    return out


# -- rows --------------------------------------------------------------------------------------------------------
def _columns(con: duckdb.DuckDBPyConnection, files: Sequence[str]) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_list(files)})").fetchall()
    return {r[0]: r[1] for r in rows}


def _comparable(old_type: str, new_type: str) -> str:
    """How one column is compared across the versions (``{}`` stands for the column): as it is, or a retyped
    column as numbers when both types are numeric, else as text."""
    if old_type == new_type:
        return "{}"
    if old_type.startswith(NUMERIC) and new_type.startswith(NUMERIC):
        return "CAST({} AS DOUBLE)"
    return "CAST({} AS VARCHAR)"


class _Plan:
    """The columns both versions share, in the new version's order, as comparable expressions."""

    def __init__(self, con: duckdb.DuckDBPyConnection, old_files: Sequence[str], new_files: Sequence[str],
                 key: list[str]) -> None:
        self.old_src, self.new_src = f"read_parquet({sql_list(old_files)})", f"read_parquet({sql_list(new_files)})"
        old_cols, new_cols = _columns(con, old_files), _columns(con, new_files)
        self.shared = [n for n in new_cols if n in old_cols]
        self.casts = {n: _comparable(old_cols[n], new_cols[n]) for n in self.shared}
        self.key = key if key and all(k in self.casts for k in key) else []
        self.values = [n for n in self.shared if n not in self.key]
        self.old_columns, self.new_columns = list(old_cols), list(new_cols)

    def expr(self, name: str, alias: str = "") -> str:
        return self.casts[name].format((f"{alias}." if alias else "") + quote_ident(name))

    def project(self, names: list[str], prefix: str) -> str:
        return ", ".join(f"{self.expr(n)} AS {prefix}{i}" for i, n in enumerate(names))


def _fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [{k: jsonable(v) for k, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def _by_key(con: duckdb.DuckDBPyConnection, plan: _Plan, table: str, sample: int) -> dict[str, Any]:
    keys, values = plan.key, plan.values
    on = " AND ".join(f"o.k{i} = n.k{i}" for i in range(len(keys)))
    differs = [f"o.v{i} IS DISTINCT FROM n.v{i}" for i in range(len(values))]
    flags = "".join(f", {d} AS c{i}" for i, d in enumerate(differs))
    coalesced = ", ".join(f"COALESCE(n.k{i}, o.k{i}) AS k{i}" for i in range(len(keys)))
    vals = (", " + plan.project(values, "v")) if values else ""
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT CASE WHEN o.__o IS NULL THEN {ADDED} WHEN n.__n IS NULL "
        f"THEN {REMOVED} ELSE {CHANGED} END AS s, {coalesced}{flags} "
        f"FROM (SELECT {plan.project(keys, 'k')}{vals}, true AS __o FROM {plan.old_src}) o "
        f"FULL OUTER JOIN (SELECT {plan.project(keys, 'k')}{vals}, true AS __n FROM {plan.new_src}) n ON {on} "
        f"WHERE o.__o IS NULL OR n.__n IS NULL" + "".join(f" OR {d}" for d in differs))
    per_column = "".join(f", count(*) FILTER (WHERE s = {CHANGED} AND c{i})" for i in range(len(values)))
    counts = con.execute(f"SELECT count(*) FILTER (WHERE s = {ADDED}), count(*) FILTER (WHERE s = {REMOVED}), "
                         f"count(*) FILTER (WHERE s = {CHANGED}){per_column} FROM {table}").fetchone()
    out = {"compared_by": "primary_key", "key": keys, "rows_added": counts[0], "rows_removed": counts[1],
           "rows_changed": counts[2],
           "columns_changed": {n: c for n, c in zip(values, counts[3:], strict=True) if c}}
    if sample:
        out["samples"] = _key_samples(con, plan, table, sample)
    return out


def _key_samples(con: duckdb.DuckDBPyConnection, plan: _Plan, table: str, sample: int) -> dict[str, list]:
    keys, values = plan.key, plan.values
    k = ", ".join(f"k{i}" for i in range(len(keys)))

    def picked(status: int, extra: str = "") -> str:
        return f"(SELECT {k}{extra} FROM {table} WHERE s = {status} ORDER BY {k} LIMIT {int(sample)})"

    def whole(status: int, src: str, columns: list[str]) -> list[dict]:
        on = " AND ".join(f"p.k{i} = {plan.expr(n, 't')}" for i, n in enumerate(keys))
        cols = ", ".join(f"t.{quote_ident(c)}" for c in columns)
        return _fetch_dicts(con, f"SELECT {cols} FROM {src} t JOIN {picked(status)} p ON {on} ORDER BY {k}")

    flags = "".join(f", c{i}" for i in range(len(values)))
    both = ("SELECT " + ", ".join(f"p.k{i}" for i in range(len(keys)))
            + "".join(f", p.c{i}, o.v{i} AS o{i}, n.v{i} AS n{i}" for i in range(len(values)))
            + f" FROM {picked(CHANGED, flags)} p"
            + f" JOIN (SELECT {plan.project(keys, 'k')}"
            + (f", {plan.project(values, 'v')}" if values else "") + f" FROM {plan.old_src}) o USING ({k})"
            + f" JOIN (SELECT {plan.project(keys, 'k')}"
            + (f", {plan.project(values, 'v')}" if values else "") + f" FROM {plan.new_src}) n USING ({k})"
            + f" ORDER BY {k}")
    changed = []
    for row in _fetch_dicts(con, both):
        names = [n for i, n in enumerate(values) if row[f"c{i}"]]
        index = {n: i for i, n in enumerate(values)}
        changed.append({"key": {n: row[f"k{i}"] for i, n in enumerate(keys)}, "columns": names,
                        "before": {n: row[f"o{index[n]}"] for n in names},
                        "after": {n: row[f"n{index[n]}"] for n in names}})
    return {"added": whole(ADDED, plan.new_src, plan.new_columns),
            "removed": whole(REMOVED, plan.old_src, plan.old_columns), "changed": changed}


def _by_content(con: duckdb.DuckDBPyConnection, plan: _Plan, table: str, sample: int) -> dict[str, Any]:
    cols = plan.shared
    names = ", ".join(f"v{i}" for i in range(len(cols)))
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT {names}, CAST(sum(w) AS BIGINT) AS net FROM ("
        f"SELECT {plan.project(cols, 'v')}, 1 AS w FROM {plan.new_src} UNION ALL "
        f"SELECT {plan.project(cols, 'v')}, -1 AS w FROM {plan.old_src}) GROUP BY ALL HAVING sum(w) <> 0")
    added, removed = con.execute(f"SELECT COALESCE(sum(net) FILTER (WHERE net > 0), 0), "
                                 f"COALESCE(-sum(net) FILTER (WHERE net < 0), 0) FROM {table}").fetchone()
    out = {"compared_by": "content", "key": [], "rows_added": int(added), "rows_removed": int(removed),
           "rows_changed": 0, "columns_changed": {}}
    if sample:
        named = ", ".join(f"v{i} AS {quote_ident(n)}" for i, n in enumerate(cols))

        def rows(condition: str) -> list[dict]:
            return _fetch_dicts(con, f"SELECT {named} FROM {table} WHERE {condition} ORDER BY {names} "
                                     f"LIMIT {int(sample)}")

        out["samples"] = {"added": rows("net > 0"), "removed": rows("net < 0"), "changed": []}
    return out


def _no_shared_columns(con: duckdb.DuckDBPyConnection, plan: _Plan, sample: int) -> dict[str, Any]:
    count = "SELECT count(*) FROM {}"
    out = {"compared_by": "content", "key": [], "rows_added": con.execute(count.format(plan.new_src)).fetchone()[0],
           "rows_removed": con.execute(count.format(plan.old_src)).fetchone()[0], "rows_changed": 0,
           "columns_changed": {}}
    if sample:
        out["samples"] = {"added": _fetch_dicts(con, f"SELECT * FROM {plan.new_src} LIMIT {int(sample)}"),
                          "removed": _fetch_dicts(con, f"SELECT * FROM {plan.old_src} LIMIT {int(sample)}"),
                          "changed": []}
    return out


def row_changes(con: duckdb.DuckDBPyConnection, old_files: Sequence[str], new_files: Sequence[str],
                key: list[str], *, sample: int = SAMPLE_ROWS) -> dict[str, Any]:
    """Rows added, removed and changed from ``old_files`` to ``new_files`` (by ``key`` when both have its
    columns, else by content), per-column change counts, and up to ``sample`` rows of each kind."""
    plan = _Plan(con, old_files, new_files, key)
    if not plan.shared:
        return _no_shared_columns(con, plan, sample)
    table = f"diff_{uuid.uuid4().hex}"
    try:
        return (_by_key if plan.key else _by_content)(con, plan, table, sample)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def diff_files(con: duckdb.DuckDBPyConnection, old_files: Sequence[str], new_files: Sequence[str],
               old_schema: dict, new_schema: dict, *, sample: int = SAMPLE_ROWS) -> dict[str, Any]:
    """The whole diff: ``{"rows": row_changes(...), "schema": schema_changes(...)}``. Rows are matched by the
    new version's primary key (when the old version has those columns too)."""
    return {"rows": row_changes(con, old_files, new_files, primary_key(new_schema), sample=sample),
            "schema": schema_changes(old_schema, new_schema)}


def summary(diff: dict[str, Any]) -> dict[str, Any]:
    """The diff without samples: what a version records as its ``changes`` (the keys the changelog has always
    had, ``rows_added`` … ``fields_changed``, then the richer ones)."""
    rows = diff["rows"]
    return {**{k: rows[k] for k in SUMMARY_KEYS}, **diff["schema"]}


def first_version(rows: int, schema: dict) -> dict[str, Any]:
    """The ``changes`` of a dataset's first version: every row and field is new."""
    out = summary({"rows": {"rows_added": rows, "rows_removed": 0, "rows_changed": 0, "compared_by": "content",
                            "key": [], "columns_changed": {}}, "schema": schema_changes({}, schema)})
    out["primary_key"] = None
    return out
