"""The demo's ETL pipelines, over the kind of messy sources departments really send (all generated, synthetic).

Three pipelines, written as YAML files next to the sources they read:

- ``tourism-monthly.yaml`` (Sở Du lịch): yearly Excel reports with title rows, a wide layout (one column per
  month), visits as numbers or as ``1.234.567`` text and revenue as ``1.234,5``; eight steps turn them into the
  standard ``tourism_arrivals`` long rows (one per month), published in replace mode.
- ``air-quality-hourly.yaml`` (Sở Tài nguyên và Môi trường): daily exports of the monitoring system
  (semicolon-separated, Vietnamese headers, ``35,2`` decimals, ``01/03/2024 13:00`` times, ``Q. Đống Đa``
  district spellings, re-sent rows), appended in several runs: each run takes only the export files no earlier run
  took, so the dataset ``air-quality-live`` has versions that grew, each adding one Parquet part.
- ``ehealth-by-district.yaml`` (Sở Y tế): record-level electronic health records (names, fake CCCD and phone
  numbers) in the department's SQLite database; the pipeline aggregates them to counts per district with
  small-cell suppression (k = 5), so only non-identifying counts are published. The same records published
  without the aggregate are refused by the privacy gate.

How to run them (the demo does this; by hand it is the same):

    build_demo_pipelines(catalog, folder)       # writes the sources, the schema and the YAML files
    run_demo_pipelines(catalog, folder)         # runs them, feeding the air exports one day at a time
    # or: opendata run folder/tourism-monthly.yaml; opendata run --due --dir folder; opendata runs
"""

from __future__ import annotations

import csv
import json
import math
import random
import shutil
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from catalog.metadata import Catalog
from pipelines.demo_data import DEPARTMENTS, DISTRICTS

SEED = "hanoi-opendata-etl-demo"
SYNTHETIC = "Dữ liệu mô phỏng (synthetic), chỉ để trình diễn: không phải số liệu chính thức."
AIR_DAYS = [date(2024, 3, 1) + timedelta(days=i) for i in range(3)]
EHEALTH_RECORDS = 6000
REPORT_DAY = date(2024, 6, 30)


def _rng(name: str) -> random.Random:
    return random.Random(f"{SEED}:{name}")


def _vn_number(value: float, decimals: int = 0) -> str:
    """1234567.5 → '1.234.567,5' (how Vietnamese reports write numbers)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


# -- tourism: yearly Excel reports, wide months ---------------------------------------------------------------------
TOURISM = {2023: (20_500_000, 4_400_000), 2024: (21_800_000, 6_100_000)}  # synthetic yearly totals
SEASON_DOMESTIC = (1.25, 1.35, 1.1, 0.95, 0.9, 0.95, 1.0, 0.95, 0.85, 0.8, 0.9, 1.0)
SEASON_INTERNATIONAL = (1.15, 1.0, 1.1, 0.95, 0.8, 0.75, 0.8, 0.85, 0.8, 1.05, 1.25, 1.3)


def _split(total: int, weights: tuple[float, ...], rng: random.Random) -> list[int]:
    raw = [w * rng.uniform(0.94, 1.06) for w in weights]
    parts = [math.floor(total * r / sum(raw)) for r in raw]
    parts[-1] += total - sum(parts)
    return parts


def write_tourism_report(path: Path, year: int) -> Path:
    from openpyxl import Workbook

    rng = _rng(f"tourism-{year}")
    domestic = _split(TOURISM[year][0], SEASON_DOMESTIC, rng)
    international = _split(TOURISM[year][1], SEASON_INTERNATIONAL, rng)
    total = [d + i for d, i in zip(domestic, international, strict=True)]
    revenue = [(d * 1.6e6 + i * 7.5e6) * rng.uniform(0.97, 1.03) / 1e9 for d, i in zip(domestic, international,
                                                                                          strict=True)]
    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    sheet.append(["UBND THÀNH PHỐ HÀ NỘI - SỞ DU LỊCH"])
    sheet.append([f"BÁO CÁO KẾT QUẢ HOẠT ĐỘNG DU LỊCH NĂM {year}"])
    sheet.append([])
    sheet.append(["STT", "Chỉ tiêu", "Đơn vị"] + [f"Tháng {m}" for m in range(1, 13)] + ["Cả năm"])
    # Visits are numbers in some rows and dotted text in others, as typed by different staff.
    sheet.append([1, "Khách quốc tế", "lượt"] + international + [sum(international)])
    sheet.append([2, "  Khách nội   địa", "lượt"] + [_vn_number(v) for v in domestic] + [_vn_number(sum(domestic))])
    sheet.append([3, "Tổng lượt khách", "lượt"] + total + [sum(total)])
    sheet.append([4, "Tổng thu từ khách du lịch", "tỷ đồng"] + [_vn_number(v, 1) for v in revenue]
                 + [_vn_number(sum(revenue), 1)])
    sheet.append([])
    sheet.append([None, f"Ghi chú: {SYNTHETIC}"])
    sheet.merge_cells("A1:P1")
    sheet.merge_cells("A2:P2")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


TOURISM_YAML = """\
# Sở Du lịch: the yearly report workbooks (title rows, one column per month) as monthly long rows.
name: tourism-monthly
title: Lượt khách du lịch theo tháng (từ báo cáo Excel)
source:
  path: sources/tourism/bao-cao-du-lich-*.xlsx
  pick: all                      # every yearly report, in name order
  sheet: Báo cáo
  header_row: 4                  # rows 1-3 are the report's title
  filename_column: tep
