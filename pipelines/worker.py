"""The worker: runs the background jobs queued in the metadata database (``catalog/jobs.py``).

Why one worker for every kind of job: webhook deliveries, scheduled ETL runs and whatever comes next all need
the same things (claim a job so no other worker runs it, retry with backoff, survive a crash), and an operator
wants one service to keep running, not one per feature. ``opendata worker`` loops; ``opendata worker --once``
runs what is due now and exits (cron, tests). Several workers may run at once: each job is claimed with a lease,
so it runs once; a worker killed mid-job leaves the job to the next worker when the lease runs out.

Job kinds (``HANDLERS``): ``webhook.deliver`` (``pipelines/webhooks.py``) and ``etl.due`` (the pipelines of the
pipelines folder whose schedule is due, ``pipelines/etl/due.py``), which every worker queues at most once a
minute under a unique key, so it is queued once however many workers run.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from catalog import jobs, webhooks
from catalog.errors import UserError
from catalog.i18n import _
from catalog.jobs import Job
from catalog.metadata import Catalog
from pipelines import webhooks as sending

LEASE_ENV = "OPENDATA_WORKER_LEASE"
DEFAULT_LEASE = 120.0  # seconds: well past a delivery's 10 s timeout and a typical pipeline run
ETL_KIND = "etl.due"
Log = Callable[[str], None]


@dataclass
class WorkerConfig:
    name: str = ""
    lease: float = 0.0  # 0: from OPENDATA_WORKER_LEASE, else DEFAULT_LEASE
    poll: float = 0.5  # seconds between looks at the queue when it is empty
    pipelines: Path | None = None  # the pipelines folder for etl.due (None: no ETL)
    etl_every: float = 60.0

    def __post_init__(self) -> None:
        self.name = self.name or f"{socket.gethostname()}:{os.getpid()}"
        if not self.lease:
            try:
                self.lease = float(os.environ.get(LEASE_ENV) or DEFAULT_LEASE)
            except ValueError:
                self.lease = DEFAULT_LEASE


def _deliver(catalog: Catalog, job: Job, config: WorkerConfig, log: Log) -> None:
    sending.deliver(catalog, job.payload["delivery"], attempt=job.attempts, last=job.attempts >= job.max_attempts)


def _etl_due(catalog: Catalog, job: Job, config: WorkerConfig, log: Log) -> None:
    from pipelines.etl.due import run_due

    folder = Path(job.payload.get("folder") or "")
    if folder.is_dir():
        for result in run_due(catalog, folder, actor="worker", log=log):
            log(f"pipeline {result.pipeline}: {result.status}")


HANDLERS: dict[str, Callable[[Catalog, Job, WorkerConfig, Log], None]] = {
    webhooks.JOB_KIND: _deliver,
    ETL_KIND: _etl_due,
}


def run_job(catalog: Catalog, job: Job, config: WorkerConfig, log: Log) -> str:
    """Run a claimed job and close it: "done", "retry" (queued again after a backoff) or "failed"."""
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise UserError(_("không có bộ xử lý cho loại công việc {kind}", kind=repr(job.kind)),
                            hint=_("tiến trình worker này có cũ hơn hàng đợi không?"))
        handler(catalog, job, config, log)
    except Exception as error:  # a job's failure is recorded on the job, never the end of the worker
        text = str(error) if isinstance(error, UserError | sending.AttemptFailed) else traceback.format_exc(limit=5)
        retried = jobs.retry_or_fail(catalog, job, text, sending.backoff(job.attempts))
        log(f"job {job.id} ({job.kind}) attempt {job.attempts}/{job.max_attempts} failed: {text.splitlines()[-1]}"
            + ("; will retry" if retried else "; gave up"))
        return "retry" if retried else "failed"
    jobs.finish(catalog, job)
    return "done"


class Worker:
    """One worker process's loop state (when it last queued the ETL check)."""

    def __init__(self, catalog: Catalog, config: WorkerConfig | None = None, log: Log | None = None) -> None:
        self.catalog = catalog
        self.config = config or WorkerConfig()
        self.log = log or (lambda line: None)
        self._next_etl = 0.0

    def _queue_periodic(self) -> None:
        folder = self.config.pipelines
        if folder is None or time.monotonic() < self._next_etl:
            return
        jobs.enqueue_job(self.catalog, ETL_KIND, {"folder": str(folder)}, unique_key=ETL_KIND)
        self._next_etl = time.monotonic() + self.config.etl_every

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Run every job that is due now, one after the other (until ``stop`` is set); returns how many ran."""
        self._queue_periodic()
        count = 0
        while not (stop and stop.is_set()) and (job := jobs.claim(self.catalog, self.config.name, lease_seconds=self.config.lease)) is not None:
            outcome = run_job(self.catalog, job, self.config, self.log)
            self.log(f"job {job.id} ({job.kind}): {outcome}")
            count += 1
        return count

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Loop until ``stop`` is set (SIGTERM in ``opendata worker``), finishing the job in hand first."""
        stop = stop or threading.Event()
        while not stop.is_set():
            if self.run_once(stop) == 0:
                stop.wait(self.config.poll)
