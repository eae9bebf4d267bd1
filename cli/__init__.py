"""The ``opendata`` command: parse, call ``catalog``/``pipelines``/``web``, print.

Why a package: the commands are grouped by concern, one module each (``catalogue``, ``publishing``,
``accounts``, ``maintenance``, ``etl``, ``ckan``, ``serving``), as ckanapi keeps one module per command; this
module only builds the root group and registers them, and ``cli.common`` holds what they share. Every command
is a thin wrapper over one call of the Python API, so the CLI and the API stay one to one.

Every command finds the catalogue in ``--home``, else ``$OPENDATA_HOME``, else ``./opendata-home``. User mistakes
come back as ``UserError`` and are printed as one line on stderr with a non-zero exit code. The CLI speaks
Vietnamese; ``--lang en`` or an English locale (``LANG=en_US.UTF-8``) switches it to English (``cli.common``).
"""

from __future__ import annotations

import click

from catalog.home import Home
from catalog.i18n import LANGUAGES, lazy_gettext
from catalog.metadata import Catalog
from cli import accounts, catalogue, ckan, etl, maintenance, publishing, quality, serving, webhooks, worker
from cli.common import Group, choose_language, option

CONCERNS = (catalogue, publishing, accounts, maintenance, etl, ckan, serving, webhooks, worker, quality)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             help=lazy_gettext("""Danh mục dữ liệu mở Hà Nội: kiểm tra, công bố, xem và truy vấn dữ liệu mở của thành phố.

    \b
    Bắt đầu từ đây:
      opendata demo                      dựng danh mục mẫu và phục vụ nó
      opendata init                      tạo một danh mục trống
      opendata validate TỆP --schema S   kiểm tra một tệp trước khi công bố
      opendata publish TỆP --dataset D --org O --schema S

    Lệnh nào cũng có --help kèm ví dụ; các lệnh liệt kê nhận --json. Giao diện dòng lệnh nói tiếng Việt;
    --lang en hoặc biến LANG tiếng Anh (ví dụ en_US.UTF-8) chuyển sang tiếng Anh.

    Mã thoát: 0 xong, 1 bị từ chối (dữ liệu không hợp lệ, dữ liệu cá nhân, một kiểm tra không đạt), 2 dùng sai
    lệnh."""))
@option("--home", type=click.Path(file_okay=False), envvar="OPENDATA_HOME",
        help=lazy_gettext("Thư mục của danh mục [biến môi trường OPENDATA_HOME; mặc định ./opendata-home]."))
@option("--lang", type=click.Choice(LANGUAGES), is_eager=True, expose_value=False, callback=choose_language,
        help=lazy_gettext("Ngôn ngữ hiển thị: vi (mặc định) hoặc en [mặc định theo LC_ALL, LC_MESSAGES, LANG]."))
@click.version_option(package_name="hanoi-opendata")
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """The root group: every command works on the catalogue in ``--home``."""
    ctx.obj = Catalog(Home.resolve(home))


for _concern in CONCERNS:
    for _command in _concern.COMMANDS:
        main.add_command(_command)
