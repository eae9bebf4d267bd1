"""The 2025 administrative map: the GSO's lists of Hanoi's units before and since 1 July 2025, foreign keys that
check each row against the list in force at its date, the crosswalk schema, and the demo's labels."""

from __future__ import annotations

import csv
import importlib.util
import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest
import yaml

from catalog.errors import InvalidSchema, NotFound
from catalog.i18n import language
from pipelines.demo import admin_units
from pipelines.demo.content import DATA, DISTRICTS
from pipelines.demo.generate import build_demo_files, hanoi_districts
from pipelines.publish import catalog_references, publish
from pipelines.validate import validate_file, validate_package
from schemas import list_standard_schemas, load_standard_schema

ROOT = Path(__file__).resolve().parents[1]
LICENCE = "GPL-3.0-or-later"


def _rows(name: str) -> list[dict]:
    return list(csv.DictReader((DATA / name).read_text(encoding="utf-8").splitlines()))


def _script():
    spec = importlib.util.spec_from_file_location("admin_units_script", ROOT / "scripts" / "admin_units.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------- the reference lists

def test_since_july_2025_hanoi_has_126_units_51_phuong_and_75_xa_with_unique_codes():
    rows = _rows("hanoi-communes-2025.csv")
    assert len(rows) == 126
    assert Counter(r["type"] for r in rows) == {"phường": 51, "xã": 75}
    assert len({r["code"] for r in rows}) == 126 and len({r["name"] for r in rows}) == 126
    assert all(r["name"] == f"{r['type'].capitalize()} {r['short_name']}" for r in rows)
    assert {"00070": "Phường Hoàn Kiếm", "00004": "Phường Ba Đình"}.items() <= {r["code"]: r["name"] for r in rows}.items()


def test_the_2025_list_is_exactly_the_one_in_the_installed_package():
    package_rows, version = _script().new_units()
    assert [list(r.values()) for r in _rows("hanoi-communes-2025.csv")] == package_rows
    assert version.startswith("vietnam-provinces 2025.10.1")


def test_before_july_2025_hanoi_had_30_district_level_units_the_same_as_hanoi_districts():
    rows = _rows("hanoi-communes-before-2025.csv")
    assert len(rows) == 526 and len({r["code"] for r in rows}) == 526
    districts = {(r["district_code"], r["district_name"], r["district_type"]) for r in rows}
    assert len(districts) == 30 and len({code for code, _, _ in districts}) == 30
    assert districts == {(d["code"], d["name"], d["type"]) for d in DISTRICTS}
    assert Counter(r["type"] for r in rows).keys() == {"phường", "xã", "thị trấn"}


def test_both_lists_are_valid_against_their_standard_schemas(tmp_path):
    for name, schema in (("hanoi-communes-2025", "communes_2025"), ("hanoi-communes-before-2025",
                                                                    "communes_before_2025")):
        with validate_file(DATA / f"{name}.csv", schema=load_standard_schema(schema)) as v:
            assert v.valid and v.rows in (126, 526), v.report["tasks"][0]["errors"][:3]


def test_the_metadata_names_the_gso_the_package_and_its_licence():
    declared = {d["name"]: d for d in yaml.safe_load((DATA / "datasets.yaml").read_text(encoding="utf-8"))["datasets"]}
    for name, version in (("hanoi-communes-2025", "2025.10.1"), ("hanoi-communes-before-2025", "0.6.0")):
        meta = declared[name]
        assert meta["license"] == LICENCE
        for text in (meta["source"], meta["description"], meta["description_en"]):
            assert "vietnam-provinces" in text and version in text and LICENCE in text
        assert "Tổng cục Thống kê" in meta["source"] and "General Statistics Office" in meta["description_en"]
    for schema in ("communes_2025", "communes_before_2025"):
        d = load_standard_schema(schema)
        assert "Tổng cục Thống kê" in d["description"] and "vietnam-provinces" in d["description"]
        assert LICENCE in d["description"] and LICENCE in d["description_en"]
    notice = (DATA / "admin-units-LICENSE.txt").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in notice and "Version 3" in notice
    assert "2025.10.1" in notice and "0.6.0" in notice and "scripts/admin_units.py" in notice
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "scripts/admin_units.py" in readme and LICENCE in readme


# ------------------------------------------------------------------------------ foreign keys by the row's date

EHEALTH_HEADER = "district,reported_on,records,health_stations\n"


@pytest.fixture
def units_catalog(catalog, tmp_path):
    """A catalogue with both lists in force: the 30 district-level units and the 126 units of 2025."""
    out = tmp_path / "units"
    out.mkdir()
    for name, write in (("hanoi-districts", hanoi_districts), (admin_units.NEW_UNITS, admin_units.communes_2025)):
        [path], _ = write(out)
        assert publish(catalog, path, dataset=name, org="so-tnmt", schema=name).ok
    return catalog


def _validate(catalog, tmp_path, body: str, lang: str = "vi"):
    path = tmp_path / "ehealth.csv"
    path.write_text(EHEALTH_HEADER + body, encoding="utf-8")
    with language(lang), validate_file(path, schema=load_standard_schema("ehealth_records"),
                                       references=catalog_references(catalog)) as v:
        return v.valid, v.report["tasks"][0]["errors"]


def test_a_row_dated_august_2025_naming_a_district_that_no_longer_exists_is_refused(units_catalog, tmp_path):
    valid, errors = _validate(units_catalog, tmp_path, "Ba Đình,2025-08-01,1200,3\n")
    assert not valid
    [error] = errors
    assert error["type"] == "foreign-key" and error["rowNumber"] == 2
    assert '"Ba Đình" không có trong danh mục "hanoi-communes-2025"' in error["note"]
    assert "2025-08-01" in error["note"] and "từ 2025-07-01" in error["note"]


def test_the_same_message_in_english(units_catalog, tmp_path):
    _, [error] = _validate(units_catalog, tmp_path, "Ba Đình,2025-08-01,1200,3\n", lang="en")
    assert '"Ba Đình" is not in the list "hanoi-communes-2025"' in error["note"]
    assert "2025-08-01" in error["note"] and "in force from 2025-07-01" in error["note"]


def test_the_same_row_dated_2024_passes_and_a_new_unit_passes_after_july_2025(units_catalog, tmp_path):
    assert _validate(units_catalog, tmp_path, "Ba Đình,2024-12-31,1200,3\n") == (True, [])
    assert _validate(units_catalog, tmp_path, "Phường Ba Đình,2025-08-01,1200,3\n") == (True, [])


def test_a_new_unit_dated_before_july_2025_is_refused_against_the_old_list(units_catalog, tmp_path):
    valid, [error] = _validate(units_catalog, tmp_path, "Ba Đình,2024-06-30,1,1\nPhường Ba Đình,2025-06-30,1,1\n")
    assert not valid and error["rowNumber"] == 3 and "hanoi-districts" in error["note"]
    assert "trước 2025-07-01" in error["note"]


def test_the_exact_pass_dates_keys_as_the_fast_pass_does(units_catalog, tmp_path):
    # a negative count sends the file to the exact pass; the foreign-key verdicts stay the same
    body = "Ba Đình,2024-12-31,1,1\nĐống Đa,2025-08-01,1,1\nPhường Ba Đình,2025-09-01,-5,1\n"
    valid, errors = _validate(units_catalog, tmp_path, body)
    assert not valid
    assert sorted((e["type"], e["rowNumber"]) for e in errors) == [("constraint-error", 4), ("foreign-key", 3)]


def test_the_fast_pass_applies_the_periods_too(tmp_path):
    refs = {"old": tmp_path / "old.parquet", "new": tmp_path / "new.parquet"}
    duckdb.sql(f"COPY (SELECT 'Ba Đình' AS name) TO '{refs['old']}'")
    duckdb.sql(f"COPY (SELECT 'Phường Ba Đình' AS name) TO '{refs['new']}'")
    schema = {"fields": [{"name": "unit", "type": "string"}, {"name": "day", "type": "date"},
                         {"name": "value", "type": "number"}],
              "foreignKeys": [{"fields": "unit", "reference": {"resource": "old", "fields": "name"},
                               "x-effective": {"field": "day", "before": "2025-07-01"}},
                              {"fields": "unit", "reference": {"resource": "new", "fields": "name"},
                               "x-effective": {"field": "day", "from": "2025-07-01"}}]}
    path = tmp_path / "d.csv"
    path.write_text("unit,day,value\nBa Đình,2024-01-01,1\nPhường Ba Đình,2025-08-01,2\n", encoding="utf-8")
    with validate_file(path, schema=schema, references=refs.get) as v:
        assert v.valid and v._engine.fast_parquet is not None  # proved valid in one pass, periods included
    path.write_text("unit,day,value\nBa Đình,2024-01-01,1\nBa Đình,2025-08-01,2\n", encoding="utf-8")
    with validate_file(path, schema=schema, references=refs.get) as v:
        assert [(e["type"], e["rowNumber"]) for e in v.report["tasks"][0]["errors"]] == [("foreign-key", 3)]


def test_a_dated_key_needs_its_dataset_only_for_rows_in_its_period(catalog, tmp_path):
    [path], _ = hanoi_districts(tmp_path)
    assert publish(catalog, path, dataset="hanoi-districts", org="so-tnmt", schema="districts").ok
    assert _validate(catalog, tmp_path, "Ba Đình,2024-12-31,1,1\n") == (True, [])
    with pytest.raises(NotFound, match="hanoi-communes-2025"):
        _validate(catalog, tmp_path, "Phường Ba Đình,2025-08-01,1,1\n")


@pytest.mark.parametrize("period, complaint", [
    ({"field": "records", "from": "2025-07-01"}, "not a date or datetime field"),
    ({"field": "reported_on", "from": "01/07/2025"}, "not an ISO date"),
    ({"field": "reported_on"}, "needs 'from' or 'before'"),
    ({"field": "reported_on", "from": "2025-07-01", "before": "2025-01-01"}, "earlier than"),
    ("reported_on", "must be an object"),
])
def test_a_period_that_cannot_be_read_refuses_the_schema(tmp_path, period, complaint):
    schema = load_standard_schema("ehealth_records")
    schema["foreignKeys"][0]["x-effective"] = period
    path = tmp_path / "e.csv"
    path.write_text(EHEALTH_HEADER + "Ba Đình,2024-01-01,1,1\n", encoding="utf-8")
    with pytest.raises(InvalidSchema, match=complaint):
        validate_file(path, schema=schema)


# ----------------------------------------------------------------------------------------------- the crosswalk

def test_the_crosswalk_template_is_the_schema_header_without_rows():
    schema = load_standard_schema("admin_crosswalk")
    lines = (DATA / "admin-crosswalk-template.csv").read_text(encoding="utf-8").splitlines()
    assert lines == [",".join(f["name"] for f in schema["fields"])]
    assert {fk["reference"]["resource"] for fk in schema["foreignKeys"]} == {admin_units.OLD_UNITS,
                                                                             admin_units.NEW_UNITS}
    assert "admin_crosswalk" in list_standard_schemas()


def _crosswalk_package(tmp_path: Path, rows: list[list[str]]) -> Path:
    template = (DATA / "admin-crosswalk-template.csv").read_text(encoding="utf-8")
    body = "".join(",".join(r) + "\n" for r in rows)
    (tmp_path / "crosswalk.csv").write_text(template + body, encoding="utf-8")
    resources = [{"name": "crosswalk", "path": "crosswalk.csv", "schema": load_standard_schema("admin_crosswalk")}]
    for name, schema in ((admin_units.OLD_UNITS, "communes_before_2025"), (admin_units.NEW_UNITS, "communes_2025")):
        (tmp_path / f"{name}.csv").write_bytes((DATA / f"{name}.csv").read_bytes())
        resources.append({"name": name, "path": f"{name}.csv", "schema": load_standard_schema(schema)})
    (tmp_path / "datapackage.json").write_text(json.dumps({"resources": resources}), encoding="utf-8")
    return tmp_path / "datapackage.json"


def test_the_crosswalk_refuses_a_code_that_is_in_neither_list(tmp_path):
    old, new = _rows("hanoi-communes-before-2025.csv")[0], _rows("hanoi-communes-2025.csv")[0]
    # codes taken from the two lists to show the row's shape; not a statement that these units correspond
    known = [old["code"], old["name"], new["code"], new["name"], "số/NQ-UBTVQH15", "2025-06-16", "2025-07-01", "", ""]
    unknown = ["99999", "Xã Không Có", new["code"], new["name"], "số/NQ-UBTVQH15", "2025-06-16", "2025-07-01", "", ""]
    with validate_package(_crosswalk_package(tmp_path, [known]), "crosswalk") as v:
        assert v.valid, v.report["tasks"][0]["errors"]
    with validate_package(_crosswalk_package(tmp_path, [known, unknown]), "crosswalk") as v:
        assert [(e["type"], e["rowNumber"]) for e in v.report["tasks"][0]["errors"]] == [("foreign-key", 3)]
        assert "99999" in v.report["tasks"][0]["errors"][0]["note"]


# ------------------------------------------------------------------------------------------------------ the demo

def test_the_demo_labels_its_datasets_that_use_the_units_before_july_2025(tmp_path):
    demo = {d.name: d for d in build_demo_files(tmp_path, air_rows=400)}
    labelled = {name for name, d in demo.items() if "Đơn vị hành chính trước 01/07/2025" in d.description}
    assert labelled == {"hanoi-districts", "water-quality", "rainfall", "flood-points", "schools", "online-services",
                        "ehealth-records", "cancer-screening"}
    for name in labelled:
        assert "Administrative units before 1 July 2025" in demo[name].description_en
    assert {admin_units.NEW_UNITS, admin_units.OLD_UNITS} <= demo.keys()
    assert demo[admin_units.NEW_UNITS].files[0].read_bytes() == (DATA / "hanoi-communes-2025.csv").read_bytes()
