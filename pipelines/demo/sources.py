"""The messy sources the demo's ETL pipelines read, as departments really send them (all generated, synthetic).

Why messy on purpose: the pipelines exist to clean such files, so the demo must show the habits they undo:
the Sở Du lịch's yearly Excel report (title rows, one column per month, visits as numbers or as ``1.234.567``
text, revenue as ``1.234,5``), the monitoring system's daily air exports (``;``-separated, Vietnamese headers,
``35,2`` decimals, ``01/03/2024 13:00`` times, ``Q. Đống Đa`` spellings, re-sent rows) and the Sở Y tế's
record-level SQLite database (names, fake CCCD and phone numbers). The layouts, labels, stations and name lists
are in ``data/etl-sources.yaml`` and ``data/air-export-stations.csv``; only the writing rules live here.
"""

from __future__ import annotations

import csv
import math
import random
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipelines.demo.content import DISTRICTS, day, load_table, load_yaml
from pipelines.demo.environment import aqi_category, aqi_of
from pipelines.demo.files import seeded, vn_number
from pipelines.demo.services import CITY

SEED = "hanoi-opendata-etl-demo"
SOURCES: dict[str, Any] = load_yaml("etl-sources.yaml")
SYNTHETIC = SOURCES["synthetic_note"]


def _rng(name: str) -> random.Random:
    return seeded(SEED, name)


def air_export_stations() -> list[dict[str, Any]]:
    return load_table("air-export-stations.csv", latitude=float, longitude=float, level=float)


# -- tourism: yearly Excel reports, wide months -----------------------------------------------------------------
def _split(total: int, weights: list[float], rng: random.Random) -> list[int]:
    raw = [w * rng.uniform(0.94, 1.06) for w in weights]
    parts = [math.floor(total * r / sum(raw)) for r in raw]
    parts[-1] += total - sum(parts)
    return parts


def tourism_report_years() -> dict[int, dict[str, int]]:
    return {y["year"]: y for y in SOURCES["tourism_report"]["years"]}


def write_tourism_report(path: Path, year: int) -> Path:
    from openpyxl import Workbook

    spec = SOURCES["tourism_report"]
    season = CITY["tourism"]["season"]
    rng = _rng(f"tourism-{year}")
    totals = tourism_report_years()[year]
    domestic = _split(totals["domestic"], season["domestic"], rng)
    international = _split(totals["international"], season["international"], rng)
    total = [d + i for d, i in zip(domestic, international, strict=True)]
    revenue = [(d * 1.6e6 + i * 7.5e6) * rng.uniform(0.97, 1.03) / 1e9 for d, i in zip(domestic, international,
                                                                                          strict=True)]
    labels = spec["rows"]
    book = Workbook()
    sheet = book.active
    sheet.title = spec["sheet"]
    for line in spec["title"]:
        sheet.append([line.format(year=year)])
    sheet.append([])
    sheet.append(spec["header"] + [spec["month"].format(month=m) for m in range(1, 13)] + [spec["year_total"]])
    # Visits are numbers in some rows and dotted text in others, as typed by different staff.
    sheet.append([1, *labels["international"]] + international + [sum(international)])
    sheet.append([2, *labels["domestic"]] + [vn_number(v) for v in domestic] + [vn_number(sum(domestic))])
    sheet.append([3, *labels["total"]] + total + [sum(total)])
    sheet.append([4, *labels["revenue"]] + [vn_number(v, 1) for v in revenue] + [vn_number(sum(revenue), 1)])
    sheet.append([])
    sheet.append([None, spec["note"].format(synthetic=SYNTHETIC)])
    sheet.merge_cells("A1:P1")
    sheet.merge_cells("A2:P2")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


# -- air quality: daily exports, appended ------------------------------------------------------------------------
def air_export_days() -> list[date]:
    return [day(d) for d in SOURCES["air_export"]["days"]]


