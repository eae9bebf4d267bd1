"""Deterministic demo data for the catalogue: one dataset per standard schema, written as source files.

`opendata demo` publishes these files through the real publish pipeline, so they are ordinary CSV/XLSX
files a department could have sent. Totals come from the city's public reporting (September 2018) where
it gives one: 30 district-level units, 556 level-3/4 online services (386 level 3, 170 level 4) of 1,883
procedures, 2,752 schools in online enrolment, 878,888 electronic health records, 114,998 cancer-screening
samples, about 24 million tourist visits in 2017 of which 5 million international. Everything finer
grained (per district, per month, per station) is synthetic ("mô phỏng") and each description says so.

Every generator is seeded from a fixed string and never reads the clock, so the same call writes the same
bytes (XLSX timestamps included) on every run. Values are canonical (``1234.5``, ISO dates) because the
standard schemas describe the published form; one CSV uses the Vietnamese Excel export habits that need
no dialect (UTF-8 BOM, ``;`` delimiter, CRLF line ends) and one dataset is an XLSX workbook.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

SEED = "hanoi-opendata-demo-2018"
REPORT_DATE = date(2018, 9, 30)  # the city's e-government report the totals come from
SYNTHETIC_NOTE = (
    "**Dữ liệu mô phỏng** (synthetic) phục vụ trình diễn: không phải số liệu chính thức."
)

# Figures from the city's public reporting (see module docstring).
ONLINE_SERVICES_LEVEL3 = 386
ONLINE_SERVICES_LEVEL4 = 170
ADMIN_PROCEDURES = 1_883
SCHOOLS_ONLINE_ENROLMENT = 2_752
ONLINE_APPLICATIONS = 251_206  # "over 250,000 families"; the exact figure is synthetic
EHEALTH_RECORDS = 878_888
CANCER_SCREENING_SAMPLES = 114_998
TOURISM_2017_TOTAL = 23_830_000  # "nearly 24 million"
TOURISM_2017_INTERNATIONAL = 5_000_000

DEPARTMENTS: list[dict] = [
    {"name": "so-tnmt", "title": "Sở Tài nguyên và Môi trường", "title_en": "Department of Natural Resources and Environment",
     "description": "Quan trắc môi trường không khí, nước, lượng mưa; đất đai, tài nguyên nước, khoáng sản."},
    {"name": "so-gddt", "title": "Sở Giáo dục và Đào tạo", "title_en": "Department of Education and Training",
     "description": "Mạng lưới trường học, tuyển sinh trực tuyến, sổ điểm điện tử."},
    {"name": "so-yte", "title": "Sở Y tế", "title_en": "Department of Health",
     "description": "Hồ sơ sức khỏe điện tử, sàng lọc phát hiện sớm ung thư; chỉ công bố số tổng hợp."},
    {"name": "so-du-lich", "title": "Sở Du lịch", "title_en": "Department of Tourism",
     "description": "Thống kê lượt khách và doanh thu du lịch."},
    {"name": "so-xay-dung", "title": "Sở Xây dựng", "title_en": "Department of Construction",
     "description": "Quy hoạch, cấp phép xây dựng, thoát nước và chống úng ngập đô thị."},
    {"name": "so-tu-phap", "title": "Sở Tư pháp", "title_en": "Department of Justice",
     "description": "Hộ tịch, chứng thực, lý lịch tư pháp, bổ trợ tư pháp."},
    {"name": "so-tttt", "title": "Sở Thông tin và Truyền thông", "title_en": "Department of Information and Communications",
     "description": "Chính quyền điện tử, cổng dịch vụ công trực tuyến, dữ liệu mở và danh mục dùng chung."},
    {"name": "so-gtvt", "title": "Sở Giao thông vận tải", "title_en": "Department of Transport",
     "description": "Giao thông công cộng, điều khiển giao thông thông minh."},
]

# The 30 district-level units, 2018 structure, in the order of the national code list.
# Columns: code, name, ASCII name, type, wards/communes, area km² (approx.), population (approx.,
# rounded to thousands), centroid lat, lon (approx.). Area, population and centroid are illustrative
# (SYNTHETIC_DISTRICT_FIELDS); code, name, type and the 584 wards/communes follow the 2018 structure.
_DISTRICT_TABLE = """
001|Ba Đình|Ba Dinh|quận|14|9.21|222000|21.0340|105.8190
002|Hoàn Kiếm|Hoan Kiem|quận|18|5.29|136000|21.0285|105.8520
003|Tây Hồ|Tay Ho|quận|8|24.39|160000|21.0680|105.8180
004|Long Biên|Long Bien|quận|14|59.82|323000|21.0390|105.8960
005|Cầu Giấy|Cau Giay|quận|8|12.32|293000|21.0330|105.7920
006|Đống Đa|Dong Da|quận|21|9.95|372000|21.0150|105.8270
007|Hai Bà Trưng|Hai Ba Trung|quận|20|10.26|304000|21.0060|105.8560
008|Hoàng Mai|Hoang Mai|quận|14|40.19|506000|20.9770|105.8580
009|Thanh Xuân|Thanh Xuan|quận|11|9.17|293000|20.9960|105.8100
016|Sóc Sơn|Soc Son|huyện|26|305.51|343000|21.2570|105.8410
017|Đông Anh|Dong Anh|huyện|24|185.62|382000|21.1380|105.8470
018|Gia Lâm|Gia Lam|huyện|22|116.71|293000|21.0220|105.9490
019|Nam Từ Liêm|Nam Tu Liem|quận|10|32.19|264000|21.0170|105.7640
020|Thanh Trì|Thanh Tri|huyện|16|63.49|263000|20.9380|105.8410
021|Bắc Từ Liêm|Bac Tu Liem|quận|13|45.32|334000|21.0710|105.7640
250|Mê Linh|Me Linh|huyện|18|142.46|242000|21.1790|105.7180
268|Hà Đông|Ha Dong|quận|17|49.64|398000|20.9630|105.7700
269|Sơn Tây|Son Tay|thị xã|15|117.20|146000|21.1200|105.4800
271|Ba Vì|Ba Vi|huyện|31|423.00|283000|21.1600|105.3800
272|Phúc Thọ|Phuc Tho|huyện|23|118.63|185000|21.1050|105.5650
273|Đan Phượng|Dan Phuong|huyện|16|77.83|167000|21.0950|105.6700
274|Hoài Đức|Hoai Duc|huyện|20|84.93|277000|21.0300|105.7000
275|Quốc Oai|Quoc Oai|huyện|21|151.22|200000|20.9900|105.6200
276|Thạch Thất|Thach That|huyện|23|184.59|211000|21.0350|105.5550
277|Chương Mỹ|Chuong My|huyện|32|237.48|337000|20.8900|105.6600
278|Thanh Oai|Thanh Oai|huyện|21|123.85|211000|20.8600|105.7800
279|Thường Tín|Thuong Tin|huyện|29|130.41|255000|20.8500|105.8700
280|Phú Xuyên|Phu Xuyen|huyện|28|171.10|229000|20.7300|105.9100
281|Ứng Hòa|Ung Hoa|huyện|29|188.18|211000|20.7200|105.7800
282|Mỹ Đức|My Duc|huyện|22|226.25|197000|20.6800|105.7400
"""
SYNTHETIC_DISTRICT_FIELDS = ("area_km2", "population", "latitude", "longitude")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _parse_districts() -> list[dict]:
    out = []
    for line in _DISTRICT_TABLE.strip().splitlines():
        code, name, ascii_name, kind, wards, area, pop, lat, lon = line.split("|")
        out.append({
            "code": code, "name": _nfc(name), "name_ascii": ascii_name, "type": _nfc(kind),
            "wards_communes": int(wards), "area_km2": float(area), "population": int(pop),
            "latitude": float(lat), "longitude": float(lon),
            "synthetic": list(SYNTHETIC_DISTRICT_FIELDS),
        })
    return out


DISTRICTS: list[dict] = _parse_districts()
_DISTRICT = {d["name"]: d for d in DISTRICTS}


@dataclass
class DemoDataset:
    """What `opendata demo` publishes for one dataset: its metadata and its source files."""

    name: str
    org: str
    schema: str
    title: str
    title_en: str
    description: str
    license: str
    tags: list[str]
    frequency: str
    source: str
    temporal_coverage: str
    spatial_coverage: str = "Hà Nội"
    files: list[Path] = field(default_factory=list)  # one per version, oldest first


# ---------------------------------------------------------------------------------------------------------
# Small shared helpers


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *,
               delimiter: str = ",", newline: str = "\n", bom: bool = False) -> Path:
    """Write a UTF-8 CSV; ``None`` becomes an empty cell, text is NFC."""
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator=newline)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else _nfc(v) if isinstance(v, str) else v for v in row])
    return path


_FIXED_ZIP_TIME = (2018, 9, 30, 0, 0, 0)


def _write_xlsx(path: Path, sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write a one-sheet workbook whose bytes do not depend on the clock.

    openpyxl stamps the save time into docProps/core.xml and the zip entries, so the workbook is
    re-zipped with fixed times: the same rows always give the same sha256.
    """
    from openpyxl import Workbook  # imported here: only the demo needs it

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append([_nfc(v) if isinstance(v, str) else v for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    stamp = datetime(*_FIXED_ZIP_TIME)
    wb.properties.creator = "Hanoi Open Data demo"
    wb.properties.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    fixed_w3c = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + fixed_w3c.encode() + rb"\g<2>", data)
            zout.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME), data,
                          compress_type=zipfile.ZIP_DEFLATED)
    return path


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that sum exactly to ``total``."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    out = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in by_remainder[: total - sum(out)]:
        out[i] += 1
    return out


def _interp(x: float, points: Sequence[tuple[float, float]]) -> float:
    """Piecewise-linear y(x) through ``points`` (sorted by x), flat outside them."""
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def _near(rng: random.Random, district: str, spread: float = 0.012) -> tuple[float, float]:
    d = _DISTRICT[district]
    return (round(d["latitude"] + rng.uniform(-spread, spread), 5),
            round(d["longitude"] + rng.uniform(-spread, spread), 5))


def _lognormal(rng: random.Random, sigma: float) -> float:
    """A multiplicative noise factor with median 1."""
    return math.exp(rng.gauss(0, sigma))


def _rng(name: str) -> random.Random:
    return random.Random(f"{SEED}:{name}")  # str seeds are hashed with SHA-512: stable across runs


def _span(first: date, last: date) -> str:
    return f"{first.isoformat()}/{last.isoformat()}"


# ---------------------------------------------------------------------------------------------------------
# hanoi-districts


