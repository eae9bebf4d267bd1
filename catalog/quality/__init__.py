"""A quality report per dataset: data.gouv.fr's score, the EU MQA points, the open-data stars, and data quality.

Why several scores: each answers someone. Publishers in the city compare with data.gouv.fr's nine criteria
(``udata.py``), the national and European harvesters rate our DCAT-AP output with the MQA (``mqa.py``, read from
the graph ``catalog/dcat.py`` builds), reusers know the five stars (``stars.py``), and none of those looks at the
rows, so ``data.py`` adds what the validation summary, the privacy suppression and the publishing dates say.

``score`` (the udata score, 0..1, as data.gouv.fr's dumps carry it) is the one number for sorting and the dumps;
ties are broken by the MQA points. The API, the dataset page, the search sort, the dumps and ``opendata quality``
all call ``assess_many`` (one DCAT graph and two queries for a whole list of datasets) or ``assess``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from catalog import dcat
from catalog.metadata import Catalog
from catalog.quality import data, mqa, stars, udata
from catalog.quality.facts import gather

__all__ = ["assess", "assess_many", "failing", "order_worst_first", "rank", "rank_key", "scores"]


def report(facts) -> dict:
    d = facts.dataset
    udata_report = udata.assess(facts)
    mqa_report = mqa.assess(facts)
    return {"dataset": d["name"], "title": d.get("title") or d["name"], "org": d.get("org"),
            "score": udata_report["score"], "assessed_at": facts.now.isoformat(timespec="seconds"),
            "udata": udata_report, "mqa": mqa_report, "stars": stars.assess(facts), "data": data.assess(facts)}


def assess_many(catalog: Catalog, datasets: list[dict], *, links: dcat.Links | None = None,
                now: datetime | None = None) -> list[dict]:
    """The quality reports of ``datasets`` (Catalog dataset dicts the caller may show), in their order."""
    if not datasets:
        return []
    return [report(facts) for facts in gather(catalog, datasets, links=links, now=now or datetime.now(UTC))]


def assess(catalog: Catalog, dataset: dict, *, links: dcat.Links | None = None, now: datetime | None = None) -> dict:
    return assess_many(catalog, [dataset], links=links, now=now)[0]


def rank_key(item: dict) -> tuple:
    """Best first: higher udata score, then more MQA points, then the name."""
    return (-item["score"], -item["mqa"]["points"], item["dataset"])


def rank(catalog: Catalog, ids: list[str]) -> list[str]:
    """Dataset ids best first (``rank_key``): what ``sort=quality`` in search orders by."""
    by_id = catalog.datasets_by_id(ids)
    datasets = [by_id[i] for i in ids if i in by_id]
    ranked = sorted(zip(datasets, assess_many(catalog, datasets), strict=True), key=lambda pair: rank_key(pair[1]))
    return [dataset["id"] for dataset, _item in ranked]


def order_worst_first(reports: list[dict]) -> list[dict]:
    return sorted(reports, key=lambda r: (r["score"], r["mqa"]["points"], r["dataset"]))


def scores(catalog: Catalog, datasets: list[dict]) -> dict[str, dict]:
    """{dataset id: {"score", "mqa", "stars"}}: the figures the search sort and the dumps need."""
    return {d["id"]: {"score": r["score"], "mqa": r["mqa"]["points"], "stars": r["stars"]["stars"]}
            for d, r in zip(datasets, assess_many(catalog, datasets), strict=True)}


def failing(item: dict, lang: str = "vi") -> list[dict]:
    """Every failing check of a report, with its label and hint in ``lang``: what the panel and the CLI list."""
    lang = lang if lang in ("vi", "en") else "vi"
    groups = [("udata", item["udata"]["criteria"]), ("stars", item["stars"]["checks"])]
    groups += [(f"mqa.{dim['id']}", dim["checks"]) for dim in item["mqa"]["dimensions"]]
    return [{"group": group, "id": c["id"], "label": c["label"][lang], "hint": c["hint"][lang]}
            for group, checks in groups for c in checks if not c["passed"]]
