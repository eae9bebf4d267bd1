"""The demo files: valid against the standard schemas, true to the city's figures and to the package data files
that declare them, deterministic."""

from __future__ import annotations

import configparser
import csv
import fnmatch
import hashlib
import re
import time
import unicodedata
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
import yaml
from frictionless import Package, Resource, Schema

from catalog.errors import InvalidInput
from pipelines.demo.content import DATA, DEPARTMENTS, DISTRICTS, REPORT, load_table, load_yaml
from pipelines.demo.generate import DemoDataset, build_demo_files
from pipelines.demo.pipelines import render_pipelines
from schemas import list_standard_schemas, load_standard_schema

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
NAMES = ["hanoi-districts", "air-quality", "water-quality", "rainfall", "flood-points", "schools",
         "online-services", "ehealth-records", "cancer-screening", "tourism-arrivals", "hanoi-communes-2025",
         "hanoi-communes-before-2025"]
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, DemoDataset]:
    out = tmp_path_factory.mktemp("demo")
    started = time.perf_counter()
    datasets = build_demo_files(out)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"default demo took {elapsed:.1f}s to build"
    assert [d.name for d in datasets] == NAMES  # districts first: the others reference it
    return {d.name: d for d in datasets}


def read_rows(path: Path) -> list[dict]:
    """The rows of a CSV (any delimiter, with or without BOM) or of the first sheet of an XLSX."""
    if path.suffix == ".xlsx":
        ws = openpyxl.load_workbook(path, read_only=True).active
        header, *rows = [list(r) for r in ws.iter_rows(values_only=True)]
        return [dict(zip(header, r, strict=True)) for r in rows]
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


def validate_alone(path: Path, schema_name: str):
    """frictionless's verdict on one file; foreign keys need the package and are checked separately."""
    descriptor = load_standard_schema(schema_name)
    descriptor.pop("foreignKeys", None)
    return Resource(path.name, basepath=str(path.parent), schema=Schema.from_descriptor(descriptor)).validate()


def test_one_dataset_per_standard_schema(demo):
    # but the crosswalk: staff fill it from the official resolutions, the demo invents no rows (a template only)
    assert sorted(d.schema for d in demo.values()) == [s for s in list_standard_schemas() if s != "admin_crosswalk"]


def test_metadata_is_complete(demo):
    orgs = {o["name"] for o in DEPARTMENTS}
    assert {"so-tnmt", "so-gddt", "so-yte", "so-du-lich", "so-xay-dung", "so-tu-phap", "so-tttt"} <= orgs
    for org in DEPARTMENTS:
        assert SLUG.match(org["name"]) and org["title"].startswith("Sở ") and org["title_en"] and org["description"]
    for d in demo.values():
        assert SLUG.match(d.name) and d.org in orgs
        assert d.title and d.title_en and d.source and d.temporal_coverage
        assert d.spatial_coverage == "Hà Nội"
        # the GSO's unit lists come from a GPL-3.0-or-later package (scripts/admin_units.py): same licence
        assert d.license in ({"GPL-3.0-or-later"} if d.name.startswith("hanoi-communes") else {"CC-BY-4.0", "CC0-1.0"})
        assert d.frequency in {"hourly", "daily", "monthly", "yearly"}
        assert d.tags and all(SLUG.match(t) for t in d.tags)
        assert "mô phỏng" in d.description, f"{d.name} must say what is synthetic"
        for text in (d.title, d.description, d.source):
            assert unicodedata.is_normalized("NFC", text)
        assert d.files and all(p.is_file() for p in d.files)


@pytest.mark.parametrize("name", NAMES)
def test_every_file_is_valid_against_its_standard_schema(demo, name):
    d = demo[name]
    for path in d.files:
        report = validate_alone(path, d.schema)
        assert report.valid, (path.name, report.flatten(["type", "rowNumber", "fieldName", "note"])[:5])
        assert report.tasks[0].stats["rows"] == len(read_rows(path))


