"""Generators of the environmental demo datasets: air quality, water quality, rainfall and flood points.

Why generated and not stored: the air series is sized by ``--air-rows`` (the load benchmark uses hundreds of
thousands of rows) and every series follows simple physical rules (seasons, rush hours, pollution episodes,
wet and dry seasons) so the explorer and charts show something plausible. The stations, curves and
breakpoints are data (``data/environment.yaml`` and the CSV files); only the rules live here. Each generator
returns the files it wrote (one per version, oldest first) and the facts its description quotes.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from catalog.errors import InvalidInput
from catalog.i18n import _
from pipelines.demo.content import DISTRICT, REPORT_DATE, day, load_table, load_yaml
from pipelines.demo.files import interp, lognormal, seeded, span, write_csv

SEED = "hanoi-opendata-demo-2018"
ENV: dict[str, Any] = load_yaml("environment.yaml")
AIR = ENV["air"]
POLLUTANTS = tuple(AIR["aqi_breakpoints"])
Generated = tuple[list[Path], dict[str, Any]]


def _rng(name: str) -> random.Random:
    return seeded(SEED, name)


def near(rng: random.Random, district: str, spread: float = 0.012) -> tuple[float, float]:
    """A point near a district's centroid."""
    d = DISTRICT[district]
    return (round(d["latitude"] + rng.uniform(-spread, spread), 5),
            round(d["longitude"] + rng.uniform(-spread, spread), 5))


def aqi_of(values: dict[str, float | None]) -> int | None:
    """VN_AQI-style index: the largest sub-index over the measured pollutants (None if none measured)."""
    subs = [interp(v, list(zip(AIR["aqi_breakpoints"][k], AIR["aqi_levels"], strict=True)))
            for k, v in values.items() if v is not None]
    return min(500, round(max(subs))) if subs else None


def aqi_category(aqi: int) -> str:
    """The Vietnamese label of an AQI value."""
    return next(c["label"] for c in AIR["aqi_categories"] if aqi <= c["up_to"])


def _bump(h: float, centre: float, width: float) -> float:
    return math.exp(-((h - centre) ** 2) / width)


def _air_stations(rng: random.Random) -> list[tuple]:
    stations = []
    for i, row in enumerate(load_table("air-stations.csv"), start=1):
        lat, lon = near(rng, row["district"], 0.01)
        dtype = DISTRICT[row["district"]]["type"]
        level = {"quận": 1.05, "thị xã": 0.9, "huyện": 0.82}[dtype] * math.exp(rng.gauss(0, 0.06))
        stations.append((f"HN-{i:03d}", row["name"], row["district"], f"{lat:.5f}", f"{lon:.5f}", row["kind"], level))
    return stations


def _air_reading(rng: random.Random, station: tuple, base: float, traffic: float, sun: float,
                 winter: float, stamp: str) -> list[object]:
    sid, name, district, lat, lon, kind, level = station
    outage = rng.random() < 0.002
    vals: dict[str, float | None] = {}
    pm25 = min(990.0, base * level * math.exp(rng.gauss(0, 0.15)))
    vals["pm25"] = pm25
    vals["pm10"] = min(1490.0, pm25 * rng.uniform(1.3, 1.8) + rng.uniform(0, 6))
    if kind == "full":
        vals["no2"] = 28 * level * traffic * (1 + 0.25 * winter) * math.exp(rng.gauss(0, 0.25))
        vals["so2"] = 9 * level * (1 + 0.2 * winter) * math.exp(rng.gauss(0, 0.35))
        vals["co"] = 950 * level * traffic * (1 + 0.2 * winter) * math.exp(rng.gauss(0, 0.25))
        vals["o3"] = 40 * sun * (1 - 0.3 * winter) * math.exp(rng.gauss(0, 0.3))
    cells: dict[str, float | None] = {}
    for k in POLLUTANTS:
        v = vals.get(k)
        missing = v is None or outage or rng.random() < 0.01
        cells[k] = None if missing else float(round(v)) if k == "co" else round(v, 1)
    aqi = aqi_of(cells)
    return [sid, name, district, lat, lon, stamp,
            *(None if cells[k] is None else f"{cells[k]:.0f}" if k == "co" else f"{cells[k]:.1f}" for k in POLLUTANTS),
            aqi, None if aqi is None else aqi_category(aqi)]


