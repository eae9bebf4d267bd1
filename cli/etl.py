"""Commands for declarative ETL pipelines: ``pipeline validate``, ``run``, ``runs``.

Why together: they are one feature (``pipelines/etl``), a pipeline file's life from checking it, to running it
by hand or from cron with ``--due``, to reading its history; each wraps one function of ``pipelines.etl``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from catalog.errors import UserError
from catalog.metadata import Catalog
from cli.common import cli_actor, emit_json, exit_with, json_option, pass_catalog, print_table, stderr_log


@click.group("pipeline")
def pipeline_group() -> None:
    """Declarative ETL pipelines: YAML files with a source, steps, a target, a publish mode and a schedule.

    \b
    Example:
      opendata pipeline validate pipelines/air.yaml
      opendata run pipelines/air.yaml --dry-run
    """


@pipeline_group.command("validate")
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
            click.secho(f"{len(error.issues)} problem(s)", fg="red", err=True)
        sys.exit(1)
    summary = {"valid": True, "name": found.name, "source": found.source_kind, "steps": [s.type for s in found.steps],
               "dataset": found.target["dataset"], "mode": found.mode, "schedule": found.schedule}
    if as_json:
        emit_json(summary)
    else:
        click.echo(f"{file}: valid — pipeline {found.name}: {found.source_kind} → {len(found.steps)} step(s) "
                   f"({', '.join(summary['steps']) or 'none'}) → {found.target['dataset']} ({found.mode})"
                   + (f", schedule {found.schedule}" if found.schedule else ""))


@click.command("run")
@click.argument("pipeline_file", metavar="[PIPELINE]", required=False)
@click.option("--dry-run", is_flag=True, help="Show each step's rows and a sample, validate, publish nothing.")
@click.option("--due", is_flag=True, help="Run every pipeline in --dir whose schedule is due (for cron/systemd).")
@click.option("--dir", "folder", envvar="OPENDATA_PIPELINES", type=click.Path(file_okay=False),
              help="Folder of pipeline files [env OPENDATA_PIPELINES; default HOME/pipelines].")
@click.option("--privacy-override", metavar="REASON", help="Publish despite personal-data findings (audited).")
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
        raise UserError("give either a PIPELINE or --due", hint="e.g. 'opendata run pipelines/air.yaml'")
    log = None if as_json else stderr_log()
    if due:
        results = run_due(catalog, where, actor=cli_actor(), log=log)
        if not as_json and not results:
            click.echo(f"no pipeline in {where} is due")
    else:
        results = [run_pipeline(catalog, resolve_pipeline_file(pipeline_file, where), dry_run=dry_run,
                                actor=cli_actor(), privacy_override=privacy_override, log=log)]
    if as_json:
        emit_json([r.to_dict() for r in results] if due else results[0].to_dict())
    else:
        for result in results:
            click.echo(render_run(result))
    exit_with(all(r.ok for r in results))


@click.command("runs")
@click.argument("pipeline_name", metavar="PIPELINE", required=False)
@click.option("--limit", default=50, show_default=True, type=int, help="At most this many runs.")
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
    print_table(run_rows(found), [("id", "RUN"), ("pipeline", "PIPELINE"), ("status", "STATUS"),
                                  ("started", "STARTED (UTC)"), ("seconds", "SECONDS"), ("rows", "ROWS"),
                                  ("version", "VERSION"), ("error", "ERROR")])


COMMANDS = (pipeline_group, run_cmd, runs_cmd)