def _districts(out: Path) -> DemoDataset:
    cols = ["code", "name", "name_ascii", "type", "wards_communes", "area_km2", "population", "latitude", "longitude"]
    path = _write_csv(out / "hanoi-districts.csv", cols,
                      ([d[c] for c in cols] for d in DISTRICTS))
    return DemoDataset(
        name="hanoi-districts", org="so-tttt", schema="districts",
        title="Danh mục quận, huyện, thị xã của Hà Nội",
        title_en="Hanoi district-level units",
        description=(
            "Danh mục 30 đơn vị hành chính cấp huyện của Hà Nội theo cơ cấu năm 2018: 12 quận, 17 huyện và "
            "thị xã Sơn Tây, gồm 584 xã, phường, thị trấn. Các bộ dữ liệu khác tham chiếu cột `name` của bảng này.\n\n"
            "Mã, tên, loại đơn vị và số xã, phường, thị trấn theo cơ cấu hành chính năm 2018. Diện tích, dân số và "
            "toạ độ tâm là **số xấp xỉ, làm tròn, chỉ để minh hoạ** (mô phỏng), không phải số liệu chính thức."
        ),
        license="CC0-1.0", tags=["hanh-chinh", "danh-muc", "quan-huyen"], frequency="yearly",
        source="Danh mục đơn vị hành chính (cơ cấu năm 2018); diện tích, dân số, toạ độ: mô phỏng",
        temporal_coverage="2018", files=[path],
    )


# ---------------------------------------------------------------------------------------------------------
# air-quality: hourly readings at 40 stations (same columns as the shared benchmark table)

AIR_START = datetime(2018, 1, 1, 0, 0, 0)
AIR_COLUMNS = ["station_id", "station_name", "district", "latitude", "longitude", "observed_at",
               "pm25", "pm10", "no2", "so2", "co", "o3", "aqi", "aqi_category"]
# (name, district, kind): "full" stations measure all six pollutants, "pm" sensors only dust.
AIR_STATIONS = [
    ("Trạm Phúc Xá", "Ba Đình", "full"), ("Trạm Liễu Giai", "Ba Đình", "pm"),
    ("Trạm Tràng Tiền", "Hoàn Kiếm", "full"), ("Trạm Hàng Bông", "Hoàn Kiếm", "pm"),
    ("Trạm Xuân La", "Tây Hồ", "full"), ("Trạm Nhật Tân", "Tây Hồ", "pm"),
    ("Trạm Bồ Đề", "Long Biên", "full"), ("Trạm Việt Hưng", "Long Biên", "pm"),
    ("Trạm Dịch Vọng", "Cầu Giấy", "full"), ("Trạm Trung Hòa", "Cầu Giấy", "pm"),
    ("Trạm Láng Thượng", "Đống Đa", "full"), ("Trạm Ô Chợ Dừa", "Đống Đa", "pm"),
    ("Trạm Bạch Mai", "Hai Bà Trưng", "full"), ("Trạm Vĩnh Tuy", "Hai Bà Trưng", "pm"),
    ("Trạm Giáp Bát", "Hoàng Mai", "full"), ("Trạm Lĩnh Nam", "Hoàng Mai", "pm"),
    ("Trạm Nhân Chính", "Thanh Xuân", "full"), ("Trạm Kim Giang", "Thanh Xuân", "pm"),
    ("Trạm Mễ Trì", "Nam Từ Liêm", "full"), ("Trạm Cầu Diễn", "Nam Từ Liêm", "pm"),
    ("Trạm Cổ Nhuế", "Bắc Từ Liêm", "full"), ("Trạm Thượng Cát", "Bắc Từ Liêm", "pm"),
    ("Trạm Mộ Lao", "Hà Đông", "full"), ("Trạm La Khê", "Hà Đông", "pm"),
    ("Trạm Quang Trung", "Sơn Tây", "full"), ("Trạm Tản Lĩnh", "Ba Vì", "full"),
    ("Trạm Xuân Mai", "Chương Mỹ", "pm"), ("Trạm Phùng", "Đan Phượng", "pm"),
    ("Trạm Uy Nỗ", "Đông Anh", "full"), ("Trạm Trâu Quỳ", "Gia Lâm", "full"),
    ("Trạm Kim Chung", "Hoài Đức", "pm"), ("Trạm Quang Minh", "Mê Linh", "pm"),
    ("Trạm Đại Nghĩa", "Mỹ Đức", "pm"), ("Trạm Phú Minh", "Phú Xuyên", "pm"),
    ("Trạm Sài Sơn", "Quốc Oai", "pm"), ("Trạm Phù Linh", "Sóc Sơn", "full"),
    ("Trạm Liên Quan", "Thạch Thất", "pm"), ("Trạm Văn Điển", "Thanh Trì", "full"),
    ("Trạm Tô Hiệu", "Thường Tín", "pm"), ("Trạm Vân Đình", "Ứng Hòa", "pm"),
]
AQI_CATEGORIES = [(50, "Tốt"), (100, "Trung bình"), (150, "Kém"), (200, "Xấu"), (300, "Rất xấu"), (500, "Nguy hại")]
_AQI_LEVELS = (0, 50, 100, 150, 200, 300, 400, 500)
# µg/m³ breakpoints for the VN_AQI sub-indices (Decision 1459/QĐ-TCMT, 2019; hourly values used as is).
AQI_BREAKPOINTS = {
    "pm25": (0, 25, 50, 80, 150, 250, 350, 500),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "no2": (0, 100, 200, 700, 1200, 2350, 3100, 3850),
    "so2": (0, 125, 350, 550, 800, 1600, 2100, 2630),
    "co": (0, 10000, 30000, 45000, 60000, 90000, 120000, 150000),
    "o3": (0, 160, 200, 300, 400, 800, 1000, 1200),
}
_POLLUTANTS = ("pm25", "pm10", "no2", "so2", "co", "o3")


def aqi_of(values: dict[str, float | None]) -> int | None:
    """VN_AQI-style index: the largest sub-index over the measured pollutants (None if none measured)."""
    subs = [_interp(v, list(zip(AQI_BREAKPOINTS[k], _AQI_LEVELS, strict=True)))
            for k, v in values.items() if v is not None]
    return min(500, round(max(subs))) if subs else None


def aqi_category(aqi: int) -> str:
    """The Vietnamese label of an AQI value."""
    return next(label for top, label in AQI_CATEGORIES if aqi <= top)


def _bump(h: float, centre: float, width: float) -> float:
    return math.exp(-((h - centre) ** 2) / width)


def _air_rows(n: int) -> list[list[object]]:
    """``n`` readings, hour by hour, all stations each hour: a prefix of a longer series is the same rows."""
    rng = _rng("air-quality")
    stations = []
    for i, (name, district, kind) in enumerate(AIR_STATIONS, start=1):
        lat, lon = _near(rng, district, 0.01)
        dtype = _DISTRICT[district]["type"]
        level = {"quận": 1.05, "thị xã": 0.9, "huyện": 0.82}[dtype] * math.exp(rng.gauss(0, 0.06))
        stations.append((f"HN-{i:03d}", name, district, f"{lat:.5f}", f"{lon:.5f}", kind, level))
    rows: list[list[object]] = []
    episode = 0.0
    hour = 0
    while len(rows) < n:
        ts = AIR_START + timedelta(hours=hour)
        h, doy = ts.hour, ts.timetuple().tm_yday
        if h == 0:  # multi-day pollution episodes shared by the whole city
            episode = 0.7 * episode + rng.gauss(0, 0.3)
        winter = math.cos(2 * math.pi * (doy - 10) / 365.25)  # +1 mid-January, -1 mid-July
        base = (46 + 22 * winter) * math.exp(episode) * (
            1 + 0.25 * _bump(h, 7.5, 3) + 0.4 * _bump(h, 20.5, 5) - 0.3 * _bump(h, 14, 8))
        traffic = 0.55 + 0.6 * _bump(h, 7.5, 3) + 0.55 * _bump(h, 18, 4)
        sun = 0.35 + 1.3 * _bump(h, 13.5, 9)
        stamp = ts.strftime("%Y-%m-%dT%H:%M:%S")
        for sid, name, district, lat, lon, kind, level in stations:
            if len(rows) >= n:
                break
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
            for k in _POLLUTANTS:
                v = vals.get(k)
                missing = v is None or outage or rng.random() < 0.01
                cells[k] = None if missing else float(round(v)) if k == "co" else round(v, 1)
            aqi = aqi_of(cells)
            rows.append([
                sid, name, district, lat, lon, stamp,
                *(None if cells[k] is None else f"{cells[k]:.0f}" if k == "co" else f"{cells[k]:.1f}" for k in _POLLUTANTS),
                aqi, None if aqi is None else aqi_category(aqi),
            ])
        hour += 1
    return rows


def _air_quality(out: Path, air_rows: int) -> DemoDataset:
    if air_rows < 3:
        raise ValueError("air_rows must be at least 3 (one row per version)")
    rows = _air_rows(air_rows)
    n_st = len(AIR_STATIONS)
    # Versions are whole-hour prefixes: the station network "uploads" 1/3, 2/3, then all of the period.
    cuts: list[int] = []
    for k in (1, 2):
        cut = air_rows * k // 3
        whole_hours = cut // n_st * n_st
        cuts.append(whole_hours if whole_hours > (cuts[-1] if cuts else 0) else cut)
    cuts.append(air_rows)
    files = [_write_csv(out / f"air-quality-v{i}.csv", AIR_COLUMNS, rows[:cut]) for i, cut in enumerate(cuts, 1)]
    last = datetime.fromisoformat(str(rows[-1][5])).date()
    return DemoDataset(
        name="air-quality", org="so-tnmt", schema="air_quality",
        title="Quan trắc chất lượng không khí theo giờ",
        title_en="Hourly air-quality monitoring",
        description=(
            f"Nồng độ trung bình 1 giờ của PM2.5, PM10, NO2, SO2, CO, O3 tại {n_st} trạm quan trắc tự động và cảm biến bụi, "
            "kèm chỉ số VN_AQI giờ và mức chất lượng không khí. Thời gian theo giờ Hà Nội (UTC+07:00).\n\n"
            f"{SYNTHETIC_NOTE} Giá trị được sinh theo mùa (mùa đông ô nhiễm cao), theo giờ cao điểm giao thông và theo "
            "các đợt ô nhiễm kéo dài nhiều ngày. Trạm cảm biến chỉ đo bụi nên các cột khí để trống. Mỗi phiên bản bổ sung "
            "thêm số liệu các giờ tiếp theo."
        ),
        license="CC-BY-4.0", tags=["moi-truong", "khong-khi", "quan-trac", "aqi"], frequency="hourly",
        source="Mạng lưới trạm quan trắc không khí (mô phỏng)",
        temporal_coverage=_span(AIR_START.date(), last), files=files,
    )


# ---------------------------------------------------------------------------------------------------------
# water-quality: monthly samples at rivers and lakes

