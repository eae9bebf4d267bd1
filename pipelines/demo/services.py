"""Generators of the city-service demo datasets: schools, online services, health aggregates and tourism.

Why generated: the city's report gives totals only (2,752 schools, 556 online services of 1,883 procedures,
878,888 health records, 114,998 screening samples, about 24 million visits in 2017), and the demo needs rows
that add up to them exactly. The totals are in ``data/report-2018.yaml``, the tables that shape the split in
``data/city-services.yaml`` and ``data/procedures.csv``; only the splitting rules live here.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from pipelines.demo.content import DISTRICTS, REPORT, REPORT_DATE, day, load_table, load_yaml
from pipelines.demo.environment import SEED, Generated
from pipelines.demo.files import allocate, seeded, write_csv, write_xlsx

CITY: dict[str, Any] = load_yaml("city-services.yaml")


def _rng(name: str) -> random.Random:
    return seeded(SEED, name)


# -- schools in online enrolment --------------------------------------------------------------------------------
def _school_rows(rng: random.Random) -> list[list[object]]:
    names = CITY["schools"]["names"]
    weights = [d["population"] ** 0.9 for d in DISTRICTS]
    rows = []
    seen: set[tuple[str, str]] = set()
    for spec in CITY["schools"]["levels"]:
        level, label, public_share = spec["level"], spec["label"], spec["public_share"]
        pool = names["kindergarten"] + names["places"] if level == "Mầm non" else names["heroes"] + names["places"]
        for district, n in zip(DISTRICTS, allocate(spec["schools"], weights), strict=True):
            for _ in range(n):
                public = rng.random() < public_share
                base = rng.choice(pool)
                prefix = f"Trường {label}" + ("" if public or level != "Mầm non" else " tư thục")
                name, k = f"{prefix} {base}", 2
                while (district["name"], name) in seen:  # same name twice in a district: number it
                    name, k = f"{prefix} {base} số {k}", k + 1
                seen.add((district["name"], name))
                pupils = max(40, min(4900, round(spec["mean_pupils"] * (1 if public else 0.55)
                                                 * math.exp(rng.gauss(0, 0.35)))))
                classes = max(1, min(150, round(pupils / (spec["class_size"] * rng.uniform(0.85, 1.1)))))
                rows.append([name, district["name"], level, "Công lập" if public else "Ngoài công lập", pupils,
                             classes])
    return rows


def schools(out: Path) -> Generated:
    """Every school in online enrolment; one year's applications add up to the reported total."""
    rng = _rng("schools")
    rows = _school_rows(rng)
    intake = CITY["schools"]["intake"]
    apps = allocate(REPORT["online_applications"], [r[4] * intake[r[2]] * rng.uniform(0.7, 1.3) for r in rows])
    rows = [[f"HN{i:04d}", *r, a] for i, (r, a) in enumerate(zip(rows, apps, strict=True), 1)]
    cols = ["school_id", "school_name", "district", "level", "ownership", "pupils", "classes", "online_applications"]
    return [write_csv(out / "schools.csv", cols, rows)], {}


# -- online services: the level-3/4 services --------------------------------------------------------------------
def service_candidates(field_name: str) -> list[tuple[str, str]]:
    """Every (service name, tier) ``data/procedures.csv`` describes for one field, in order.

    A procedure with actions ("Cấp;Cấp lại") stands for one service per action (``{act}`` replaced); its
    tiers ("TH") give one service per tier (city, district).
    """
    tiers = CITY["online_services"]["tiers"]
    out = []
    for row in load_table("procedures.csv"):
        if row["field"] != field_name:
            continue
        actions = row["actions"].split(";") if row["actions"] else [""]
        names = [row["procedure"].replace("{act}", act) for act in actions]
        out += [(name, tiers[t]) for name in names for t in row["tiers"]]
    return out


