"""``cast``: turn text into typed values, with Vietnamese number and date formats.

Vietnamese reports write ``1.234,5`` (dot groups thousands, comma marks decimals) and ``05/09/2024`` (day
first). ``locale: vi`` sets both for every column; a column may override ``decimal``, ``group`` and ``format``.
Unlike frictionless (which strips the group character anywhere, so ``7.5`` silently becomes 75), a grouped
number must have its groups in thousands positions, else the cell is an error: a wrong figure must never be
published as a plausible one. A value that cannot be read fails the step with the column, the count and a few
examples, unless ``on_error: "null"`` asks for such cells to be emptied (the count is still reported).

    - cast:
        locale: vi
        columns:
          so_luot: integer
          doanh_thu: number
          ngay_lap: date
          gio_do: {type: datetime, format: "%d/%m/%Y %H:%M"}
"""

from __future__ import annotations

import re

from catalog.i18n import N_, _, format_number
from pipelines.etl.options import Opt, Problem
from pipelines.etl.steps.base import StepError, StepInput, ident, literal, select_list

TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
         "datetime": "TIMESTAMP", "time": "TIME", "year": "INTEGER"}
COLUMN_KEYS = ("type", "decimal", "group", "format", "true_values", "false_values")
LOCALES = {
    "iso": {"decimal": ".", "group": "", "date": [], "datetime": []},
    "vi": {"decimal": ",", "group": ".", "date": ["%d/%m/%Y", "%Y-%m-%d"],
           "datetime": ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]},
}
TRUE_VALUES = ["true", "1", "có", "x", "yes", "đúng"]
FALSE_VALUES = ["false", "0", "không", "no", "sai"]

OPTIONS = {
    "columns": Opt("map", required=True, doc=N_("cột → kiểu, hoặc cột → {type, decimal, group, format}")),
    "locale": Opt("str", default="iso", choices=tuple(LOCALES), doc="iso (1234.5, 2024-09-05) or vi (1.234,5, 05/09/2024)"),
    "on_error": Opt("str", default="fail", choices=("fail", "null"), doc="what an unreadable value does"),
    "missing_values": Opt("any", default=[""], doc="texts that mean 'no value', e.g. ['', '-']"),
}


def check(options: dict) -> list[Problem]:
    problems: list[Problem] = []
    for column, spec in options["columns"].items():
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, dict):
            problems.append((("columns", column), _("cột {column}: hãy ghi tên một kiểu hoặc một ánh xạ có 'type'",
                                                    column=repr(column))))
            continue
        for key in spec:
            if key not in COLUMN_KEYS:
                problems.append((("columns", column, key), _("cột {column}: khoá {key} không xác định (đã biết: "
                                                             "{known})", column=repr(column), key=repr(key),
                                                             known=", ".join(COLUMN_KEYS))))
        if spec.get("type") not in TYPES:
            problems.append((("columns", column), _("cột {column}: kiểu phải là một trong {types}, không phải "
                                                    "{found}", column=repr(column), types=", ".join(TYPES),
                                                    found=repr(spec.get("type")))))
        for key in ("decimal", "group"):
            if key in spec and (not isinstance(spec[key], str) or len(spec[key]) > 1):
                problems.append((("columns", column, key), _("cột {column}: {key} phải là đúng một ký tự",
                                                             column=repr(column), key=key)))
    missing = options.get("missing_values", [""])
    if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
        problems.append((("missing_values",), _("missing_values phải là một danh sách văn bản, ví dụ {example}",
                                                example="['', '-']")))
    return problems


def column_spec(spec: str | dict, locale: str) -> dict:
    spec = {"type": spec} if isinstance(spec, str) else dict(spec)
    defaults = LOCALES[locale]
    spec.setdefault("decimal", defaults["decimal"])
    spec.setdefault("group", defaults["group"])
    if "format" not in spec:
        spec["format"] = defaults.get(spec["type"], [])
    elif isinstance(spec["format"], str):
        spec["format"] = [spec["format"]]
    return spec


def number_pattern(decimal: str, group: str, *, integer: bool) -> str:
    d, g = re.escape(decimal), re.escape(group)
    whole = rf"(\d{{1,3}}({g}\d{{3}})+|\d+)" if group else r"\d+"
    return rf"[+-]?{whole}" + ("" if integer else rf"({d}\d+)?([eE][+-]?\d+)?")


