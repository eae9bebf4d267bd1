"""The privacy gate: personal data must not be published (Personal Data Protection Law 91/2025, Law on Data 2024).

Two checks run before every publish:
- the schema: a field marked ``"personal": true`` may exist in a department's internal schema, never in a
  published one (no override: drop or aggregate the field);
- the data: every string column is scanned, vectorised in DuckDB, for citizen ID numbers (12-digit CCCD, 9-digit
  old CMND), Vietnamese mobile numbers and e-mail addresses. A hit refuses the publish unless the publisher gives
  an explicit override with a written reason, which goes to the audit log.
Findings name the column, the kind and the number of values, never the values themselves: a refusal message
ends up in terminals, run histories and logs, which must not become a copy of the personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from catalog.errors import UserError

# RE2 has no look-around, so "not part of a longer number" is spelled as a non-digit or the string's edge.
PATTERNS: dict[str, tuple[str, str]] = {
    "cccd": ("12-digit citizen ID numbers (CCCD)", r"(?:^|\D)\d{12}(?:\D|$)"),
    "old_id": ("9-digit ID card numbers (CMND)", r"(?:^|\D)\d{9}(?:\D|$)"),
    # 0 or +84, then 3/5/7/8/9, then 8 digits; the usual 4-3-3 grouping with a space, dot or hyphen is allowed.
    "phone": ("Vietnamese mobile numbers", r"(?:^|[^\d+])(?:0|\+84 ?)[35789]\d{2}[ .-]?\d{3}[ .-]?\d{3}(?:\D|$)"),
    "email": ("e-mail addresses", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
}
ANY_PATTERN = "|".join(f"(?:{regex})" for _, regex in PATTERNS.values())
STRING_TYPES = ("VARCHAR", "JSON")
MIN_REASON = 10


@dataclass(frozen=True)
class Finding:
    """One reason to refuse: a personal field in the schema, or values of one kind in one column."""

    column: str
    kind: str  # "personal_field" or a key of PATTERNS
    count: int = 1

    @property
    def overridable(self) -> bool:
        return self.kind != "personal_field"

    def __str__(self) -> str:
        if self.kind == "personal_field":
            return f"field {self.column!r} is marked personal in the schema"
        return f"column {self.column!r}: {self.count:,} value(s) look like {PATTERNS[self.kind][0]}"

    def to_dict(self) -> dict:
        return {"column": self.column, "kind": self.kind, "count": self.count}


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
    """Scan the string columns of ``relation_sql`` (a table name or a SELECT) for personal identifiers.

    One pass with a combined pattern per column; only the columns that hit get a second pass per kind, so
    clean data (the normal case) costs one scan.
    """
    relation = f"({relation_sql})" if relation_sql.lstrip().lower().startswith(("select", "from", "with")) \
        else relation_sql
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    columns = [row[0] for row in described if str(row[1]).upper() in STRING_TYPES]
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


def enforce(findings: list[Finding], *, override: str | None = None, what: str = "the data") -> list[Finding]:
    """Raise ``PersonalDataRefused`` unless there is nothing to refuse or a valid override covers it.

    Returns the findings the override let through (for the audit log). Personal fields cannot be overridden.
    """
    if not findings:
        return []
    fields = [f for f in findings if not f.overridable]
    if fields:
        raise PersonalDataRefused(
            f"{what} cannot be published: " + "; ".join(map(str, fields)), findings,
            hint="remove the field (a select/drop step) or publish an aggregate of it; personal fields are "
                 "never published")
    reason = (override or "").strip()
    if len(reason) < MIN_REASON:
        raise PersonalDataRefused(
            f"{what} seems to contain personal data: " + "; ".join(map(str, findings)), findings,
            hint="remove or aggregate these columns; if they are not personal data, re-run with an explicit "
                 f"override and a written reason (at least {MIN_REASON} characters), which is audited")
    return findings


def audit_detail(findings: list[Finding], reason: str) -> dict:
    """What the audit log keeps about an override: the reason and the findings (kinds and counts only)."""
    return {"reason": reason.strip(), "findings": [f.to_dict() for f in findings]}