WQI_CATEGORIES = [(9, "Ô nhiễm rất nặng"), (25, "Kém"), (50, "Xấu"), (75, "Trung bình"), (90, "Tốt"), (100, "Rất tốt")]
# (name, water body, district, pollution class)
_WATER_POINTS = [
    ("Sông Hồng – cầu Long Biên", "Sông", "Long Biên", "clean"), ("Sông Hồng – bến Chèm", "Sông", "Bắc Từ Liêm", "clean"),
    ("Sông Hồng – Vạn Phúc", "Sông", "Thanh Trì", "clean"), ("Sông Đuống – cầu Đuống", "Sông", "Long Biên", "clean"),
    ("Sông Đuống – Phù Đổng", "Sông", "Gia Lâm", "clean"), ("Sông Tô Lịch – cầu Mới", "Sông", "Thanh Xuân", "severe"),
    ("Sông Tô Lịch – cầu Giấy", "Sông", "Cầu Giấy", "severe"), ("Sông Kim Ngưu – cầu Lạc Trung", "Sông", "Hai Bà Trưng", "severe"),
    ("Sông Lừ – cầu Trường Chinh", "Sông", "Đống Đa", "severe"), ("Sông Sét – cầu Trương Định", "Sông", "Hoàng Mai", "severe"),
    ("Sông Nhuệ – cầu Hà Đông", "Sông", "Hà Đông", "polluted"), ("Sông Nhuệ – cầu Chiếc", "Sông", "Thường Tín", "polluted"),
    ("Sông Đáy – Tế Tiêu", "Sông", "Mỹ Đức", "moderate"), ("Sông Đáy – Đan Phượng", "Sông", "Đan Phượng", "moderate"),
    ("Sông Tích – Thạch Thất", "Sông", "Thạch Thất", "moderate"), ("Sông Cà Lồ – Sóc Sơn", "Sông", "Sóc Sơn", "moderate"),
    ("Sông Cầu Bây – Gia Lâm", "Sông", "Gia Lâm", "polluted"), ("Hồ Hoàn Kiếm", "Hồ", "Hoàn Kiếm", "moderate"),
    ("Hồ Tây", "Hồ", "Tây Hồ", "moderate"), ("Hồ Trúc Bạch", "Hồ", "Ba Đình", "moderate"),
    ("Hồ Thiền Quang", "Hồ", "Hai Bà Trưng", "moderate"), ("Hồ Bảy Mẫu", "Hồ", "Hai Bà Trưng", "polluted"),
    ("Hồ Giảng Võ", "Hồ", "Ba Đình", "moderate"), ("Hồ Ba Mẫu", "Hồ", "Đống Đa", "polluted"),
    ("Hồ Linh Đàm", "Hồ", "Hoàng Mai", "moderate"), ("Hồ Yên Sở", "Hồ", "Hoàng Mai", "polluted"),
    ("Hồ Nghĩa Tân", "Hồ", "Cầu Giấy", "moderate"), ("Hồ Hạ Đình", "Hồ", "Thanh Xuân", "polluted"),
    ("Hồ Văn Quán", "Hồ", "Hà Đông", "moderate"), ("Hồ Đồng Mô", "Hồ", "Sơn Tây", "clean"),
    ("Hồ Suối Hai", "Hồ", "Ba Vì", "clean"), ("Hồ Quan Sơn", "Hồ", "Mỹ Đức", "clean"),
]
# Medians per class: DO, BOD5, NH4-N, PO4-P (mg/L), coliform (MPN/100 mL), TSS (mg/L).
_WATER_CLASS = {
    "clean": (6.8, 3.0, 0.15, 0.05, 1500, 20), "moderate": (5.2, 9.0, 0.8, 0.25, 6000, 28),
    "polluted": (3.2, 22.0, 4.0, 0.9, 20000, 45), "severe": (1.3, 45.0, 12.0, 2.0, 90000, 70),
}
_WQI_CURVES = {  # simplified sub-index curves (concentration, score), after the VN_WQI approach
    "do": ((0.5, 1), (2, 25), (4, 50), (5, 75), (6, 100)),
    "bod5": ((4, 100), (6, 75), (15, 50), (25, 25), (50, 1)),
    "cod": ((10, 100), (15, 75), (30, 50), (50, 25), (150, 1)),
    "nh4": ((0.3, 100), (0.9, 75), (1.5, 50), (3, 25), (10, 1)),
    "po4": ((0.1, 100), (0.2, 75), (0.3, 50), (0.5, 25), (4, 1)),
    "tss": ((20, 100), (30, 75), (50, 50), (100, 25), (400, 1)),
    "coliform": ((2500, 100), (5000, 75), (7500, 50), (10000, 25), (50000, 1)),
}


def wqi_of(do: float, bod5: float, cod: float, nh4: float, po4: float, tss: float, coliform: float) -> int:
    """Simplified water-quality index (1–100): organic, nutrient and silt scores weighted with coliform."""
    c = _WQI_CURVES
    organic = (_interp(do, c["do"]) + _interp(bod5, c["bod5"]) + _interp(cod, c["cod"])
               + _interp(nh4, c["nh4"]) + _interp(po4, c["po4"]) + _interp(tss, c["tss"])) / 6
    return max(1, min(100, round(organic ** (2 / 3) * _interp(coliform, c["coliform"]) ** (1 / 3))))


def wqi_category(wqi: int) -> str:
    return next(label for top, label in WQI_CATEGORIES if wqi <= top)


def _water_quality(out: Path) -> DemoDataset:
    rng = _rng("water-quality")
    cols = ["station_id", "station_name", "water_body", "district", "latitude", "longitude", "sampled_on",
            "temperature_c", "ph", "do_mg_l", "bod5_mg_l", "cod_mg_l", "tss_mg_l", "nh4_n_mg_l", "po4_p_mg_l",
            "coliform_mpn_100ml", "wqi", "wqi_category"]
    points = [(f"NM-{i:03d}", name, body, district, *_near(rng, district), cls)
              for i, (name, body, district, cls) in enumerate(_WATER_POINTS, 1)]
    months = [(y, m) for y in (2017, 2018) for m in range(1, 13)]
    rows = []
    for y, m in months:
        dry = m in (11, 12, 1, 2, 3, 4)
        temp = 24.5 - 6.5 * math.cos(2 * math.pi * (m - 1) / 12)
        for sid, name, body, district, lat, lon, cls in points:
            do0, bod0, nh40, po40, coli0, tss0 = _WATER_CLASS[cls]
            # Drains carry more sewage than rain in the dry season; the Red River carries silt in the wet one.
            stress = (1.2 if dry else 0.85) if cls in ("polluted", "severe") else 1.0
            silt = (3 if dry else 5) if name.startswith("Sông Hồng") else 1
            bod = bod0 * stress * _lognormal(rng, 0.3)
            cod = bod * rng.uniform(1.6, 2.4)
            nh4 = nh40 * stress * _lognormal(rng, 0.35)
            po4 = po40 * stress * _lognormal(rng, 0.35)
            coli = int(round(coli0 * stress * _lognormal(rng, 0.5), -1))
            do = max(0.2, min(9.5, do0 / stress + rng.gauss(0, 0.5)))
            tss = tss0 * silt * _lognormal(rng, 0.35)
            do, bod, cod, tss = round(do, 2), round(bod, 1), round(cod, 1), round(tss, 1)
            nh4, po4 = round(nh4, 2), round(po4, 3)
            wqi = wqi_of(do, bod, cod, nh4, po4, tss, coli)  # from the published (rounded) values
            rows.append([
                sid, name, body, district, f"{lat:.5f}", f"{lon:.5f}", date(y, m, rng.randint(8, 20)).isoformat(),
                f"{temp + rng.gauss(0, 1):.1f}", f"{rng.uniform(6.6, 8.2):.2f}", f"{do:.2f}", f"{bod:.1f}",
                f"{cod:.1f}", f"{tss:.1f}", f"{nh4:.2f}", f"{po4:.3f}", coli, wqi, wqi_category(wqi),
            ])
    path = _write_csv(out / "water-quality.csv", cols, rows)
    return DemoDataset(
        name="water-quality", org="so-tnmt", schema="water_quality",
        title="Quan trắc chất lượng nước mặt sông, hồ",
        title_en="Surface water quality of rivers and lakes",
        description=(
            f"Kết quả quan trắc hằng tháng tại {len(points)} điểm trên các sông (Hồng, Đuống, Tô Lịch, Kim Ngưu, Lừ, Sét, Nhuệ, Đáy…) "
            "và hồ của thành phố: nhiệt độ, pH, DO, BOD5, COD, TSS, amoni, phosphat, coliform, chỉ số WQI và mức đánh giá.\n\n"
            f"{SYNTHETIC_NOTE} Mức ô nhiễm mỗi điểm theo nhận định chung (các sông thoát nước nội đô ô nhiễm nặng, "
            "mùa khô nặng hơn); WQI là chỉ số giản lược theo cách tiếp cận VN_WQI."
        ),
        license="CC-BY-4.0", tags=["moi-truong", "nuoc", "quan-trac"], frequency="monthly",
        source="Chương trình quan trắc nước mặt (mô phỏng)",
        temporal_coverage=_span(date(2017, 1, 1), date(2018, 12, 31)), files=[path],
    )


# ---------------------------------------------------------------------------------------------------------
# rainfall: daily totals at rain gauges (the CSV uses Vietnamese Excel export habits)

_RAIN_STATIONS = [
    ("Láng", "Đống Đa"), ("Hà Đông", "Hà Đông"), ("Sơn Tây", "Sơn Tây"), ("Ba Vì", "Ba Vì"),
    ("Hoài Đức", "Hoài Đức"), ("Chương Mỹ", "Chương Mỹ"), ("Sóc Sơn", "Sóc Sơn"), ("Phú Xuyên", "Phú Xuyên"),
    ("Thạch Thất", "Thạch Thất"), ("Mỹ Đức", "Mỹ Đức"), ("Đông Anh", "Đông Anh"), ("Hoàn Kiếm", "Hoàn Kiếm"),
]
# Hanoi's climatological monthly rainfall (mm) and chance that a day is wet somewhere in the city.
_RAIN_NORMAL = (18, 26, 44, 90, 188, 240, 288, 318, 265, 131, 43, 23)
_RAIN_WET_DAY = (0.30, 0.45, 0.50, 0.45, 0.45, 0.55, 0.60, 0.62, 0.45, 0.30, 0.20, 0.15)


