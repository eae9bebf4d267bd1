"""What a pipeline run did, and its entry in the run history (``catalog.runs``).

Why a module of its own: the result is read by many (the runner fills it, ``run --due`` collects them, the CLI
prints them through ``render``, the history stores a summary of them), and none of those readers should have to
import the machinery that runs a pipeline to learn the shape of what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog import runs
from catalog.i18n import _
from catalog.metadata import Catalog
from pipelines import privacy


@dataclass
class StepReport:
    index: int
    type: str
    rows: int
    ms: int
    columns: list[str] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"index": self.index, "type": self.type, "rows": self.rows, "ms": self.ms, "columns": self.columns,
                "sample": self.sample, "notes": self.notes}


@dataclass
class RunResult:
    """What a run did. ``status``: published, unchanged, failed or dry-run."""

    pipeline: str
    status: str
    dataset: str = ""
    version: dict | None = None
    rows: int | None = None
    steps: list[StepReport] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    error: str = ""
    report: dict | None = None
    findings: list[privacy.Finding] = field(default_factory=list)
    run_id: int | None = None
    duration_ms: int = 0
    valid: bool | None = None
    # for the history only
    fingerprint: str | None = field(default=None, repr=False)
    inputs: list[dict] | None = field(default=None, repr=False)
    source_columns: list[str] | None = field(default=None, repr=False)
    recorded: bool = field(default=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def to_dict(self) -> dict:
        return {"pipeline": self.pipeline, "status": self.status, "dataset": self.dataset,
                "version": (self.version or {}).get("number"), "rows": self.rows, "run_id": self.run_id,
                "duration_ms": self.duration_ms, "steps": [s.to_dict() for s in self.steps],
                "messages": self.messages, "error": self.error, "valid": self.valid,
                "findings": [f.to_dict() for f in self.findings], "report": self.report}


def run_fields(result: RunResult) -> dict:
    """The columns of the run's history entry, from its result."""
    return {"dataset": result.dataset, "rows": result.rows, "version": (result.version or {}).get("number"),
            "error": result.error, "steps": [{"index": s.index, "type": s.type, "rows": s.rows, "ms": s.ms}
                                             for s in result.steps],
            "fingerprint": result.fingerprint, "inputs": result.inputs, "source_columns": result.source_columns}


def record(catalog: Catalog, result: RunResult) -> None:
    """Close the run's history entry (unless it is a dry run, or the publish transaction closed it already)."""
    if result.run_id is None or result.recorded:
        return
    runs.finish_run(catalog, result.run_id, status=result.status, **run_fields(result))


def record_in(catalog: Catalog, result: RunResult) -> Any:
    """A callback that closes the history entry inside the append transaction, with the version it made."""
    def finish(conn: Any, number: int) -> None:
        runs.finish_run(catalog, result.run_id, status="published", conn=conn, **{**run_fields(result),
                                                                                   "version": number})
    return finish


def report_errors(report: dict | None, limit: int = 5) -> list[str]:
    """A few of a validation report's errors, as short text (type, row, field, note)."""
    errors: list[dict] = list((report or {}).get("errors") or [])
    for task in (report or {}).get("tasks") or []:
        errors += task.get("errors") or []
    lines = []
    for error in errors[:limit]:
        places = []
        if error.get("rowNumber"):
            places.append(_("dòng {row}", row=error["rowNumber"]))
        if error.get("fieldName"):
            places.append(_("trường {field}", field=repr(error["fieldName"])))
        kind = error.get("type", "error")
        if places:
            kind = _("{kind} tại {where}", kind=kind, where=" ".join(places))
        lines.append(f"{kind}: {error.get('note', '')}".strip())
    if len(errors) > limit:
        lines.append(_("… và {count} lỗi khác", count=len(errors) - limit))
    return lines or [_("xem báo cáo kiểm tra")]
