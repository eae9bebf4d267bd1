"""The ``opendata`` command: parse, call ``catalog``/``pipelines``/``web``, print.

Every command finds the catalogue in ``--home``, else ``$OPENDATA_HOME``, else ``./opendata-home``. User mistakes
come back as ``UserError`` and are printed as one line on stderr with a non-zero exit code.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from catalog.errors import UserError
from catalog.home import Home
from catalog.metadata import Catalog


class Group(click.Group):
    """Turns ``UserError`` into one clear line and its exit code, for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as error:
            click.secho(f"Error: {error}", err=True, fg="red")
            ctx.exit(error.exit_code)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def print_table(rows: list[dict], columns: list[tuple[str, str]]) -> None:
    """A plain aligned table: (key, header) pairs; fine in a terminal and in a pipe."""
    if not rows:
        click.echo("(none)")
        return
    cells = [[("" if r.get(k) is None else str(r.get(k))) for k, _ in columns] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, (_, h) in enumerate(columns)]
    click.echo("  ".join(h.ljust(w) for (_, h), w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def human_bytes(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


def interactive() -> bool:
    return sys.stderr.isatty()


pass_catalog = click.make_pass_decorator(Catalog)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--home", type=click.Path(file_okay=False), envvar="OPENDATA_HOME",
              help="Catalogue home folder [env OPENDATA_HOME; default ./opendata-home].")
@click.version_option(package_name="hanoi-opendata")
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """Hanoi Open Data Catalogue: validate, publish, browse and query the city's open data.

    \b
    Start here:
      opendata demo                      build the demo catalogue and serve it
      opendata init                      create an empty catalogue
      opendata validate FILE --schema S  check a file before publishing
      opendata publish FILE --dataset D --org O --schema S
    """
    ctx.obj = Catalog(Home.resolve(home))


# -- catalogue ------------------------------------------------------------------------------------------------
@main.command()
@pass_catalog
def init(catalog: Catalog) -> None:
    """Create the catalogue home (or bring an existing one up to date)."""
    applied = catalog.init()
    click.echo(f"catalogue ready at {catalog.home.root}" + (f" ({len(applied)} migration(s) applied)" if applied else ""))


@main.group()
def org() -> None:
    """Organisations (the departments that publish)."""


@org.command("add")
@click.argument("name")
@click.option("--title", required=True, help="Display name, e.g. \"Sở Tài nguyên và Môi trường\".")
@click.option("--description", default="", help="Markdown description.")
@pass_catalog
def org_add(catalog: Catalog, name: str, title: str, description: str) -> None:
    """Add an organisation NAME (a slug such as so-tnmt)."""
    catalog.ensure_ready()
    created = catalog.add_org(name, title, description)
    click.echo(f"organisation {created['name']} created: {created['title']}")


@org.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def org_list(catalog: Catalog, as_json: bool) -> None:
    """List organisations with their dataset counts."""
    catalog.ensure_ready()
    orgs = catalog.list_orgs()
    if as_json:
        emit_json(orgs)
    else:
        print_table(orgs, [("name", "NAME"), ("title", "TITLE"), ("dataset_count", "DATASETS")])


@main.command("schemas")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def schemas_cmd(as_json: bool) -> None:
    """List the city's standard Table Schemas (usable as --schema NAME)."""
    from schemas import list_standard_schemas, load_standard_schema

    rows = []
    for name in list_standard_schemas():
        schema = load_standard_schema(name)
        rows.append({"name": name, "title": schema.get("title", ""), "fields": len(schema.get("fields", []))})
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, [("name", "NAME"), ("fields", "FIELDS"), ("title", "TITLE")])


# -- validate / describe --------------------------------------------------------------------------------------
def is_package(path: Path) -> bool:
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    if path.name == "datapackage.json":
        return True
    try:
        return "resources" in json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return False


@main.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--schema", help="Standard schema name or path to a Table Schema JSON.")
@click.option("--resource", help="Resource name, when SOURCE is a datapackage.json.")
@click.option("--dialect", help="Frictionless dialect: JSON file or inline JSON.")
@click.option("--encoding", help="Text encoding, e.g. utf-8, utf-16, cp1258 (Windows-1258).")
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "xlsx", "json", "parquet"]), help="Override the format.")
@click.option("--checklist", help="Frictionless checklist: JSON file or inline JSON (e.g. duplicate-row).")
@click.option("--json", "as_json", is_flag=True, help="Print the frictionless-shaped JSON report.")
@pass_catalog
def validate(catalog: Catalog, source: str, schema: str | None, resource: str | None, dialect: str | None,
             encoding: str | None, fmt: str | None, checklist: str | None, as_json: bool) -> None:
    """Validate a data file (or a resource of a data package) against a Table Schema.

    Exit status: 0 valid, 1 invalid, 2 unusable input.
    """
    from pipelines.publish import catalog_references, load_json_option
    from pipelines.report import render_text
    from pipelines.validate import validate_file, validate_package
    from schemas import resolve_schema

    path = Path(source)
    if not path.exists():
        raise UserError(f"file not found: {source}")
    checklist_dict = load_json_option(checklist, "checklist")
    if is_package(path) and not schema:
        validation = validate_package(path, resource, checklist=checklist_dict, progress=interactive())
    else:
        if not schema:
            raise UserError("no schema given", hint="pass --schema NAME|FILE ('opendata schemas' lists the standard ones)")
        references = catalog_references(catalog) if catalog.home.exists() else None
        validation = validate_file(path, schema=resolve_schema(schema), dialect=load_json_option(dialect, "dialect"),
                                   encoding=encoding, format=fmt, checklist=checklist_dict, references=references,
                                   progress=interactive())
    with validation:
        if as_json:
            emit_json(validation.report)
        else:
            click.echo(render_text(validation.report))
        sys.exit(0 if validation.valid else 1)


