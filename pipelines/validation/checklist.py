"""The checklist and the policy: which frictionless checks run, which errors are picked or skipped.

Why refuse unknown checks: a check we do not run, silently ignored, would publish a file the publisher
believed checked (VALIDATION.md, "Checks we run").
"""

from __future__ import annotations

import os

from catalog.errors import InvalidInput, InvalidSchema

# "frictionless": report what frictionless 5.21 reports (the default); "intended": also apply the corpus's
# intended answers where they differ (a blank row is one error, not blank-row + primary-key + duplicate-row).
POLICIES = ("frictionless", "intended")


def choose_policy(chosen: str | None) -> str:
    """The validation policy: the argument, else OPENDATA_VALIDATION_POLICY, else frictionless."""
    chosen = chosen or os.environ.get("OPENDATA_VALIDATION_POLICY") or "frictionless"
    if chosen not in POLICIES:
        raise InvalidInput(f"unknown validation policy {chosen!r}", hint=f"one of {', '.join(POLICIES)}")
    return chosen


def parse_checklist(checklist: dict | None) -> dict:
    checklist = checklist or {}
    if not isinstance(checklist, dict):
        raise InvalidSchema("checklist: must be a JSON object")
    out = {"duplicate_row": False, "pick": checklist.get("pickErrors") or [],
           "skip": checklist.get("skipErrors") or []}
    for i, check in enumerate(checklist.get("checks") or []):
        kind = check.get("type") if isinstance(check, dict) else None
        if kind == "duplicate-row":
            out["duplicate_row"] = True
        elif kind != "baseline":
            raise InvalidSchema(f"checklist.checks[{i}]: {kind!r} is not a check we run",
                                hint="supported: duplicate-row (the baseline checks always run)")
    return out


def filter_errors(checks: dict, errors: list[dict]) -> list[dict]:
    """Keep the picked errors (by type or tag), then drop the skipped ones."""
    pick, skip = checks["pick"], checks["skip"]
    if pick:
        errors = [e for e in errors if e["type"] in pick or set(e["tags"]) & set(pick)]
    if skip:
        errors = [e for e in errors if e["type"] not in skip and not set(e["tags"]) & set(skip)]
    return errors
