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


def remote_options(command: Any) -> Any:
    """``--remote URL`` / ``--token T``: run the command against a catalogue server (pipelines/remote.py)."""
    command = click.option("--token", help="API token for the server [env OPENDATA_TOKEN; default: from "
                                           "'opendata login'].")(command)
    return click.option("--remote", metavar="URL", help="Use this catalogue server instead of a local home "
                        "[env OPENDATA_URL; default: the server of 'opendata login' unless --home is given].")(command)


def remote_client(remote: str | None, token: str | None) -> Any:
    """The server to talk to (a ``pipelines.remote.Remote``), or None to work on the local catalogue."""
    from pipelines.remote import Remote, resolve_target

    explicit_home = click.get_current_context().find_root().params.get("home") is not None
    target = resolve_target(remote, token, use_login=not explicit_home)
    return Remote(*target) if target else None


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
    except (ValueError, UnicodeDecodeError, RecursionError):  # too deep for a package: read as data
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
@remote_options
@pass_catalog
def validate(catalog: Catalog, source: str, schema: str | None, resource: str | None, dialect: str | None,
             encoding: str | None, fmt: str | None, checklist: str | None, as_json: bool, remote: str | None,
             token: str | None) -> None:
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
    client = remote_client(remote, token)
    if client is not None:  # the server's schemas; a data package is validated locally only
        result = client.validate(path, schema=schema, dialect=load_json_option(dialect, "dialect"),
                                 encoding=encoding, format=fmt, checklist=checklist_dict, progress=interactive())
        emit_json(result["report"]) if as_json else click.echo(render_text(result["report"]))
        sys.exit(0 if result["valid"] else 1)
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
@click.option("--privacy-override", metavar="REASON",
              help="Publish despite personal-data findings, for this written reason (kept in the audit log).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@remote_options
@pass_catalog
def publish(catalog: Catalog, source: str, dataset: str, org: str | None, schema: str | None, dialect: str | None,
            encoding: str | None, fmt: str | None, checklist: str | None, title: str | None,
            description: str | None, license_id: str | None, tags: tuple[str, ...], frequency: str | None,
            source_name: str | None, contact: str | None, note: str, privacy_override: str | None,
            as_json: bool, remote: str | None, token: str | None) -> None:
    """Validate SOURCE and publish it as a new version of DATASET.

    An invalid file is refused with its report (exit 1) and nothing changes. A file identical to the
    latest version creates no new version.
    """
    from pipelines.publish import load_json_option
    from pipelines.publish import publish as run_publish
    from pipelines.report import render_text

    client = remote_client(remote, token)
    if client is None:
        catalog.ensure_ready()
    meta = {"title": title, "description": description, "license": license_id, "tags": list(tags) or None,
            "frequency": frequency, "source": source_name, "contact": contact}
    options = {"dataset": dataset, "org": org, "schema": schema, "dialect": load_json_option(dialect, "dialect"),
               "encoding": encoding, "format": fmt, "checklist": load_json_option(checklist, "checklist"),
               "meta": meta, "note": note, "progress": interactive()}
    if client is not None:  # same result, same report: the server runs the same pipeline
        result = client.publish(source, **options)
    else:
        result = run_publish(catalog, source, publisher=os.environ.get("USER", "cli"), origin="cli",
                             privacy_override=privacy_override, **options)
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
@remote_options
@pass_catalog
def datasets(catalog: Catalog, org: str | None, as_json: bool, remote: str | None, token: str | None) -> None:
    """List datasets."""
    found = read_from(catalog, remote, token, "list_datasets", org)
    if as_json:
        emit_json(found)
        return
    for d in found:
        d["size"] = human_bytes(d.get("bytes"))
    print_table(found, [("name", "NAME"), ("org", "ORG"), ("latest_version", "VERSION"), ("rows", "ROWS"),
                        ("size", "SIZE"), ("title", "TITLE")])


def read_from(catalog: Catalog, remote: str | None, token: str | None, method: str, *args: Any) -> Any:
    """Call the same-named read method on the remote catalogue when one is configured, else on the local one."""
    client = remote_client(remote, token)
    if client is None:
        catalog.ensure_ready()
        return getattr(catalog, method)(*args)
    return getattr(client, method)(*args)


@main.command()
@click.argument("dataset")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@remote_options
@pass_catalog
def show(catalog: Catalog, dataset: str, as_json: bool, remote: str | None, token: str | None) -> None:
    """Show a dataset's metadata, schema and latest version."""
    found = read_from(catalog, remote, token, "get_dataset", dataset)
    if as_json:
        emit_json(found)
        return
    for key in ("name", "title", "org_title", "license", "frequency", "source", "contact", "temporal_coverage",
                "spatial_coverage", "schema_name", "latest_version", "rows", "updated_at"):
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


@main.command()
@click.argument("dataset")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@remote_options
@pass_catalog
def versions(catalog: Catalog, dataset: str, as_json: bool, remote: str | None, token: str | None) -> None:
    """List the versions of a dataset, newest first."""
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


def serve_home(catalog: Catalog, *, host: str, port: int, workers: int | None, access_log: bool = False,
               **settings: Any) -> None:
    """``settings``: header_timeout, body_timeout, trusted_proxy (web/server.py)."""
    from web.server import serve as run_server

    catalog.ensure_ready()
    catalog.dispose()  # the worker processes open their own connections
    click.echo(f"serving {catalog.home.root} on http://{host}:{port}/  (Ctrl+C to stop)", err=True)
    run_server(catalog.home, host=host, port=port, workers=workers, access_log=access_log, **settings)


# -- accounts -------------------------------------------------------------------------------------------------
def cli_actor() -> str:
    return os.environ.get("USER", "cli")


@main.group()
def user() -> None:
    """Users (people who publish with an API token)."""


@user.command("add")
@click.argument("name")
@click.option("--fullname", default="", help="Full name, e.g. \"Nguyễn Văn An\".")
@click.option("--email", default="", help="E-mail address.")
@click.option("--sysadmin", is_flag=True, help="Site admin: may publish for every organisation.")
@pass_catalog
def user_add(catalog: Catalog, name: str, fullname: str, email: str, sysadmin: bool) -> None:
    """Add a user NAME (a slug such as nguyen-van-an)."""
    from catalog.accounts import Accounts

    catalog.ensure_ready()
    created = Accounts(catalog).add_user(name, fullname=fullname, email=email, sysadmin=sysadmin,
                                         actor=cli_actor(), origin="cli")
    click.echo(f"user {created['name']} created" + (" (site admin)" if created["sysadmin"] else ""))


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def user_list(catalog: Catalog, as_json: bool) -> None:
    """List users with their organisations and roles."""
    from catalog.accounts import Accounts

    catalog.ensure_ready()
    found = Accounts(catalog).list_users()
    if as_json:
        emit_json(found)
        return
    for u in found:
        u["orgs"] = ", ".join(f"{o}:{r}" for o, r in u["memberships"].items())
        u["admin"] = "yes" if u["sysadmin"] else ""
    print_table(found, [("name", "NAME"), ("fullname", "FULL NAME"), ("email", "EMAIL"), ("admin", "SITE ADMIN"),
                        ("orgs", "ORGANISATIONS")])


@main.group()
def member() -> None:
    """Who may publish for an organisation (admin or editor)."""


@member.command("add")
@click.argument("org_name", metavar="ORG")
@click.argument("user_name", metavar="USER")
@click.option("--role", type=click.Choice(["editor", "admin"]), default="editor", show_default=True)
@pass_catalog
def member_add(catalog: Catalog, org_name: str, user_name: str, role: str) -> None:
    """Make USER an editor (or admin) of ORG; changes the role of an existing member."""
    from catalog.accounts import Accounts

    catalog.ensure_ready()
    Accounts(catalog).add_member(org_name, user_name, role, actor=cli_actor(), origin="cli")
    click.echo(f"{user_name} is {role} of {org_name}")


@member.command("remove")
@click.argument("org_name", metavar="ORG")
@click.argument("user_name", metavar="USER")
@pass_catalog
def member_remove(catalog: Catalog, org_name: str, user_name: str) -> None:
    """Remove USER from ORG."""
    from catalog.accounts import Accounts

    catalog.ensure_ready()
    Accounts(catalog).remove_member(org_name, user_name, actor=cli_actor(), origin="cli")
    click.echo(f"{user_name} removed from {org_name}")


@main.group()
def token() -> None:
    """API tokens (for remote publishing and the write API)."""


@token.command("create")
@click.argument("user_name", metavar="USER")
@click.option("--name", "token_name", default="", help="A label, e.g. laptop.")
@click.option("--expires", help="Lifetime: 90d, 12w, 6m, 1y or never [default: never].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (includes the token).")
@pass_catalog
def token_create(catalog: Catalog, user_name: str, token_name: str, expires: str | None, as_json: bool) -> None:
    """Create a token for USER. It is printed once: it cannot be shown again."""
    from catalog.accounts import Accounts, parse_expires

    catalog.ensure_ready()
    plaintext, info = Accounts(catalog).create_token(user_name, name=token_name, expires_days=parse_expires(expires),
                                                     actor=cli_actor(), origin="cli")
    if as_json:
        emit_json({**info, "token": plaintext})
        return
    click.echo(plaintext)
    click.echo(f"token {info['id']} for {user_name}" + (f", expires {info['expires_at'][:10]}" if info["expires_at"]
                                                         else "") + ": store it now, it will not be shown again",
               err=True)


@token.command("list")
@click.option("--user", "user_name", help="Only this user's tokens.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def token_list(catalog: Catalog, user_name: str | None, as_json: bool) -> None:
    """List tokens (id, prefix, status; never the token itself)."""
    from catalog.accounts import Accounts

    catalog.ensure_ready()
    found = Accounts(catalog).list_tokens(user_name)
    if as_json:
        emit_json(found)
        return
    for t in found:
        t["created"] = t["created_at"][:10]
        t["expires"] = (t["expires_at"] or "never")[:10]
        t["prefix"] = t["prefix"] + "…"
    print_table(found, [("id", "ID"), ("user", "USER"), ("name", "NAME"), ("prefix", "PREFIX"),
                        ("created", "CREATED"), ("expires", "EXPIRES"), ("status", "STATUS")])


@token.command("revoke")
@click.argument("token_id", metavar="ID")
@pass_catalog
def token_revoke(catalog: Catalog, token_id: str) -> None:
    """Revoke a token by its ID (or its listed prefix)."""
    from catalog.accounts import Accounts

    catalog.ensure_ready()
    info = Accounts(catalog).revoke_token(token_id, actor=cli_actor(), origin="cli")
    click.echo(f"token {info['id']} of {info['user']} revoked")


@main.command()
@click.argument("url")
@click.option("--token", prompt=True, hide_input=True, help="Your API token (asked for when not given).")
def login(url: str, token: str) -> None:
    """Remember a catalogue server and your token: later commands use it (without --home) instead of a local
    catalogue. The token is stored in ~/.config/opendata/config.json, readable by you only."""
    from pipelines.remote import Remote, save_config

    user_info = Remote(url, token.strip()).whoami()
    path = save_config(url.rstrip("/"), token.strip())
    orgs = ", ".join(f"{o} ({r})" for o, r in (user_info.get("memberships") or {}).items()) or "none"
    click.echo(f"logged in to {url} as {user_info.get('name')}; organisations: {orgs}; saved in {path}")


@main.command()
def logout() -> None:
    """Forget the server and token saved by 'opendata login'."""
    from pipelines.remote import remove_config

    click.echo("logged out" if remove_config() else "not logged in")


@main.command("backup")
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--copy", is_flag=True, help="Copy the Parquet files even when hard links are possible.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def backup_cmd(catalog: Catalog, dest: str, copy: bool, as_json: bool) -> None:
    """Write a consistent backup of the catalogue to the new folder DEST (safe while the server runs)."""
    from catalog.backup import backup

    report = backup(catalog, dest, copy=copy)
    if as_json:
        emit_json(report.to_dict())
    else:
        click.echo(f"backed up {report.versions} version(s), {report.files} file(s) ({human_bytes(report.bytes)}; "
                   f"{report.linked} hard-linked, {report.copied} copied) to {report.path}")


@main.command("restore")
@click.argument("src", type=click.Path(file_okay=False, exists=True))
@click.option("--copy", is_flag=True, help="Copy the Parquet files even when hard links are possible.")
@pass_catalog
def restore_cmd(catalog: Catalog, src: str, copy: bool) -> None:
    """Rebuild a catalogue home (--home; it must not exist or be empty) from the backup SRC, verifying every hash."""
    from catalog.backup import restore

    report = restore(src, catalog.home, copy=copy)
    click.echo(f"restored {report.versions} version(s), {report.files} file(s) into {report.path}; all hashes verified")


@main.command("audit")
@click.option("--dataset", help="Only entries about this dataset.")
@click.option("--since", help="From this date or time (2025-01-31, 2025-01-31T08:00) or age (7d, 12h).")
@click.option("--limit", default=1000, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def audit_cmd(catalog: Catalog, dataset: str | None, since: str | None, limit: int, as_json: bool) -> None:
    """Show the audit log, newest first: who did what, when, from where."""
    from catalog.accounts import parse_since

    catalog.ensure_ready()
    entries = catalog.list_audit(dataset=dataset, since=parse_since(since), limit=limit)
    if as_json:
        emit_json(entries)
        return
    for e in entries:
        e["when"] = e["at"][:19].replace("T", " ")
        scalars = {k: v for k, v in (e["detail"] or {}).items() if isinstance(v, str | int | float) and v != ""}
        e["what"] = ", ".join(f"{k}={v}" for k, v in scalars.items() if k != "sha256")[:70]
    print_table(entries, [("when", "WHEN (UTC)"), ("actor", "WHO"), ("action", "ACTION"), ("target", "TARGET"),
                          ("origin", "FROM"), ("what", "DETAIL")])


# -- pipelines ------------------------------------------------------------------------------------------------
@main.group("pipeline")
def pipeline_group() -> None:
    """Declarative ETL pipelines: YAML files with a source, steps, a target, a publish mode and a schedule."""


@pipeline_group.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def pipeline_validate(file: str, as_json: bool) -> None:
    """Check a pipeline FILE without running it: every problem with its line, step and option (exit 1)."""
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


@main.command("run")
@click.argument("pipeline_file", metavar="[PIPELINE]", required=False)
@click.option("--dry-run", is_flag=True, help="Show each step's rows and a sample, validate, publish nothing.")
@click.option("--due", is_flag=True, help="Run every pipeline in --dir whose schedule is due (for cron/systemd).")
@click.option("--dir", "folder", envvar="OPENDATA_PIPELINES", type=click.Path(file_okay=False),
              help="Folder of pipeline files [env OPENDATA_PIPELINES; default HOME/pipelines].")
@click.option("--privacy-override", metavar="REASON", help="Publish despite personal-data findings (audited).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def run_cmd(catalog: Catalog, pipeline_file: str | None, dry_run: bool, due: bool, folder: str | None,
            privacy_override: str | None, as_json: bool) -> None:
    """Run PIPELINE (a YAML file, or a pipeline's name in --dir): extract, transform, validate, publish.

    Exit status: 0 published or unchanged, 1 failed (recorded in 'opendata runs').
    """
    from pipelines.etl.due import run_due
    from pipelines.etl.files import default_folder, resolve_pipeline_file
    from pipelines.etl.render import render_run
    from pipelines.etl.runner import run_pipeline

    catalog.ensure_ready()
    where = Path(folder) if folder else default_folder(catalog)
    if due == bool(pipeline_file):
        raise UserError("give either a PIPELINE or --due", hint="e.g. 'opendata run pipelines/air.yaml'")
    log = None if as_json else (lambda line: click.echo(line, err=True))
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
    sys.exit(0 if all(r.ok for r in results) else 1)


@main.command("runs")
@click.argument("pipeline_name", metavar="PIPELINE", required=False)
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_catalog
def runs_cmd(catalog: Catalog, pipeline_name: str | None, limit: int, as_json: bool) -> None:
    """List past pipeline runs, newest first: status, rows, duration, version produced, error."""
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


# -- CKAN: harvest and push -----------------------------------------------------------------------------------
@main.group()
def harvest() -> None:
    """Import datasets from other portals."""


@harvest.command("ckan")
@click.argument("url")
@click.option("--org", help="Only the datasets of this organisation on the portal.")
@click.option("--into", help="Put every dataset in this local organisation (default: the portal's, created).")
@click.option("--query", help="Only datasets matching this search (package_search q).")
@click.option("--since", help="Only datasets modified since this date (YYYY-MM-DD or ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="Print the full result (with validation reports) as JSON.")
@pass_catalog
def harvest_ckan_cmd(catalog: Catalog, url: str, org: str | None, into: str | None, query: str | None,
                     since: str | None, as_json: bool) -> None:
    """Harvest a CKAN portal at URL: metadata mapped, tabular resources validated and published.

    Re-running imports only what changed; a run stopped half-way is finished by the next one.
    """
    from pipelines.harvest import harvest_ckan

    catalog.ensure_ready()
    log = None if as_json else (lambda line: click.echo("  " + line, err=True))
    result = harvest_ckan(catalog, url, org=org, into=into, query=query, since=since, log=log)
    finish_sync(result, as_json)


def finish_sync(result: Any, as_json: bool) -> None:
    """Print a harvest or push result (what was not done on stderr) and exit 1 unless all of it was done."""
    if as_json:
        emit_json(result.to_dict())
    else:
        for line in result.not_done():
            click.echo(line, err=True)
        click.echo(result.summary())
    sys.exit(0 if result.ok else 1)


@main.group()
def push() -> None:
    """Publish the catalogue's datasets to other portals."""


@push.command("ckan")
@click.argument("url")
@click.option("--token", envvar="CKAN_API_TOKEN", required=True, help="API token on the portal [env CKAN_API_TOKEN].")
@click.option("--org", help="Organisation on the portal (default: each dataset's own organisation name).")
@click.option("--dataset", help="Push only this dataset (private ones only this way).")
@click.option("--site-url", envvar="OPENDATA_SITE_URL", default="http://127.0.0.1:5000", show_default=True,
              help="This catalogue's public address, for the resource links [env OPENDATA_SITE_URL].")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_catalog
def push_ckan_cmd(catalog: Catalog, url: str, token: str, org: str | None, dataset: str | None, site_url: str,
                  as_json: bool) -> None:
    """Create or update the matching packages on the CKAN portal at URL (a second push changes nothing)."""
    from pipelines.push import push_ckan

    catalog.ensure_ready()
    log = None if as_json else (lambda line: click.echo("  " + line, err=True))
    result = push_ckan(catalog, url, token, site_url=site_url, org=org, dataset=dataset, log=log)
    finish_sync(result, as_json)


# -- serve ----------------------------------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="TCP port.")
@click.option("--workers", type=int, help="Worker processes [default: 2-4 by CPU count].")
@click.option("--access-log", is_flag=True, help="Log every request to stdout.")
@click.option("--header-timeout", type=click.FloatRange(min=1), default=30, show_default=True,
              envvar="OPENDATA_SERVE_HEADER_TIMEOUT",
              help="Seconds a client has to send a request's line and headers [env OPENDATA_SERVE_HEADER_TIMEOUT].")
@click.option("--body-timeout", type=click.FloatRange(min=1), default=900, show_default=True,
              envvar="OPENDATA_SERVE_BODY_TIMEOUT",
              help="Seconds a client has to send a request's body after its headers [env OPENDATA_SERVE_BODY_TIMEOUT].")
@click.option("--trusted-proxy", metavar="ADDRESS", envvar="OPENDATA_SERVE_TRUSTED_PROXY",
              help="Address of your reverse proxy: its X-Forwarded-For/-Proto headers are believed "
                   "[env OPENDATA_SERVE_TRUSTED_PROXY].")
@pass_catalog
def serve(catalog: Catalog, host: str, port: int, workers: int | None, access_log: bool, header_timeout: float,
          body_timeout: float, trusted_proxy: str | None) -> None:
    """Serve the catalogue over HTTP (pages, REST API, CKAN API, SQL, downloads).

    Requests are read whole before a worker thread sees them, so slow clients hold connections, not workers.
    """
    serve_home(catalog, host=host, port=port, workers=workers, access_log=access_log,
               header_timeout=header_timeout, body_timeout=body_timeout, trusted_proxy=trusted_proxy)


if __name__ == "__main__":
    main()