def write_air_export(path: Path, export_day: date) -> Path:
    rng = _rng(f"air-{export_day.isoformat()}")
    rows = []
    for hour in range(24):
        moment = datetime(export_day.year, export_day.month, export_day.day, hour)
        traffic = 1.3 if hour in (7, 8, 17, 18, 19) else (0.8 if hour < 5 else 1.0)
        for s in air_export_stations():
            pm25 = max(3.0, rng.gauss(48, 12) * s["level"] * traffic)
            aqi = aqi_of({"pm25": pm25})
            spaced = s["name"].replace(" ", "  ", 1) if rng.random() < 0.1 else s["name"]
            rows.append([s["station_id"], spaced, s["spelled"], vn_number(s["latitude"], 4),
                         vn_number(s["longitude"], 4), moment.strftime("%d/%m/%Y %H:%M"), vn_number(pm25, 1),
                         vn_number(pm25 * rng.uniform(1.3, 1.8), 1), vn_number(rng.uniform(15, 60), 1),
                         vn_number(rng.uniform(3, 15), 1), vn_number(rng.uniform(500, 1500), 0),
                         vn_number(rng.uniform(20, 90), 1), aqi, aqi_category(aqi)])
    rows += rows[-3:]  # the system re-sends its last batch
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(SOURCES["air_export"]["header"])
        writer.writerows(rows)
    return path


def air_district_spellings() -> dict[str, str]:
    """How the export spells a district -> the district's name (only the spellings that differ)."""
    return {s["spelled"]: s["district"] for s in air_export_stations() if s["spelled"] != s["district"]}


# -- e-health: record-level data in the department's database ------------------------------------------------------
def _ehealth_counts(rng: random.Random) -> dict[str, int]:
    spec = SOURCES["ehealth_database"]
    counts = dict(spec["small_districts"])  # pilot districts with few records so far
    others = [d for d in DISTRICTS if d["name"] not in counts]
    left = spec["records"] - sum(counts.values())
    weights = [d["population"] * rng.uniform(0.6, 1.4) for d in others]
    for d, w in zip(others, weights, strict=True):
        counts[d["name"]] = max(5, round(left * w / sum(weights)))
    return counts


def _ehealth_record(rng: random.Random, number: int, district: dict, stations: int) -> tuple:
    spec = SOURCES["ehealth_database"]
    name = district["name"]
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 80))
    male = rng.random() < 0.5
    century = (0 if male else 1) + (2 if born.year >= 2000 else 0)
    cccd = f"001{century}{born.year % 100:02d}{rng.randrange(10**6):06d}"
    phone = f"0{rng.choice('3579')}{rng.randrange(10**8):08d}"
    spelled = rng.choice(spec["prefixes"][district["type"]]) + name
    if rng.random() < 0.05:
        spelled = f" {spelled}  "
    created = day(spec["report_day"]) - timedelta(days=rng.randrange(900))
    person = f"{rng.choice(spec['family'])} {rng.choice(spec['middle'])} {rng.choice(spec['given'])}"
    return (f"HS{number:07d}", person, cccd, phone, born.strftime("%d/%m/%Y"), "Nam" if male else "Nữ", spelled,
            f"Trạm y tế {rng.randrange(1, stations + 1):02d} - {name}", created.strftime("%d/%m/%Y"))


def write_ehealth_database(path: Path) -> Path:
    """A department's SQLite database of record-level e-health records (all synthetic, fake IDs)."""
    rng = _rng("ehealth")
    counts = _ehealth_counts(rng)
    by_name = {d["name"]: d for d in DISTRICTS}
    rows = []
    for name in sorted(counts):
        district = by_name[name]
        stations = max(1, min(district["wards_communes"], 3 + counts[name] // 40))
        for _ in range(counts[name]):
            rows.append(_ehealth_record(rng, len(rows) + 1, district, stations))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE ho_so_suc_khoe (ma_ho_so TEXT PRIMARY KEY, ho_ten TEXT, so_cccd TEXT, so_dien_thoai "
               "TEXT, ngay_sinh TEXT, gioi_tinh TEXT, quan_huyen TEXT, tram_y_te TEXT, ngay_lap TEXT)")
    db.executemany("INSERT INTO ho_so_suc_khoe VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    return path


def ehealth_spellings() -> dict[str, str]:
    """Every prefixed spelling of a district the database uses -> the district's name."""
    prefixes = SOURCES["ehealth_database"]["prefixes"]
    return {prefix + d["name"]: d["name"] for d in DISTRICTS for prefix in prefixes[d["type"]] if prefix}
