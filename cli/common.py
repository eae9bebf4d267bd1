"""What every ``opendata`` command shares: error handling, the catalogue it works on, remote options and output.

Why a module of its own: the command modules (one per concern) all need these, and the root group in
``cli/__init__.py`` imports the command modules; keeping the helpers here means no command module imports the
package that registers it, so the CLI has no import cycle.

Exit codes, for every command: 0 done, 1 refused (invalid data, personal data, a failed check), 2 a usage mistake
(``UserError``: one line on stderr saying what to fix).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from catalog.errors import UserError
from catalog.metadata import Catalog
from catalog.text import human_bytes as format_bytes


class Group(click.Group):
    """Turns ``UserError`` into one clear line and its exit code, for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as error:
            click.secho(f"Error: {error}", err=True, fg="red")
            ctx.exit(error.exit_code)


pass_catalog = click.make_pass_decorator(Catalog)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


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
    """A byte count for a table cell; empty when unknown."""
    return "" if size is None else format_bytes(size)


def interactive() -> bool:
    """Progress bars only on a terminal (stderr), never in a pipe or a log."""
    return sys.stderr.isatty()


def cli_actor() -> str:
    """Who the audit log names for a command run on the server's shell."""
    return os.environ.get("USER", "cli")


def exit_with(ok: bool) -> None:
    """Exit 0 when the work was done, 1 when it was refused or failed."""
    sys.exit(0 if ok else 1)


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


def read_from(catalog: Catalog, remote: str | None, token: str | None, method: str, *args: Any) -> Any:
    """Call the same-named read method on the remote catalogue when one is configured, else on the local one.

    ``Remote`` and ``Catalog`` share these method names (as ckanapi's LocalCKAN and RemoteCKAN do), so a
    command is written once for both.
    """
    client = remote_client(remote, token)
    if client is None:
        catalog.ensure_ready()
        return getattr(catalog, method)(*args)
    return getattr(client, method)(*args)


def stderr_log(indent: str = "") -> Any:
    """A ``log`` callback for long-running pipelines: progress lines on stderr, stdout kept for the result."""
    return lambda line: click.echo(indent + line, err=True)
