"""Commands that keep a catalogue sound: ``fsck``, ``backup``, ``restore``.

Why together: they are the operator's care of the files and the database (verify every hash, copy them
consistently, rebuild a home from a copy), each a thin wrapper over one function in ``catalog``.
"""

from __future__ import annotations

import click

from catalog.i18n import format_number, lazy_gettext
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from cli.common import emit_json, exit_with, human_bytes, json_option, option, pass_catalog


@click.command(help=lazy_gettext("""Kiểm tra tệp và sha256 của mọi phiên bản; báo cáo và xóa các tệp mồ côi.

    Phiên bản thiếu tệp hoặc có tệp bị thay đổi là một vấn đề; tệp không phiên bản nào dùng (do sự cố để
    lại) là tệp mồ côi và bị xóa, trừ khi có --dry-run.

    \b
    Ví dụ:
      opendata fsck --dry-run

    Mã thoát: 0 mọi phiên bản đều đúng, 1 có vấn đề.
    """))
@option("--dry-run", is_flag=True, help=lazy_gettext("Báo cáo tệp mồ côi mà không xóa."))
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
        click.echo(_("đã kiểm tra {count} phiên bản", count=format_number(report.checked)))
        for problem in report.problems:
            click.secho(_("VẤN ĐỀ {problem}", problem=problem), fg="red")
        for orphan in report.orphans:
            click.echo(_("sẽ xóa {path}", path=orphan) if dry_run else _("đã xóa tệp mồ côi {path}", path=orphan))
        click.echo(_("ổn") if report.ok else _("{count} vấn đề", count=format_number(len(report.problems))))
    exit_with(report.ok)


@click.command("backup", help=lazy_gettext("""Ghi một bản sao lưu nhất quán của danh mục vào thư mục mới DEST (an toàn khi máy chủ đang chạy).

    Cơ sở dữ liệu siêu dữ liệu được chụp bằng sao lưu trực tuyến của SQLite (một thời điểm); các tệp phiên
    bản không đổi nên được liên kết cứng khi DEST cùng hệ thống tệp, ngược lại thì được sao chép (--copy luôn
    sao chép, cho bản sao lưu phải còn khi mất ổ đĩa của danh mục).

    \b
    Ví dụ:
      opendata backup /backups/opendata-2025-01-31 --copy

    Mã thoát: 0 đã ghi, 2 DEST đã có hoặc không ghi được.
    """))
@click.argument("dest", type=click.Path(file_okay=False))
@option("--copy", is_flag=True, help=lazy_gettext("Sao chép các tệp Parquet kể cả khi liên kết cứng được."))
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
        click.echo(_("đã sao lưu {versions} phiên bản, {files} tệp ({size}; {linked} liên kết cứng, {copied} sao "
                     "chép) vào {path}", versions=format_number(report.versions), files=format_number(report.files),
                     size=human_bytes(report.bytes), linked=format_number(report.linked),
                     copied=format_number(report.copied), path=report.path))


@click.command("restore", help=lazy_gettext("""Dựng lại thư mục danh mục từ bản sao lưu SRC, kiểm tra mọi mã băm.

    Thư mục (--home) phải chưa có hoặc đang trống.

    \b
    Ví dụ:
      opendata --home /srv/opendata-new restore /backups/opendata-2025-01-31

    Mã thoát: 0 đã khôi phục, 2 thư mục không trống hoặc bản sao lưu bị hỏng.
    """))
@click.argument("src", type=click.Path(file_okay=False, exists=True))
@option("--copy", is_flag=True, help=lazy_gettext("Sao chép các tệp Parquet kể cả khi liên kết cứng được."))
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
    click.echo(_("đã khôi phục {versions} phiên bản, {files} tệp vào {path}; mọi mã băm đều đúng",
                 versions=format_number(report.versions), files=format_number(report.files), path=report.path))


COMMANDS = (fsck, backup_cmd, restore_cmd)