def parse_sql(value: str, spec: dict, source_type: str) -> str:
    """The SQL that reads ``value`` (a text column) as ``spec['type']``; NULL when it cannot."""
    kind = spec["type"]
    target = TYPES[kind]
    if source_type.upper() != "VARCHAR":
        if kind == "integer" and source_type.upper() in ("DOUBLE", "FLOAT", "DECIMAL"):
            return f"CASE WHEN {value} = round({value}) THEN TRY_CAST({value} AS BIGINT) END"
        return f"TRY_CAST({value} AS {target})"
    text = f"trim({value})"
    if kind in ("integer", "number", "year"):
        # Spaces inside numbers ("1 234", no-break spaces from Excel) go; plain replace() is cheap, regexes are not.
        compact = f"replace(replace(replace({value}, ' ', ''), chr(160), ''), chr(8239), '')"
        if kind == "number" and not spec["group"] and spec["decimal"] == ".":
            # Plain numbers: DuckDB's own parser is the fast path; spaces are removed only when it fails.
            number = f"coalesce(TRY_CAST({value} AS DOUBLE), TRY_CAST({compact} AS DOUBLE))"
            return f"CASE WHEN isfinite({number}) THEN {number} END"
        pattern = number_pattern(spec["decimal"], spec["group"], integer=kind != "number")
        plain = compact
        if spec["group"]:
            plain = f"replace({plain}, {literal(spec['group'])}, '')"
        if spec["decimal"] != ".":
            plain = f"replace({plain}, {literal(spec['decimal'])}, '.')"
        return (f"CASE WHEN regexp_full_match({compact}, {literal(pattern)}) "
                f"THEN TRY_CAST({plain} AS {target}) END")
    if kind == "boolean":
        trues = spec.get("true_values") or TRUE_VALUES
        falses = spec.get("false_values") or FALSE_VALUES
        low = f"lower({text})"
        return (f"CASE WHEN {low} IN ({', '.join(literal(str(v).lower()) for v in trues)}) THEN TRUE "
                f"WHEN {low} IN ({', '.join(literal(str(v).lower()) for v in falses)}) THEN FALSE END")
    if kind in ("date", "datetime") and spec["format"]:
        formats = "[" + ", ".join(literal(f) for f in spec["format"]) + "]"
        return f"try_strptime({text}, {formats})::{target}"
    if kind == "time" and spec["format"]:
        formats = "[" + ", ".join(literal(f) for f in spec["format"]) + "]"
        return f"try_strptime({text}, {formats})::TIME"
    if kind == "string":
        return text
    return f"TRY_CAST({text} AS {target})"


def missing_sql(value: str, missing: list[str]) -> str:
    tokens = ", ".join(literal(m.strip()) for m in missing) or "''"
    return f"({value} IS NULL OR trim({value}::VARCHAR) IN ({tokens}))"


MATERIALIZE = True  # parsing is the costly part: do it once, then check the result


def build(options: dict, inp: StepInput) -> str:
    columns: dict = options["columns"]
    inp.require(list(columns), "columns")
    locale = options.get("locale", "iso")
    missing = options.get("missing_values", [""])
    exprs = {}
    for name, raw_spec in columns.items():
        col = ident(name)
        parsed = parse_sql(col, column_spec(raw_spec, locale), inp.columns[name])
        exprs[name] = f"CASE WHEN {missing_sql(col, missing)} THEN NULL ELSE {parsed} END"
    return f"SELECT {select_list(inp.columns, exprs)} FROM {inp.table}"


def verify(options: dict, inp: StepInput, out: str) -> None:
    """A value that was there and came out empty could not be read: count per column, examples on failure."""
    columns: dict = options["columns"]
    missing = options.get("missing_values", [""])
    present = inp.con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE NOT {missing_sql(ident(c), missing)})"
                                                    for c in columns) + f" FROM {inp.table}").fetchone()
    typed = inp.con.execute("SELECT " + ", ".join(f"count({ident(c)})" for c in columns) + f" FROM {out}").fetchone()
    failing = {c: p - t for c, p, t in zip(columns, present, typed, strict=True) if p - t}
    if not failing:
        return
    locale = options.get("locale", "iso")
    failures = []
    for name, count in failing.items():
        spec = column_spec(columns[name], locale)
        col = ident(name)
        parsed = parse_sql(col, spec, inp.columns[name])
        examples = inp.con.execute(f"SELECT DISTINCT {col}::VARCHAR FROM {inp.table} WHERE NOT "
                                   f"{missing_sql(col, missing)} AND ({parsed}) IS NULL LIMIT 3").fetchall()
        shown = ", ".join(repr(e[:30]) for (e,) in examples)
        failures.append(_("cột {column}: {count} giá trị không phải {kind} (ví dụ {examples})", column=repr(name),
                          count=format_number(count), kind=describe(spec), examples=shown))
    if options.get("on_error", "fail") == "fail":
        raise StepError("; ".join(failures),
                        hint=_("hãy sửa nguồn, đặt decimal/group/format cho cột, thêm giá trị giữ chỗ vào "
                               "missing_values, hoặc đặt on_error: \"null\" để làm trống các ô đó"))
    inp.notes.extend(_("đã làm trống: {failure}", failure=f) for f in failures)


def describe(spec: dict) -> str:
    kind = spec["type"]
    if kind in ("integer", "number", "year"):
        sample = "1.234" if spec["group"] == "." else ("1,234" if spec["group"] == "," else "1234")
        if kind == "number":
            sample += spec["decimal"] + "5"
        return _("một giá trị kiểu {kind} viết như {sample}", kind=kind, sample=sample)
    if spec.get("format"):
        return _("một giá trị kiểu {kind} theo định dạng {formats}", kind=kind,
                 formats=_(" hoặc ").join(spec["format"]))
    return _("một giá trị kiểu {kind}", kind=kind)
