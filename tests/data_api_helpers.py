"""The catalogue the data API tests (downloads, REST API, OpenAPI/schemathesis) run against.

Built through the real publish pipeline from CSV files: the shared air-quality generator's rows under the
city's standard ``air_quality`` schema (two versions), a report with text that spreadsheets would misread
(formulas, leading signs, quotes, line breaks, Vietnamese), a private dataset and a deleted one.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from catalog.metadata import Catalog
from conftest import SHARED
from pipelines.publish import publish

REPO = Path(__file__).resolve().parents[1]
AIR_ROWS = (300, 400)  # version 1, version 2 (the generator's small outputs are prefixes of larger ones)

REPORT_SCHEMA = {
    "fields": [
        {"name": "ten", "type": "string", "title": "Tên"},
        {"name": "so_luong", "type": "integer", "title": "Số lượng"},
        {"name": "ngay", "type": "date", "title": "Ngày"},
        {"name": "ghi_chu", "type": "string", "title": "Ghi chú"},
        {"name": "dat", "type": "boolean", "title": "Đạt"},
    ],
}
REPORT_ROWS = [
    ["Phường Láng Thượng", "12", "2024-01-05", "=HYPERLINK(\"http://x\")", "true"],
    ["Phường Ô Chợ Dừa", "-7", "2024-02-29", "+2 độ C", "false"],
    ["Phường Văn Miếu – Quốc Tử Giám", "0", "2023-12-31", "-5 độ, \"rét đậm\"", "true"],
    ["Hồ Gươm", "", "2024-03-01", "@mention", ""],
    ["Trường \"Chu Văn An\"", "1500", "2024-03-02", "dòng 1\ndòng 2", "true"],
    ["Đống Đa", "3", "2024-03-03", "", "false"],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def air_csv(work: Path, rows: int) -> Path:
    out = work / f"air-{rows}.csv"
    subprocess.run([sys.executable, str(SHARED / "tools" / "gen_air_quality.py"), "--rows", str(rows),
                    "--out", str(out)], check=True, capture_output=True)
    return out


def build_catalogue(home: Path, work: Path) -> Catalog:
    work.mkdir(parents=True, exist_ok=True)
    cat = Catalog(home)
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường", "Quan trắc môi trường.")
    cat.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    meta = {"title": "Quan trắc chất lượng không khí", "license": "CC-BY-4.0", "tags": ["môi trường", "không khí"],
            "frequency": "hourly", "description": "Số liệu **PM2.5** theo giờ tại các trạm Đống Đa, Ba Đình…"}
    for number, rows in enumerate(AIR_ROWS, start=1):
        result = publish(cat, air_csv(work, rows), dataset="air-quality", org="so-tnmt", schema="air_quality",
                         meta=meta, publisher="nguyen.van.a", note=f"lần {number}")
        assert result.status == "published", result.report
    report = write_csv(work / "bao-cao.csv", [f["name"] for f in REPORT_SCHEMA["fields"]], REPORT_ROWS)
    result = publish(cat, report, dataset="bao-cao", org="so-gddt", schema=REPORT_SCHEMA,
                     meta={"title": "Báo cáo phường", "license": "ODC-BY-1.0"}, publisher="tran.thi.b")
    assert result.status == "published", result.report
    for name in ("noi-bo", "da-xoa"):
        result = publish(cat, report, dataset=name, org="so-gddt", schema=REPORT_SCHEMA, publisher="tran.thi.b")
        assert result.status == "published", result.report
    cat.update_dataset("noi-bo", private=True)
    cat.delete_dataset("da-xoa")
    return cat
