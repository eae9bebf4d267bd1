"""Commands that exchange datasets with CKAN portals: ``harvest ckan`` and ``push ckan``.

Why together: they are the two directions of one feature (``pipelines/ckan/harvest.py`` and ``pipelines/ckan/push.py``),
share the same result shape (what was done, what was not and why), and print and exit the same way. Both
refuse portal URLs on private addresses unless ``OPENDATA_ALLOW_PRIVATE_URLS=true`` (``pipelines/outbound.py``).
"""

from __future__ import annotations

from typing import Any

import click

from catalog.i18n import lazy_gettext
from catalog.metadata import Catalog
from cli.common import emit_json, exit_with, option, pass_catalog, stderr_log


@click.group(help=lazy_gettext("""Nhập bộ dữ liệu từ các cổng dữ liệu khác.

    \b
    Ví dụ:
      opendata harvest ckan https://data.gov.vn --org so-gtvt
    """))
def harvest() -> None:
    """Import datasets from other portals.

    \b
    Example:
      opendata harvest ckan https://data.gov.vn --org so-gtvt
    """


@harvest.command("ckan", help=lazy_gettext("""Thu thập từ cổng CKAN ở URL: ánh xạ siêu dữ liệu, kiểm tra và công bố các tài nguyên dạng bảng.

    Chạy lại chỉ nhập những gì đã thay đổi; lần chạy bị dừng giữa chừng sẽ được lần sau làm tiếp. Tiến độ in
    ra stderr, phần tóm tắt ra stdout.

    \b
    Ví dụ:
      opendata harvest ckan https://data.gov.vn --org so-gtvt --into so-gtvt
      opendata harvest ckan https://demo.ckan.org --query "air quality" --since 2025-01-01 --json

    Mã thoát: 0 đã thu thập hết, 1 có bộ dữ liệu hoặc tài nguyên chưa nhập được (có liệt kê), 2 dùng sai lệnh.
    """))
@click.argument("url")
@option("--org", help=lazy_gettext("Chỉ các bộ dữ liệu của tổ chức này trên cổng."))
@option("--into", help=lazy_gettext("Đưa mọi bộ dữ liệu vào tổ chức cục bộ này (mặc định: tổ chức của cổng, được tạo nếu chưa có)."))
@option("--query", help=lazy_gettext("Chỉ các bộ dữ liệu khớp với tìm kiếm này (package_search q)."))
@option("--since", help=lazy_gettext("Chỉ các bộ dữ liệu sửa đổi từ ngày này (YYYY-MM-DD hoặc ISO 8601)."))
@option("--json", "as_json", is_flag=True, help=lazy_gettext("In toàn bộ kết quả (kèm báo cáo kiểm tra) dạng JSON."))
@pass_catalog
def harvest_ckan_cmd(catalog: Catalog, url: str, org: str | None, into: str | None, query: str | None,
                     since: str | None, as_json: bool) -> None:
    """Harvest a CKAN portal at URL: metadata mapped, tabular resources validated and published.

    Re-running imports only what changed; a run stopped half-way is finished by the next one. Progress goes
    to stderr, the summary to stdout.

    \b
    Example:
      opendata harvest ckan https://data.gov.vn --org so-gtvt --into so-gtvt
      opendata harvest ckan https://demo.ckan.org --query "air quality" --since 2025-01-01 --json

    Exit status: 0 everything harvested, 1 some datasets or resources not imported (listed), 2 a usage mistake.
    """
    from pipelines.ckan.harvest import harvest_ckan

    catalog.ensure_ready()
    log = None if as_json else stderr_log("  ")
    result = harvest_ckan(catalog, url, org=org, into=into, query=query, since=since, log=log)
    finish_sync(result, as_json)


@click.group(help=lazy_gettext("""Công bố các bộ dữ liệu của danh mục lên các cổng dữ liệu khác.

    \b
    Ví dụ:
      CKAN_API_TOKEN=… opendata push ckan https://ckan.hanoi.example --site-url https://data.hanoi.example
    """))
def push() -> None:
    """Publish the catalogue's datasets to other portals.

    \b
    Example:
      CKAN_API_TOKEN=… opendata push ckan https://ckan.hanoi.example --site-url https://data.hanoi.example
    """


@push.command("ckan", help=lazy_gettext("""Tạo hoặc cập nhật các gói tương ứng trên cổng CKAN ở URL (đẩy lần hai không thay đổi gì).

    Mỗi bộ dữ liệu công khai thành một gói (siêu dữ liệu ánh xạ như API CKAN của chúng ta trả về) có các tài
    nguyên trỏ tới địa chỉ tải xuống ổn định của danh mục này (--site-url).

    \b
    Ví dụ:
      opendata push ckan https://ckan.hanoi.example --token "$CKAN_TOKEN" --site-url https://data.hanoi.example
      opendata push ckan https://ckan.hanoi.example --dataset air-quality --org so-tnmt

    Mã thoát: 0 đã đẩy hết, 1 có bộ dữ liệu chưa đẩy được (có liệt kê), 2 dùng sai lệnh.
    """))
@click.argument("url")
@option("--token", envvar="CKAN_API_TOKEN", required=True, help=lazy_gettext("Mã API trên cổng [biến môi trường CKAN_API_TOKEN]."))
@option("--org", help=lazy_gettext("Tổ chức trên cổng (mặc định: tên tổ chức của từng bộ dữ liệu)."))
@option("--dataset", help=lazy_gettext("Chỉ đẩy bộ dữ liệu này (bộ dữ liệu riêng tư chỉ đẩy được cách này)."))
@option("--site-url", envvar="OPENDATA_SITE_URL", default="http://127.0.0.1:5000", show_default=True,
              help=lazy_gettext("Địa chỉ công khai của danh mục này, cho các liên kết tài nguyên [biến môi trường OPENDATA_SITE_URL]."))
@option("--json", "as_json", is_flag=True, help=lazy_gettext("In kết quả dạng JSON."))
@pass_catalog
def push_ckan_cmd(catalog: Catalog, url: str, token: str, org: str | None, dataset: str | None, site_url: str,
                  as_json: bool) -> None:
    """Create or update the matching packages on the CKAN portal at URL (a second push changes nothing).

    Each public dataset becomes a package (metadata mapped as our own CKAN API serves it) whose resources
    link to this catalogue's stable download URLs (--site-url).

    \b
    Example:
      opendata push ckan https://ckan.hanoi.example --token "$CKAN_TOKEN" --site-url https://data.hanoi.example
      opendata push ckan https://ckan.hanoi.example --dataset air-quality --org so-tnmt

    Exit status: 0 everything pushed, 1 some datasets not pushed (listed), 2 a usage mistake.
    """
    from pipelines.ckan.push import push_ckan

    catalog.ensure_ready()
    log = None if as_json else stderr_log("  ")
    result = push_ckan(catalog, url, token, site_url=site_url, org=org, dataset=dataset, log=log)
    finish_sync(result, as_json)


def finish_sync(result: Any, as_json: bool) -> None:
    """Print a harvest or push result (what was not done on stderr) and exit 1 unless all of it was done."""
    if as_json:
        emit_json(result.to_dict())
    else:
        for line in result.not_done():
            click.echo(line, err=True)
        click.echo(result.summary())
    exit_with(result.ok)


COMMANDS = (harvest, push)
