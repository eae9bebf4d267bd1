"""JSON: an array of row objects read by DuckDB's ``read_json``, keyed by the schema's field names.

Why its own module: JSON rows are keyed, not positional, and a cell may be an array or an object nested
arbitrarily deep. Missing keys are empty cells (as frictionless reads keyed JSON), each cell keeps its native
kind, and nesting is bounded (``limits.max_json_depth``) without recursion, in SQL first and exactly only for
the few cells that could be over it.
"""

from __future__ import annotations

import re

import duckdb

from catalog.errors import InvalidInput
from catalog.i18n import _
from catalog.sqltext import quote_ident, sql_string
from pipelines import limits
from pipelines.read.staging import KIND_BOOL, KIND_DECIMAL, KIND_DICT, KIND_INT, KIND_LIST, Staged
from pipelines.source import Source

DUCKDB_JSON_DEPTH = 128  # read_json refuses deeper documents


def stage_json(con: duckdb.DuckDBPyConnection, source: Source, field_names: list[str], table: str) -> Staged:
    """An array of objects, keyed by the schema's field names (missing keys are empty cells), as
    frictionless reads keyed JSON; numbers keep their kind (integer, decimal)."""
    head = _json_head(source)
    if head != "[":
        if head == "{":
            raise InvalidInput(_("{name}: cần một mảng JSON gồm các đối tượng (các dòng), nhưng ở cấp ngoài cùng lại "
                                 "là một đối tượng", name=source.path.name))
        raise InvalidInput(_("{name}: cần một mảng JSON gồm các đối tượng (các dòng), nhưng ở cấp ngoài cùng lại là "
                             "thứ khác", name=source.path.name))
    limits.check_columns(_("{name}: các khoá của dòng", name=source.path.name), len(field_names))
    columns = "{" + ", ".join(f"{sql_string(n)}: 'JSON'" for n in field_names) + "}"
    relation = (f"read_json({sql_string(str(source.path))}, format='array', columns={columns}, "
                f"maximum_object_size={limits.line_limit()})")
    cols = []
    for i, name in enumerate(field_names):
        col = quote_ident(name)
        jtype = f"json_type({col})"
        text = (f"CASE WHEN {col} IS NULL OR {jtype} = 'NULL' THEN NULL "
                f"WHEN {jtype} = 'VARCHAR' THEN nfc_normalize({col} ->> '$') "
                f"WHEN {jtype} = 'BOOLEAN' THEN CASE WHEN {col}::BOOLEAN THEN 'True' ELSE 'False' END "
                f"ELSE {col}::VARCHAR END AS c{i + 1}")
        kind = (f"CASE {jtype} WHEN 'BIGINT' THEN {KIND_INT} WHEN 'UBIGINT' THEN {KIND_INT} "
                f"WHEN 'DOUBLE' THEN {KIND_DECIMAL} WHEN 'BOOLEAN' THEN {KIND_BOOL} WHEN 'ARRAY' THEN {KIND_LIST} "
                f"WHEN 'OBJECT' THEN {KIND_DICT} ELSE NULL END::UTINYINT AS k{i + 1}")
        cols += [text, kind]
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(cols)} FROM {relation}")
    except duckdb.Error as exc:
        if "maximum recursion depth" in str(exc):  # DuckDB's own bound (128), above ours
            limits.check_depth(source.path.name, DUCKDB_JSON_DEPTH + 1, at_least=True)
        raise InvalidInput(_("{name} không phải một mảng JSON gồm các đối tượng ({error})", name=source.path.name,
                             error=str(exc).splitlines()[0])) from exc
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    width = len(field_names)
    limits.check_cells(source.path.name, rows, width)
    check_json_depth(con, source, table, width)
    return Staged(table=table, labels=list(field_names), header_rows=[1], width=width, kinds=True, rows=rows,
                  rn="(rowid + 2)", n=str(width), extra="NULL::VARCHAR[]")


def check_json_depth(con: duckdb.DuckDBPyConnection, source: Source, table: str, width: int) -> None:
    """Nesting of the array and object cells (plus 2: the top-level array and the row object). Counting the
    cell's opening brackets in SQL is an upper bound; only cells over it are measured exactly."""
    cell_limit = limits.current().max_json_depth - 2
    nested = [f"c{j}" for j in range(1, width + 1)]
    if not nested:
        return
    openers = " OR ".join(f"(k{j} IN ({KIND_LIST}, {KIND_DICT}) AND length(c{j}) - length(regexp_replace("
                          f"c{j}, '[\\[{{]', '', 'g')) > {cell_limit})" for j in range(1, width + 1))
    suspects = con.execute(f"SELECT {', '.join(nested)} FROM {table} WHERE {openers} LIMIT 1000").fetchall()
    deepest = max((json_depth(cell) for row in suspects for cell in row if cell), default=0)
    limits.check_depth(source.path.name, deepest + 2)


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped), without recursion."""
    depth = deepest = 0
    for bracket in re.sub(r"[^\[\]{}]", "", re.sub(r'"(?:[^"\\]|\\.)*"', "", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _json_head(source: Source) -> str:
    with open(source.path, encoding=source.encoding or "utf-8", errors="replace") as handle:
        while chunk := handle.read(4096):
            stripped = chunk.lstrip()
            if stripped:
                return stripped[0]
    return ""
