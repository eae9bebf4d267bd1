"""Commands that keep a catalogue sound: ``fsck``, ``backup``, ``restore``.

Why together: they are the operator's care of the files and the database (verify every hash, copy them
consistently, rebuild a home from a copy), each a thin wrapper over one function in ``catalog``.
"""

from __future__ import annotations

import click

from catalog.metadata import Catalog
from cli.common import emit_json, exit_with, human_bytes, json_option, pass_catalog


@click.command()
@click.option("--dry-run", is_flag=True, help="Report orphans without removing them.")
@json_option
@pass_catalog
def fsck(catalog: Catalog, dry_run: bool, as_json: bool) -> None:
    """Verify every version's file and sha256; report and remove orphaned files.

    A version whose file is missing or whose bytes changed is a problem; a file no version refers to (left by
    a crash) is an orphan and is removed unless --dry-run.

    \b
    Example:
      opendata fsck --dry-run

    Exit status: 0 every version verified, 1 problems found.
    """
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
    exit_with(report.ok)


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--copy", is_flag=True, help="Copy the Parquet files even when hard links are possible.")
@json_option
@pass_catalog
def backup_cmd(catalog: Catalog, dest: str, copy: bool, as_json: bool) -> None:
    """Write a consistent backup of the catalogue to the new folder DEST (safe while the server runs).

    The metadata database is snapshotted with SQLite's online backup (one point in time); version files are
    immutable, so they are hard-linked when DEST is on the same filesystem and copied otherwise (--copy always
    copies, for a backup that must survive the loss of the catalogue's disk).

    \b
    Example:
      opendata backup /backups/opendata-2025-01-31 --copy

    Exit status: 0 written, 2 DEST exists or cannot be written.
    """
    from catalog.backup import backup

    report = backup(catalog, dest, copy=copy)
    if as_json:
        emit_json(report.to_dict())
    else:
        click.echo(f"backed up {report.versions} version(s), {report.files} file(s) ({human_bytes(report.bytes)}; "
                   f"{report.linked} hard-linked, {report.copied} copied) to {report.path}")


@click.command("restore")
@click.argument("src", type=click.Path(file_okay=False, exists=True))
@click.option("--copy", is_flag=True, help="Copy the Parquet files even when hard links are possible.")
@pass_catalog
def restore_cmd(catalog: Catalog, src: str, copy: bool) -> None:
    """Rebuild a catalogue home from the backup SRC, verifying every hash.

    The home (--home) must not exist or must be empty.

    \b
    Example:
      opendata --home /srv/opendata-new restore /backups/opendata-2025-01-31

    Exit status: 0 restored, 2 the home is not empty or the backup is damaged.
    """
    from catalog.backup import restore

    report = restore(src, catalog.home, copy=copy)
    click.echo(f"restored {report.versions} version(s), {report.files} file(s) into {report.path}; all hashes verified")


COMMANDS = (fsck, backup_cmd, restore_cmd)