steps:
  - filter: {where: "STT IS NOT NULL"}              # drops the note under the table
  - drop: {columns: [STT, Đơn vị, Cả năm]}
  - normalize: {columns: [Chỉ tiêu]}
  - map:
      columns: Chỉ tiêu
      values:
        Khách quốc tế: international
        Khách nội địa: domestic
        Tổng lượt khách: total
        Tổng thu từ khách du lịch: revenue_billion_vnd
      unmapped: fail
  - unpivot: {keep: [Chỉ tiêu, tep], name: ky, value: gia_tri}
  - cast: {locale: vi, columns: {gia_tri: number}}
  - derive:
      columns:
        year: "CAST(regexp_extract(tep, '(\\\\d{4})', 1) AS INTEGER)"
        month: "CAST(regexp_extract(ky, '(\\\\d+)', 1) AS INTEGER)"
  - sql:
      query: |
        PIVOT (SELECT year, month, "Chỉ tiêu", gia_tri FROM input)
        ON "Chỉ tiêu" IN ('domestic', 'international', 'total', 'revenue_billion_vnd')
        USING first(gia_tri) GROUP BY year, month ORDER BY year, month
target:
  dataset: tourism-monthly
  org: so-du-lich
  schema: tourism_arrivals
  title: Lượt khách du lịch đến Hà Nội theo tháng (báo cáo Excel của Sở)
  description: >-
    Số lượt khách nội địa, quốc tế và tổng thu từ khách du lịch theo tháng, chuyển từ báo cáo Excel hằng năm
    của Sở Du lịch (bảng ngang theo tháng) bằng pipeline tourism-monthly. {synthetic}
  license: CC-BY-4.0
  tags: [du-lich, thong-ke, pipeline]
  frequency: monthly
  source: Báo cáo kết quả hoạt động du lịch (Excel), Sở Du lịch Hà Nội — mô phỏng