def online_services(out: Path) -> Generated:
    """The reported level-3 and level-4 services, spread over fields, tiers and start dates."""
    rng = _rng("online-services")
    spec = CITY["online_services"]
    city_tier = spec["tiers"]["T"]
    first_day = day(spec["first_day"])
    codes = rng.sample(range(1000, 13000), REPORT["online_services_level3"] + REPORT["online_services_level4"])
    rows = []
    for field in spec["fields"]:
        count = field["services"]
        chosen = rng.sample(service_candidates(field["field"]), count)
        fours = set(rng.sample(range(count), field["level4"]))
        for i, (name, tier) in enumerate(chosen):
            agency = (field["department"] if tier == city_tier
                      else "UBND cấp huyện" if tier == spec["tiers"]["H"] else "UBND cấp xã")
            start = first_day + timedelta(days=rng.randrange((REPORT_DATE - first_day).days))
            rows.append([name, field["field"], 4 if i in fours else 3, tier, agency, start.isoformat()])
    rows = [[f"{1 if r[3] == city_tier else 2}.{code:06d}", *r] for code, r in zip(codes, rows, strict=True)]
    cols = ["service_id", "service_name", "field", "level", "tier", "agency", "available_from"]
    return [write_csv(out / "online-services.csv", cols, rows)], {}


# -- ehealth-records and cancer-screening: district aggregates that sum to the reported totals --------------------
def ehealth_records(out: Path) -> Generated:
    rng = _rng("ehealth-records")
    records = allocate(REPORT["ehealth_records"], [d["population"] * rng.uniform(0.6, 1.4) for d in DISTRICTS])
    rows = [[d["name"], REPORT_DATE.isoformat(), n,
             d["wards_communes"] - (rng.randint(0, 3) if rng.random() < 0.3 else 0)]
            for d, n in zip(DISTRICTS, records, strict=True)]
    cols = ["district", "reported_on", "records", "health_stations"]
    return [write_csv(out / "ehealth-records.csv", cols, rows)], {}


def cancer_screening(out: Path) -> Generated:
    """An XLSX workbook, as the department sends it."""
    rng = _rng("cancer-screening")
    types = {t["type"]: t for t in CITY["cancer_types"]}
    keys = [(d, t) for d in DISTRICTS for t in types]
    samples = allocate(REPORT["cancer_screening_samples"],
                       [d["population"] * types[t]["share"] * rng.uniform(0.5, 1.5) for d, t in keys])
    rows = [[d["name"], REPORT_DATE, t, n, round(n * types[t]["suspected_rate"] * rng.uniform(0.6, 1.4))]
            for (d, t), n in zip(keys, samples, strict=True)]
    path = write_xlsx(out / "cancer-screening.xlsx", "Sàng lọc ung thư",
                      ["district", "reported_on", "cancer_type", "samples", "suspected"], rows)
    return [path], {}


# -- tourism-arrivals: monthly, with a corrected second version -------------------------------------------------
def tourism_years() -> dict[int, tuple[int, int]]:
    """year -> (domestic, international) visits; the report year's figures are the reported ones."""
    spec = CITY["tourism"]
    years = {y["year"]: (y["domestic"], y["international"]) for y in spec["years"]}
    international = REPORT["tourism_2017_international"]
    years[spec["report_year"]] = (REPORT["tourism_2017_total"] - international, international)
    return dict(sorted(years.items()))


def swap_digits(n: int) -> int:
    """A data-entry slip: the first two different neighbouring digits swapped."""
    s = list(str(n))
    i = next(i for i in range(len(s) - 1) if s[i] != s[i + 1])
    s[i], s[i + 1] = s[i + 1], s[i]
    return int("".join(s))


def tourism_arrivals(out: Path) -> Generated:
    """Monthly visits; version 1 has one mistyped month that version 2 corrects."""
    rng = _rng("tourism-arrivals")
    season = CITY["tourism"]["season"]
    rows = []
    for year, (dom_total, intl_total) in tourism_years().items():
        dom = allocate(dom_total, [w * rng.uniform(0.93, 1.07) for w in season["domestic"]])
        intl = allocate(intl_total, [w * rng.uniform(0.93, 1.07) for w in season["international"]])
        for month, (d, i) in enumerate(zip(dom, intl, strict=True), 1):
            revenue = (d * 1.55e6 * rng.uniform(0.95, 1.05) + i * 7.4e6 * rng.uniform(0.95, 1.05)) / 1e9
            rows.append([year, month, d, i, d + i, f"{revenue:.1f}"])
    typo = CITY["tourism"]["typo"]
    first = []
    for year, month, d, i, total, revenue in rows:
        if (year, month) == (typo["year"], typo["month"]):
            i = swap_digits(i)
            total = d + i
        first.append([year, month, d, i, total, revenue])
    cols = ["year", "month", "domestic", "international", "total", "revenue_billion_vnd"]
    return [write_csv(out / "tourism-arrivals-v1.csv", cols, first),
            write_csv(out / "tourism-arrivals-v2.csv", cols, rows)], {}