@main.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--encoding", help="Text encoding, e.g. cp1258.")
@click.option("--dialect", help="Frictionless dialect: JSON file or inline JSON.")
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "xlsx", "json", "parquet"]))
def describe(source: str, encoding: str | None, dialect: str | None, fmt: str | None) -> None:
    """Infer a draft Table Schema for SOURCE and print it as JSON (edit it, then publish with it)."""
    from pipelines.describe import describe_file
    from pipelines.publish import load_json_option

    emit_json(describe_file(Path(source), encoding=encoding, dialect=load_json_option(dialect, "dialect"), format=fmt))


# -- publish --------------------------------------------------------------------------------------------------
@main.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--dataset", required=True, help="Dataset name (lowercase a-z, 0-9, '-').")
@click.option("--org", help="Publishing organisation (required for a new dataset).")
@click.option("--schema", help="Standard schema name or Table Schema JSON path (default: the dataset's).")
@click.option("--dialect", help="Frictionless dialect: JSON file or inline JSON.")
@click.option("--encoding", help="Text encoding, e.g. cp1258.")
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "xlsx", "json", "parquet"]))
@click.option("--checklist", help="Extra checks: JSON file or inline JSON.")
@click.option("--title", help="Dataset title.")
@click.option("--description", help="Markdown description.")
@click.option("--license", "license_id", help="License id, e.g. CC-BY-4.0.")
@click.option("--tag", "tags", multiple=True, help="Tag (repeatable).")
@click.option("--frequency", help="Update frequency: hourly, daily, weekly, monthly, quarterly, yearly, irregular.")
@click.option("--source-name", "source_name", help="Where the data comes from.")
@click.option("--contact", help="Contact point.")
@click.option("--note", default="", help="A note for this version (what changed).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_catalog
def publish(catalog: Catalog, source: str, dataset: str, org: str | None, schema: str | None, dialect: str | None,
            encoding: str | None, fmt: str | None, checklist: str | None, title: str | None,
            description: str | None, license_id: str | None, tags: tuple[str, ...], frequency: str | None,
            source_name: str | None, contact: str | None, note: str, as_json: bool) -> None:
    """Validate SOURCE and publish it as a new version of DATASET.

    An invalid file is refused with its report (exit 1) and nothing changes. A file identical to the
    latest version creates no new version.
    """
    from pipelines.publish import load_json_option
    from pipelines.publish import publish as run_publish
    from pipelines.report import render_text

    catalog.ensure_ready()
    meta = {"title": title, "description": description, "license": license_id, "tags": list(tags) or None,
            "frequency": frequency, "source": source_name, "contact": contact}
    result = run_publish(catalog, source, dataset=dataset, org=org, schema=schema,
                         dialect=load_json_option(dialect, "dialect"), encoding=encoding, format=fmt,
                         checklist=load_json_option(checklist, "checklist"), meta=meta,
                         publisher=os.environ.get("USER", "cli"), origin="cli", note=note, progress=interactive())
    if as_json:
        emit_json(result.to_dict())
    else:
        if result.status == "invalid" and result.report:
            click.echo(render_text(result.report))
        for message in result.messages:
            click.echo(message)
        if result.version and result.status == "published":
            v = result.version
            click.echo(f"  rows {v['rows']:,}  parquet {human_bytes(v['bytes'])}  sha256 {v['sha256'][:16]}…")
    sys.exit(0 if result.ok else 1)


# -- browse ---------------------------------------------------------------------------------------------------
@main.command()
@click.option("--org", help="Only this organisation's datasets.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def datasets(catalog: Catalog, org: str | None, as_json: bool) -> None:
    """List datasets."""
    catalog.ensure_ready()
    found = catalog.list_datasets(org=org)
    if as_json:
        emit_json(found)
        return
    for d in found:
        d["size"] = human_bytes(d["bytes"])
    print_table(found, [("name", "NAME"), ("org", "ORG"), ("latest_version", "VERSION"), ("rows", "ROWS"),
                        ("size", "SIZE"), ("title", "TITLE")])


@main.command()
@click.argument("dataset")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def show(catalog: Catalog, dataset: str, as_json: bool) -> None:
    """Show a dataset's metadata, schema and latest version."""
    catalog.ensure_ready()
    found = catalog.get_dataset(dataset)
    if as_json:
        emit_json(found)
        return
    for key in ("name", "title", "org_title", "license", "frequency", "source", "contact", "temporal_coverage",
                "spatial_coverage", "schema_name", "latest_version", "rows", "updated_at"):
        value = found.get(key)
        if value not in (None, ""):
            click.echo(f"{key.replace('_', ' '):>18}: {value}")
    if found["tags"]:
        click.echo(f"{'tags':>18}: {', '.join(found['tags'])}")
    if found.get("description"):
        click.echo("\n" + found["description"].strip() + "\n")
    fields = (found.get("schema") or {}).get("fields", [])
    if fields:
        click.echo("fields:")
        print_table(fields, [("name", "  NAME"), ("type", "TYPE"), ("title", "TITLE")])


@main.command()
@click.argument("dataset")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def versions(catalog: Catalog, dataset: str, as_json: bool) -> None:
    """List the versions of a dataset, newest first."""
    catalog.ensure_ready()
    found = catalog.list_versions(dataset)
    if as_json:
        emit_json({"versions": found})
        return
    for v in found:
        v["size"] = human_bytes(v["bytes"])
        v["sha"] = v["sha256"][:12]
        c = v.get("changes") or {}
        v["change"] = f"+{c.get('rows_added', 0)} -{c.get('rows_removed', 0)}"
    print_table(found, [("number", "VERSION"), ("published_at", "PUBLISHED"), ("rows", "ROWS"), ("size", "SIZE"),
                        ("change", "ROWS +/-"), ("sha", "SHA256"), ("publisher", "BY")])


@main.command()
@click.option("--dry-run", is_flag=True, help="Report orphans without removing them.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def fsck(catalog: Catalog, dry_run: bool, as_json: bool) -> None:
    """Verify every version's file and sha256; report and remove orphaned files."""
    from catalog.fsck import fsck as run_fsck

    catalog.ensure_ready()
    report = run_fsck(catalog, remove_orphans=not dry_run)
    if as_json:
        emit_json(report.to_dict())
    else:
        click.echo(f"checked {report.checked} version(s)")
        for problem in report.problems:
            click.secho(f"PROBLEM {problem}", fg="red")
        for orphan in report.orphans:
            click.echo(("would remove " if dry_run else "removed orphan ") + orphan)
        click.echo("ok" if report.ok else f"{len(report.problems)} problem(s)")
    sys.exit(0 if report.ok else 1)


# -- demo -----------------------------------------------------------------------------------------------------
@main.command()
@click.option("--home", "demo_home", type=click.Path(file_okay=False), help="Build the demo here instead.")
@click.option("--no-serve", is_flag=True, help="Only build the demo catalogue; do not serve it.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=int, help="Worker processes for the server.")
@click.option("--air-rows", default=20000, show_default=True, type=int, help="Rows in the demo air-quality data.")
@click.pass_context
def demo(ctx: click.Context, demo_home: str | None, no_serve: bool, host: str, port: int, workers: int | None,
         air_rows: int) -> None:
    """Build the demo catalogue (Hanoi's departments, one dataset per standard schema) and serve it."""
    from pipelines.demo import build_demo

    catalog = Catalog(Home.resolve(demo_home)) if demo_home else ctx.obj
    click.echo(f"building the demo catalogue in {catalog.home.root} …", err=True)
    summary = build_demo(catalog, air_rows=air_rows, log=lambda line: click.echo("  " + line, err=True))
    stats = catalog.stats()
    click.echo(f"demo ready: {stats['organizations']} organisations, {stats['datasets']} datasets, "
               f"{stats['versions']} versions", err=True)
    for note in summary.notes:
        click.echo(note, err=True)
    if not no_serve:
        serve_home(catalog, host=host, port=port, workers=workers)


def serve_home(catalog: Catalog, *, host: str, port: int, workers: int | None, access_log: bool = False) -> None:
    from web.server import serve as run_server

    catalog.ensure_ready()
    click.echo(f"serving {catalog.home.root} on http://{host}:{port}/  (Ctrl+C to stop)", err=True)
    run_server(catalog.home, host=host, port=port, workers=workers, access_log=access_log)


# -- serve ----------------------------------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="TCP port.")
@click.option("--workers", type=int, help="Worker processes [default: 2-4 by CPU count].")
@click.option("--access-log", is_flag=True, help="Log every request to stdout.")
@pass_catalog
def serve(catalog: Catalog, host: str, port: int, workers: int | None, access_log: bool) -> None:
    """Serve the catalogue over HTTP (pages, REST API, CKAN API, SQL, downloads)."""
    serve_home(catalog, host=host, port=port, workers=workers, access_log=access_log)


if __name__ == "__main__":
    main()
