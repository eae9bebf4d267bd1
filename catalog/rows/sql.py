"""SQL for a view of a version's rows: the WHERE of typed filters, the ORDER BY of a sort, the chosen columns.

Why one builder: pages, counts, value counts and exports all select rows the same way, so a filter or a sort
means the same thing in the explorer, the API and a download. User input only ever reaches SQL as bound
parameters; column names are checked against the Table Schema and quoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.rows.engine import source
from catalog.rows.filters import OPS, TEXT_TYPES, Filter, is_folded, schema_fields, unknown_column
from catalog.sqltext import fold_sql, quote_ident
from catalog.text import nfc

COMPARISONS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
# Types that have no meaningful order (sorting on them is refused).
UNSORTABLE = frozenset({"object", "array", "geojson", "geopoint"})


def parse_sort(sort: str | Sequence[str] | None, schema: dict) -> list[tuple[str, bool]]:
    """``"col"``, ``"-col"`` or ``"a,-b"`` as [(column, descending)]."""
    if not sort:
        return []
    parts = sort.split(",") if isinstance(sort, str) else list(sort)
    fields = schema_fields(schema)
    keys: list[tuple[str, bool]] = []
    for part in parts:
        name = nfc(part.strip())
        if not name:
            continue
        desc = name.startswith("-")
        name = name.lstrip("-+").strip()
        if name not in fields:
            raise unknown_column(name, fields, _("tham số sort"))
        if fields[name].get("type") in UNSORTABLE:
            raise InvalidInput(_("không sắp xếp được theo cột {name!r} kiểu {kind}", name=name,
                                 kind=fields[name].get("type")), hint=_("chọn một cột khác để sắp xếp"))
        if name not in (k for k, _desc in keys):
            keys.append((name, desc))
    return keys


def sort_text(keys: list[tuple[str, bool]]) -> str:
    return ",".join(("-" if desc else "") + name for name, desc in keys)


def parse_fields(fields: str | Sequence[str] | None, schema: dict) -> list[str]:
    """The columns to return (all of them when empty), checked against the schema."""
    known = schema_fields(schema)
    if not fields:
        return list(known)
    names = fields.split(",") if isinstance(fields, str) else list(fields)
    chosen: list[str] = []
    for name in (nfc(n.strip()) for n in names):
        if not name:
            continue
        if name not in known:
            raise unknown_column(name, known, _("tham số fields"))
        if name not in chosen:
            chosen.append(name)
    return chosen or list(known)


def _condition(f: Filter, field: dict) -> tuple[str, list]:
    col = quote_ident(f.column)
    is_text = field.get("type", "string") in TEXT_TYPES
    # folded: both sides without accents and case (the value was folded when the filter was built)
    target = fold_sql(col) if is_folded(f.op, field, f.exact) else col
    if f.op in COMPARISONS:
        return f"{target} {COMPARISONS[f.op]} ?", [f.value]
    if f.op == "in":
        values = list(f.value)
        return f"{target} IN ({', '.join('?' * len(values))})", values
    if f.op in ("contains", "starts"):
        text = target if target != col else f"CAST({col} AS VARCHAR)"
        return f"{'contains' if f.op == 'contains' else 'starts_with'}({text}, ?)", [str(f.value)]
    if f.op == "blank":
        return (f"({col} IS NULL OR CAST({col} AS VARCHAR) = '')" if is_text else f"{col} IS NULL"), []
    if f.op == "notblank":
        return (f"({col} IS NOT NULL AND CAST({col} AS VARCHAR) <> '')" if is_text else f"{col} IS NOT NULL"), []
    raise InvalidInput(_("không có phép lọc {op!r}", op=f.op), hint=_("dùng một trong: {ops}", ops=", ".join(OPS)))


def where_sql(filters: Sequence[Filter], schema: dict) -> tuple[str, list]:
    """``filters`` as one SQL condition with its bound parameters ("TRUE" when there are none)."""
    fields = schema_fields(schema)
    parts: list[str] = []
    params: list = []
    for f in filters:
        if f.column not in fields:
            raise unknown_column(f.column, fields, _("một bộ lọc"))
        sql, values = _condition(f, fields[f.column])
        parts.append(sql)
        params.extend(values)
    return (" AND ".join(parts) or "TRUE"), params


def text_columns(schema: dict) -> frozenset[str]:
    """The text columns: a sort on them follows Vietnamese order (ICU ``vi``: "Ba Đình" before "Ba Vì")."""
    return frozenset(n for n, f in schema_fields(schema).items() if f.get("type", "string") in TEXT_TYPES)


def sort_term(name: str, text: frozenset[str] | set[str]) -> str:
    """A sort key's column as SQL: collated in Vietnamese order when it is a text column."""
    return quote_ident(name) + (" COLLATE vi" if name in text else "")


def order_sql(keys: list[tuple[str, bool]], tiebreak: bool = True, text: frozenset[str] = frozenset()) -> str:
    """ORDER BY terms for ``keys``; ``text`` names the columns ordered as Vietnamese text; ties keep file order."""
    terms = [f"{sort_term(name, text)} {'DESC' if desc else 'ASC'} NULLS LAST" for name, desc in keys]
    if tiebreak:
        terms += ["file_index", "file_row_number"]
    return ", ".join(terms)


def select_sql(files: Sequence[Path | str], schema: dict, *, filters: Sequence[Filter] = (),
               sort: str | Sequence[str] | None = None, fields: str | Sequence[str] | None = None,
               projection: Mapping[str, str] | None = None) -> tuple[str, list, list[str]]:
    """The full (unpaged) query for an export: SQL, parameters and column names, in a stable order.

    ``projection`` maps a column name to the SQL expression written in its place (``{col}`` stands for the
    quoted column), e.g. ISO 8601 text for timestamps in CSV.
    """
    keys = parse_sort(sort, schema)
    names = parse_fields(fields, schema)
    src, src_params = source(files)
    where, params = where_sql(filters, schema)
    projection = projection or {}
    select = ", ".join((projection[n].format(col=quote_ident(n)) + f" AS {quote_ident(n)}") if n in projection
                       else quote_ident(n) for n in names)
    # Without a sort, DuckDB's preserved insertion order is file order (an ORDER BY would cost a full sort).
    order = f" ORDER BY {order_sql(keys, text=text_columns(schema))}" if keys else ""
    return f"SELECT {select} FROM {src} WHERE {where}{order}", src_params + params, names
