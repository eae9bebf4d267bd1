"""The city's standard Table Schemas: valid for frictionless, Vietnamese, no personal data, found by name or path."""

from __future__ import annotations

import importlib.resources
import json
import unicodedata
from pathlib import Path

import pytest
from frictionless import Resource, Schema

from catalog.errors import InvalidSchema, NotFound
from conftest import SHARED
from schemas import list_standard_schemas, load_standard_schema, resolve_schema, schema_dir

STANDARD = [
    "admin_crosswalk", "air_quality", "cancer_screening", "communes_2025", "communes_before_2025", "districts",
    "ehealth_records", "flood_points", "online_services", "rainfall", "schools", "tourism_arrivals", "water_quality",
]
DISTRICT_FK = {"fields": "district", "reference": {"resource": "hanoi-districts", "fields": "name"}}


def _dated_district_fks(date_field: str) -> list[dict]:
    """The old units before 1 July 2025, the new ones from then on (pipelines/validation/effective.py)."""
    return [{**DISTRICT_FK, "x-effective": {"field": date_field, "before": "2025-07-01"}},
            {"fields": "district", "reference": {"resource": "hanoi-communes-2025", "fields": "name"},
             "x-effective": {"field": date_field, "from": "2025-07-01"}}]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)


def _raw(name: str) -> dict:
    return json.loads((schema_dir() / f"{name}.json").read_text(encoding="utf-8"))


def test_the_standard_schemas_are_listed():
    assert list_standard_schemas() == STANDARD


@pytest.mark.parametrize("name", STANDARD)
def test_schema_is_valid_for_frictionless(name):
    descriptor = load_standard_schema(name)
    Schema.from_descriptor(descriptor)  # raises on an invalid schema
    report = Schema.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    names = [f["name"] for f in descriptor["fields"]]
    assert len(names) == len(set(names))
    for key in descriptor.get("primaryKey", []):
        assert key in names


@pytest.mark.parametrize("name", STANDARD)
def test_schema_speaks_vietnamese_in_nfc(name):
    d = _raw(name)
    assert d["title"] and d["description"] and d["description_en"]
    for f in d["fields"]:
        assert f.get("title"), f["name"]
        assert f.get("description"), f["name"]
    assert any(ch in "".join(_strings(d)) for ch in "ăâđêôơưĐ")  # Vietnamese text, not only ASCII
    for s in _strings(d):
        assert unicodedata.is_normalized("NFC", s), s


@pytest.mark.parametrize("name", STANDARD)
def test_no_personal_fields(name):
    d = _raw(name)
    assert "personal" not in set(_strings(d))
    forbidden = ("cccd", "cmnd", "phone", "dien_thoai", "email", "address", "dia_chi", "ho_ten", "full_name",
                 "birth", "ngay_sinh", "patient", "person", "citizen", "id_card")
    for f in d["fields"]:
        assert not any(word in f["name"] for word in forbidden), f["name"]


def test_air_quality_matches_the_shared_benchmark_schema():
    shared = json.loads((SHARED / "tools" / "air_quality.schema.json").read_text(encoding="utf-8"))
    ours = _raw("air_quality")

    def shape(d):
        return [(f["name"], f["type"], f.get("format"), f.get("constraints")) for f in d["fields"]]

    assert shape(ours) == shape(shared)
    assert ours["primaryKey"] == shared["primaryKey"]
    assert ours["missingValues"] == shared["missingValues"]
    assert "foreignKeys" not in ours


@pytest.mark.parametrize("name", STANDARD)
def test_district_columns_reference_the_districts_dataset(name):
    d = _raw(name)
    has_district = any(f["name"] == "district" for f in d["fields"])
    dates = [f["name"] for f in d["fields"] if f["type"] == "date"]
    if name == "air_quality" or not has_district:
        assert all(fk["fields"] != "district" for fk in d.get("foreignKeys", []))
    elif name == "flood_points" or not dates:  # no date of the row itself (last_flooded_on is an attribute)
        assert d["foreignKeys"] == [DISTRICT_FK]
    else:
        assert d["foreignKeys"] == _dated_district_fks(dates[0])
        district = next(f for f in d["fields"] if f["name"] == "district")
        assert district["constraints"]["required"] is True


def test_districts_schema_describes_the_reference_table():
    d = load_standard_schema("districts")
    fields = {f["name"]: f for f in d["fields"]}
    assert d["primaryKey"] == ["code"]
    assert fields["type"]["constraints"]["enum"] == ["quận", "huyện", "thị xã"]
    assert fields["name"]["constraints"]["unique"] is True  # the foreign-key target


