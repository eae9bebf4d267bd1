"""Plain-text views of runs for the terminal: each step's row count and a sample, then the outcome."""

from __future__ import annotations

from pipelines.etl.results import RunResult

CELL = 24


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= CELL else text[:CELL - 1] + "…"


def render_run(result: RunResult, *, samples: bool = True) -> str:
    lines = [f"pipeline {result.pipeline}" + (f" → {result.dataset}" if result.dataset else "")]
    if result.steps:
        lines.append(f"  {'step':<4} {'type':<26} {'rows':>11} {'ms':>7}")
    for step in result.steps:
        lines.append(f"  {step.index:<4} {step.type:<26} {step.rows:>11,} {step.ms:>7,}")
        for note in step.notes:
            lines.append(f"       note: {note}")
        if samples and step.sample:
            lines.append("       " + " | ".join(_cell(c) for c in step.columns))
            for row in step.sample:
                lines.append("       " + " | ".join(_cell(row.get(c)) for c in step.columns))
    for finding in result.findings:
        lines.append(f"  privacy: {finding}")
    lines.extend(result.messages)
    if result.status == "failed":
        lines.append(f"FAILED: {result.error}")
    elif result.status == "published" and result.version:
        v = result.version
        lines.append(f"published {result.dataset} version {v['number']}: {v['rows']:,} rows "
                     f"({len(v.get('parts') or [v['path']])} part(s)) in {result.duration_ms / 1000:.1f} s")
    elif result.status == "unchanged":
        lines.append(f"unchanged: nothing published ({result.duration_ms / 1000:.1f} s)")
    return "\n".join(lines)


def run_rows(runs: list[dict]) -> list[dict]:
    """History rows shaped for a table: short times, seconds, the error's first 100 characters."""
    shaped = []
    for run in runs:
        shaped.append({
            "id": run["id"], "pipeline": run["pipeline"], "status": run["status"],
            "started": (run["started_at"] or "")[:19].replace("T", " "),
            "seconds": "" if run["duration_ms"] is None else f"{run['duration_ms'] / 1000:.1f}",
            "rows": run["rows"], "version": run["version"], "trigger": run["trigger"],
            "error": (run["error"] or "")[:100] + ("…" if len(run["error"] or "") > 100 else ""),
        })
    return shaped
