"""Commands for declarative ETL pipelines: ``pipeline validate``, ``run``, ``runs``.

Why together: they are one feature (``pipelines/etl``), a pipeline file's life from checking it, to running it
by hand or from cron with ``--due``, to reading its history; each wraps one function of ``pipelines.etl``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from catalog.errors import UserError
from catalog.i18n import format_number, lazy_gettext
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from cli.common import (
    cli_actor,
    emit_json,
    exit_with,
    human_time,
    json_option,
    option,
    pass_catalog,
    print_table,
    stderr_log,
)


@click.group("pipeline", help=lazy_gettext("""Quy trình ETL khai báo: tệp YAML gồm nguồn, các bước, đích, cách công bố và lịch chạy.

    \b
    Ví dụ:
      opendata pipeline validate pipelines/air.yaml
      opendata run pipelines/air.yaml --dry-run
    """))
def pipeline_group() -> None:
    """Declarative ETL pipelines: YAML files with a source, steps, a target, a publish mode and a schedule.

    \b
    Example:
      opendata pipeline validate pipelines/air.yaml
      opendata run pipelines/air.yaml --dry-run
    """


@pipeline_group.command("validate", help=lazy_gettext("""Kiểm tra tệp quy trình FILE mà không chạy: mọi lỗi kèm dòng, bước và tùy chọn.

    \b
    Ví dụ:
      opendata pipeline validate pipelines/air.yaml

    Mã thoát: 0 hợp lệ, 1 có lỗi.
    """))
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
def pipeline_validate(file: str, as_json: bool) -> None:
    """Check a pipeline FILE without running it: every problem with its line, step and option.

    \b
    Example:
      opendata pipeline validate pipelines/air.yaml

    Exit status: 0 valid, 1 problems found.
    """
    from pipelines.etl.definition import PipelineError, load_pipeline

    try:
        found = load_pipeline(file)
    except PipelineError as error:
        if as_json:
            emit_json({"valid": False, "problems": [vars(i) for i in error.issues]})
        else:
            for issue in error.issues:
                click.echo(f"{file}:{issue.line or '-'}: {issue.where + ': ' if issue.where else ''}{issue.message}")
            click.secho(_("{count} lỗi", count=format_number(len(error.issues))), fg="red", err=True)
        sys.exit(1)
    summary = {"valid": True, "name": found.name, "source": found.source_kind, "steps": [s.type for s in found.steps],
               "dataset": found.target["dataset"], "mode": found.mode, "schedule": found.schedule}
    if as_json:
        emit_json(summary)
    else:
        click.echo(_("{file}: hợp lệ — quy trình {name}: {source} → {count} bước ({steps}) → {dataset} ({mode})",
                     file=file, name=found.name, source=found.source_kind, count=format_number(len(found.steps)),
                     steps=", ".join(summary["steps"]) or _("không có"), dataset=found.target["dataset"],
                     mode=found.mode)
                   + (_(", lịch {schedule}", schedule=found.schedule) if found.schedule else ""))


@click.command("run", help=lazy_gettext("""Chạy PIPELINE (một tệp YAML, hoặc tên một quy trình trong --dir): trích xuất, biến đổi, kiểm tra, công bố.

    Lần chạy có nguồn và định nghĩa không đổi kể từ lần thành công trước thì không công bố gì. Mọi lần chạy,
    thành công hay không, đều được ghi lại trong 'opendata runs'.

    \b
    Ví dụ:
      opendata run pipelines/air.yaml --dry-run
      opendata run air --dir pipelines/
      */10 * * * *  opendata run --due        (một dòng crontab)

    Mã thoát: 0 đã công bố hoặc không đổi, 1 thất bại, 2 dùng sai lệnh.
    """))
@click.argument("pipeline_file", metavar="[PIPELINE]", required=False)
@option("--dry-run", is_flag=True, help=lazy_gettext("Hiện số dòng và mẫu của từng bước, kiểm tra, không công bố gì."))
@option("--due", is_flag=True, help=lazy_gettext("Chạy mọi quy trình trong --dir đã đến lịch (cho cron/systemd)."))
@option("--dir", "folder", envvar="OPENDATA_PIPELINES", type=click.Path(file_okay=False),
              help=lazy_gettext("Thư mục chứa tệp quy trình [biến môi trường OPENDATA_PIPELINES; mặc định HOME/pipelines]."))
@option("--privacy-override", metavar="REASON", help=lazy_gettext("Vẫn công bố dù phát hiện dữ liệu cá nhân (được ghi nhật ký kiểm toán)."))
@json_option
@pass_catalog
def run_cmd(catalog: Catalog, pipeline_file: str | None, dry_run: bool, due: bool, folder: str | None,
            privacy_override: str | None, as_json: bool) -> None:
    """Run PIPELINE (a YAML file, or a pipeline's name in --dir): extract, transform, validate, publish.

    A run whose source and definition are unchanged since the last successful run publishes nothing. Every
    run, failed or not, is recorded in 'opendata runs'.

    \b
    Example:
      opendata run pipelines/air.yaml --dry-run
      opendata run air --dir pipelines/
      */10 * * * *  opendata run --due        (a crontab line)

    Exit status: 0 published or unchanged, 1 failed, 2 a usage mistake.
    """
    from pipelines.etl.due import run_due
    from pipelines.etl.files import default_folder, resolve_pipeline_file
    from pipelines.etl.render import render_run
    from pipelines.etl.runner import run_pipeline

    catalog.ensure_ready()
    where = Path(folder) if folder else default_folder(catalog)
    if due == bool(pipeline_file):
        raise UserError(_("hãy cho hoặc một PIPELINE hoặc --due"), hint=_("ví dụ 'opendata run pipelines/air.yaml'"))
    log = None if as_json else stderr_log()
    if due:
        results = run_due(catalog, where, actor=cli_actor(), log=log)
        if not as_json and not results:
            click.echo(_("không có quy trình nào trong {folder} đến hạn", folder=where))
    else:
        results = [run_pipeline(catalog, resolve_pipeline_file(pipeline_file, where), dry_run=dry_run,
                                actor=cli_actor(), privacy_override=privacy_override, log=log)]
    if as_json:
        emit_json([r.to_dict() for r in results] if due else results[0].to_dict())
    else:
        for result in results:
            click.echo(render_run(result))
    exit_with(all(r.ok for r in results))


@click.command("runs", help=lazy_gettext("""Liệt kê các lần chạy quy trình, mới nhất trước: trạng thái, số dòng, thời gian, phiên bản tạo ra, lỗi.

    \b
    Ví dụ:
      opendata runs air-quality-hourly --limit 10
    """))
@click.argument("pipeline_name", metavar="PIPELINE", required=False)
@option("--limit", default=50, show_default=True, type=int, help=lazy_gettext("Nhiều nhất ngần này lần chạy."))
@json_option
@pass_catalog
def runs_cmd(catalog: Catalog, pipeline_name: str | None, limit: int, as_json: bool) -> None:
    """List past pipeline runs, newest first: status, rows, duration, version produced, error.

    \b
    Example:
      opendata runs air-quality-hourly --limit 10
    """
    from catalog.runs import list_runs
    from pipelines.etl.render import run_rows

    catalog.ensure_ready()
    found = list_runs(catalog, pipeline_name, limit=limit)
    if as_json:
        emit_json(found)
        return
    rows = [{**row, "started": human_time(run["started_at"]),
             "seconds": "" if run["duration_ms"] is None else format_number(run["duration_ms"] / 1000, 1)}
            for row, run in zip(run_rows(found), found, strict=True)]
    print_table(rows, [("id", _("LẦN CHẠY")), ("pipeline", _("QUY TRÌNH")), ("status", _("TRẠNG THÁI")),
                       ("started", _("BẮT ĐẦU")), ("seconds", _("SỐ GIÂY")), ("rows", _("SỐ DÒNG")),
                       ("version", _("PHIÊN BẢN")), ("error", _("LỖI"))])


COMMANDS = (pipeline_group, run_cmd, runs_cmd)