def test_online_services_schema_has_the_five_fields_and_two_levels():
    fields = {f["name"]: f for f in load_standard_schema("online_services")["fields"]}
    assert fields["field"]["constraints"]["enum"] == [
        "Tư pháp", "Tài nguyên và Môi trường", "Xây dựng", "Giáo dục và Đào tạo", "Thông tin và Truyền thông"]
    assert fields["level"]["constraints"]["enum"] == [3, 4]


def _errors(schema_name: str, header: list[str], rows: list[list[str]]) -> set[tuple[str, str]]:
    descriptor = load_standard_schema(schema_name)
    descriptor.pop("foreignKeys", None)
    descriptor["fields"] = [f for f in descriptor["fields"] if f["name"] in header]
    resource = Resource(data=[header, *rows], schema=Schema.from_descriptor(descriptor))
    return {(e.type, getattr(e, "field_name", "")) for e in resource.validate().tasks[0].errors}


def test_constraints_reject_bad_values():
    header = ["code", "name", "name_ascii", "type"]
    assert _errors("districts", header, [["001", "Ba Đình", "Ba Dinh", "quận"]]) == set()
    assert ("constraint-error", "type") in _errors("districts", header, [["001", "Ba Đình", "Ba Dinh", "phường"]])
    assert ("constraint-error", "code") in _errors("districts", header, [["1", "Ba Đình", "Ba Dinh", "quận"]])
    header = ["service_id", "service_name", "field", "level", "tier", "agency"]
    good = ["1.001234", "Đăng ký khai sinh", "Tư pháp", "4", "Cấp xã", "UBND cấp xã"]
    assert _errors("online_services", header, [good]) == set()
    assert ("constraint-error", "service_id") in _errors("online_services", header, [["1.00123", *good[1:]]])
    assert ("constraint-error", "level") in _errors("online_services", header, [[*good[:3], "2", *good[4:]]])


def test_names_accept_dataset_spelling_and_case():
    air = load_standard_schema("air_quality")
    assert load_standard_schema("air-quality") == air
    assert load_standard_schema(" AIR-QUALITY ") == air
    assert load_standard_schema("hanoi-districts") == load_standard_schema("districts")


def test_loaded_schema_is_a_fresh_copy():
    d = load_standard_schema("schools")
    d["fields"].clear()
    assert load_standard_schema("schools")["fields"]


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(NotFound) as err:
        load_standard_schema("air_qualty")
    message = str(err.value)
    assert "air_qualty" in message
    for name in STANDARD:
        assert name in message
    with pytest.raises(NotFound):
        resolve_schema("no-such-schema")


def test_resolve_by_name_and_by_path(tmp_path, monkeypatch):
    assert resolve_schema("rainfall") == load_standard_schema("rainfall")
    assert resolve_schema(schema_dir() / "rainfall.json") == load_standard_schema("rainfall")
    nfd = unicodedata.normalize("NFD", "Quận")
    (tmp_path / "mine.json").write_text(
        json.dumps({"fields": [{"name": "quan", "type": "string", "title": nfd, "constraints": {"enum": [nfd]}}]}),
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    d = resolve_schema("mine.json")
    assert d["fields"][0]["title"] == "Quận" and d["fields"][0]["constraints"]["enum"] == ["Quận"]
    assert resolve_schema(str(tmp_path / "mine.json")) == d


def test_resolve_missing_file(tmp_path):
    with pytest.raises(NotFound) as err:
        resolve_schema(tmp_path / "nope.json")
    assert "nope.json" in str(err.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"fields": [', "not valid JSON"),
        (b'[{"name": "a"}]', "JSON object"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_resolve_unreadable_or_invalid_json(tmp_path, content, expected):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InvalidSchema) as err:
        resolve_schema(path)
    assert expected in str(err.value) and "bad.json" in str(err.value)


def test_resolve_a_folder(tmp_path):
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(InvalidSchema, match="folder"):
        resolve_schema(tmp_path / "dir.json")


def test_resolve_sees_a_changed_file(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"fields": []}', encoding="utf-8")
    assert resolve_schema(path) == {"fields": []}
    path.write_text('{"fields": [{"name": "a"}], "missingValues": ["-"]}', encoding="utf-8")
    assert resolve_schema(path)["missingValues"] == ["-"]


def test_schemas_ship_as_package_data():
    files = {p.name for p in importlib.resources.files("schemas").iterdir() if p.name.endswith(".json")}
    assert files == {f"{n}.json" for n in STANDARD}
    assert schema_dir() == Path(str(importlib.resources.files("schemas")))
