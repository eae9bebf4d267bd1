"""``opendata worker``: the process that runs background jobs (webhook deliveries, due ETL pipelines).

Why a command of its own: deliveries and scheduled runs must happen whether or not anyone is browsing, so they
run outside the web server, as a service (systemd, see README) or from cron with ``--once``. The loop itself is
``pipelines/worker.py``; this module only reads options and stops cleanly on SIGTERM/Ctrl+C.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from catalog.metadata import Catalog
from cli.common import emit_json, json_option, pass_catalog, print_table, stderr_log


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then exit (for cron and tests).")
@click.option("--poll", type=click.FloatRange(min=0.05), default=0.5, show_default=True,
              help="Seconds between looks at an empty queue.")
@click.option("--lease", type=click.FloatRange(min=1), envvar="OPENDATA_WORKER_LEASE",
              help="Seconds a claimed job is reserved; after that a crashed worker's job runs again "
                   "[env OPENDATA_WORKER_LEASE; default 120].")
@click.option("--dir", "folder", envvar="OPENDATA_PIPELINES", type=click.Path(file_okay=False),
              help="Folder of pipeline files whose due schedules it runs [env OPENDATA_PIPELINES; default "
                   "HOME/pipelines].")
@click.option("--status", "status", is_flag=True, help="List the latest jobs of the queue instead of running.")
@json_option
@pass_catalog
def worker_cmd(catalog: Catalog, once: bool, poll: float, lease: float | None, folder: str | None, status: bool,
               as_json: bool) -> None:
    """Run background jobs: webhook deliveries and due ETL pipelines, from the queue in the catalogue.

    Several workers may run at once (each job runs once); a worker that is killed leaves its job to the others
    when its lease runs out. Stops after the job in hand on SIGTERM or Ctrl+C.

    \b
    Example:
      opendata worker                     (a service: see the README's systemd unit)
      * * * * *  opendata worker --once   (a crontab line)
      opendata worker --status
    """
    from catalog import jobs
    from pipelines.etl.files import default_folder
    from pipelines.worker import Worker, WorkerConfig

    catalog.ensure_ready()
    if status:
        listed = jobs.list_jobs(catalog, limit=50)
        if as_json:
            emit_json(listed)
        else:
            print_table(listed, [("id", "ID"), ("kind", "KIND"), ("status", "STATUS"), ("attempts", "ATTEMPTS"),
                                 ("run_at", "RUN AT"), ("worker", "WORKER"), ("last_error", "LAST ERROR")])
        return
    config = WorkerConfig(lease=lease or 0.0, poll=poll, pipelines=Path(folder) if folder else default_folder(catalog))
    worker = Worker(catalog, config, log=stderr_log())
    if once:
        click.echo(f"{worker.run_once()} job(s) run", err=True)
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"worker {config.name} started (lease {config.lease:g} s)", err=True)
    worker.run_forever(stop)


COMMANDS = (worker_cmd,)
