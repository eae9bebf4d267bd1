"""The demo's three pipelines over their generated messy sources, and the privacy gate on record-level data."""

from __future__ import annotations

import duckdb
import pytest

from catalog.runs import list_runs
from pipelines.demo.content import load_table, load_yaml
from pipelines.demo.pipelines import build_demo_pipelines, run_demo_pipelines
from pipelines.etl.definition import load_pipeline
from pipelines.etl.runner import run_pipeline


def read(catalog, dataset):
    version = catalog.latest_version(dataset)
    files = [str(p) for p in catalog.version_files(version)]
    return duckdb.sql(f"SELECT * FROM read_parquet({files})").fetchall(), version


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from catalog.metadata import Catalog

    root = tmp_path_factory.mktemp("demo")
    catalog = Catalog(root / "home")
    catalog.init()
    folder = root / "pipelines"
    paths = build_demo_pipelines(catalog, folder)
    results = run_demo_pipelines(catalog, folder)
    yield catalog, folder, paths, results
    catalog.dispose()


def test_all_demo_runs_publish(demo):
    catalog, _, paths, results = demo
    assert [p.name for p in paths] == ["tourism-monthly.yaml", "air-quality-hourly.yaml", "ehealth-by-district.yaml"]
    assert [(r.pipeline, r.status) for r in results] == [
        ("tourism-monthly", "published"), ("ehealth-by-district", "published"),
        ("air-quality-hourly", "published"), ("air-quality-hourly", "published"),
        ("air-quality-hourly", "published")], [r.error for r in results]
    for path in paths:
        load_pipeline(path)


def test_tourism_report_is_unpivoted_to_monthly_rows(demo):
    catalog = demo[0]
    rows, version = read(catalog, "tourism-monthly")
    assert version["rows"] == 24 and len(rows) == 24
    year, month, domestic, international, total, revenue = rows[0]
    assert (year, month) == (2023, 1) and domestic + international == total and revenue > 0
    assert catalog.get_dataset("tourism-monthly")["schema_name"] == "tourism_arrivals"


def test_air_quality_grew_by_appends(demo):
    catalog = demo[0]
    versions = catalog.list_versions("air-quality-live")
    assert [(v["number"], v["rows"], len(v["parts"])) for v in versions] == [(3, 576, 3), (2, 384, 2), (1, 192, 1)]
    assert versions[0]["parts"][:2] == versions[1]["parts"]
    rows, _ = read(catalog, "air-quality-live")
    assert len({(r[0], r[5]) for r in rows}) == 576  # (station, hour) unique across the parts
    assert {r[2] for r in rows} <= {"Hoàn Kiếm", "Ba Đình", "Đống Đa", "Long Biên", "Nam Từ Liêm", "Hà Đông",
                                    "Đông Anh", "Sóc Sơn"}


def test_ehealth_aggregate_publishes_with_small_cells_suppressed(demo):
    catalog = demo[0]
    rows, version = read(catalog, "ehealth-by-district")
    assert len(rows) == 30
    suppressed = {r[1]: r for r in rows if r[5]}
    assert set(suppressed) == {"Mỹ Đức", "Ứng Hòa", "Phú Xuyên"}
    assert all(r[3] is None and r[4] is None for r in suppressed.values())
    assert all(r[3] >= 5 for r in rows if not r[5])
    extras = catalog.get_dataset("ehealth-by-district")["extras"]
    assert extras["suppression"]["k"] == 5 and extras["suppression"]["suppressed_cells"] == 3
    assert not any("0" * 3 in str(c) and len(str(c)) == 12 for r in rows for c in r)  # no CCCD-like values


def test_record_level_health_data_with_cccd_is_refused(demo):
    catalog, folder, _, _ = demo
    raw = folder / "ehealth-raw.yaml"
    raw.write_text("""\
name: ehealth-raw
source:
  database: sqlite:///sources/ehealth/so-y-te.sqlite
  query: SELECT ma_ho_so, so_cccd, so_dien_thoai, quan_huyen FROM ho_so_suc_khoe
target:
  dataset: ehealth-raw
  org: so-yte
  schema:
    fields:
      - {name: ma_ho_so, type: string}
      - {name: so_cccd, type: string}
      - {name: so_dien_thoai, type: string}
      - {name: quan_huyen, type: string}
""", encoding="utf-8")
    result = run_pipeline(catalog, raw)
    assert result.status == "failed"
    kinds = {(f.column, f.kind) for f in result.findings}
    assert ("so_cccd", "cccd") in kinds and ("so_dien_thoai", "phone") in kinds
    assert "số căn cước công dân 12 chữ số (CCCD)" in result.error
    assert catalog.find_dataset("ehealth-raw") is None
    assert list_runs(catalog, "ehealth-raw")[0]["status"] == "failed"


def test_running_the_demo_again_publishes_nothing(demo):
    catalog, folder, _, _ = demo
    stats = catalog.stats()
    build_demo_pipelines(catalog, folder)
    again = run_demo_pipelines(catalog, folder)
    assert {r.status for r in again} == {"unchanged"}
    assert catalog.stats() == stats


def test_pipeline_outputs_match_what_the_source_data_file_declares(demo):
    catalog, declared = demo[0], load_yaml("etl-sources.yaml")
    rows, _ = read(catalog, "tourism-monthly")
    for year in declared["tourism_report"]["years"]:
        mine = [r for r in rows if r[0] == year["year"]]
        assert len(mine) == 12
        assert sum(r[2] for r in mine) == year["domestic"] and sum(r[3] for r in mine) == year["international"]
    ehealth, _ = read(catalog, "ehealth-by-district")
    assert {r[1] for r in ehealth if r[5]} == set(declared["ehealth_database"]["small_districts"])
    air, _ = read(catalog, "air-quality-live")
    assert {r[0] for r in air} == {s["station_id"] for s in load_table("air-export-stations.csv")}
    assert len(air) == 24 * len(declared["air_export"]["days"]) * len(load_table("air-export-stations.csv"))
