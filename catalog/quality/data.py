"""Data-level quality: what the metadata scores cannot see.

Why: data.gouv.fr and the MQA score the description of a dataset, never its rows. The catalogue knows more:
the validation summary of the latest version (rows read, errors found), the cells blanked by the ETL's
small-cell suppression (``extras.suppression``, written by the ``aggregate`` step), and how long ago the last
version came compared with the period the publisher promised.

- ``valid_rows_share``: (rows − rows with errors) / rows of the latest version. A version is published only when
  valid, so this is 1.0 unless a summary records errors (``error_rows`` when the summary has it, else one row
  per error, which can only understate the share);
- ``constraint_errors``: the summary's constraint errors (``error_types``) when recorded, else all its errors;
- ``suppressed``: groups blanked and cells blanked (groups × measures), with k;
- ``freshness``: days since the last version, the frequency's period in days, their ratio, and a status:
  ``fresh`` (not yet due), ``stale`` (past due), ``unscheduled`` (no period), ``unknown`` (no frequency),
  ``empty`` (no version).
"""

from __future__ import annotations

from catalog.quality import schedule
from catalog.quality.facts import Facts, parse_time

CONSTRAINT_ERRORS = ("constraint-error", "unique-error", "primary-key", "foreign-key", "row-constraint")
DAY = 86400.0


def validity(summary: dict, rows: int) -> tuple[float | None, int]:
    errors = int(summary.get("errors") or 0)
    types = summary.get("error_types")
    constraint = sum(int(types.get(t) or 0) for t in CONSTRAINT_ERRORS) if isinstance(types, dict) else errors
    bad = int(summary.get("error_rows", errors) or 0)
    share = round(max(rows - bad, 0) / rows, 4) if rows else None
    return share, constraint


def suppressed(dataset: dict) -> dict | None:
    info = (dataset.get("extras") or {}).get("suppression")
    if not isinstance(info, dict):
        return None
    groups = int(info.get("suppressed_cells") or 0)  # the aggregate step counts blanked groups under this key
    measures = len(info.get("measures") or []) or 1
    return {"groups": groups, "cells": groups * measures, "of_groups": info.get("groups"), "k": info.get("k")}


def freshness(facts: Facts) -> dict:
    frequency = schedule.normalize(facts.dataset.get("frequency"))
    last = parse_time((facts.latest or {}).get("published_at"))
    if last is None:
        return {"status": "empty", "days_since": None, "period_days": None, "ratio": None, "due": None}
    days = round((facts.now - last).total_seconds() / DAY, 2)
    due = schedule.next_due(last, frequency)
    if due is None:
        status = "unscheduled" if frequency in schedule.UNSCHEDULED else "unknown"
        return {"status": status, "days_since": days, "period_days": None, "ratio": None, "due": None}
    period = (due - last).total_seconds() / DAY
    return {"status": "fresh" if facts.now <= due else "stale", "days_since": days,
            "period_days": round(period, 4), "ratio": round(days / period, 3), "due": due.isoformat()}


def assess(facts: Facts) -> dict:
    latest = facts.latest or {}
    summary = latest.get("validation") or {}
    share, constraint = validity(summary, int(latest.get("rows") or 0))
    return {"version": latest.get("number"), "rows": latest.get("rows"), "valid_rows_share": share,
            "errors": int(summary.get("errors") or 0) if latest else None,
            "constraint_errors": constraint if latest else None,
            "suppressed": suppressed(facts.dataset), "freshness": freshness(facts)}