def _rainfall(out: Path) -> DemoDataset:
    rng = _rng("rainfall")
    stations = [(f"MUA-{i:02d}", f"Trạm đo mưa {name}", district, math.exp(rng.gauss(0, 0.08)))
                for i, (name, district) in enumerate(_RAIN_STATIONS, 1)]
    first, last = date(2017, 1, 1), date(2018, 12, 31)
    rows = []
    day = first
    while day <= last:
        m = day.month - 1
        days_in_month = ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
        wet = rng.random() < _RAIN_WET_DAY[m]
        # per wet day and station, divided by the mean of the station noise below (exp(0.45²/2))
        mean_wet = _RAIN_NORMAL[m] / (days_in_month * _RAIN_WET_DAY[m] * 0.85 * math.exp(0.45**2 / 2))
        storm = rng.gammavariate(0.8, mean_wet / 0.8) if wet else 0.0
        for sid, name, district, bias in stations:
            amount = 0.0
            if wet and rng.random() < 0.85:
                amount = min(999.0, storm * bias * math.exp(rng.gauss(0, 0.45)))
            amount = round(amount, 1)
            peak = math.floor(amount * rng.uniform(0.25, 0.7 if amount > 20 else 1.0) * 10) / 10
            missing = rng.random() < 0.003
            rows.append([sid, name, district, day.isoformat(),
                         None if missing else f"{amount:.1f}", None if missing else f"{min(peak, 299.9):.1f}"])
        day += timedelta(days=1)
    path = _write_csv(out / "rainfall.csv", ["station_id", "station_name", "district", "observed_on", "rainfall_mm", "max_1h_mm"],
                      rows, delimiter=";", newline="\r\n", bom=True)
    return DemoDataset(
        name="rainfall", org="so-tnmt", schema="rainfall",
        title="Lượng mưa ngày tại các trạm đo mưa",
        title_en="Daily rainfall at rain gauges",
        description=(
            f"Tổng lượng mưa ngày và lượng mưa lớn nhất trong 1 giờ tại {len(stations)} trạm đo mưa, phục vụ cảnh báo úng ngập.\n\n"
            f"{SYNTHETIC_NOTE} Phân bố theo mùa bám theo lượng mưa trung bình nhiều năm của Hà Nội (mùa mưa tháng 5–10). "
            "Tệp CSV theo thói quen xuất từ Excel tiếng Việt: UTF-8 có BOM, phân cách bằng dấu chấm phẩy, xuống dòng CRLF."
        ),
        license="CC-BY-4.0", tags=["moi-truong", "khi-tuong", "luong-mua", "ngap-ung"], frequency="daily",
        source="Mạng lưới trạm đo mưa (mô phỏng)", temporal_coverage=_span(first, last), files=[path],
    )


# ---------------------------------------------------------------------------------------------------------
# flood-points

_FLOOD_POINTS = [
    ("Phố Nguyễn Khuyến (đoạn Văn Miếu)", "Đống Đa"), ("Phố Phan Bội Châu", "Hoàn Kiếm"),
    ("Phố Lý Thường Kiệt – Quang Trung", "Hoàn Kiếm"), ("Phố Đường Thành", "Hoàn Kiếm"),
    ("Đường Nguyễn Lương Bằng", "Đống Đa"), ("Phố Thái Hà", "Đống Đa"), ("Phố Tôn Thất Tùng", "Đống Đa"),
    ("Ngã Tư Sở", "Thanh Xuân"), ("Đường Nguyễn Trãi (đoạn Khương Mai)", "Thanh Xuân"),
    ("Đường Nguyễn Xiển", "Thanh Xuân"), ("Đường Lê Văn Lương", "Thanh Xuân"),
    ("Đường Hoàng Quốc Việt", "Cầu Giấy"), ("Đường Cầu Giấy", "Cầu Giấy"), ("Phố Trần Duy Hưng", "Cầu Giấy"),
    ("Đường Hồ Tùng Mậu", "Nam Từ Liêm"), ("Đường Phùng Khoang", "Nam Từ Liêm"),
    ("Đại lộ Thăng Long (đoạn hầm chui)", "Nam Từ Liêm"), ("Đường Phạm Văn Đồng", "Bắc Từ Liêm"),
    ("Phố Trần Cung", "Bắc Từ Liêm"), ("Phố Minh Khai", "Hai Bà Trưng"), ("Phố Kim Ngưu", "Hai Bà Trưng"),
    ("Đường Giải Phóng (đoạn Bến xe Giáp Bát)", "Hoàng Mai"), ("Đường Định Công", "Hoàng Mai"),
    ("Đường Quang Trung (Hà Đông)", "Hà Đông"), ("Đường Tố Hữu", "Hà Đông"), ("Phố Ngọc Lâm", "Long Biên"),
    ("Đường Nguyễn Văn Cừ", "Long Biên"), ("Phố Thụy Khuê", "Tây Hồ"), ("Đường Lạc Long Quân", "Tây Hồ"),
    ("Phố Yên Phụ", "Ba Đình"), ("Phố Liễu Giai", "Ba Đình"), ("Phố Đội Cấn", "Ba Đình"),
    ("Quốc lộ 1A (đoạn Văn Điển)", "Thanh Trì"), ("Đường Ngô Xuân Quảng (Trâu Quỳ)", "Gia Lâm"),
]


def _flood_points(out: Path) -> DemoDataset:
    rng = _rng("flood-points")
    rows = []
    for i, (place, district) in enumerate(_FLOOD_POINTS, 1):
        lat, lon = _near(rng, district, 0.008)
        status = rng.choices(["Chưa xử lý", "Đang xử lý", "Đã xử lý"], weights=[5, 3, 2])[0]
        depth = rng.randint(15, 70) if status != "Đã xử lý" else rng.randint(5, 25)
        last = REPORT_DATE - timedelta(days=rng.randint(3, 400))
        rows.append([f"UN-{i:03d}", place, district, f"{lat:.5f}", f"{lon:.5f}", depth,
                     rng.randrange(50, 1200, 10), rng.choice([40, 50, 60, 70, 80, 100]),
                     rng.randrange(30, 360, 15), status, last.isoformat()])
    cols = ["point_id", "location", "district", "latitude", "longitude", "max_depth_cm", "flooded_length_m",
            "rain_threshold_mm", "drain_time_min", "status", "last_flooded_on"]
    path = _write_csv(out / "flood-points.csv", cols, rows)
    return DemoDataset(
        name="flood-points", org="so-xay-dung", schema="flood_points",
        title="Các điểm úng ngập khi mưa lớn",
        title_en="Flood-prone points during heavy rain",
        description=(
            f"Danh sách {len(rows)} điểm thường xuyên úng ngập khi mưa lớn: vị trí, độ sâu và chiều dài ngập, lượng mưa "
            "gây ngập, thời gian tiêu thoát và tình trạng xử lý.\n\n"
            f"{SYNTHETIC_NOTE} Tên tuyến phố là các vị trí hay được nhắc tới khi mưa lớn; toạ độ, độ sâu, "
            "thời gian và tình trạng xử lý là mô phỏng."
        ),
        license="CC-BY-4.0", tags=["ngap-ung", "thoat-nuoc", "do-thi"], frequency="monthly",
        source="Theo dõi úng ngập đô thị (mô phỏng)", temporal_coverage="2017/2018", files=[path],
    )


# ---------------------------------------------------------------------------------------------------------
# schools in online enrolment

_SCHOOL_LEVELS = {  # level: (schools, label in names, mean pupils, class size, share of public schools)
    "Mầm non": (1098, "Mầm non", 300, 28, 0.62),
    "Tiểu học": (728, "Tiểu học", 1100, 40, 0.93),
    "THCS": (626, "THCS", 900, 42, 0.94),
    "THPT": (300, "THPT", 1050, 44, 0.6),
}
_KIDS_NAMES = ("Hoa Sen", "Hoa Mai", "Hoa Hồng", "Hoa Sữa", "Hoa Ban", "Hoa Phượng", "Hoa Lan", "Hoa Đào", "Họa Mi",
               "Sơn Ca", "Chim Non", "Sao Mai", "Sao Sáng", "Bình Minh", "Ánh Dương", "Tuổi Thơ", "Tuổi Hoa",
               "Măng Non", "Hướng Dương", "Thỏ Ngọc", "Ngôi Sao", "Cầu Vồng", "Mầm Xanh", "Trúc Xanh", "Vàng Anh",
               "Bông Sen", "Hoa Thủy Tiên", "Hoa Cúc", "Ban Mai", "Trăng Non")
_HERO_NAMES = ("Nguyễn Du", "Lê Lợi", "Trần Hưng Đạo", "Chu Văn An", "Lý Thường Kiệt", "Nguyễn Trãi", "Ngô Quyền",
               "Quang Trung", "Lê Quý Đôn", "Nguyễn Bỉnh Khiêm", "Trưng Vương", "Đoàn Thị Điểm", "Lương Thế Vinh",
               "Phan Chu Trinh", "Phan Bội Châu", "Nguyễn Trường Tộ", "Tô Hiến Thành", "Lê Văn Tám", "Võ Thị Sáu",
               "Kim Đồng", "Trần Phú", "Lý Tự Trọng", "Nguyễn Văn Trỗi", "Đinh Tiên Hoàng", "Lý Công Uẩn",
               "Ngô Sĩ Liên", "Lê Ngọc Hân", "Trần Quốc Toản", "Hoàng Hoa Thám", "Nguyễn Siêu", "Mạc Đĩnh Chi",
               "Bế Văn Đàn", "Tô Vĩnh Diện", "Nguyễn Huệ", "Hai Bà Trưng", "Lê Hồng Phong", "Nguyễn Gia Thiều")
_PLACE_NAMES = ("An Khánh", "Bình Phú", "Cao Viên", "Cổ Loa", "Dương Xá", "Đại Áng", "Đại Mỗ", "Đông Ngạc", "Đông Hội",
                "Hạ Đình", "Hồng Hà", "Kim Lan", "Liên Hà", "Liên Ninh", "Mai Dịch", "Minh Khai", "Nghĩa Tân",
                "Ngọc Hồi", "Phú Diễn", "Phúc Lợi", "Quan Hoa", "Thạch Bàn", "Thượng Thanh", "Tứ Liên", "Tân Triều",
                "Vân Canh", "Vĩnh Quỳnh", "Xuân Đỉnh", "Xuân Phương", "Yên Viên", "Yên Sở", "Yên Nghĩa", "Phú Lãm",
                "Kiến Hưng", "Đồng Mai", "Tây Tựu", "Thụy Phương", "Phú Thượng", "Quảng An", "Nhật Tân", "Ngọc Thụy",
                "Gia Thụy", "Bồ Đề", "Việt Hưng", "Phúc Đồng", "Sài Đồng", "Khương Đình", "Định Công", "Hoàng Liệt",
                "Thịnh Liệt", "Vĩnh Hưng", "Thanh Trì", "Lĩnh Nam", "Trần Phú", "Mai Động", "Tương Mai", "Văn Chương",
                "Thổ Quan", "Kim Liên", "Trung Tự", "Láng Thượng", "Ngọc Khánh", "Cống Vị", "Vĩnh Phúc", "Thành Công",
                "Giảng Võ", "Phúc Xá", "Dịch Vọng", "Yên Hòa", "Trung Hòa", "Mễ Trì", "Mỹ Đình", "Cầu Diễn", "Tây Mỗ",
                "Xuân Tảo", "Cổ Nhuế", "Thượng Cát", "Liên Mạc", "Văn Quán", "Mộ Lao", "La Khê", "Dương Nội",
                "Uy Nỗ", "Vân Nội", "Kim Chung", "Nam Hồng", "Trâu Quỳ", "Đa Tốn", "Kiêu Kỵ", "Phù Đổng", "Tiền Phong",
                "Quang Minh", "Tráng Việt", "Phù Linh", "Mai Đình", "Tiên Dược", "Xuân Mai", "Thủy Xuân Tiên",
                "Phùng", "Tân Hội", "Sài Sơn", "Liên Quan", "Bình Yên", "Vân Đình", "Đại Nghĩa", "Phú Minh",
                "Tô Hiệu", "Kim Bài", "Quang Trung", "Tản Lĩnh", "Tây Đằng", "Phúc Hòa", "Võng Xuyên")