def air_rows(n: int) -> list[list[object]]:
    """``n`` readings, hour by hour, all stations each hour: a prefix of a longer series is the same rows."""
    rng = _rng("air-quality")
    stations = _air_stations(rng)
    start = datetime.fromisoformat(AIR["start"])
    rows: list[list[object]] = []
    episode = 0.0
    hour = 0
    while len(rows) < n:
        ts = start + timedelta(hours=hour)
        h, doy = ts.hour, ts.timetuple().tm_yday
        if h == 0:  # multi-day pollution episodes shared by the whole city
            episode = 0.7 * episode + rng.gauss(0, 0.3)
        winter = math.cos(2 * math.pi * (doy - 10) / 365.25)  # +1 mid-January, -1 mid-July
        base = (46 + 22 * winter) * math.exp(episode) * (
            1 + 0.25 * _bump(h, 7.5, 3) + 0.4 * _bump(h, 20.5, 5) - 0.3 * _bump(h, 14, 8))
        traffic = 0.55 + 0.6 * _bump(h, 7.5, 3) + 0.55 * _bump(h, 18, 4)
        sun = 0.35 + 1.3 * _bump(h, 13.5, 9)
        stamp = ts.strftime("%Y-%m-%dT%H:%M:%S")
        for station in stations[: n - len(rows)]:
            rows.append(_air_reading(rng, station, base, traffic, sun, winter, stamp))
        hour += 1
    return rows


def air_quality(out: Path, air_rows_count: int) -> Generated:
    """Three versions, whole-hour prefixes: the network "uploads" 1/3, 2/3, then all of the period."""
    if air_rows_count < 3:
        raise InvalidInput(_("--air-rows phải ít nhất là 3 (mỗi phiên bản một dòng), không phải {count}",
                             count=air_rows_count))
    rows = air_rows(air_rows_count)
    n_st = len(load_table("air-stations.csv"))
    cuts: list[int] = []
    for k in (1, 2):
        cut = air_rows_count * k // 3
        whole_hours = cut // n_st * n_st
        cuts.append(whole_hours if whole_hours > (cuts[-1] if cuts else 0) else cut)
    cuts.append(air_rows_count)
    files = [write_csv(out / f"air-quality-v{i}.csv", AIR["columns"], rows[:cut]) for i, cut in enumerate(cuts, 1)]
    last = datetime.fromisoformat(str(rows[-1][5])).date()
    start = datetime.fromisoformat(AIR["start"]).date()
    return files, {"stations": n_st, "temporal_coverage": span(start, last)}


# -- water quality ----------------------------------------------------------------------------------------------
WATER = ENV["water"]


def wqi_of(do: float, bod5: float, cod: float, nh4: float, po4: float, tss: float, coliform: float) -> int:
    """Simplified water-quality index (1–100): organic, nutrient and silt scores weighted with coliform."""
    c = WATER["wqi_curves"]
    organic = (interp(do, c["do"]) + interp(bod5, c["bod5"]) + interp(cod, c["cod"])
               + interp(nh4, c["nh4"]) + interp(po4, c["po4"]) + interp(tss, c["tss"])) / 6
    return max(1, min(100, round(organic ** (2 / 3) * interp(coliform, c["coliform"]) ** (1 / 3))))


def wqi_category(wqi: int) -> str:
    return next(c["label"] for c in WATER["wqi_categories"] if wqi <= c["up_to"])


def _water_sample(rng: random.Random, point: tuple, y: int, m: int) -> list[object]:
    sid, name, body, district, lat, lon, cls = point
    dry = m in (11, 12, 1, 2, 3, 4)
    temp = 24.5 - 6.5 * math.cos(2 * math.pi * (m - 1) / 12)
    median = WATER["classes"][cls]
    # Drains carry more sewage than rain in the dry season; the Red River carries silt in the wet one.
    stress = (1.2 if dry else 0.85) if cls in ("polluted", "severe") else 1.0
    silt = (3 if dry else 5) if name.startswith("Sông Hồng") else 1
    bod = median["bod5"] * stress * lognormal(rng, 0.3)
    cod = bod * rng.uniform(1.6, 2.4)
    nh4 = median["nh4"] * stress * lognormal(rng, 0.35)
    po4 = median["po4"] * stress * lognormal(rng, 0.35)
    coli = int(round(median["coliform"] * stress * lognormal(rng, 0.5), -1))
    do = max(0.2, min(9.5, median["do"] / stress + rng.gauss(0, 0.5)))
    tss = median["tss"] * silt * lognormal(rng, 0.35)
    do, bod, cod, tss = round(do, 2), round(bod, 1), round(cod, 1), round(tss, 1)
    nh4, po4 = round(nh4, 2), round(po4, 3)
    wqi = wqi_of(do, bod, cod, nh4, po4, tss, coli)  # from the published (rounded) values
    return [sid, name, body, district, f"{lat:.5f}", f"{lon:.5f}", date(y, m, rng.randint(8, 20)).isoformat(),
            f"{temp + rng.gauss(0, 1):.1f}", f"{rng.uniform(6.6, 8.2):.2f}", f"{do:.2f}", f"{bod:.1f}",
            f"{cod:.1f}", f"{tss:.1f}", f"{nh4:.2f}", f"{po4:.3f}", coli, wqi, wqi_category(wqi)]


