"""Scheduled runs: which pipelines of a folder are due, and running them one after the other (``run --due``).

Why apart from the runner: this is the timer's view (a folder, the history of past runs, the schedules), called
every few minutes by cron or systemd; it decides *which* pipelines run and leaves *how* to ``runner``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from catalog import runs
from catalog.i18n import _
from catalog.metadata import Catalog
from pipelines.etl import schedule as schedules
from pipelines.etl.definition import PipelineError, find_pipelines, load_pipeline, pipeline_name_of
from pipelines.etl.results import RunResult
from pipelines.etl.runner import run_pipeline


def due_pipelines(catalog: Catalog, folder: str | Path, now: dt.datetime | None = None) -> list[tuple[Path, str]]:
    """(file, why) for each pipeline in ``folder`` whose schedule is due; files without a schedule never are.

    A file that does not load is listed too (its schedule cannot be read), with the problem as the reason.
    """
    due = []
    for path in find_pipelines(folder):
        try:
            pipeline = load_pipeline(path)
        except PipelineError as error:
            due.append((path, _broken(error)))
            continue
        if not pipeline.schedule:
            continue
        last = runs.last_run(catalog, pipeline.name)
        if schedules.is_due(pipeline.schedule, last["started_at"] if last else None, now):
            if last:
                due.append((path, _("lịch chạy {schedule}", schedule=repr(pipeline.schedule))))
            else:
                due.append((path, _("lịch chạy {schedule}, chưa chạy lần nào", schedule=repr(pipeline.schedule))))
    return due


def _broken(error: object) -> str:
    return _("bị hỏng: {error}", error=error)


def run_due(catalog: Catalog, folder: str | Path, *, actor: str = "cli",
            log: Callable[[str], None] | None = None) -> list[RunResult]:
    """Run every due pipeline of ``folder``, one after the other.

    A broken file fails every time it is looked at; it is recorded once (again only when its problem changes),
    so a timer calling this every few minutes does not bury the history under copies of one failure.
    """
    results = []
    broken = _broken("")  # the reason of a file that does not load starts with this, then the problem
    for path, why in due_pipelines(catalog, folder):
        if log:
            log(f"{path.name}: " + (why if why.startswith(broken) else _("đến hạn ({why})", why=why)))
        if why.startswith(broken):
            last = runs.last_run(catalog, pipeline_name_of(path))
            if last and last["status"] == "failed" and last["error"] == why[len(broken):]:
                results.append(RunResult(pipeline_name_of(path), "failed", error=last["error"]))
                continue
        results.append(run_pipeline(catalog, path, trigger="due", actor=actor, log=log))
    return results
