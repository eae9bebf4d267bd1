"""``opendata quality``: every dataset's quality scores, worst first, so a department knows what to fix first.

Why on the command line: the operator and each department's editor review their catalogue from the shell; the
same report as ``GET /api/v1/datasets/<name>/quality`` (``catalog/quality/``), over all datasets at once
(private ones included: this runs on the server), with ``--json`` for scripts.
"""

from __future__ import annotations

import click

from catalog import quality
from catalog.metadata import Catalog
from cli.common import emit_json, json_option, pass_catalog, print_table


def row_of(item: dict) -> dict:
    stars = item["stars"]
    return {"name": item["dataset"], "org": item["org"],
            "udata": f"{item['udata']['points']:g}/{item['udata']['max']:g}", "score": f"{item['score']:.2f}",
            "mqa": f"{item['mqa']['points']:g}", "rating": item["mqa"]["rating"],
            "stars": "★" * stars["stars"] + "☆" * (stars["max"] - stars["stars"]),
            "freshness": item["data"]["freshness"]["status"], "failing": len(quality.failing(item))}


@click.command("quality")
@click.option("--org", help="Only this organisation's datasets.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the hints in --json's 'failing' lists.")
@json_option
@pass_catalog
def quality_cmd(catalog: Catalog, org: str | None, lang: str, as_json: bool) -> None:
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
        emit_json([{**item, "failing": quality.failing(item, lang)} for item in reports])
        return
    print_table([row_of(item) for item in reports],
                [("name", "NAME"), ("org", "ORG"), ("udata", "UDATA"), ("score", "SCORE"), ("mqa", "MQA"),
                 ("rating", "RATING"), ("stars", "STARS"), ("freshness", "FRESHNESS"), ("failing", "FAILING")])


COMMANDS = (quality_cmd,)
