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

from catalog.i18n import format_number, lazy_gettext
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from cli.common import emit_json, human_time, json_option, option, pass_catalog, print_table, stderr_log


@click.command("worker", help=lazy_gettext("""Chạy các việc nền: gửi webhook và các quy trình ETL đến hạn, từ hàng đợi trong danh mục.

    Có thể chạy nhiều worker cùng lúc (mỗi việc chỉ chạy một lần); worker bị dừng đột ngột để lại việc của nó
    cho worker khác khi hết thời hạn giữ việc. Dừng sau việc đang làm khi nhận SIGTERM hoặc Ctrl+C.

    \b
    Ví dụ:
      opendata worker                     (một dịch vụ: xem unit systemd trong README)
      * * * * *  opendata worker --once   (một dòng crontab)
      opendata worker --status
    """))
@option("--once", is_flag=True, help=lazy_gettext("Chạy các việc đã đến hạn rồi thoát (cho cron và kiểm thử)."))
@option("--poll", type=click.FloatRange(min=0.05), default=0.5, show_default=True,
              help=lazy_gettext("Số giây giữa hai lần xem hàng đợi trống."))
@option("--lease", type=click.FloatRange(min=1), envvar="OPENDATA_WORKER_LEASE",
              help=lazy_gettext("Số giây một việc đã nhận được giữ; sau đó việc của worker bị hỏng sẽ chạy lại [biến môi trường OPENDATA_WORKER_LEASE; mặc định 120]."))
@option("--dir", "folder", envvar="OPENDATA_PIPELINES", type=click.Path(file_okay=False),
              help=lazy_gettext("Thư mục các tệp quy trình có lịch đến hạn sẽ được chạy [biến môi trường OPENDATA_PIPELINES; mặc định HOME/pipelines]."))
@option("--status", "status", is_flag=True, help=lazy_gettext("Liệt kê các việc mới nhất trong hàng đợi thay vì chạy."))
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
            listed_rows = [{**job, "run": human_time(job.get("run_at"))} for job in listed]
            print_table(listed_rows, [("id", "ID"), ("kind", _("LOẠI")), ("status", _("TRẠNG THÁI")),
                                      ("attempts", _("SỐ LẦN THỬ")), ("run", _("CHẠY LÚC")), ("worker", "WORKER"),
                                      ("last_error", _("LỖI CUỐI"))])
        return
    config = WorkerConfig(lease=lease or 0.0, poll=poll, pipelines=Path(folder) if folder else default_folder(catalog))
    worker = Worker(catalog, config, log=stderr_log())
    if once:
        click.echo(_("đã chạy {count} việc", count=format_number(worker.run_once())), err=True)
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(_("worker {name} đã chạy (giữ việc {lease} giây)", name=config.name,
                 lease=format_number(config.lease)), err=True)
    worker.run_forever(stop)


COMMANDS = (worker_cmd,)
