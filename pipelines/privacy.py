"""The privacy gate: personal data must not be published (Personal Data Protection Law 91/2025, Law on Data 2024).

Two checks run before every publish:
- the schema: a field marked ``"personal": true`` may exist in a department's internal schema, never in a
  published one (no override: drop or aggregate the field);
- the data: every string column is scanned, vectorised in DuckDB, for citizen ID numbers (12-digit CCCD, 9-digit
  old CMND), Vietnamese mobile numbers and e-mail addresses. A hit refuses the publish unless the publisher gives
  an explicit override with a written reason, which goes to the audit log.
- integer and number columns too: a spreadsheet or a type guess turns ``001090012345`` into the number
  1090012345, which no text pattern sees. A number column is judged as a whole (one number alone is more likely
  a quantity than an identifier): when nearly all its values, with the leading zeros restored to the kind's
  width, have the shape of one kind of identifier, and few are round, the column is refused like a text column.
Findings name the column, the kind and the number of values, never the values themselves: a refusal message
ends up in terminals, run histories and logs, which must not become a copy of the personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from catalog.errors import UserError
from catalog.i18n import N_, _, format_number

# RE2 has no look-around, so "not part of a longer number" is spelled as a non-digit or the string's edge.
# Each kind: its name for people (translated where it is shown) and its pattern.
PATTERNS: dict[str, tuple[str, str]] = {
    "cccd": (N_("số căn cước công dân 12 chữ số (CCCD)"), r"(?:^|\D)\d{12}(?:\D|$)"),
    "old_id": (N_("số chứng minh nhân dân 9 chữ số (CMND)"), r"(?:^|\D)\d{9}(?:\D|$)"),
    # 0 or +84, then 3/5/7/8/9, then 8 digits; the usual 4-3-3 grouping with a space, dot or hyphen is allowed.
    "phone": (N_("số điện thoại di động Việt Nam"),
              r"(?:^|[^\d+])(?:0|\+84 ?)[35789]\d{2}[ .-]?\d{3}[ .-]?\d{3}(?:\D|$)"),
    "email": (N_("địa chỉ e-mail"), r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
}
ANY_PATTERN = "|".join(f"(?:{regex})" for _label, regex in PATTERNS.values())
STRING_TYPES = ("VARCHAR", "JSON")
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "UHUGEINT", "DECIMAL", "DOUBLE", "FLOAT", "REAL")
# Identifiers stored as numbers: (width, fewest digits left once leading zeros are dropped, shape of the digits
# left-padded with zeros to the width). A CCCD starts with its province code (001-096) and a century/sex digit
# (0-3), so a zero-stripped CCCD keeps at least 10 digits; a mobile number is 0 + 3/5/7/8/9 + 8 digits.
NUMERIC_KINDS: dict[str, tuple[int, int, str]] = {
    "cccd": (12, 10, r"(?:00[1-9]|0[1-8]\d|09[0-6])[0-3]\d{8}"),
    "phone": (10, 9, r"0[35789]\d{8}"),
    "old_id": (9, 8, r"\d{9}"),
}
MIN_ID_VALUES = 5       # a number column is judged on at least this many values
ID_SHARE = 0.9          # ... of which at least this share fits one kind
MAX_ROUND_SHARE = 0.1   # ... and at most this share is a multiple of 1000 (amounts are round, identifiers not)
MIN_REASON = 10


@dataclass(frozen=True)
class Finding:
    """One reason to refuse: a personal field in the schema, or values of one kind in one column."""

    column: str
    kind: str  # "personal_field" or a key of PATTERNS
    count: int = 1
    numeric: bool = False  # found in a number column (identifiers whose leading zeros were dropped)

    @property
    def overridable(self) -> bool:
        return self.kind != "personal_field"

    def __str__(self) -> str:
        if self.kind == "personal_field":
            return _("trường {column} được đánh dấu là dữ liệu cá nhân (personal) trong lược đồ",
                     column=repr(self.column))
        kind, count = _(PATTERNS[self.kind][0]), format_number(self.count)
        if self.numeric:
            return _("cột {column}: {count} giá trị trông giống {kind}, lưu dưới dạng số (đã mất các số 0 ở đầu)",
                     column=repr(self.column), count=count, kind=kind)
        return _("cột {column}: {count} giá trị trông giống {kind}", column=repr(self.column), count=count, kind=kind)

    def to_dict(self) -> dict:
        found = {"column": self.column, "kind": self.kind, "count": self.count}
        return {**found, "numeric": True} if self.numeric else found


class PersonalDataRefused(UserError):
    """The data (or its schema) holds personal data: nothing is published."""

    code = "personal_data"
    status = 422
    exit_code = 1

    def __init__(self, message: str, findings: list[Finding], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.findings = findings

    def to_dict(self) -> dict:
        return {**super().to_dict(), "findings": [f.to_dict() for f in self.findings]}


def check_schema(schema: dict | None) -> list[Finding]:
    """Fields marked ``"personal": true``: a published schema must not contain any."""
    return [Finding(str(f.get("name")), "personal_field") for f in (schema or {}).get("fields", [])
            if f.get("personal") is True]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def scan(con: duckdb.DuckDBPyConnection, relation_sql: str) -> list[Finding]:
    """Scan the string and number columns of ``relation_sql`` (a table name or a SELECT) for personal identifiers."""
    relation = f"({relation_sql})" if relation_sql.lstrip().lower().startswith(("select", "from", "with")) \
        else relation_sql
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    text = [row[0] for row in described if str(row[1]).upper() in STRING_TYPES]
    numbers = [row[0] for row in described if str(row[1]).upper().startswith(NUMERIC_TYPES)]
    return _scan_text(con, relation, text) + _scan_numbers(con, relation, numbers)


def _scan_text(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> list[Finding]:
    """Each value on its own: one pass with a combined pattern per column; only the columns that hit get a
    second pass per kind, so clean data (the normal case) costs one scan."""
    if not columns:
        return []
    pattern = _sql_text(ANY_PATTERN)
    firsts = con.execute("SELECT " + ", ".join(
        f"count(*) FILTER (WHERE regexp_matches({_quote(c)}::VARCHAR, '{pattern}'))" for c in columns)
        + f" FROM {relation}").fetchone()
    hit = [c for c, n in zip(columns, firsts, strict=True) if n]
    if not hit:
        return []
    kinds = list(PATTERNS)
    exprs = [f"count(*) FILTER (WHERE regexp_matches({_quote(c)}::VARCHAR, '{_sql_text(PATTERNS[k][1])}'))"
             for c in hit for k in kinds]
    counts = con.execute(f"SELECT {', '.join(exprs)} FROM {relation}").fetchone()
    findings = []
    for i, column in enumerate(hit):
        for j, kind in enumerate(kinds):
            if counts[i * len(kinds) + j]:
                findings.append(Finding(column, kind, int(counts[i * len(kinds) + j])))
    return findings


def check_files(paths: list[Path], schema: dict | None) -> list[Finding]:
    """Both checks over Parquet files (a version's parts, or a staged file about to be published)."""
    findings = check_schema(schema)
    con = duckdb.connect()
    try:
        files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
        findings += scan(con, f"SELECT * FROM read_parquet([{files}])")
    finally:
        con.close()
    return findings


def check_file(path: Path, schema: dict | None) -> list[Finding]:
    return check_files([path], schema)


def enforce(findings: list[Finding], *, override: str | None = None, what: str | None = None) -> list[Finding]:
    """Raise ``PersonalDataRefused`` unless there is nothing to refuse or a valid override covers it.

    ``what`` names the data for people (translated; default "dữ liệu"). Returns the findings the override let
    through (for the audit log). Personal fields cannot be overridden.
    """
    if not findings:
        return []
    what = what or _("Dữ liệu")
    fields = [f for f in findings if not f.overridable]
    if fields:
        raise PersonalDataRefused(
            _("{what} không thể công bố: {findings}", what=what, findings="; ".join(map(str, fields))), findings,
            hint=_("hãy bỏ trường đó (một bước select/drop) hoặc công bố số liệu tổng hợp của nó; trường dữ liệu cá "
                   "nhân không bao giờ được công bố"))
    reason = (override or "").strip()
    if len(reason) < MIN_REASON:
        raise PersonalDataRefused(
            _("{what} có vẻ chứa dữ liệu cá nhân: {findings}", what=what, findings="; ".join(map(str, findings))),
            findings,
            hint=_("hãy bỏ hoặc tổng hợp các cột này; nếu đó không phải dữ liệu cá nhân, hãy chạy lại với một lệnh "
                   "bỏ qua (override) tường minh kèm lý do bằng văn bản (ít nhất {count} ký tự), lý do này được ghi "
                   "vào nhật ký kiểm tra", count=MIN_REASON))
    return findings


def audit_detail(findings: list[Finding], reason: str) -> dict:
    """What the audit log keeps about an override: the reason and the findings (kinds and counts only)."""
    return {"reason": reason.strip(), "findings": [f.to_dict() for f in findings]}


def _digits(column: str) -> str:
    """The column's value as its digits without leading zeros, or NULL when it is no whole number in 0..10^12."""
    x = f"TRY_CAST({_quote(column)} AS DOUBLE)"
    return f"(CASE WHEN {x} >= 0 AND {x} < 1e12 AND {x} = trunc({x}) THEN CAST(CAST({x} AS BIGINT) AS VARCHAR) END)"


def _numeric_aggregates(column: str) -> list[str]:
    """Per column: values, round values, and the values that fit each kind once zero-padded to its width."""
    digits, value = _digits(column), _quote(column)
    out = [f"count({value})", f"count(*) FILTER (WHERE {digits} IS NOT NULL AND {digits} LIKE '%000')"]
    for width, fewest, shape in NUMERIC_KINDS.values():
        out.append(f"count(*) FILTER (WHERE length({digits}) BETWEEN {fewest} AND {width} "
                   f"AND regexp_full_match(lpad({digits}, {width}, '0'), '{_sql_text(shape)}'))")
    return out


def _candidate_columns(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> list[str]:
    """The number columns where identifiers are possible at all: enough whole numbers with as many digits as the
    shortest kind keeps. One cheap pass without text or regular expressions, so measurements (the normal case)
    cost one scan and never the per-kind pass."""
    fewest = min(kind[1] for kind in NUMERIC_KINDS.values())
    exprs = []
    for column in columns:
        x = f"TRY_CAST({_quote(column)} AS DOUBLE)"
        exprs += [f"count({_quote(column)})",
                  f"count(*) FILTER (WHERE {x} >= 1e{fewest - 1} AND {x} < 1e12 AND {x} = trunc({x}))"]
    counts = con.execute(f"SELECT {', '.join(exprs)} FROM {relation}").fetchone()
    return [c for i, c in enumerate(columns)
            if counts[2 * i] >= MIN_ID_VALUES and counts[2 * i + 1] >= ID_SHARE * counts[2 * i]]


def _scan_numbers(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> list[Finding]:
    """Number columns judged as a whole: identifiers whose leading zeros were dropped (the per-kind pass only
    over the columns that can hold them)."""
    columns = _candidate_columns(con, relation, columns) if columns else []
    if not columns:
        return []
    exprs = [e for column in columns for e in _numeric_aggregates(column)]
    counts = con.execute(f"SELECT {', '.join(exprs)} FROM {relation}").fetchone()
    step = 2 + len(NUMERIC_KINDS)
    findings = []
    for i, column in enumerate(columns):
        values, rounded, *fits = counts[i * step:(i + 1) * step]
        if values < MIN_ID_VALUES or rounded > MAX_ROUND_SHARE * values:
            continue
        kind = next((k for k, n in zip(NUMERIC_KINDS, fits, strict=True) if n >= ID_SHARE * values), None)
        if kind is not None:
            findings.append(Finding(column, kind, int(fits[list(NUMERIC_KINDS).index(kind)]), numeric=True))
    return findings