def _schools(out: Path) -> DemoDataset:
    rng = _rng("schools")
    weights = [d["population"] ** 0.9 for d in DISTRICTS]
    rows = []
    seen: set[tuple[str, str]] = set()
    for level, (count, label, mean_pupils, class_size, public_share) in _SCHOOL_LEVELS.items():
        pool = _KIDS_NAMES + _PLACE_NAMES if level == "Mầm non" else _HERO_NAMES + _PLACE_NAMES
        for district, n in zip(DISTRICTS, _allocate(count, weights), strict=True):
            for _ in range(n):
                public = rng.random() < public_share
                base = rng.choice(pool)
                prefix = f"Trường {label}" + ("" if public or level != "Mầm non" else " tư thục")
                name, k = f"{prefix} {base}", 2
                while (district["name"], name) in seen:  # same name twice in a district: number it
                    name, k = f"{prefix} {base} số {k}", k + 1
                seen.add((district["name"], name))
                pupils = max(40, min(4900, round(mean_pupils * (1 if public else 0.55) * math.exp(rng.gauss(0, 0.35)))))
                classes = max(1, min(150, round(pupils / (class_size * rng.uniform(0.85, 1.1)))))
                rows.append([name, district["name"], level, "Công lập" if public else "Ngoài công lập", pupils, classes])
    # One enrolment year adds roughly one grade's worth of applications; the total is the reported one.
    intake = {"Mầm non": 0.3, "Tiểu học": 0.2, "THCS": 0.25, "THPT": 0.33}
    apps = _allocate(ONLINE_APPLICATIONS, [r[4] * intake[r[2]] * rng.uniform(0.7, 1.3) for r in rows])
    rows = [[f"HN{i:04d}", *r, a] for i, (r, a) in enumerate(zip(rows, apps, strict=True), 1)]
    cols = ["school_id", "school_name", "district", "level", "ownership", "pupils", "classes", "online_applications"]
    path = _write_csv(out / "schools.csv", cols, rows)
    return DemoDataset(
        name="schools", org="so-gddt", schema="schools",
        title="Trường học tham gia tuyển sinh trực tuyến",
        title_en="Schools in online enrolment",
        description=(
            "2.752 trường mầm non, tiểu học, THCS và THPT tham gia tuyển sinh trực tuyến "
            "(theo báo cáo của thành phố), với số học sinh, số lớp và số hồ sơ đăng ký trực tuyến.\n\n"
            f"{SYNTHETIC_NOTE} Chỉ tổng số trường (2.752) và quy mô \"hơn 250.000 gia đình\" đăng ký trực tuyến lấy từ báo cáo; "
            "tên trường, phân bổ theo quận, huyện, số học sinh, số lớp và số hồ sơ là mô phỏng."
        ),
        license="CC-BY-4.0", tags=["giao-duc", "truong-hoc", "tuyen-sinh"], frequency="yearly",
        source="Báo cáo Chính quyền điện tử của UBND TP Hà Nội (09/2018); chi tiết mô phỏng",
        temporal_coverage="2018", files=[path],
    )


# ---------------------------------------------------------------------------------------------------------
# online-services: the 556 level-3/4 services