def water_quality(out: Path) -> Generated:
    """Monthly samples at rivers and lakes, each point following its pollution class."""
    rng = _rng("water-quality")
    cols = ["station_id", "station_name", "water_body", "district", "latitude", "longitude", "sampled_on",
            "temperature_c", "ph", "do_mg_l", "bod5_mg_l", "cod_mg_l", "tss_mg_l", "nh4_n_mg_l", "po4_p_mg_l",
            "coliform_mpn_100ml", "wqi", "wqi_category"]
    points = [(f"NM-{i:03d}", p["name"], p["water_body"], p["district"], *near(rng, p["district"]), p["pollution"])
              for i, p in enumerate(load_table("water-points.csv"), 1)]
    rows = [_water_sample(rng, point, y, m) for y in WATER["years"] for m in range(1, 13) for point in points]
    return [write_csv(out / "water-quality.csv", cols, rows)], {"points": len(points)}


# -- rainfall ---------------------------------------------------------------------------------------------------
def rainfall(out: Path) -> Generated:
    """Daily totals at rain gauges; the CSV uses Vietnamese Excel export habits (BOM, ``;``, CRLF)."""
    rain = ENV["rainfall"]
    rng = _rng("rainfall")
    stations = [(f"MUA-{i:02d}", f"Trạm đo mưa {s['name']}", s["district"], math.exp(rng.gauss(0, 0.08)))
                for i, s in enumerate(load_table("rain-stations.csv"), 1)]
    first, last = day(rain["first"]), day(rain["last"])
    rows = []
    current = first
    while current <= last:
        m = current.month - 1
        days_in_month = ((current.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
        chance, normal = rain["wet_day_chance"][m], rain["monthly_normal_mm"][m]
        wet = rng.random() < chance
        # per wet day and station, divided by the mean of the station noise below (exp(0.45²/2))
        mean_wet = normal / (days_in_month * chance * 0.85 * math.exp(0.45**2 / 2))
        storm = rng.gammavariate(0.8, mean_wet / 0.8) if wet else 0.0
        for sid, name, district, bias in stations:
            amount = 0.0
            if wet and rng.random() < 0.85:
                amount = min(999.0, storm * bias * math.exp(rng.gauss(0, 0.45)))
            amount = round(amount, 1)
            peak = math.floor(amount * rng.uniform(0.25, 0.7 if amount > 20 else 1.0) * 10) / 10
            missing = rng.random() < 0.003
            rows.append([sid, name, district, current.isoformat(),
                         None if missing else f"{amount:.1f}", None if missing else f"{min(peak, 299.9):.1f}"])
        current += timedelta(days=1)
    cols = ["station_id", "station_name", "district", "observed_on", "rainfall_mm", "max_1h_mm"]
    path = write_csv(out / "rainfall.csv", cols, rows, delimiter=";", newline="\r\n", bom=True)
    return [path], {"stations": len(stations)}


# -- flood points -----------------------------------------------------------------------------------------------
def flood_points(out: Path) -> Generated:
    """The streets that flood in heavy rain, with synthetic depths, times and repair status."""
    rng = _rng("flood-points")
    rows = []
    for i, point in enumerate(load_table("flood-points.csv"), 1):
        lat, lon = near(rng, point["district"], 0.008)
        status = rng.choices(["Chưa xử lý", "Đang xử lý", "Đã xử lý"], weights=[5, 3, 2])[0]
        depth = rng.randint(15, 70) if status != "Đã xử lý" else rng.randint(5, 25)
        last = REPORT_DATE - timedelta(days=rng.randint(3, 400))
        rows.append([f"UN-{i:03d}", point["location"], point["district"], f"{lat:.5f}", f"{lon:.5f}", depth,
                     rng.randrange(50, 1200, 10), rng.choice([40, 50, 60, 70, 80, 100]),
                     rng.randrange(30, 360, 15), status, last.isoformat()])
    cols = ["point_id", "location", "district", "latitude", "longitude", "max_depth_cm", "flooded_length_m",
            "rain_threshold_mm", "drain_time_min", "status", "last_flooded_on"]
    return [write_csv(out / "flood-points.csv", cols, rows)], {"points": len(rows)}
