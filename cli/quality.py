"""``opendata quality``: every dataset's quality scores, worst first, so a department knows what to fix first.

Why on the command line: the operator and each department's editor review their catalogue from the shell; the
same report as ``GET /api/v1/datasets/<name>/quality`` (``catalog/quality/``), over all datasets at once
(private ones included: this runs on the server), with ``--json`` for scripts.
"""

from __future__ import annotations

import click

from catalog import quality
from catalog.i18n import current_lang, format_number, lazy_gettext
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from cli.common import emit_json, json_option, option, pass_catalog, print_table


def row_of(item: dict) -> dict:
    stars = item["stars"]
    return {"name": item["dataset"], "org": item["org"],
            "udata": f"{item['udata']['points']:g}/{item['udata']['max']:g}", "score": format_number(item["score"], 2),
            "mqa": f"{item['mqa']['points']:g}", "rating": item["mqa"]["rating"],
            "stars": "★" * stars["stars"] + "☆" * (stars["max"] - stars["stars"]),
            "freshness": item["data"]["freshness"]["status"], "failing": len(quality.failing(item))}


@click.command("quality", help=lazy_gettext("""Liệt kê các bộ dữ liệu theo chất lượng, kém nhất trước: điểm data.gouv.fr (9 tiêu chí), điểm và xếp
    hạng EU MQA, số sao dữ liệu mở, độ mới so với tần suất đã khai báo, và số kiểm tra không đạt.

    \b
    Ví dụ:
      opendata quality --org so-tnmt
      opendata quality --json --lang en
    """))
@option("--org", help=lazy_gettext("Chỉ các bộ dữ liệu của tổ chức này."))
@option("--lang", type=click.Choice(["vi", "en"]),
              help=lazy_gettext("Ngôn ngữ của gợi ý trong danh sách 'failing' của --json [mặc định: ngôn ngữ của dòng lệnh]."))
@json_option
@pass_catalog
def quality_cmd(catalog: Catalog, org: str | None, lang: str | None, as_json: bool) -> None:
    """List datasets by quality, worst first: data.gouv.fr score (9 criteria), EU MQA points and rating,
    open-data stars, freshness against the declared frequency, and how many checks fail.

    \b
    Example:
      opendata quality --org so-tnmt
      opendata quality --json --lang en
    """
    catalog.ensure_ready()
    if org:
        catalog.get_org(org)  # an unknown organisation is a mistake, not an empty list
    reports = quality.order_worst_first(quality.assess_many(catalog, catalog.list_datasets(org)))
    if as_json:
        emit_json([{**item, "failing": quality.failing(item, lang or current_lang())} for item in reports])
        return
    print_table([row_of(item) for item in reports],
                [("name", _("TÊN")), ("org", _("TỔ CHỨC")), ("udata", "UDATA"), ("score", _("ĐIỂM")), ("mqa", "MQA"),
                 ("rating", _("XẾP HẠNG")), ("stars", _("SAO")), ("freshness", _("ĐỘ MỚI")),
                 ("failing", _("KHÔNG ĐẠT"))])


COMMANDS = (quality_cmd,)