_SERVICE_FIELDS = {  # field: (services, of which level 4, department)
    "Tư pháp": (160, 48, "Sở Tư pháp"),
    "Tài nguyên và Môi trường": (124, 34, "Sở Tài nguyên và Môi trường"),
    "Xây dựng": (104, 30, "Sở Xây dựng"),
    "Giáo dục và Đào tạo": (106, 36, "Sở Giáo dục và Đào tạo"),
    "Thông tin và Truyền thông": (62, 22, "Sở Thông tin và Truyền thông"),
}
_T, _H, _X = "Cấp thành phố", "Cấp huyện", "Cấp xã"
# Procedures per field as "name|tiers" (T city, H district, X commune); "{act}" lines expand over the
# actions listed after a second "|".
_SERVICE_CATALOGUE = {
    "Tư pháp": """
Xin nhập quốc tịch Việt Nam|T
Xin trở lại quốc tịch Việt Nam|T
Xin thôi quốc tịch Việt Nam|T
Cấp Giấy xác nhận có quốc tịch Việt Nam|T
Cấp Giấy xác nhận là người gốc Việt Nam|T
Thông báo có quốc tịch nước ngoài|T
Giải quyết yêu cầu bồi thường tại cơ quan trực tiếp quản lý người thi hành công vụ|THX
Phục hồi danh dự cho người bị thiệt hại|THX
Xác định cơ quan giải quyết bồi thường|T
Yêu cầu trợ giúp pháp lý|T
Đăng ký tham gia trợ giúp pháp lý|T
Lựa chọn, ký hợp đồng với luật sư thực hiện trợ giúp pháp lý|T
Thay đổi người thực hiện trợ giúp pháp lý|T
Khiếu nại về trợ giúp pháp lý|T
Đăng ký việc nuôi con nuôi có yếu tố nước ngoài|T
Giải quyết việc người nước ngoài thường trú ở Việt Nam nhận con nuôi|T
Thành lập Văn phòng giám định tư pháp|T
Đăng ký hành nghề luật sư nước ngoài tại Việt Nam|T
Hợp nhất, sáp nhập công ty luật|T
Chuyển đổi công ty luật trách nhiệm hữu hạn và công ty luật hợp danh|T
Chấm dứt hoạt động của tổ chức hành nghề luật sư|T
Đăng ký tập sự hành nghề đấu giá|T
Đăng ký tham dự kiểm tra kết quả tập sự hành nghề đấu giá|T
Thành lập Văn phòng thừa phát lại|T
Chuyển đổi loại hình Văn phòng thừa phát lại|T
Đăng ký tập sự hành nghề thừa phát lại|T
Thành lập Trung tâm hòa giải thương mại|T
Đăng ký hoạt động của Trung tâm hòa giải thương mại|T
Đăng ký hòa giải viên thương mại vụ việc|T
Đăng ký hành nghề quản lý, thanh lý tài sản với tư cách cá nhân|T
Đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân có yếu tố nước ngoài|H
Đăng ký chấm dứt giám hộ có yếu tố nước ngoài|H
Ghi vào Sổ hộ tịch việc nhận cha, mẹ, con đã giải quyết tại cơ quan có thẩm quyền của nước ngoài|H
Ghi vào Sổ hộ tịch việc khai tử đã giải quyết tại cơ quan có thẩm quyền của nước ngoài|H
Ghi vào Sổ hộ tịch việc nuôi con nuôi đã giải quyết tại cơ quan có thẩm quyền của nước ngoài|H
Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi|X
Liên thông đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất|X
Công nhận báo cáo viên pháp luật|TH
Miễn nhiệm báo cáo viên pháp luật|TH
Công nhận xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật|H
Cấp Phiếu lý lịch tư pháp qua dịch vụ bưu chính|T
{act} Giấy đăng ký hoạt động của Trung tâm hòa giải thương mại|T|Thay đổi nội dung,Cấp lại
{act} Thẻ quản tài viên|T|Cấp,Cấp lại
{act} Giấy đăng ký hành nghề luật sư với tư cách cá nhân|T|Thay đổi nội dung,Cấp lại
{act} Thẻ cộng tác viên trợ giúp pháp lý|T|Cấp,Cấp lại,Thu hồi
{act} Giấy đăng ký hoạt động của tổ chức hành nghề quản lý, thanh lý tài sản|T|Thay đổi nội dung,Cấp lại
Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam|T
Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng|T
Cấp Phiếu lý lịch tư pháp cho cơ quan nhà nước, tổ chức chính trị - xã hội|T
Đăng ký tập sự hành nghề công chứng|T
Thay đổi nơi tập sự hành nghề công chứng|T
Đăng ký hành nghề và cấp Thẻ công chứng viên|T
Thành lập Văn phòng công chứng|T
Chuyển nhượng Văn phòng công chứng|T
Hợp nhất, sáp nhập Văn phòng công chứng|T
Đăng ký hoạt động của Trung tâm trọng tài|T
Đăng ký hoạt động của chi nhánh Trung tâm trọng tài|T
Đăng ký hoạt động của tổ chức giám định tư pháp|T
Đăng ký hoạt động của doanh nghiệp đấu giá tài sản|T
Đăng ký hoạt động của Trung tâm tư vấn pháp luật|T
Đăng ký hoạt động của Văn phòng thừa phát lại|T
Đăng ký hoạt động của tổ chức hành nghề luật sư|T
Đăng ký hoạt động của chi nhánh tổ chức hành nghề luật sư|T
Đăng ký hoạt động của tổ chức hành nghề quản lý, thanh lý tài sản|T
Đăng ký hành nghề luật sư với tư cách cá nhân|T
Đăng ký khai sinh có yếu tố nước ngoài|H
Đăng ký kết hôn có yếu tố nước ngoài|H
Đăng ký khai tử có yếu tố nước ngoài|H
Đăng ký nhận cha, mẹ, con có yếu tố nước ngoài|H
Đăng ký giám hộ có yếu tố nước ngoài|H
Đăng ký lại khai sinh có yếu tố nước ngoài|H
Đăng ký lại kết hôn có yếu tố nước ngoài|H
Ghi vào Sổ hộ tịch việc kết hôn đã giải quyết tại cơ quan có thẩm quyền của nước ngoài|H
Ghi vào Sổ hộ tịch việc ly hôn đã giải quyết tại cơ quan có thẩm quyền của nước ngoài|H
Ghi vào Sổ hộ tịch việc khai sinh đã giải quyết tại cơ quan có thẩm quyền của nước ngoài|H
Thay đổi, cải chính, bổ sung hộ tịch, xác định lại dân tộc|H
Chứng thực bản sao từ bản chính giấy tờ do cơ quan có thẩm quyền của nước ngoài cấp|H
Chứng thực chữ ký người dịch|H
Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản|HX
Chứng thực di chúc|HX
Chứng thực văn bản từ chối nhận di sản|HX
Chứng thực văn bản thỏa thuận phân chia di sản|HX
Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch|HX
Cấp bản sao có chứng thực từ bản chính hợp đồng, giao dịch đã được chứng thực|HX
Chứng thực bản sao từ bản chính|HX
Chứng thực chữ ký trong giấy tờ, văn bản|HX
Cấp bản sao trích lục hộ tịch|HX
Đăng ký khai sinh|X
Đăng ký kết hôn|X
Đăng ký khai tử|X
Đăng ký nhận cha, mẹ, con|X
Đăng ký khai sinh kết hợp nhận cha, mẹ, con|X
Đăng ký giám hộ|X
Đăng ký chấm dứt giám hộ|X
Thay đổi, cải chính, bổ sung thông tin hộ tịch|X
Cấp Giấy xác nhận tình trạng hôn nhân|X
Đăng ký lại khai sinh|X
Đăng ký lại kết hôn|X
Đăng ký lại khai tử|X
Đăng ký khai sinh lưu động|X
Đăng ký kết hôn lưu động|X
Đăng ký khai tử lưu động|X
Đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân|X
Đăng ký việc nuôi con nuôi trong nước|X
Đăng ký lại việc nuôi con nuôi trong nước|X
Công nhận tuyên truyền viên pháp luật|X
Thôi làm tuyên truyền viên pháp luật|X
Bầu hòa giải viên|X
Thôi làm hòa giải viên|X
Thanh toán thù lao cho hòa giải viên|X
{act} Thẻ công chứng viên|T|Cấp lại,Thu hồi
{act} Thẻ đấu giá viên|T|Cấp,Cấp lại,Thu hồi
{act} Thẻ tư vấn viên pháp luật|T|Cấp,Cấp lại,Thu hồi
{act} Thẻ thừa phát lại|T|Cấp,Cấp lại,Thu hồi
{act} Thẻ giám định viên tư pháp|T|Bổ nhiệm,Miễn nhiệm,Cấp lại
{act} Giấy đăng ký hoạt động của Văn phòng công chứng|T|Thay đổi nội dung,Cấp lại
{act} Giấy đăng ký hoạt động của Trung tâm trọng tài|T|Thay đổi nội dung,Cấp lại
{act} Giấy đăng ký hoạt động của doanh nghiệp đấu giá tài sản|T|Thay đổi nội dung,Cấp lại
{act} Giấy đăng ký hoạt động của Trung tâm tư vấn pháp luật|T|Thay đổi nội dung,Cấp lại
{act} Giấy đăng ký hoạt động của tổ chức hành nghề luật sư|T|Thay đổi nội dung,Cấp lại
{act} Giấy đăng ký hoạt động của Văn phòng thừa phát lại|T|Thay đổi nội dung,Cấp lại
{act} Giấy đăng ký hoạt động của Văn phòng giám định tư pháp|T|Thay đổi nội dung,Cấp lại
{act} Giấy đăng ký hoạt động của chi nhánh tổ chức trọng tài nước ngoài|T|Thay đổi nội dung,Cấp lại
{act} Giấy đăng ký hoạt động của công ty luật nước ngoài|T|Thay đổi nội dung,Cấp lại
""",
    "Tài nguyên và Môi trường": """
Cấp Giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình, cá nhân|H
Cấp Giấy chứng nhận quyền sử dụng đất lần đầu cho tổ chức|T
Đăng ký, cấp Giấy chứng nhận cho người nhận chuyển nhượng quyền sử dụng đất|TH
Chuyển đổi quyền sử dụng đất nông nghiệp của hộ gia đình, cá nhân|H
Đăng ký góp vốn bằng quyền sử dụng đất|TH
Xóa đăng ký góp vốn bằng quyền sử dụng đất|TH
Đăng ký thay đổi nội dung thế chấp đã đăng ký|TH
Đăng ký văn bản thông báo về việc xử lý tài sản thế chấp|TH
Cung cấp thông tin về giao dịch bảo đảm bằng quyền sử dụng đất|TH
Đăng ký biến động do đổi tên, thay đổi thông tin người sử dụng đất|TH
Đăng ký biến động do thay đổi hạn chế quyền sử dụng đất|TH
Đăng ký biến động do chuyển từ thuê đất sang giao đất có thu tiền|TH
Thẩm định nhu cầu sử dụng đất để xem xét giao đất, cho thuê đất|T
Thẩm định điều kiện giao đất, thuê đất để thực hiện dự án đầu tư|T
Giải quyết tranh chấp đất đai thuộc thẩm quyền của Chủ tịch Ủy ban nhân dân|TH
Cấp Giấy chứng nhận cho người mua nhà ở trong dự án phát triển nhà ở|T
Kiểm tra, xác nhận hoàn thành phương án cải tạo, phục hồi môi trường|T
Chấp thuận điều chỉnh quy mô, công suất của dự án đã phê duyệt đánh giá tác động môi trường|T
Thẩm định đề án bảo vệ môi trường chi tiết|T
Xác nhận đề án bảo vệ môi trường đơn giản|H
Phê duyệt trữ lượng khoáng sản|T
Đăng ký khai thác khoáng sản làm vật liệu san lấp trong dự án công trình|T
Cấp Giấy chứng nhận quyền sử dụng đất cho cộng đồng dân cư|H
Cấp Giấy chứng nhận quyền sử dụng đất cho cơ sở tôn giáo|T
Thu hồi Giấy chứng nhận đã cấp không đúng quy định|TH
Đăng ký biến động đất đai do chia, tách, hợp nhất, sáp nhập tổ chức|T
Cung cấp thông tin, dữ liệu khí tượng thủy văn|T
{act} giấy phép hoạt động dự báo, cảnh báo khí tượng thủy văn|T|Cấp,Sửa đổi, bổ sung,Cấp lại
Thẩm định báo cáo đánh giá tác động môi trường|T
Thẩm định phương án cải tạo, phục hồi môi trường|T
Xác nhận hoàn thành công trình bảo vệ môi trường|T
Đăng ký kế hoạch bảo vệ môi trường|HX
Tham vấn ý kiến trong đánh giá tác động môi trường|X
Giao đất, cho thuê đất đối với tổ chức|T
Chuyển mục đích sử dụng đất đối với tổ chức|T
Gia hạn sử dụng đất đối với tổ chức|T
Thu hồi đất do tổ chức tự nguyện trả lại đất|T
Giao đất, cho thuê đất đối với hộ gia đình, cá nhân|H
Chuyển mục đích sử dụng đất đối với hộ gia đình, cá nhân|H
Thu hồi đất do hộ gia đình, cá nhân tự nguyện trả lại đất|H
Cung cấp dữ liệu đất đai|TH
Cung cấp thông tin, dữ liệu đo đạc và bản đồ|T
Cung cấp thông tin, dữ liệu tài nguyên nước|T
Cung cấp thông tin, dữ liệu môi trường|T
Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất|TH
Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất|TH
Xóa đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất|TH
Sửa chữa sai sót nội dung đăng ký thế chấp|TH
Cấp đổi Giấy chứng nhận quyền sử dụng đất|TH
Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất|TH
Đính chính Giấy chứng nhận đã cấp|TH
Tách thửa hoặc hợp thửa đất|TH
Đăng ký đất đai lần đầu|TH
Xác nhận tiếp tục sử dụng đất nông nghiệp|H
Đăng ký khai thác nước dưới đất|H
Hòa giải tranh chấp đất đai|X
Đăng ký chủ nguồn thải chất thải nguy hại|T
Xác nhận đủ điều kiện về bảo vệ môi trường trong nhập khẩu phế liệu|T
Phê duyệt kế hoạch ứng phó sự cố hóa chất|T
Đăng ký bổ sung tài sản gắn liền với đất vào Giấy chứng nhận|TH
Gia hạn sử dụng đất ngoài khu công nghệ cao, khu kinh tế|T
Chuyển nhượng quyền khai thác khoáng sản|T
Trả lại giấy phép khai thác khoáng sản|T
Đóng cửa mỏ khoáng sản|T
Thẩm định đề án đóng cửa mỏ khoáng sản|T
Tính tiền cấp quyền khai thác tài nguyên nước|T
Lấy ý kiến về phương án chuyển nước|T
{act} giấy phép thăm dò nước dưới đất|T|Cấp,Cấp lại,Gia hạn,Điều chỉnh
{act} giấy phép khai thác, sử dụng nước dưới đất|T|Cấp,Cấp lại,Gia hạn,Điều chỉnh
{act} giấy phép khai thác, sử dụng nước mặt|T|Cấp,Cấp lại,Gia hạn,Điều chỉnh
{act} giấy phép xả nước thải vào nguồn nước|T|Cấp,Cấp lại,Gia hạn,Điều chỉnh
{act} giấy phép hành nghề khoan nước dưới đất|T|Cấp,Cấp lại,Gia hạn,Điều chỉnh
{act} giấy phép thăm dò khoáng sản|T|Cấp,Gia hạn,Trả lại
{act} giấy phép khai thác khoáng sản|T|Cấp,Gia hạn,Điều chỉnh
{act} giấy phép khai thác tận thu khoáng sản|T|Cấp,Gia hạn
{act} giấy phép xử lý chất thải nguy hại|T|Cấp,Điều chỉnh
{act} giấy chứng nhận đủ điều kiện hoạt động dịch vụ quan trắc môi trường|T|Cấp,Điều chỉnh
{act} giấy phép hoạt động đo đạc và bản đồ|T|Cấp,Bổ sung nội dung
""",
    "Xây dựng": """
Giới thiệu địa điểm xây dựng|T
Chấp thuận phương án kiến trúc công trình|TH
Cấp chứng chỉ quy hoạch xây dựng|T
Thỏa thuận quy hoạch tổng mặt bằng|TH
Cung cấp bản vẽ chỉ giới đường đỏ|T
Cắm mốc giới theo quy hoạch chi tiết được duyệt|TH
Cấp phép đào đường, hè phố để xây dựng công trình hạ tầng kỹ thuật|TH
Thẩm định giá bán, giá thuê mua nhà ở xã hội|T
Xác nhận đối tượng được mua, thuê mua nhà ở xã hội|X
Đăng ký cơ sở đào tạo môi giới bất động sản|T
Thẩm định dự án đầu tư xây dựng điều chỉnh|TH
Chấp thuận chuyển đổi công năng nhà chung cư|T
Phê duyệt phương án phá dỡ nhà chung cư cũ|T
Chấp thuận kết quả kiểm định chất lượng công trình|T
Công bố đủ điều kiện kinh doanh sàn giao dịch bất động sản|T
Thẩm định thiết kế bản vẽ thi công công trình hạ tầng kỹ thuật|TH
Phê duyệt phương án tái định cư bằng nhà ở|T
Chấp thuận chuyển nhượng toàn bộ hoặc một phần dự án bất động sản|T
Thẩm định dự án đầu tư xây dựng|T
Thẩm định thiết kế xây dựng triển khai sau thiết kế cơ sở|TH
Thẩm định báo cáo kinh tế - kỹ thuật đầu tư xây dựng|TH
Cung cấp thông tin quy hoạch xây dựng|TH
Thẩm định nhiệm vụ quy hoạch chi tiết|TH
Thẩm định đồ án quy hoạch chi tiết|TH
Điều chỉnh cục bộ quy hoạch chi tiết|T
Cấp giấy phép chặt hạ, dịch chuyển cây xanh|TH
Thông báo nhà ở hình thành trong tương lai đủ điều kiện được bán, cho thuê mua|T
Cho thuê nhà ở công vụ|T
Cho thuê nhà ở xã hội thuộc sở hữu nhà nước|T
Bán nhà ở cũ thuộc sở hữu nhà nước|T
Công nhận hạng nhà chung cư|T
Chấp thuận đấu nối thoát nước mưa, nước thải|T
Kiểm tra công tác nghiệm thu đưa công trình vào sử dụng|TH
Cấp số nhà|H
Xác nhận đăng ký cho thuê nhà ở|X
Đăng ký thông tin công trình xây dựng sửa chữa nhỏ|X
Thông báo khởi công xây dựng công trình|HX
Chấp thuận chủ trương đầu tư dự án nhà ở|T
Công nhận chủ đầu tư dự án khu đô thị mới|T
Đăng ký tổ chức đánh giá an toàn chịu lực nhà ở|T
{act} giấy phép xây dựng nhà ở riêng lẻ|H|Cấp,Cấp lại,Điều chỉnh,Gia hạn
{act} giấy phép xây dựng công trình không theo tuyến|T|Cấp,Cấp lại,Điều chỉnh,Gia hạn
{act} giấy phép xây dựng công trình theo tuyến trong đô thị|T|Cấp,Cấp lại,Điều chỉnh,Gia hạn
{act} giấy phép xây dựng công trình tín ngưỡng, tôn giáo|TH|Cấp,Điều chỉnh,Gia hạn
{act} giấy phép xây dựng công trình quảng cáo|TH|Cấp,Điều chỉnh,Gia hạn
{act} giấy phép xây dựng có thời hạn|TH|Cấp,Gia hạn
{act} giấy phép sửa chữa, cải tạo công trình|TH|Cấp,Điều chỉnh,Gia hạn
{act} giấy phép di dời công trình|TH|Cấp,Gia hạn
{act} chứng chỉ hành nghề hoạt động xây dựng hạng II, III|T|Cấp,Cấp lại,Điều chỉnh, bổ sung nội dung
{act} chứng chỉ năng lực hoạt động xây dựng hạng II, III|T|Cấp,Cấp lại,Điều chỉnh, bổ sung nội dung
{act} chứng chỉ hành nghề môi giới bất động sản|T|Cấp,Cấp lại,Cấp đổi
{act} giấy phép hoạt động xây dựng cho nhà thầu nước ngoài|T|Cấp,Điều chỉnh
{act} giấy phép xây dựng công trình ngầm đô thị|T|Cấp,Gia hạn
""",
    "Giáo dục và Đào tạo": """
Tuyển sinh vào lớp 10 trường trung học phổ thông chuyên|T
Tuyển sinh trung học phổ thông hệ giáo dục thường xuyên|T
Đăng ký dự thi nghề phổ thông|T
Cấp giấy chứng nhận nghề phổ thông|T
Xét công nhận tốt nghiệp trung học cơ sở|H
Tiếp nhận học sinh Việt Nam về nước|TH
Tiếp nhận học sinh người nước ngoài|TH
Công nhận phổ cập giáo dục mầm non cho trẻ 5 tuổi|H
Công nhận lại trường mầm non đạt chuẩn quốc gia|T
Công nhận lại trường tiểu học đạt chuẩn quốc gia|T
Công nhận lại trường trung học đạt chuẩn quốc gia|T
Cấp giấy chứng nhận kiểm định chất lượng giáo dục|T
Xét cấp học bổng chính sách|T
Hỗ trợ học tập cho trẻ mẫu giáo, học sinh người dân tộc thiểu số|HX
Cấp giấy phép tổ chức hội thảo, hội nghị quốc tế về giáo dục|T
Xếp hạng trung tâm giáo dục thường xuyên|T
Cho phép trường trung học phổ thông tổ chức dạy chương trình giáo dục tích hợp|T
Cấp giấy xác nhận học sinh đang học tại trường|TH
Tuyển sinh vào lớp 1|H
Tuyển sinh vào lớp 6|H
Tuyển sinh trẻ mầm non 5 tuổi|H
Tuyển sinh vào lớp 10 trung học phổ thông|T
Tuyển sinh vào trường phổ thông dân tộc nội trú|T
Chuyển trường đối với học sinh tiểu học|H
Chuyển trường đối với học sinh trung học cơ sở|H
Chuyển trường đối với học sinh trung học phổ thông|T
Xin học lại tại trường khác đối với học sinh trung học|TH
Cấp bản sao văn bằng, chứng chỉ từ sổ gốc|TH
Chỉnh sửa nội dung văn bằng, chứng chỉ|TH
Công nhận văn bằng tốt nghiệp do cơ sở giáo dục nước ngoài cấp|T
Đăng ký dự thi tốt nghiệp trung học phổ thông|T
Phúc khảo bài thi tốt nghiệp trung học phổ thông|T
Đăng ký dự thi cấp chứng chỉ ngoại ngữ, tin học|T
Cấp giấy chứng nhận đăng ký hoạt động dạy thêm, học thêm|TH
Gia hạn giấy phép tổ chức hoạt động dạy thêm, học thêm|TH
Cấp phép hoạt động giáo dục kỹ năng sống|TH
Công nhận trường mầm non đạt chuẩn quốc gia|T
Công nhận trường tiểu học đạt chuẩn quốc gia|T
Công nhận trường trung học đạt chuẩn quốc gia|T
Công nhận xã đạt chuẩn phổ cập giáo dục, xóa mù chữ|H
Xác nhận hồ sơ miễn, giảm học phí|HX
Hỗ trợ chi phí học tập cho học sinh|HX
Hỗ trợ ăn trưa cho trẻ mẫu giáo|HX
Cấp văn bằng tốt nghiệp trung học cơ sở|H
Cấp bằng tốt nghiệp trung học phổ thông|T
Cấp phép kinh doanh dịch vụ tư vấn du học|T
Đăng ký hoạt động của văn phòng đại diện giáo dục nước ngoài|T
Chuyển đổi trường mầm non dân lập sang tư thục|H
Đăng ký hoạt động giáo dục của nhóm trẻ, lớp mẫu giáo độc lập|X
Cho phép nhóm trẻ, lớp mẫu giáo độc lập hoạt động giáo dục trở lại|X
Giải thể nhóm trẻ, lớp mẫu giáo độc lập|X
Phê duyệt liên kết giáo dục với nước ngoài|T
{act} trường mầm non|H|Thành lập,Cho phép hoạt động giáo dục,Cho phép hoạt động giáo dục trở lại,Sáp nhập, chia, tách,Giải thể
{act} trường tiểu học|H|Thành lập,Cho phép hoạt động giáo dục,Cho phép hoạt động giáo dục trở lại,Sáp nhập, chia, tách,Giải thể
{act} trường trung học cơ sở|H|Thành lập,Cho phép hoạt động giáo dục,Cho phép hoạt động giáo dục trở lại,Sáp nhập, chia, tách,Giải thể
{act} trường trung học phổ thông|T|Thành lập,Cho phép hoạt động giáo dục,Cho phép hoạt động giáo dục trở lại,Sáp nhập, chia, tách,Giải thể
{act} trường phổ thông có nhiều cấp học|T|Thành lập,Cho phép hoạt động giáo dục,Sáp nhập, chia, tách,Giải thể
{act} trung tâm ngoại ngữ, tin học|T|Thành lập,Cho phép hoạt động giáo dục,Cho phép hoạt động giáo dục trở lại,Giải thể
{act} trung tâm giáo dục thường xuyên|T|Thành lập,Cho phép hoạt động giáo dục,Sáp nhập, chia, tách,Giải thể
{act} trung tâm hỗ trợ phát triển giáo dục hòa nhập|T|Thành lập,Cho phép hoạt động giáo dục,Giải thể
{act} trường mầm non tư thục|H|Thành lập,Cho phép hoạt động giáo dục,Giải thể
{act} trường trung học phổ thông tư thục|T|Thành lập,Cho phép hoạt động giáo dục,Giải thể
""",
    "Thông tin và Truyền thông": """
Đăng ký sử dụng dịch vụ chứng thực chữ ký số chuyên dùng|T
Thu hồi chứng thư số chuyên dùng|T
Gia hạn chứng thư số chuyên dùng|T
Đăng ký hộp thư điện tử công vụ|TH
Đăng ký tham gia mạng truyền số liệu chuyên dùng|TH
Đăng ký kết nối trục liên thông văn bản của thành phố|TH
Đăng ký tài khoản Cổng dịch vụ công thành phố cho tổ chức|T
Đăng ký lắp đặt trạm thu phát sóng thông tin di động|TH
Chấp thuận vị trí lắp đặt cột ăng-ten không cồng kềnh|H
Thẩm định thiết kế công trình hạ tầng kỹ thuật viễn thông thụ động|T
Thông báo thay đổi địa điểm đặt máy in|T
Thông báo tổ chức triển lãm xuất bản phẩm|T
{act} giấy phép xuất bản bản tin của cơ quan, tổ chức nước ngoài|T|Cấp,Cấp lại
{act} giấy xác nhận đăng ký hoạt động cơ sở dịch vụ in|T|Cấp,Thay đổi
Đăng ký sử dụng máy photocopy màu, máy in có chức năng photocopy màu|T
Chuyển nhượng máy in|T
Khai báo hoạt động cơ sở dịch vụ photocopy|T
Thông báo tổ chức họp báo|T
Đăng ký hoạt động cơ sở in|T
Thay đổi thông tin đăng ký hoạt động cơ sở in|T
Cấp đăng ký nhập khẩu thiết bị in|T
Đăng ký thu tín hiệu truyền hình nước ngoài trực tiếp từ vệ tinh|T
Thông báo thay đổi chủ sở hữu, địa chỉ trụ sở trang thông tin điện tử tổng hợp|T
Thông báo cung cấp dịch vụ trò chơi điện tử G2, G3, G4|T
Cho phép họp báo của cơ quan, tổ chức nước ngoài|T
Trưng bày tranh, ảnh và các hình thức thông tin khác bên ngoài trụ sở cơ quan nước ngoài|T
Đăng ký tên miền .hanoi.vn cho cơ quan nhà nước|T
Cấp chứng thư số cho cán bộ, công chức|T
{act} giấy phép xuất bản bản tin|T|Cấp,Thay đổi nội dung,Cấp lại
{act} giấy phép xuất bản tài liệu không kinh doanh|T|Cấp,Cấp lại
{act} giấy phép hoạt động in|T|Cấp,Cấp lại,Thay đổi
{act} giấy phép nhập khẩu xuất bản phẩm không kinh doanh|T|Cấp,Cấp lại
{act} giấy xác nhận đăng ký hoạt động phát hành xuất bản phẩm|T|Cấp,Cấp lại,Thay đổi
{act} giấy phép tổ chức triển lãm, hội chợ xuất bản phẩm|T|Cấp,Cấp lại
{act} giấy phép thiết lập trang thông tin điện tử tổng hợp|T|Cấp,Sửa đổi, bổ sung,Gia hạn,Cấp lại
{act} giấy chứng nhận đủ điều kiện hoạt động điểm cung cấp dịch vụ trò chơi điện tử công cộng|H|Cấp,Sửa đổi, bổ sung,Gia hạn,Cấp lại
{act} giấy phép xuất bản đặc san|T|Cấp,Cấp lại
{act} giấy phép hoạt động báo chí in của cơ quan báo chí địa phương|T|Sửa đổi, bổ sung,Cấp lại
{act} giấy phép thiết lập mạng xã hội|T|Sửa đổi, bổ sung,Gia hạn
{act} giấy phép cung cấp dịch vụ viễn thông trên địa bàn|T|Sửa đổi, bổ sung,Gia hạn
""",
}
_TIER_CODES = {"T": _T, "H": _H, "X": _X}