def test_district_references_resolve(demo):
    names = {d["name"] for d in DISTRICTS}
    resources = [{"name": "hanoi-districts", "path": demo["hanoi-districts"].files[0].name,
                  "schema": load_standard_schema("districts")}]
    for d in demo.values():
        schema = load_standard_schema(d.schema)
        if "foreignKeys" not in schema:
            continue
        for path in d.files:  # by hand, every version
            assert {r["district"] for r in read_rows(path)} <= names, path.name
        # the demo predates 1 July 2025: only the keys in force before it apply (frictionless ignores x-effective)
        schema["foreignKeys"] = [fk for fk in schema["foreignKeys"] if not fk.get("x-effective", {}).get("from")]
        resources.append({"name": d.name, "path": d.files[-1].name, "schema": schema})
    assert len(resources) == 7
    # and as frictionless sees them, through a package holding the districts table
    base = demo["hanoi-districts"].files[0].parent
    report = Package({"resources": resources}, basepath=str(base)).validate()
    assert report.valid, report.flatten(["type", "note"])[:5]


def test_districts_are_the_30_units_of_2018():
    facts = (SHARED / "notes" / "hanoi-facts.md").read_text(encoding="utf-8")
    expected = {}
    for kind, names in re.findall(r"^- \d+ [a-z ]+ \((quận|thị xã|huyện)\): (.+)\.$", facts, re.M):
        for name in names.split(", "):
            expected[unicodedata.normalize("NFC", name)] = kind
    assert len(expected) == 30
    assert {d["name"]: d["type"] for d in DISTRICTS} == expected
    assert Counter(d["type"] for d in DISTRICTS) == {"huyện": 17, "quận": 12, "thị xã": 1}
    assert sum(d["wards_communes"] for d in DISTRICTS) == 584
    assert len({d["code"] for d in DISTRICTS}) == 30
    air_enum = next(f for f in load_standard_schema("air_quality")["fields"] if f["name"] == "district")
    assert set(air_enum["constraints"]["enum"]) <= set(expected)


def test_districts_file_matches_the_constant(demo):
    rows = read_rows(demo["hanoi-districts"].files[0])
    assert [(r["code"], r["name"], r["type"]) for r in rows] == [(d["code"], d["name"], d["type"]) for d in DISTRICTS]


def test_online_services_match_the_report(demo):
    rows = read_rows(demo["online-services"].files[0])
    assert len(rows) == 556
    assert Counter(r["level"] for r in rows) == {"3": 386, "4": 170}
    assert set(r["field"] for r in rows) == {
        "Tư pháp", "Tài nguyên và Môi trường", "Xây dựng", "Giáo dục và Đào tạo", "Thông tin và Truyền thông"}
    assert len({r["service_id"] for r in rows}) == 556
    assert len({(r["service_name"], r["tier"]) for r in rows}) == 556
    assert "1.883" in demo["online-services"].description


def test_schools_match_the_report(demo):
    rows = read_rows(demo["schools"].files[0])
    assert len(rows) == 2752
    assert len({r["school_id"] for r in rows}) == 2752
    assert len({(r["district"], r["school_name"]) for r in rows}) == 2752
    assert sum(int(r["online_applications"]) for r in rows) > 250_000
    assert 1_500_000 < sum(int(r["pupils"]) for r in rows) < 2_500_000  # "2 million pupils"
    assert {r["district"] for r in rows} == {d["name"] for d in DISTRICTS}


def test_health_aggregates_sum_to_the_report(demo):
    ehealth = read_rows(demo["ehealth-records"].files[0])
    assert len(ehealth) == 30 and len({r["district"] for r in ehealth}) == 30
    assert sum(int(r["records"]) for r in ehealth) == 878_888
    wards = {d["name"]: d["wards_communes"] for d in DISTRICTS}
    assert all(0 < int(r["health_stations"]) <= wards[r["district"]] for r in ehealth)
    cancer = read_rows(demo["cancer-screening"].files[0])
    assert demo["cancer-screening"].files[0].suffix == ".xlsx"
    assert sum(r["samples"] for r in cancer) == 114_998
    assert {r["district"] for r in cancer} == set(wards)
    assert all(0 <= r["suspected"] <= r["samples"] for r in cancer)


