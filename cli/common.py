"""What every ``opendata`` command shares: error handling, the catalogue it works on, remote options and output.

Why a module of its own: the command modules (one per concern) all need these, and the root group in
``cli/__init__.py`` imports the command modules; keeping the helpers here means no command module imports the
package that registers it, so the CLI has no import cycle.

Exit codes, for every command: 0 done, 1 refused (invalid data, personal data, a failed check), 2 a usage mistake
(``UserError``: one line on stderr saying what to fix).

Language: the CLI speaks Vietnamese unless ``--lang en`` or an English locale (``LC_ALL``, ``LC_MESSAGES``,
``LANG``, e.g. ``en_US.UTF-8``) asks for English; the root group sets it once per command
(``catalog.i18n.language``). Click builds its commands when this package is imported, before the language is
known, so help texts are ``lazy_gettext`` proxies and options use ``Option``, which keeps them lazy until shown.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from catalog.errors import UserError
from catalog.i18n import (
    N_,
    format_bytes,
    format_date,
    format_number,
    language,
    lazy_gettext,
    normalise,
    set_lang,
)
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from catalog.s3storage import failure_message as s3_failure_message
from pipelines.report import display_width, pad

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX precedence: the first one set decides


def language_from_environment(environ: dict[str, str] | None = None) -> str | None:
    """``en`` when the locale the user runs under is English (``LANG=en_US.UTF-8``), else None (Vietnamese)."""
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        if environ.get(name):
            return normalise(environ[name])
    return None


def choose_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """``--lang`` (eager, so ``opendata --lang en --help`` is English) overrides the locale's language."""
    if value:
        set_lang(value)  # until the end of ``Group.main``, which restores the language it found
    return value


# click's own words ("Usage:", "Options", its error messages) come from the standard gettext module, which knows
# nothing of our catalogue; click looks ``_`` up in each of its modules when it speaks, so it gets ours instead.
CLICK_WORDS = {
    "Usage:": N_("Cách dùng:"), "Options": N_("Tùy chọn"), "Commands": N_("Lệnh"),
    "Show this message and exit.": N_("Hiện hướng dẫn này rồi thoát."),
    "Show the version and exit.": N_("Hiện phiên bản rồi thoát."),
    "Error: {message}": N_("Lỗi: {message}"),
    "Try '{command} {option}' for help.": N_("Xem '{command} {option}' để được hướng dẫn."),
    "No such option {name!r}.": N_("Không có tùy chọn {name!r}."),
    "No such command {name!r}.": N_("Không có lệnh {name!r}."),
    "Missing argument": N_("Thiếu tham số"), "Missing option": N_("Thiếu tùy chọn"),
    "Missing parameter": N_("Thiếu tham số"), "Missing command.": N_("Thiếu lệnh."),
    "Invalid value for {param_hint}: {message}": N_("Giá trị không hợp lệ cho {param_hint}: {message}"),
    "Invalid value: {message}": N_("Giá trị không hợp lệ: {message}"), "Aborted!": N_("Đã hủy!"),
    "default: {default}": N_("mặc định: {default}"), "env var: {var}": N_("biến môi trường: {var}"),
    "required": N_("bắt buộc"),
}


# click's messages with a singular and a plural (its ``ngettext``), by the singular.
CLICK_PLURALS = {
    "Did you mean {possibility}?": (N_("Có phải ý bạn là {possibility}?"),
                                    N_("(Có phải ý bạn là một trong: {possibilities}?)")),
    "Got unexpected extra argument ({args})": (N_("Thừa một tham số ({args})"), N_("Thừa các tham số ({args})")),
    "Option {name!r} requires an argument.": (N_("Tùy chọn {name!r} cần một giá trị."),
                                              N_("Tùy chọn {name!r} cần {nargs} giá trị.")),
    "{value!r} is not {choice}.": (N_("{value!r} không phải {choice}."),
                                   N_("{value!r} không phải một trong {choices}.")),
    "{value!r} does not match the format {format}.": (N_("{value!r} không theo định dạng {format}."),
                                                      N_("{value!r} không theo định dạng nào trong {formats}.")),
}