def _service_candidates(field_name: str) -> list[tuple[str, str]]:
    """Every (service name, tier) the catalogue above describes for one field, in order."""
    out = []
    for line in _SERVICE_CATALOGUE[field_name].strip().splitlines():
        parts = line.split("|")
        names = ([parts[0].replace("{act}", act) for act in re.split(r",(?=[A-ZĐ])", parts[2])]
                 if "{act}" in parts[0] else [parts[0]])
        out += [(name, _TIER_CODES[t]) for name in names for t in parts[1]]
    return out


def _online_services(out: Path) -> DemoDataset:
    rng = _rng("online-services")
    codes = rng.sample(range(1000, 13000), ONLINE_SERVICES_LEVEL3 + ONLINE_SERVICES_LEVEL4)
    rows = []
    for field_name, (count, level4, department) in _SERVICE_FIELDS.items():
        chosen = rng.sample(_service_candidates(field_name), count)
        fours = set(rng.sample(range(count), level4))
        for i, (name, tier) in enumerate(chosen):
            agency = department if tier == _T else "UBND cấp huyện" if tier == _H else "UBND cấp xã"
            start = date(2015, 1, 1) + timedelta(days=rng.randrange((REPORT_DATE - date(2015, 1, 1)).days))
            rows.append([name, field_name, 4 if i in fours else 3, tier, agency, start.isoformat()])
    rows = [[f"{1 if r[3] == _T else 2}.{code:06d}", *r] for code, r in zip(codes, rows, strict=True)]
    cols = ["service_id", "service_name", "field", "level", "tier", "agency", "available_from"]
    path = _write_csv(out / "online-services.csv", cols, rows)
    return DemoDataset(
        name="online-services", org="so-tttt", schema="online_services",
        title="Dịch vụ công trực tuyến mức độ 3, 4",
        title_en="Level 3 and 4 online public services",
        description=(
            "Thành phố cung cấp 556 trên tổng số 1.883 thủ tục hành chính (khoảng 30%) dưới dạng dịch vụ công trực tuyến "
            "mức độ 3 và 4: 386 dịch vụ mức độ 3 và 170 dịch vụ mức độ 4, thuộc các lĩnh vực Tư pháp, Tài nguyên và "
            "Môi trường, Xây dựng, Giáo dục và Đào tạo, Thông tin và Truyền thông; triển khai tại cả 30 quận, huyện, "
            "thị xã và 584 xã, phường, thị trấn.\n\n"
            f"{SYNTHETIC_NOTE} Tổng số dịch vụ và số theo mức độ lấy từ báo cáo của thành phố (09/2018); "
            "phân bổ theo lĩnh vực, mã thủ tục, cấp thực hiện và ngày cung cấp là mô phỏng."
        ),
        license="CC-BY-4.0", tags=["chinh-quyen-dien-tu", "dich-vu-cong", "thu-tuc-hanh-chinh"], frequency="monthly",
        source="Báo cáo Chính quyền điện tử của UBND TP Hà Nội (09/2018); chi tiết mô phỏng",
        temporal_coverage=_span(date(2015, 1, 1), REPORT_DATE), files=[path],
    )


