"""Commands that serve a catalogue over HTTP: ``serve`` and ``demo``.

Why together: both end in the same production server (``web/server.py``); ``demo`` first builds the demo
catalogue through the real publish pipeline (``pipelines/demo``), then serves it exactly as ``serve`` does.
"""

from __future__ import annotations

from typing import Any

import click

from catalog.home import Home
from catalog.i18n import format_number, lazy_gettext
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from cli.common import option, pass_catalog, stderr_log


@click.command(help=lazy_gettext("""Phục vụ danh mục qua HTTP (các trang, REST API, CKAN API, SQL, tải xuống).

    Yêu cầu được đọc trọn trước khi một luồng xử lý nhận nó, nên máy khách chậm chỉ giữ kết nối, không giữ
    luồng xử lý. Chạy đến khi nhấn Ctrl+C.

    \b
    Ví dụ:
      opendata serve --port 5000 --workers 4
      opendata serve --host 0.0.0.0 --trusted-proxy 10.0.0.2 --access-log
    """))
@option("--host", default="127.0.0.1", show_default=True, help=lazy_gettext("Giao diện mạng để lắng nghe."))
@option("--port", default=5000, show_default=True, type=int, help=lazy_gettext("Cổng TCP."))
@option("--workers", type=int, help=lazy_gettext("Số tiến trình xử lý [mặc định: 2-4 theo số CPU]."))
@option("--access-log", is_flag=True, help=lazy_gettext("Ghi mọi yêu cầu ra stdout."))
@option("--header-timeout", type=click.FloatRange(min=1), default=30, show_default=True,
              envvar="OPENDATA_SERVE_HEADER_TIMEOUT",
              help=lazy_gettext("Số giây máy khách có để gửi dòng yêu cầu và các header [biến môi trường OPENDATA_SERVE_HEADER_TIMEOUT]."))
@option("--body-timeout", type=click.FloatRange(min=1), default=900, show_default=True,
              envvar="OPENDATA_SERVE_BODY_TIMEOUT",
              help=lazy_gettext("Số giây máy khách có để gửi phần thân yêu cầu sau các header [biến môi trường OPENDATA_SERVE_BODY_TIMEOUT]."))
@option("--trusted-proxy", metavar="ADDRESS", envvar="OPENDATA_SERVE_TRUSTED_PROXY",
              help=lazy_gettext("Địa chỉ reverse proxy của bạn: tin các header X-Forwarded-For/-Proto của nó [biến môi trường OPENDATA_SERVE_TRUSTED_PROXY]."))
@pass_catalog
def serve(catalog: Catalog, host: str, port: int, workers: int | None, access_log: bool, header_timeout: float,
          body_timeout: float, trusted_proxy: str | None) -> None:
    """Serve the catalogue over HTTP (pages, REST API, CKAN API, SQL, downloads).

    Requests are read whole before a worker thread sees them, so slow clients hold connections, not workers.
    Runs until Ctrl+C.

    \b
    Example:
      opendata serve --port 5000 --workers 4
      opendata serve --host 0.0.0.0 --trusted-proxy 10.0.0.2 --access-log
    """
    serve_home(catalog, host=host, port=port, workers=workers, access_log=access_log,
               header_timeout=header_timeout, body_timeout=body_timeout, trusted_proxy=trusted_proxy)


@click.command(help=lazy_gettext("""Dựng danh mục mẫu (các sở của Hà Nội, mỗi lược đồ chuẩn một bộ dữ liệu) và phục vụ nó.

    Mọi bộ dữ liệu đi qua đúng quy trình công bố thật; ba quy trình ETL chạy trên các nguồn sinh ngẫu nhiên
    lộn xộn. Một mã của biên tập viên mẫu được ghi vào HOME/demo-token.txt.

    \b
    Ví dụ:
      opendata demo
      opendata demo --home /tmp/demo --no-serve --air-rows 1000
    """))
@option("--home", "demo_home", type=click.Path(file_okay=False), help=lazy_gettext("Dựng danh mục mẫu ở đây."))
@option("--no-serve", is_flag=True, help=lazy_gettext("Chỉ dựng danh mục mẫu; không phục vụ."))
@option("--host", default="127.0.0.1", show_default=True, help=lazy_gettext("Giao diện mạng để lắng nghe."))
@option("--port", default=5000, show_default=True, type=int, help=lazy_gettext("Cổng TCP."))
@option("--workers", type=int, help=lazy_gettext("Số tiến trình xử lý của máy chủ."))
@option("--air-rows", default=20000, show_default=True, type=int, help=lazy_gettext("Số dòng của dữ liệu chất lượng không khí mẫu."))
@click.pass_context
def demo(ctx: click.Context, demo_home: str | None, no_serve: bool, host: str, port: int, workers: int | None,
         air_rows: int) -> None:
    """Build the demo catalogue (Hanoi's departments, one dataset per standard schema) and serve it.

    Every dataset goes through the real publish pipeline; three ETL pipelines run over messy generated
    sources. A demo editor token is written to HOME/demo-token.txt.

    \b
    Example:
      opendata demo
      opendata demo --home /tmp/demo --no-serve --air-rows 1000
    """
    from pipelines.demo import build_demo

    catalog = Catalog(Home.resolve(demo_home)) if demo_home else ctx.obj
    click.echo(_("đang dựng danh mục mẫu trong {root} …", root=catalog.home.root), err=True)
    summary = build_demo(catalog, air_rows=air_rows, log=stderr_log("  "))
    stats = catalog.stats()
    click.echo(_("danh mục mẫu đã sẵn sàng: {orgs} tổ chức, {datasets} bộ dữ liệu, {versions} phiên bản",
                 orgs=format_number(stats["organizations"]), datasets=format_number(stats["datasets"]),
                 versions=format_number(stats["versions"])), err=True)
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
    click.echo(_("đang phục vụ {root} tại http://{host}:{port}/  (Ctrl+C để dừng)", root=catalog.home.root,
                 host=host, port=port), err=True)
    run_server(catalog.home, host=host, port=port, workers=workers, access_log=access_log, **settings)


COMMANDS = (serve, demo)