publish: {mode: replace}
schedule: monthly
"""


# -- air quality: daily exports, appended -----------------------------------------------------------------------------
AIR_STATIONS = [  # (id, name, district, spelled in the export as, lat, lon, level)
    ("HN-101", "Trạm Hoàn Kiếm", "Hoàn Kiếm", "Q. Hoàn Kiếm", 21.0285, 105.8542, 1.15),
    ("HN-102", "Trạm Hàng Đậu", "Ba Đình", "Q.Ba Đình", 21.0430, 105.8460, 1.10),
    ("HN-103", "Trạm Kim Liên", "Đống Đa", "Q. Đống Đa", 21.0070, 105.8390, 1.05),
    ("HN-104", "Trạm Nguyễn Văn Cừ", "Long Biên", "Long Biên", 21.0480, 105.8780, 1.10),
    ("HN-105", "Trạm Mỹ Đình", "Nam Từ Liêm", "Q. Nam Từ Liêm", 21.0200, 105.7640, 1.00),
    ("HN-106", "Trạm Văn Quán", "Hà Đông", "Hà Đông", 20.9750, 105.7880, 1.00),
    ("HN-107", "Trạm Đông Anh", "Đông Anh", "H. Đông Anh", 21.1370, 105.8480, 0.90),
    ("HN-108", "Trạm Sóc Sơn", "Sóc Sơn", "H. Sóc Sơn", 21.2600, 105.8500, 0.80),
]
AIR_HEADER = ["Mã trạm", "Tên trạm", "Quận/Huyện", "Vĩ độ", "Kinh độ", "Thời gian", "PM2.5", "PM10", "NO2", "SO2",
              "CO", "O3", "AQI", "Mức AQI"]
AQI_LEVELS = [(50, "Tốt"), (100, "Trung bình"), (150, "Kém"), (200, "Xấu"), (300, "Rất xấu"), (500, "Nguy hại")]
PM25_BREAKS = [(0, 0), (25, 50), (50, 100), (80, 150), (150, 200), (250, 300), (350, 400), (500, 500)]


def _aqi(pm25: float) -> int:
    for (c0, i0), (c1, i1) in zip(PM25_BREAKS, PM25_BREAKS[1:], strict=False):
        if pm25 <= c1:
            return round(i0 + (i1 - i0) * (pm25 - c0) / (c1 - c0))
    return 500


def write_air_export(path: Path, day: date) -> Path:
    rng = _rng(f"air-{day.isoformat()}")
    rows = []
    for hour in range(24):
        moment = datetime(day.year, day.month, day.day, hour)
        traffic = 1.3 if hour in (7, 8, 17, 18, 19) else (0.8 if hour < 5 else 1.0)
        for sid, name, _, spelled, lat, lon, level in AIR_STATIONS:
            pm25 = max(3.0, rng.gauss(48, 12) * level * traffic)
            aqi = _aqi(pm25)
            label = next(text for top, text in AQI_LEVELS if aqi <= top)
            spaced = name.replace(" ", "  ", 1) if rng.random() < 0.1 else name
            rows.append([sid, spaced, spelled, _vn_number(lat, 4), _vn_number(lon, 4), moment.strftime("%d/%m/%Y %H:%M"),
                         _vn_number(pm25, 1), _vn_number(pm25 * rng.uniform(1.3, 1.8), 1),
                         _vn_number(rng.uniform(15, 60), 1), _vn_number(rng.uniform(3, 15), 1),
                         _vn_number(rng.uniform(500, 1500), 0), _vn_number(rng.uniform(20, 90), 1), aqi, label])
    rows += rows[-3:]  # the system re-sends its last batch
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(AIR_HEADER)
        writer.writerows(rows)
    return path


def _district_spellings() -> dict[str, str]:
    return {spelled: district for _, _, district, spelled, *_ in AIR_STATIONS if spelled != district}


AIR_YAML = """\
# Sở TN&MT: the monitoring system's daily exports, appended: each run takes only files no run took before.
name: air-quality-hourly
title: Quan trắc không khí theo giờ (tệp xuất hằng ngày)
source:
  path: sources/air/air-export-*.csv
  pick: new
  delimiter: ";"
  columns: [{header}]
steps:
  - rename:
      columns: {rename}
  - normalize: {{columns: [station_name, district]}}
  - map:                         # the schema's enum of districts catches any other spelling
      columns: district
      values: {spellings}
  - cast:
      locale: vi
      columns:
        latitude: number
        longitude: number
        observed_at: {{type: datetime, format: "%d/%m/%Y %H:%M"}}
        pm25: number
        pm10: number
        no2: number
        so2: number
        co: number
        o3: number
        aqi: integer
  - deduplicate: {{key: [station_id, observed_at], keep: last}}