# ---------------------------------------------------------------------------------------------------------
# ehealth-records and cancer-screening: district aggregates that sum to the reported totals


def _ehealth_records(out: Path) -> DemoDataset:
    rng = _rng("ehealth-records")
    records = _allocate(EHEALTH_RECORDS, [d["population"] * rng.uniform(0.6, 1.4) for d in DISTRICTS])
    rows = [[d["name"], REPORT_DATE.isoformat(), n, d["wards_communes"] - (rng.randint(0, 3) if rng.random() < 0.3 else 0)]
            for d, n in zip(DISTRICTS, records, strict=True)]
    path = _write_csv(out / "ehealth-records.csv", ["district", "reported_on", "records", "health_stations"], rows)
    return DemoDataset(
        name="ehealth-records", org="so-yte", schema="ehealth_records",
        title="Hồ sơ sức khỏe điện tử theo quận, huyện",
        title_en="Electronic health records by district",
        description=(
            "Số hồ sơ sức khỏe điện tử đã lập tại 30 quận, huyện, thị xã. Tổng toàn thành phố 878.888 hồ sơ "
            "(báo cáo của thành phố, 09/2018). Chỉ công bố số tổng hợp, không có dữ liệu cá nhân.\n\n"
            f"{SYNTHETIC_NOTE} Tổng số lấy từ báo cáo; phân bổ theo quận, huyện và số trạm y tế tham gia là mô phỏng."
        ),
        license="CC-BY-4.0", tags=["y-te", "ho-so-suc-khoe", "chinh-quyen-dien-tu"], frequency="yearly",
        source="Báo cáo Chính quyền điện tử của UBND TP Hà Nội (09/2018); phân bổ mô phỏng",
        temporal_coverage=REPORT_DATE.isoformat(), files=[path],
    )


_CANCER_TYPES = {"Ung thư vú": (0.34, 0.020), "Ung thư cổ tử cung": (0.30, 0.028),
                 "Ung thư gan": (0.20, 0.015), "Ung thư đại trực tràng": (0.16, 0.040)}


def _cancer_screening(out: Path) -> DemoDataset:
    rng = _rng("cancer-screening")
    keys = [(d, t) for d in DISTRICTS for t in _CANCER_TYPES]
    samples = _allocate(CANCER_SCREENING_SAMPLES,
                        [d["population"] * _CANCER_TYPES[t][0] * rng.uniform(0.5, 1.5) for d, t in keys])
    rows = [[d["name"], REPORT_DATE, t, n, round(n * _CANCER_TYPES[t][1] * rng.uniform(0.6, 1.4))]
            for (d, t), n in zip(keys, samples, strict=True)]
    path = _write_xlsx(out / "cancer-screening.xlsx", "Sàng lọc ung thư",
                       ["district", "reported_on", "cancer_type", "samples", "suspected"], rows)
    return DemoDataset(
        name="cancer-screening", org="so-yte", schema="cancer_screening",
        title="Sàng lọc phát hiện sớm ung thư theo quận, huyện",
        title_en="Early cancer screening by district",
        description=(
            "Số mẫu sàng lọc phát hiện sớm ung thư đã ghi nhận theo quận, huyện, thị xã và loại ung thư, kèm số mẫu nghi "
            "ngờ chuyển chẩn đoán. Tổng toàn thành phố 114.998 mẫu (báo cáo của thành phố, 09/2018). Chỉ số tổng hợp.\n\n"
            f"{SYNTHETIC_NOTE} Tổng số lấy từ báo cáo; phân bổ theo quận, huyện, loại ung thư và số mẫu nghi ngờ là "
            "mô phỏng. Tệp gốc là bảng tính Excel (XLSX)."
        ),
        license="CC-BY-4.0", tags=["y-te", "ung-thu", "sang-loc"], frequency="yearly",
        source="Báo cáo Chính quyền điện tử của UBND TP Hà Nội (09/2018); phân bổ mô phỏng",
        temporal_coverage=REPORT_DATE.isoformat(), files=[path],
    )


# ---------------------------------------------------------------------------------------------------------
# tourism-arrivals: monthly, with a corrected second version

_TOURISM_YEARS = {  # year: (domestic, international); only 2017 is the reported figure
    2015: (14_650_000, 3_260_000), 2016: (17_350_000, 4_020_000),
    2017: (TOURISM_2017_TOTAL - TOURISM_2017_INTERNATIONAL, TOURISM_2017_INTERNATIONAL),
    2018: (20_300_000, 5_740_000),
}
_DOMESTIC_SEASON = (1.25, 1.35, 1.1, 0.95, 0.9, 0.95, 1.0, 0.95, 0.85, 0.8, 0.9, 1.0)
_INTERNATIONAL_SEASON = (1.15, 1.0, 1.1, 0.95, 0.8, 0.75, 0.8, 0.85, 0.8, 1.05, 1.25, 1.3)
TOURISM_TYPO = (2017, 10)  # the month whose international figure version 1 got wrong


def _swap_digits(n: int) -> int:
    """A data-entry slip: the first two different neighbouring digits swapped."""
    s = list(str(n))
    i = next(i for i in range(len(s) - 1) if s[i] != s[i + 1])
    s[i], s[i + 1] = s[i + 1], s[i]
    return int("".join(s))


def _tourism_arrivals(out: Path) -> DemoDataset:
    rng = _rng("tourism-arrivals")
    rows = []
    for year, (dom_total, intl_total) in _TOURISM_YEARS.items():
        dom = _allocate(dom_total, [w * rng.uniform(0.93, 1.07) for w in _DOMESTIC_SEASON])
        intl = _allocate(intl_total, [w * rng.uniform(0.93, 1.07) for w in _INTERNATIONAL_SEASON])
        for month, (d, i) in enumerate(zip(dom, intl, strict=True), 1):
            revenue = (d * 1.55e6 * rng.uniform(0.95, 1.05) + i * 7.4e6 * rng.uniform(0.95, 1.05)) / 1e9
            rows.append([year, month, d, i, d + i, f"{revenue:.1f}"])
    cols = ["year", "month", "domestic", "international", "total", "revenue_billion_vnd"]
    first = []
    for year, month, d, i, total, revenue in rows:
        if (year, month) == TOURISM_TYPO:
            i = _swap_digits(i)
            total = d + i
        first.append([year, month, d, i, total, revenue])
    files = [_write_csv(out / "tourism-arrivals-v1.csv", cols, first),
             _write_csv(out / "tourism-arrivals-v2.csv", cols, rows)]
    return DemoDataset(
        name="tourism-arrivals", org="so-du-lich", schema="tourism_arrivals",
        title="Lượt khách du lịch đến Hà Nội theo tháng",
        title_en="Monthly tourist arrivals in Hanoi",
        description=(
            "Số lượt khách du lịch nội địa và quốc tế đến Hà Nội theo tháng, tổng lượt khách và tổng thu từ khách du lịch. "
            "Năm 2017 thành phố đón gần 24 triệu lượt khách, trong đó 5 triệu lượt khách quốc tế.\n\n"
            f"{SYNTHETIC_NOTE} Chỉ tổng năm 2017 theo báo cáo của thành phố; số từng tháng, các năm khác và doanh thu là "
            "mô phỏng. Phiên bản 2 sửa số khách quốc tế tháng 10/2017 bị nhập sai (đảo chữ số) ở phiên bản 1."
        ),
        license="CC-BY-4.0", tags=["du-lich", "khach-du-lich", "thong-ke"], frequency="monthly",
        source="Báo cáo Chính quyền điện tử của UBND TP Hà Nội (09/2018); chi tiết mô phỏng",
        temporal_coverage=_span(date(2015, 1, 1), date(2018, 12, 31)), files=files,
    )


# ---------------------------------------------------------------------------------------------------------


def build_demo_files(out_dir: Path, *, air_rows: int = 20000) -> list[DemoDataset]:
    """Write every demo dataset's files into ``out_dir``; the districts table comes first.

    The same arguments always give byte-identical files. ``air_rows`` sizes the air-quality series,
    published as three versions that each extend the previous one.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        _districts(out),
        _air_quality(out, air_rows),
        _water_quality(out),
        _rainfall(out),
        _flood_points(out),
        _schools(out),
        _online_services(out),
        _ehealth_records(out),
        _cancer_screening(out),
        _tourism_arrivals(out),
    ]