def click_gettext(message: str) -> str:
    """click's English ``message`` in the current language (as it is when we have no translation)."""
    vietnamese = CLICK_WORDS.get(message)
    return message if vietnamese is None else _(vietnamese)


def click_ngettext(singular: str, plural: str, count: int) -> str:
    """click's English message for ``count`` things, in the current language (as it is when we have none)."""
    pair = CLICK_PLURALS.get(singular)
    if pair is None:
        return singular if count == 1 else plural
    return _(pair[0] if count == 1 else pair[1])


for _module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
    _module._ = click_gettext  # type: ignore[attr-defined]
    _module.ngettext = click_ngettext  # type: ignore[attr-defined]


class Option(click.Option):
    """An option whose help stays a lazy translation until shown: click's own ``Option`` turns it into a str when
    the command is built (at import, before the language is chosen)."""

    def __init__(self, *param_decls: Any, help: Any = None, **attrs: Any) -> None:  # noqa: A002 - click's name
        super().__init__(*param_decls, **attrs)
        self.help = help

    @property
    def help(self) -> str | None:
        return None if self._help is None else str(self._help)

    @help.setter
    def help(self, value: Any) -> None:
        self._help = value


def option(*param_decls: str, **attrs: Any) -> Any:
    """``click.option`` with a help text translated when shown (pass ``help=lazy_gettext("…")``)."""
    return click.option(*param_decls, cls=Option, **attrs)


class Group(click.Group):
    """The root group: chooses the language once per command, and turns ``UserError`` into one clear line and
    its exit code, for every command."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """The whole command in one language, chosen before any parameter is read (so an early ``--help`` and a
        usage error printed after the command's context closed are in it too)."""
        with language(language_from_environment()):
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as error:
            click.secho(_("Lỗi: {error}", error=error), err=True, fg="red")
            ctx.exit(error.exit_code)
        except Exception as error:  # the object store failing is the operator's to fix, not a bug to trace
            message = s3_failure_message(error)
            if message is None:
                raise
            click.secho(_("Lỗi: {error}", error=message), err=True, fg="red")
            ctx.exit(2)


pass_catalog = click.make_pass_decorator(Catalog)
json_option = option("--json", "as_json", is_flag=True, help=lazy_gettext("In ra JSON."))


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


IDENTIFIERS = ("id", "number", "version", "latest_version", "port")  # numbers that name, not count


def cell_text(value: Any, key: str = "") -> str:
    """A table cell: quantities in the language's format (``30.000`` in Vietnamese), identifiers as they are,
    None as empty."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and key not in IDENTIFIERS:
        return format_number(value)
    return str(value)


def print_table(rows: list[dict], columns: list[tuple[str, str]], indent: str = "") -> None:
    """A plain aligned table: (key, header) pairs; fine in a terminal and in a pipe, aligned by display width."""
    if not rows:
        click.echo(indent + _("(không có)"))
        return
    cells = [[" ".join(cell_text(r.get(k), k).split()) for k, _h in columns] for r in rows]
    headers = [str(h) for _k, h in columns]
    widths = [max(display_width(h), *(display_width(c[i]) for c in cells)) for i, h in enumerate(headers)]
    click.echo(indent + "  ".join(pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        click.echo(indent + "  ".join(pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())


def human_bytes(size: int | None) -> str:
    """A byte count for a table cell in the language's format (``1,5 MB``); empty when unknown."""
    return "" if size is None else format_bytes(size)


def human_time(stamp: Any) -> str:
    """A stored UTC time shown in Hanoi time (``05/12/2026 21:49 (ICT)``); empty when unknown."""
    return format_date(stamp, with_time=True) if stamp else ""


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
    command = option("--token", help=lazy_gettext("Mã API (token) cho máy chủ [biến môi trường OPENDATA_TOKEN; "
                                                  "mặc định: mã của 'opendata login']."))(command)
    return option("--remote", metavar="URL", help=lazy_gettext(
        "Dùng máy chủ danh mục này thay cho thư mục cục bộ [biến môi trường OPENDATA_URL; mặc định: máy chủ "
        "của 'opendata login' trừ khi có --home]."))(command)


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