target:
  dataset: air-quality-live
  org: so-tnmt
  schema: air_quality
  title: Quan trắc chất lượng không khí theo giờ (cập nhật liên tục)
  description: >-
    Số liệu trung bình giờ của các trạm quan trắc, nối thêm sau mỗi lần hệ thống xuất dữ liệu (pipeline
    air-quality-hourly, chế độ append: mỗi phiên bản thêm một phần dữ liệu mới). {synthetic}
  license: CC-BY-4.0
  tags: [moi-truong, khong-khi, pipeline]
  frequency: hourly
  source: Hệ thống quan trắc tự động, Sở Tài nguyên và Môi trường — mô phỏng
publish:
  mode: append
  key: [station_id, observed_at]
schedule: hourly
"""


# -- e-health: record-level data in the department's database, aggregated -----------------------------------------------
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Thanh", "Xuân"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Mai", "Nam", "Phương",
         "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Yến"]
PREFIX = {"quận": ["Q. ", "Quận ", ""], "huyện": ["H. ", "Huyện ", ""], "thị xã": ["TX. ", "Thị xã ", ""]}
SMALL_DISTRICTS = {"Mỹ Đức": 3, "Ứng Hòa": 2, "Phú Xuyên": 4}  # pilot districts with few records so far


def write_ehealth_database(path: Path) -> Path:
    """A department's SQLite database of record-level e-health records (all synthetic, fake IDs)."""
    rng = _rng("ehealth")
    counts = {name: n for name, n in SMALL_DISTRICTS.items()}
    others = [d for d in DISTRICTS if d["name"] not in SMALL_DISTRICTS]
    left = EHEALTH_RECORDS - sum(counts.values())
    weights = [d["population"] * rng.uniform(0.6, 1.4) for d in others]
    for d, w in zip(others, weights, strict=True):
        counts[d["name"]] = max(5, round(left * w / sum(weights)))
    by_name = {d["name"]: d for d in DISTRICTS}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE ho_so_suc_khoe (ma_ho_so TEXT PRIMARY KEY, ho_ten TEXT, so_cccd TEXT, so_dien_thoai "
               "TEXT, ngay_sinh TEXT, gioi_tinh TEXT, quan_huyen TEXT, tram_y_te TEXT, ngay_lap TEXT)")
    number = 0
    rows = []
    for name in sorted(counts):
        district = by_name[name]
        stations = max(1, min(district["wards_communes"], 3 + counts[name] // 40))
        for _ in range(counts[name]):
            number += 1
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 80))
            male = rng.random() < 0.5
            century = (0 if male else 1) + (2 if born.year >= 2000 else 0)
            cccd = f"001{century}{born.year % 100:02d}{rng.randrange(10**6):06d}"
            phone = f"0{rng.choice('3579')}{rng.randrange(10**8):08d}"
            spelled = rng.choice(PREFIX[district["type"]]) + name
            if rng.random() < 0.05:
                spelled = f" {spelled}  "
            created = REPORT_DAY - timedelta(days=rng.randrange(900))
            rows.append((f"HS{number:07d}", f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}", cccd,
                         phone, born.strftime("%d/%m/%Y"), "Nam" if male else "Nữ", spelled,
                         f"Trạm y tế {rng.randrange(1, stations + 1):02d} - {name}", created.strftime("%d/%m/%Y")))
    db.executemany("INSERT INTO ho_so_suc_khoe VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    return path


def ehealth_spellings() -> dict[str, str]:
    out = {}
    for d in DISTRICTS:
        for prefix in PREFIX[d["type"]]:
            if prefix:
                out[prefix + d["name"]] = d["name"]
    return out


EHEALTH_SCHEMA = {
    "title": "Hồ sơ sức khỏe điện tử theo quận, huyện (có ẩn ô nhỏ)",
    "description": "Số hồ sơ sức khỏe điện tử đã lập theo quận, huyện, thị xã, tổng hợp từ dữ liệu cấp cá nhân. "
                   "Nhóm có dưới 5 hồ sơ được ẩn số liệu (để trống) và đánh dấu ở cột suppressed, để không số nào "
                   "chỉ đích danh một người.",
    "fields": [
        {"name": "district_code", "type": "string", "title": "Mã quận/huyện",
         "constraints": {"required": True, "pattern": "[0-9]{3}"}},
        {"name": "district", "type": "string", "title": "Quận/Huyện/Thị xã", "constraints": {"required": True}},
        {"name": "reported_on", "type": "date", "title": "Ngày chốt số liệu", "constraints": {"required": True}},
        {"name": "records", "type": "integer", "title": "Số hồ sơ sức khỏe điện tử",
         "description": "Để trống khi nhóm có dưới 5 hồ sơ (ẩn ô nhỏ).", "constraints": {"minimum": 5}},
        {"name": "health_stations", "type": "integer", "title": "Số trạm y tế đã lập hồ sơ",
         "description": "Để trống khi nhóm có dưới 5 hồ sơ (ẩn ô nhỏ).", "constraints": {"minimum": 0}},
        {"name": "suppressed", "type": "boolean", "title": "Đã ẩn ô nhỏ",
         "description": "true: nhóm có dưới 5 hồ sơ, số liệu được để trống.", "constraints": {"required": True}},
    ],
    "missingValues": [""],
    "primaryKey": ["district_code", "reported_on"],
    "foreignKeys": [{"fields": "district", "reference": {"resource": "hanoi-districts", "fields": "name"}}],
}

EHEALTH_YAML = """\
# Sở Y tế: record-level e-health records → counts per district, small cells (under 5 records) suppressed.
# Publishing the records themselves is refused by the privacy gate (CCCD and phone numbers).
name: ehealth-by-district
title: Hồ sơ sức khỏe điện tử theo quận, huyện (tổng hợp từ dữ liệu cá nhân)
source:
  database: sqlite:///sources/ehealth/so-y-te.sqlite
  query: SELECT * FROM ho_so_suc_khoe
steps:
  - normalize: {{columns: [quan_huyen]}}
  - map:
      columns: quan_huyen
      values: {spellings}
      unmapped: fail
  - join:
      dataset: hanoi-districts
      keys: {{quan_huyen: name}}
      columns: {{code: district_code}}
  - cast: {{locale: vi, columns: {{ngay_lap: date}}}}
  - derive: {{column: reported_on, expression: "max(ngay_lap) OVER ()"}}
  - aggregate:
      group_by: [district_code, quan_huyen, reported_on]
      count: records
      count_distinct: {{health_stations: tram_y_te}}
      suppress: {{k: 5, flag: suppressed}}
  - rename: {{columns: {{quan_huyen: district}}}}
target:
  dataset: ehealth-by-district
  org: so-yte
  schema: schemas/ehealth-by-district.json
  title: Hồ sơ sức khỏe điện tử theo quận, huyện (tổng hợp, ẩn ô nhỏ)
  description: >-
    Số hồ sơ sức khỏe điện tử theo quận, huyện, tổng hợp từ dữ liệu cấp cá nhân của Sở Y tế bằng pipeline
    ehealth-by-district. Nhóm có dưới 5 hồ sơ được ẩn số liệu và đánh dấu (suppressed) để bảo vệ dữ liệu cá nhân
    (Luật Bảo vệ dữ liệu cá nhân 91/2025). {synthetic}
  license: CC-BY-4.0
  tags: [y-te, ho-so-suc-khoe, pipeline]
  frequency: daily
  source: Cơ sở dữ liệu hồ sơ sức khỏe điện tử, Sở Y tế — mô phỏng
publish: {{mode: replace}}
schedule: daily
"""


def _flow(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                           for k, v in mapping.items()) + "}"


# -- building and running ---------------------------------------------------------------------------------------------
def build_demo_pipelines(catalog: Catalog, work_dir: Path) -> list[Path]:
    """Write the demo sources, the custom schema and the three pipeline files into ``work_dir``.

    The air exports are written to ``sources/air-incoming/``; ``run_demo_pipelines`` moves them into
    ``sources/air/`` one day at a time, as the monitoring system would. Existing files are kept, so a second
    build changes nothing and a second run publishes nothing new. ``catalog`` is accepted so the signature can
    grow (e.g. placing files in its home); nothing is written to the catalogue here.
    """
    del catalog
    work_dir = Path(work_dir)
    sources = work_dir / "sources"
    for year in TOURISM:
        target = sources / "tourism" / f"bao-cao-du-lich-{year}.xlsx"
        if not target.exists():
            write_tourism_report(target, year)
    for day in AIR_DAYS:
        name = f"air-export-{day.isoformat()}.csv"
        if not (sources / "air" / name).exists() and not (sources / "air-incoming" / name).exists():
            write_air_export(sources / "air-incoming" / name, day)
    (sources / "air").mkdir(parents=True, exist_ok=True)
    database = sources / "ehealth" / "so-y-te.sqlite"
    if not database.exists():
        write_ehealth_database(database)
    schema_file = work_dir / "schemas" / "ehealth-by-district.json"
    schema_file.parent.mkdir(parents=True, exist_ok=True)
    schema_file.write_text(json.dumps(EHEALTH_SCHEMA, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    rename = dict(zip(AIR_HEADER, ["station_id", "station_name", "district", "latitude", "longitude", "observed_at",
                                   "pm25", "pm10", "no2", "so2", "co", "o3", "aqi", "aqi_category"], strict=True))
    files = {
        "tourism-monthly.yaml": TOURISM_YAML.replace("{synthetic}", SYNTHETIC),
        "air-quality-hourly.yaml": AIR_YAML.format(
            header=", ".join(json.dumps(h, ensure_ascii=False) for h in AIR_HEADER), rename=_flow(rename),
            spellings=_flow(_district_spellings()), synthetic=SYNTHETIC),
        "ehealth-by-district.yaml": EHEALTH_YAML.format(spellings=_flow(ehealth_spellings()), synthetic=SYNTHETIC),
    }
    paths = []
    for name, text in files.items():
        path = work_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def ensure_demo_references(catalog: Catalog, work_dir: Path) -> None:
    """The organisations and the hanoi-districts reference the pipelines need (the full demo has them already)."""
    from pipelines.publish import publish

    for department in DEPARTMENTS:
        if catalog.find_org(department["name"]) is None:
            catalog.add_org(department["name"], department["title"], department.get("description", ""), actor="demo")
    if catalog.find_dataset("hanoi-districts") is None:
        columns = ["code", "name", "name_ascii", "type", "wards_communes", "area_km2", "population", "latitude",
                   "longitude"]
        path = Path(work_dir) / "sources" / "hanoi-districts.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows([d[c] for c in columns] for d in DISTRICTS)
        result = publish(catalog, path, dataset="hanoi-districts", org="so-tttt", schema="districts",
                         meta={"title": "Danh mục quận, huyện, thị xã của Hà Nội"}, publisher="demo", origin="demo")
        if not result.ok:
            raise RuntimeError(f"the districts reference did not validate: {result.messages}")


def run_demo_pipelines(catalog: Catalog, work_dir: Path, *, log: Callable[[str], None] = lambda _: None) -> list:
    """Run the three demo pipelines; the air exports arrive one day per run, so that dataset grows by appends."""
    from pipelines.etl.runner import run_pipeline

    work_dir = Path(work_dir)
    ensure_demo_references(catalog, work_dir)
    results = []
    for name in ("tourism-monthly.yaml", "ehealth-by-district.yaml"):
        results.append(run_pipeline(catalog, work_dir / name, trigger="demo", actor="demo"))
        log(f"{results[-1].pipeline}: {results[-1].status} {results[-1].error}".rstrip())
    incoming = work_dir / "sources" / "air-incoming"
    for export in sorted(incoming.glob("air-export-*.csv")) if incoming.exists() else []:
        shutil.move(str(export), str(work_dir / "sources" / "air" / export.name))
        results.append(run_pipeline(catalog, work_dir / "air-quality-hourly.yaml", trigger="demo", actor="demo"))
        log(f"{results[-1].pipeline} ({export.name}): {results[-1].status} {results[-1].error}".rstrip())
    if not any(r.pipeline == "air-quality-hourly" for r in results):
        results.append(run_pipeline(catalog, work_dir / "air-quality-hourly.yaml", trigger="demo", actor="demo"))
    return results
