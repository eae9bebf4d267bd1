"""Plain-text views of runs for the terminal: each step's row count and a sample, then the outcome."""

from __future__ import annotations

from catalog.i18n import _, format_number
from pipelines.etl.definition import pipeline_named
from pipelines.etl.results import RunResult

CELL = 24


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= CELL else text[:CELL - 1] + "…"


def render_run(result: RunResult, *, samples: bool = True) -> str:
    lines = [pipeline_named(result.pipeline) + (f" → {result.dataset}" if result.dataset else "")]
    if result.steps:
        step, kind, rows = _("bước"), _("loại"), _("số dòng")
        lines.append(f"  {step:<4} {kind:<26} {rows:>11} {'ms':>7}")
    for step in result.steps:
        lines.append(f"  {step.index:<4} {step.type:<26} {format_number(step.rows):>11} {format_number(step.ms):>7}")
        for note in step.notes:
            lines.append("       " + _("ghi chú: {note}", note=note))
        if samples and step.sample:
            lines.append("       " + " | ".join(_cell(c) for c in step.columns))
            for row in step.sample:
                lines.append("       " + " | ".join(_cell(row.get(c)) for c in step.columns))
    for finding in result.findings:
        lines.append("  " + _("quyền riêng tư: {finding}", finding=finding))
    lines.extend(result.messages)
    if result.status == "failed":
        lines.append(_("THẤT BẠI: {error}", error=result.error))
    elif result.status == "published" and result.version:
        v = result.version
        lines.append(_("đã công bố {dataset} phiên bản {number}: {rows} dòng ({parts} phần) trong {seconds} giây",
                       dataset=result.dataset, number=v["number"], rows=format_number(v["rows"]),
                       parts=len(v.get("parts") or [v["path"]]), seconds=format_number(result.duration_ms / 1000, 1)))
    elif result.status == "unchanged":
        lines.append(_("không đổi: không công bố gì ({seconds} giây)",
                       seconds=format_number(result.duration_ms / 1000, 1)))
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
