"""Commands that check and publish a file: ``validate``, ``describe``, ``publish``.

Why together: they are the publishing workflow of a department (describe a draft schema, validate against it,
publish a version), they share the reading options (``--schema``, ``--dialect``, ``--encoding``, ``--format``,
``--checklist``), and each wraps one call in ``pipelines`` (``validate_file``, ``describe_file``, ``publish``)
or, with ``--remote``, the same-named method of ``pipelines.remote.Remote``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from catalog.errors import UserError
from catalog.metadata import Catalog
from cli.common import (
    emit_json,
    exit_with,
    human_bytes,
    interactive,
    pass_catalog,
    remote_client,
    remote_options,
)

FORMATS = click.Choice(["csv", "tsv", "xlsx", "json", "parquet", "geojson"])
READING_OPTIONS = (
    click.option("--dialect", help="Frictionless dialect: JSON file or inline JSON."),
    click.option("--encoding", help="Text encoding, e.g. utf-8, utf-16, cp1258 (Windows-1258)."),
    click.option("--format", "fmt", type=FORMATS, help="Override the format."),
    click.option("--checklist", help="Frictionless checklist: JSON file or inline JSON (e.g. duplicate-row)."),
)


def reading_options(checklist: bool = True) -> Any:
    """The options that say how SOURCE is read (``--dialect``, ``--encoding``, ``--format``, ``--checklist``)."""
    def apply(command: Any) -> Any:
        for option in reversed(READING_OPTIONS if checklist else READING_OPTIONS[:-1]):
            command = option(command)
        return command

    return apply


def reading(dialect: str | None, encoding: str | None, fmt: str | None, checklist: str | None) -> dict[str, Any]:
    """The reading options as ``pipelines`` takes them (dialect and checklist loaded from JSON)."""
    from pipelines.publish import load_json_option

    return {"dialect": load_json_option(dialect, "dialect"), "encoding": encoding, "format": fmt,
            "checklist": load_json_option(checklist, "checklist")}


def is_package(path: Path) -> bool:
    """A Frictionless data package descriptor (validated resource by resource), rather than a JSON data file;
    ``pipelines.source.is_package`` reads at most ``MAX_DESCRIPTOR_BYTES`` of it."""
    from pipelines.source import is_package as is_package_descriptor

    return is_package_descriptor(path)


@click.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--schema", help="Standard schema name or path to a Table Schema JSON.")
@click.option("--resource", help="Resource name, when SOURCE is a datapackage.json.")
@reading_options()
@click.option("--json", "as_json", is_flag=True, help="Print the frictionless-shaped JSON report.")
@remote_options
@pass_catalog
def validate(catalog: Catalog, source: str, schema: str | None, resource: str | None, dialect: str | None,
             encoding: str | None, fmt: str | None, checklist: str | None, as_json: bool, remote: str | None,
             token: str | None) -> None:
    """Validate a data file (or a resource of a data package) against a Table Schema.

    Reads SOURCE (CSV, TSV, XLSX, JSON or Parquet) the way 'opendata publish' does and prints every problem
    with its row and field; nothing is published. Foreign keys are checked against the local catalogue.
    With --remote the server's schemas and rules are used.

    \b
    Example:
      opendata validate air.csv --schema air_quality
      opendata validate datapackage.json --resource schools --json
      opendata validate old.csv --schema schema.json --encoding cp1258

    Exit status: 0 valid, 1 invalid, 2 unusable input.
    """
    path = Path(source)
    if not path.exists():
        raise UserError(f"file not found: {source}")
    options = {**reading(dialect, encoding, fmt, checklist), "progress": interactive()}
    client = remote_client(remote, token)
    if client is not None:  # the server's schemas; a data package is validated locally only
        result = client.validate(path, schema=schema, **options)
        print_report(result["report"], as_json)
        exit_with(result["valid"])
    with validate_locally(catalog, path, schema, resource, options) as validation:
        print_report(validation.report, as_json)
        exit_with(validation.valid)


def validate_locally(catalog: Catalog, path: Path, schema: str | None, resource: str | None,
                     options: dict[str, Any]) -> Any:
    """A data package's resource, or one file against ``schema`` (with the catalogue's foreign-key targets)."""
    from pipelines.publish import catalog_references
    from pipelines.validate import validate_file, validate_package
    from schemas import resolve_schema

    if is_package(path) and not schema:
        return validate_package(path, resource, checklist=options["checklist"], progress=options["progress"])
    if not schema:
        raise UserError("no schema given", hint="pass --schema NAME|FILE ('opendata schemas' lists the standard ones)")
    references = catalog_references(catalog) if catalog.home.exists() else None
    return validate_file(path, schema=resolve_schema(schema), references=references, **options)


def print_report(report: dict, as_json: bool) -> None:
    from pipelines.report import render_text

    emit_json(report) if as_json else click.echo(render_text(report))


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@reading_options(checklist=False)
def describe(source: str, encoding: str | None, dialect: str | None, fmt: str | None) -> None:
    """Infer a draft Table Schema for SOURCE and print it as JSON.

    Field names, types (integer, number, date, …) and formats are guessed from the data; review the draft
    (titles, constraints, primary key), then validate and publish with it.

    \b
    Example:
      opendata describe schools.csv > schools-schema.json
      opendata validate schools.csv --schema schools-schema.json
    """
    from pipelines.describe import explain, propose_schema
    from pipelines.publish import load_json_option

    proposal = propose_schema(Path(source), encoding=encoding, dialect=load_json_option(dialect, "dialect"),
                              format=fmt)
    emit_json(proposal.schema)  # stdout stays a schema file; why each field is so goes to stderr
    for line in explain(proposal):
        click.echo(line, err=True)


@click.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--dataset", required=True, help="Dataset name (lowercase a-z, 0-9, '-').")
@click.option("--org", help="Publishing organisation (required for a new dataset).")
@click.option("--schema", help="Standard schema name or Table Schema JSON path (default: the dataset's).")
@reading_options()
@click.option("--title", help="Dataset title.")
@click.option("--description", help="Markdown description.")
@click.option("--title-en", help="English title (optional; the title is Vietnamese).")
@click.option("--description-en", help="English Markdown description (optional).")
@click.option("--license", "license_id", help="License id, e.g. CC-BY-4.0.")
@click.option("--tag", "tags", multiple=True,
              help="Tag slug, with labels if wanted: moi-truong or \"moi-truong=Môi trường|Environment\" (repeatable).")
@click.option("--frequency", help="Update frequency: hourly, daily, weekly, monthly, quarterly, yearly, irregular.")
@click.option("--source-name", "source_name", help="Where the data comes from.")
@click.option("--contact", help="Contact point.")
@click.option("--note", default="", help="A note for this version (what changed).")
@click.option("--privacy-override", metavar="REASON",
              help="Publish despite personal-data findings, for this written reason (kept in the audit log).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@remote_options
@pass_catalog
def publish(catalog: Catalog, source: str, dataset: str, org: str | None, schema: str | None, dialect: str | None,
            encoding: str | None, fmt: str | None, checklist: str | None, title: str | None,
            description: str | None, title_en: str | None, description_en: str | None, license_id: str | None,
            tags: tuple[str, ...], frequency: str | None,
            source_name: str | None, contact: str | None, note: str, privacy_override: str | None,
            as_json: bool, remote: str | None, token: str | None) -> None:
    """Validate SOURCE and publish it as a new version of DATASET.

    The file is validated against the schema, checked for personal data, converted to typed Parquet and
    added as an immutable version (the dataset is created on first publish). An invalid file is refused with
    its report and nothing changes; a file identical to the latest version creates no new version. With
    --remote the file is streamed to the server, which runs the same pipeline.

    \b
    Example:
      opendata publish air.csv --dataset air-quality --org so-tnmt --schema air_quality \\
          --title "Quan trắc chất lượng không khí" --title-en "Air quality monitoring" \\
          --license CC-BY-4.0 --tag "moi-truong=Môi trường|Environment"
      opendata publish air.csv --dataset air-quality --remote https://data.hanoi.example

    Exit status: 0 published (or unchanged), 1 refused (invalid or personal data), 2 a usage mistake.
    """
    from pipelines.publish import publish as run_publish

    client = remote_client(remote, token)
    if client is None:
        catalog.ensure_ready()
    meta = {"title": title, "description": description, "title_en": title_en, "description_en": description_en,
            "license": license_id, "tags": list(tags) or None,
            "frequency": frequency, "source": source_name, "contact": contact}
    options = {"dataset": dataset, "org": org, "schema": schema, **reading(dialect, encoding, fmt, checklist),
               "meta": meta, "note": note, "progress": interactive()}
    if client is not None:  # same result, same report: the server runs the same pipeline
        result = client.publish(source, **options)
    else:
        result = run_publish(catalog, source, publisher=os.environ.get("USER", "cli"), origin="cli",
                             privacy_override=privacy_override, **options)
    print_publish_result(result, as_json)
    exit_with(result.ok)


def print_publish_result(result: Any, as_json: bool) -> None:
    """The report of a refused file, the result's messages, and the new version's size and hash."""
    from pipelines.report import render_text

    if as_json:
        emit_json(result.to_dict())
        return
    if result.status == "invalid" and result.report:
        click.echo(render_text(result.report))
    for message in result.messages:
        click.echo(message)
    if result.version and result.status == "published":
        v = result.version
        click.echo(f"  rows {v['rows']:,}  parquet {human_bytes(v['bytes'])}  sha256 {v['sha256'][:16]}…")


COMMANDS = (validate, describe, publish)