def test_tourism_2017_matches_the_report_and_v2_corrects_v1(demo):
    v1, v2 = (read_rows(p) for p in demo["tourism-arrivals"].files)
    for rows in (v1, v2):
        assert len(rows) == 48
        assert all(int(r["total"]) == int(r["domestic"]) + int(r["international"]) for r in rows)
    y2017 = [r for r in v2 if r["year"] == "2017"]
    assert sum(int(r["international"]) for r in y2017) == 5_000_000
    assert 23_500_000 <= sum(int(r["total"]) for r in y2017) < 24_000_000  # "nearly 24 million"
    changed = [(a["year"], a["month"]) for a, b in zip(v1, v2, strict=True) if a != b]
    assert changed == [("2017", "10")]
    assert sum(int(r["international"]) for r in v1 if r["year"] == "2017") != 5_000_000


def _sub_index(value: float, breakpoints: list[float]) -> float:
    levels = [0, 50, 100, 150, 200, 300, 400, 500]
    for i in range(1, len(breakpoints)):
        if value <= breakpoints[i]:
            lo, hi = breakpoints[i - 1], breakpoints[i]
            return levels[i - 1] + (levels[i] - levels[i - 1]) * (value - lo) / (hi - lo)
    return 500.0


def test_air_quality_has_the_benchmark_shape_and_consistent_aqi(demo):
    shared = load_standard_schema("air_quality")
    files = demo["air-quality"].files
    rows = read_rows(files[-1])
    assert list(rows[0]) == [f["name"] for f in shared["fields"]]
    assert len(rows) == 20_000
    assert len({r["station_id"] for r in rows}) == 40
    assert len({r["observed_at"] for r in rows}) == 500  # hourly, all 40 stations each hour
    pm25 = sorted(float(r["pm25"]) for r in rows if r["pm25"])
    assert 40 < pm25[len(pm25) // 2] < 130  # a Hanoi winter, µg/m³
    breakpoints = {  # VN_AQI (Decision 1459/QĐ-TCMT)
        "pm25": [0, 25, 50, 80, 150, 250, 350, 500], "pm10": [0, 50, 150, 250, 350, 420, 500, 600],
        "no2": [0, 100, 200, 700, 1200, 2350, 3100, 3850], "so2": [0, 125, 350, 550, 800, 1600, 2100, 2630],
        "co": [0, 10000, 30000, 45000, 60000, 90000, 120000, 150000], "o3": [0, 160, 200, 300, 400, 800, 1000, 1200],
    }
    bands = [(0, 50, "Tốt"), (51, 100, "Trung bình"), (101, 150, "Kém"), (151, 200, "Xấu"),
             (201, 300, "Rất xấu"), (301, 500, "Nguy hại")]
    for r in rows:
        subs = [_sub_index(float(r[k]), bp) for k, bp in breakpoints.items() if r[k]]
        if not subs:
            assert r["aqi"] == "" and r["aqi_category"] == ""
            continue
        aqi = int(r["aqi"])
        assert aqi == min(500, round(max(subs))), r
        assert next(label for lo, hi, label in bands if lo <= aqi <= hi) == r["aqi_category"]


def test_air_quality_versions_extend_each_other(demo):
    blobs = [p.read_bytes() for p in demo["air-quality"].files]
    assert len(blobs) == 3
    assert blobs[0] != blobs[1] != blobs[2]
    assert blobs[1].startswith(blobs[0]) and blobs[2].startswith(blobs[1])
    counts = [len(read_rows(p)) for p in demo["air-quality"].files]
    assert counts[0] % 40 == 0 and counts[1] % 40 == 0 and counts == sorted(counts)


def test_other_consistency_rules(demo):
    water_bands = [(91, 100, "Rất tốt"), (76, 90, "Tốt"), (51, 75, "Trung bình"), (26, 50, "Xấu"),
                   (10, 25, "Kém"), (0, 9, "Ô nhiễm rất nặng")]
    water = read_rows(demo["water-quality"].files[0])
    for r in water:
        wqi = int(r["wqi"])
        assert next(label for lo, hi, label in water_bands if lo <= wqi <= hi) == r["wqi_category"]
    assert len({r["wqi_category"] for r in water}) >= 5  # clean reservoirs and polluted drains alike
    for r in read_rows(demo["rainfall"].files[0]):
        if r["rainfall_mm"]:
            assert float(r["max_1h_mm"]) <= float(r["rainfall_mm"])


def test_rainfall_uses_vietnamese_excel_csv_habits(demo):
    raw = demo["rainfall"].files[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfstation_id;station_name;")
    assert raw.count(b"\r\n") == raw.count(b"\n") == 12 * 730 + 1


def test_text_is_nfc(demo):
    for d in demo.values():
        for path in d.files:
            for row in read_rows(path):
                for value in row.values():
                    if isinstance(value, str):
                        assert unicodedata.is_normalized("NFC", value), (path.name, value)


def _digests(datasets: list[DemoDataset]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for d in datasets for p in d.files}


def test_build_is_deterministic(demo, tmp_path):
    first = _digests(build_demo_files(tmp_path / "a", air_rows=400))
    second = _digests(build_demo_files(tmp_path / "b", air_rows=400))
    assert first == second
    # and independent of air_rows for everything else, including the XLSX workbook
    default = _digests(list(demo.values()))
    for name, digest in first.items():
        if not name.startswith("air-quality"):
            assert default[name] == digest, name


def test_small_air_series_is_a_prefix_of_a_large_one(demo, tmp_path):
    small = build_demo_files(tmp_path, air_rows=1000)[1]
    assert len(read_rows(small.files[-1])) == 1000
    assert demo["air-quality"].files[-1].read_bytes().startswith(small.files[-1].read_bytes())
    tiny = build_demo_files(tmp_path / "tiny", air_rows=5)[1]
    assert [len(read_rows(p)) for p in tiny.files] == [1, 3, 5]


def test_too_few_air_rows_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="--air-rows"):
        build_demo_files(tmp_path, air_rows=2)


# -- the data files: what they declare is what the generators write ---------------------------------------------
def test_datasets_are_built_in_the_declared_order_with_the_declared_metadata(demo):
    declared = load_yaml("datasets.yaml")
    assert [meta["name"] for meta in declared["datasets"]] == NAMES
    for meta in declared["datasets"]:
        built = demo[meta["name"]]
        for key in ("org", "schema", "title", "title_en", "license", "tags", "frequency", "source"):
            assert getattr(built, key) == meta[key], (meta["name"], key)
        if "temporal_coverage" in meta:
            assert built.temporal_coverage == meta["temporal_coverage"], meta["name"]
        assert "{" not in built.description and "}" not in built.description, meta["name"]
        assert (declared["synthetic_note"] in built.description) == ("{synthetic}" in meta["description"])


def test_descriptions_count_what_the_data_files_list(demo):
    def quoted(name, phrase):
        assert phrase in demo[name].description, (name, phrase)

    quoted("air-quality", f"tại {len(load_table('air-stations.csv'))} trạm")
    quoted("water-quality", f"tại {len(load_table('water-points.csv'))} điểm")
    quoted("rainfall", f"tại {len(load_table('rain-stations.csv'))} trạm")
    quoted("flood-points", f"Danh sách {len(load_table('flood-points.csv'))} điểm")


def test_stations_and_places_are_those_of_the_data_files(demo):
    last = {name: read_rows(demo[name].files[-1]) for name in ("air-quality", "water-quality", "rainfall",
                                                               "flood-points")}
    assert ({(r["station_name"], r["district"]) for r in last["air-quality"]}
            == {(s["name"], s["district"]) for s in load_table("air-stations.csv")})
    assert ([(r["station_name"], r["water_body"], r["district"]) for r in last["water-quality"][:32]]
            == [(p["name"], p["water_body"], p["district"]) for p in load_table("water-points.csv")])
    assert ({(r["station_name"], r["district"]) for r in last["rainfall"]}
            == {(f"Trạm đo mưa {s['name']}", s["district"]) for s in load_table("rain-stations.csv")})
    assert ([(r["location"], r["district"]) for r in last["flood-points"]]
            == [(p["location"], p["district"]) for p in load_table("flood-points.csv")])
    assert [(d["name"], d["title"]) for d in DEPARTMENTS] == [(d["name"], d["title"])
                                                              for d in load_table("departments.csv")]


def test_files_add_up_to_the_declared_report_figures(demo):
    city = load_yaml("city-services.yaml")
    services = read_rows(demo["online-services"].files[0])
    assert Counter(r["level"] for r in services) == {"3": REPORT["online_services_level3"],
                                                     "4": REPORT["online_services_level4"]}
    for spec in city["online_services"]["fields"]:
        mine = [r for r in services if r["field"] == spec["field"]]
        assert len(mine) == spec["services"] and sum(r["level"] == "4" for r in mine) == spec["level4"]
    schools = read_rows(demo["schools"].files[0])
    assert len(schools) == REPORT["schools_online_enrolment"] == sum(s["schools"] for s in city["schools"]["levels"])
    assert Counter(r["level"] for r in schools) == {s["level"]: s["schools"] for s in city["schools"]["levels"]}
    assert sum(int(r["online_applications"]) for r in schools) == REPORT["online_applications"]
    ehealth = read_rows(demo["ehealth-records"].files[0])
    assert sum(int(r["records"]) for r in ehealth) == REPORT["ehealth_records"]
    assert {r["reported_on"] for r in ehealth} == {REPORT["report_date"]}
    cancer = read_rows(demo["cancer-screening"].files[0])
    assert sum(r["samples"] for r in cancer) == REPORT["cancer_screening_samples"]
    assert {r["cancer_type"] for r in cancer} == {t["type"] for t in city["cancer_types"]}
    tourism = read_rows(demo["tourism-arrivals"].files[-1])
    by_year = {y: [r for r in tourism if r["year"] == str(y)] for y in (2015, 2016, 2017, 2018)}
    declared = {y["year"]: y for y in city["tourism"]["years"]}
    declared[2017] = {"domestic": REPORT["tourism_2017_total"] - REPORT["tourism_2017_international"],
                      "international": REPORT["tourism_2017_international"]}
    for year, rows in by_year.items():
        assert sum(int(r["domestic"]) for r in rows) == declared[year]["domestic"], year
        assert sum(int(r["international"]) for r in rows) == declared[year]["international"], year


def test_declared_time_coverage_holds_the_data(demo):
    def within(name, column):
        first, last = demo[name].temporal_coverage.split("/")
        values = [str(r[column])[:10] for p in demo[name].files for r in read_rows(p)]
        assert first <= min(values) and max(values) <= last, (name, min(values), max(values))
        return min(values), max(values)

    assert within("rainfall", "observed_on") == ("2017-01-01", "2018-12-31")
    assert within("air-quality", "observed_at")[1] == demo["air-quality"].temporal_coverage.split("/")[1]
    within("water-quality", "sampled_on")
    within("online-services", "available_from")
    assert demo["online-services"].temporal_coverage.endswith(REPORT["report_date"])


def test_pipeline_definitions_are_the_data_files_with_their_placeholders_filled():
    note = load_yaml("etl-sources.yaml")["synthetic_note"]
    districts = {d["name"] for d in DISTRICTS}
    for name, text in render_pipelines().items():
        assert "$" not in text, name
        template = yaml.safe_load((DATA / "pipelines" / name).read_text(encoding="utf-8"))
        rendered = yaml.safe_load(text)
        assert rendered["name"] == template["name"] == name.removesuffix(".yaml")
        assert rendered["target"]["description"] == template["target"]["description"].replace("$synthetic", note)
        if name == "tourism-monthly.yaml":  # nothing but the note to fill in
            assert rendered["steps"] == template["steps"] and rendered["source"] == template["source"]
        for step in rendered["steps"]:
            if "map" in step and step["map"]["columns"] in ("district", "quan_huyen"):
                assert set(step["map"]["values"].values()) <= districts, name
    air = yaml.safe_load(render_pipelines()["air-quality-hourly.yaml"])
    fields = [f["name"] for f in load_standard_schema("air_quality")["fields"]]
    assert list(air["steps"][0]["rename"]["columns"].values()) == fields
    assert air["source"]["columns"] == list(air["steps"][0]["rename"]["columns"])


def test_every_data_file_ships_with_the_package():
    config = configparser.ConfigParser()
    config.read(Path(__file__).resolve().parents[1] / "setup.cfg", encoding="utf-8")
    patterns = [p.strip() for p in config["options.package_data"]["pipelines.demo"].split(",")]
    base = Path(str(DATA)).parent
    data_files = [p.relative_to(base).as_posix() for p in Path(str(DATA)).rglob("*") if p.is_file()]
    assert len(data_files) >= 15
    for path in data_files:
        assert any(fnmatch.fnmatch(path, pattern) and path.count("/") == pattern.count("/")
                   for pattern in patterns), f"{path} is not in setup.cfg's package_data"
