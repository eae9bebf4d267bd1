"""Commands that create the catalogue and look inside it: ``init``, ``org``, ``schemas``, ``datasets``, ``show``,
``versions``.

Why together: these are the catalogue's nouns (organisations, datasets, versions, standard schemas) read or
created one call at a time; each command is a thin wrapper over one ``Catalog`` method, and the read commands
take ``--remote`` because ``pipelines.remote.Remote`` has the same methods.
"""

from __future__ import annotations

import click

from catalog.metadata import Catalog
from cli.common import (
    emit_json,
    human_bytes,
    json_option,
    pass_catalog,
    print_table,
    read_from,
    remote_options,
)


@click.command()
@pass_catalog
def init(catalog: Catalog) -> None:
    """Create the catalogue home (or bring an existing one up to date).

    Creates the folder, the metadata database and the version store; on an existing home it applies the
    migrations it lacks and changes nothing else. Safe to run twice.

    \b
    Example:
      opendata --home /srv/opendata init
    """
    applied = catalog.init()
    click.echo(f"catalogue ready at {catalog.home.root}" + (f" ({len(applied)} migration(s) applied)" if applied else ""))


@click.group()
def org() -> None:
    """Organisations (the departments that publish).

    \b
    Example:
      opendata org add so-tnmt --title "Sở Tài nguyên và Môi trường"
      opendata org list
    """


@org.command("add")
@click.argument("name")
@click.option("--title", required=True, help="Display name, e.g. \"Sở Tài nguyên và Môi trường\".")
@click.option("--description", default="", help="Markdown description.")
@pass_catalog
def org_add(catalog: Catalog, name: str, title: str, description: str) -> None:
    """Add an organisation NAME (a slug such as so-tnmt).

    \b
    Example:
      opendata org add so-tnmt --title "Sở Tài nguyên và Môi trường"

    Exit status: 0 created, 2 a bad or taken name.
    """
    catalog.ensure_ready()
    created = catalog.add_org(name, title, description)
    click.echo(f"organisation {created['name']} created: {created['title']}")


@org.command("list")
@json_option
@pass_catalog
def org_list(catalog: Catalog, as_json: bool) -> None:
    """List organisations with their dataset counts.

    \b
    Example:
      opendata org list --json
    """
    catalog.ensure_ready()
    orgs = catalog.list_orgs()
    if as_json:
        emit_json(orgs)
    else:
        print_table(orgs, [("name", "NAME"), ("title", "TITLE"), ("dataset_count", "DATASETS")])


@click.command("schemas")
@json_option
def schemas_cmd(as_json: bool) -> None:
    """List the city's standard Table Schemas (usable as --schema NAME).

    \b
    Example:
      opendata schemas
      opendata validate air.csv --schema air_quality
    """
    from schemas import list_standard_schemas, load_standard_schema

    rows = []
    for name in list_standard_schemas():
        schema = load_standard_schema(name)
        rows.append({"name": name, "title": schema.get("title", ""), "fields": len(schema.get("fields", []))})
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, [("name", "NAME"), ("fields", "FIELDS"), ("title", "TITLE")])


@click.command()
@click.option("--org", help="Only this organisation's datasets.")
@json_option
@remote_options
@pass_catalog
def datasets(catalog: Catalog, org: str | None, as_json: bool, remote: str | None, token: str | None) -> None:
    """List datasets: name, organisation, latest version, rows, size, title.

    \b
    Example:
      opendata datasets --org so-tnmt
      opendata datasets --json --remote https://data.hanoi.example
    """
    found = read_from(catalog, remote, token, "list_datasets", org)
    if as_json:
        emit_json(found)
        return
    for d in found:
        d["size"] = human_bytes(d.get("bytes"))
    print_table(found, [("name", "NAME"), ("org", "ORG"), ("latest_version", "VERSION"), ("rows", "ROWS"),
                        ("size", "SIZE"), ("title", "TITLE")])


SHOWN_FIELDS = ("name", "title", "org_title", "license", "frequency", "source", "contact", "temporal_coverage",
                "spatial_coverage", "schema_name", "latest_version", "rows", "updated_at")


@click.command()
@click.argument("dataset")
@json_option
@remote_options
@pass_catalog
def show(catalog: Catalog, dataset: str, as_json: bool, remote: str | None, token: str | None) -> None:
    """Show a dataset's metadata, schema and latest version.

    \b
    Example:
      opendata show air-quality
      opendata show air-quality --json --remote https://data.hanoi.example

    Exit status: 0 shown, 2 no such dataset.
    """
    found = read_from(catalog, remote, token, "get_dataset", dataset)
    if as_json:
        emit_json(found)
        return
    for key in SHOWN_FIELDS:
        value = found.get(key)
        if value not in (None, ""):
            click.echo(f"{key.replace('_', ' '):>18}: {value}")
    if found.get("tags"):
        click.echo(f"{'tags':>18}: {', '.join(found['tags'])}")
    if found.get("description"):
        click.echo("\n" + found["description"].strip() + "\n")
    fields = (found.get("schema") or {}).get("fields", [])
    if fields:
        click.echo("fields:")
        print_table(fields, [("name", "  NAME"), ("type", "TYPE"), ("title", "TITLE")])


@click.command()
@click.argument("dataset")
@json_option
@remote_options
@pass_catalog
def versions(catalog: Catalog, dataset: str, as_json: bool, remote: str | None, token: str | None) -> None:
    """List the versions of a dataset, newest first: rows, size, rows added and removed, sha256, publisher.

    \b
    Example:
      opendata versions air-quality

    Exit status: 0 listed, 2 no such dataset.
    """
    found = read_from(catalog, remote, token, "list_versions", dataset)
    if as_json:
        emit_json({"versions": found})
        return
    for v in found:
        v["size"] = human_bytes(v.get("bytes"))
        v["sha"] = (v.get("sha256") or "")[:12]
        c = v.get("changes") or {}
        v["change"] = f"+{c.get('rows_added', 0)} -{c.get('rows_removed', 0)}"
    print_table(found, [("number", "VERSION"), ("published_at", "PUBLISHED"), ("rows", "ROWS"), ("size", "SIZE"),
                        ("change", "ROWS +/-"), ("sha", "SHA256"), ("publisher", "BY")])


COMMANDS = (init, org, schemas_cmd, datasets, show, versions)
