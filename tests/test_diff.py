"""Version diffs: rows added, removed and changed (by primary key, or by content without one) and schema changes,
computed in DuckDB and checked against oracles computed here in plain Python (dicts and multisets) from the
very CSV files that were published; the publish-time changelog, the API and the page all say the same."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from catalog import diff
from catalog.metadata import Catalog
from pipelines.publish import publish
from web import create_app

DISTRICTS = ["Đống Đa", "Ba Đình", "Cầu Giấy", "Hoàn Kiếm"]
KEYED = {
    "fields": [
        {"name": "station", "type": "string", "title": "Trạm"},
        {"name": "day", "type": "date", "title": "Ngày"},
        {"name": "district", "type": "string", "title": "Quận", "constraints": {"enum": DISTRICTS}},
        {"name": "pm25", "type": "number", "title": "PM2.5"},
        {"name": "count", "type": "integer", "title": "Số lần đo"},
    ],
    "primaryKey": ["station", "day"],
}
# v2: enum value added, a title renamed, a type changed (integer -> number), a constraint added.
KEYED_V2 = {
    "fields": [
        {"name": "station", "type": "string", "title": "Trạm"},
        {"name": "day", "type": "date", "title": "Ngày"},
        {"name": "district", "type": "string", "title": "Quận",
         "constraints": {"enum": [*DISTRICTS, "Tây Hồ"]}},
        {"name": "pm25", "type": "number", "title": "PM2.5 (µg/m³)", "constraints": {"minimum": 0}},
        {"name": "count", "type": "number", "title": "Số lần đo"},
    ],
    "primaryKey": ["station", "day"],
}
PLAIN = {"fields": [{"name": "district", "type": "string"}, {"name": "visits", "type": "integer"}]}
HEADER = ["station", "day", "district", "pm25", "count"]


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def keyed_versions() -> tuple[list[list], list[list]]:
    """300 readings; v2 drops 17, changes pm25 of some and district of others, and adds 23 (some in Tây Hồ)."""
    rng = random.Random(13)
    v1 = [[f"T{i % 15:02d}", f"2024-{1 + i // 15 % 12:02d}-{1 + i // 180:02d}", rng.choice(DISTRICTS),
           round(rng.uniform(5, 150), 1), rng.randint(1, 24)] for i in range(300)]
    v2 = []
    for i, row in enumerate(v1):
        row = list(row)
        if i % 17 == 3:
            continue
        if i % 7 == 0:
            row[3] = round(row[3] + 1.5, 1)
        if i % 11 == 0:
            row[2] = DISTRICTS[(DISTRICTS.index(row[2]) + 1) % 4]
        v2.append(row)
    v2 += [[f"N{i:02d}", "2024-06-01", "Tây Hồ" if i % 2 else "Ba Đình", 40.0 + i, i + 1] for i in range(23)]
    rng.shuffle(v2)
    return v1, v2


def keyed_oracle(v1: list[list], v2: list[list]) -> dict:
    """Python dicts by key: what was added, removed, and which columns of which keys changed."""
    def by_key(rows):
        return {(r[0], r[1]): (r[2], float(r[3]), float(r[4])) for r in rows}

    old, new = by_key(v1), by_key(v2)
    changed = {k: [c for c, a, b in zip(HEADER[2:], old[k], new[k], strict=True) if a != b]
               for k in old.keys() & new.keys() if old[k] != new[k]}
    return {"added": new.keys() - old.keys(), "removed": old.keys() - new.keys(), "changed": changed}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("diff")
    cat = Catalog(root / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    v1, v2 = keyed_versions()
    published = [
        ("quan-trac", write_csv(root / "k1.csv", HEADER, v1), KEYED, False),
        ("quan-trac", write_csv(root / "k2.csv", HEADER, v2), KEYED_V2, False),
        ("luot-kham", write_csv(root / "p1.csv", ["district", "visits"], PLAIN_V1), PLAIN, False),
        ("luot-kham", write_csv(root / "p2.csv", ["district", "visits"], PLAIN_V2), PLAIN, False),
        ("bi-mat", write_csv(root / "s1.csv", ["district", "visits"], PLAIN_V1), PLAIN, True),
        ("bi-mat", write_csv(root / "s2.csv", ["district", "visits"], PLAIN_V2), PLAIN, True),
    ]
    for name, path, schema, private in published:
        result = publish(cat, path, dataset=name, org="so-tnmt", schema=schema, meta={"private": private})
        assert result.status == "published", (result.messages, result.report)
    app = create_app(cat.home, {"BASE_URL": "https://data.hanoi.example"})
    yield {"catalog": cat, "client": app.test_client(), "keyed": (v1, v2)}
    cat.dispose()


# Rows without a key, with duplicates: the multiset difference is what counts.
PLAIN_V1 = [["Đống Đa", 5], ["Đống Đa", 5], ["Đống Đa", 5], ["Ba Đình", 7], ["Cầu Giấy", 1], ["Hoàn Kiếm", 2]]
PLAIN_V2 = [["Đống Đa", 5], ["Ba Đình", 7], ["Ba Đình", 7], ["Cầu Giấy", 3], ["Hoàn Kiếm", 2], ["Tây Hồ", 9]]


def api(site, path: str, **kwargs):
    return site["client"].get(f"/api/v1/datasets/{path}", **kwargs)


def test_a_diff_by_primary_key_matches_a_python_dict_oracle(site):
    oracle = keyed_oracle(*site["keyed"])
    rows = api(site, "quan-trac/versions/1/diff/2").get_json()["rows"]
    assert rows["compared_by"] == "primary_key" and rows["key"] == ["station", "day"]
    assert (rows["rows_added"], rows["rows_removed"], rows["rows_changed"]) == \
        (len(oracle["added"]), len(oracle["removed"]), len(oracle["changed"]))
    per_column = Counter(c for cols in oracle["changed"].values() for c in cols)
    assert rows["columns_changed"] == dict(per_column)
    assert rows["rows_added"] and rows["rows_removed"] and rows["rows_changed"], "the fixture changes all three"


def test_samples_are_bounded_and_each_one_is_a_real_difference(site):
    oracle = keyed_oracle(*site["keyed"])
    samples = api(site, "quan-trac/versions/1/diff/2").get_json()["rows"]["samples"]
    assert len(samples["added"]) == min(20, len(oracle["added"]))
    assert len(samples["changed"]) == min(20, len(oracle["changed"])) == 20
    assert {(r["station"], r["day"]) for r in samples["added"]} <= oracle["added"]
    assert {(r["station"], r["day"]) for r in samples["removed"]} <= oracle["removed"]
    for change in samples["changed"]:
        key = (change["key"]["station"], change["key"]["day"])
        assert change["columns"] == oracle["changed"][key]
        assert all(change["before"][c] != change["after"][c] for c in change["columns"])
    few = api(site, "quan-trac/versions/1/diff/2?sample=3").get_json()["rows"]["samples"]
    assert [len(few[k]) for k in ("added", "removed", "changed")] == [3, 3, 3]


def test_a_diff_without_a_key_is_the_multiset_difference_of_whole_rows(site):
    old, new = Counter(map(tuple, PLAIN_V1)), Counter(map(tuple, PLAIN_V2))
    rows = api(site, "luot-kham/versions/1/diff/2").get_json()["rows"]
    assert rows["compared_by"] == "content" and rows["rows_changed"] == 0
    assert rows["rows_added"] == sum((new - old).values()) and rows["rows_removed"] == sum((old - new).values())
    assert {(r["district"], r["visits"]) for r in rows["samples"]["added"]} == set(new - old)
    assert {(r["district"], r["visits"]) for r in rows["samples"]["removed"]} == set(old - new)


def test_the_diff_is_from_a_to_b_in_either_order(site):
    forward = api(site, "quan-trac/versions/1/diff/2").get_json()["rows"]
    backward = api(site, "quan-trac/versions/2/diff/1").get_json()["rows"]
    assert (backward["rows_added"], backward["rows_removed"], backward["rows_changed"]) == \
        (forward["rows_removed"], forward["rows_added"], forward["rows_changed"])
    same = api(site, "quan-trac/versions/2/diff/2").get_json()["rows"]
    assert (same["rows_added"], same["rows_removed"], same["rows_changed"]) == (0, 0, 0)


def test_schema_changes_name_enum_values_titles_types_and_constraints(site):
    schema = api(site, "quan-trac/versions/1/diff/2").get_json()["schema"]
    assert schema["enum_values"] == [{"name": "district", "added": ["Tây Hồ"], "removed": []}]
    assert schema["titles_changed"] == [{"name": "pm25", "from": "PM2.5", "to": "PM2.5 (µg/m³)"}]
    assert schema["fields_retyped"] == [{"name": "count", "from": "integer", "to": "number"}]
    assert schema["constraints_changed"] == [{"name": "pm25", "from": {}, "to": {"minimum": 0}}]
    assert sorted(schema["fields_changed"]) == ["count", "district", "pm25"]
    assert schema["fields_added"] == schema["fields_removed"] == [] and schema["primary_key"] is None


def test_schema_changes_list_fields_added_removed_and_a_new_primary_key():
    old = {"fields": [{"name": "a"}, {"name": "b", "type": "integer"}]}
    new = {"fields": [{"name": "a"}, {"name": "c", "type": "string"}], "primaryKey": "a"}
    found = diff.schema_changes(old, new)
    assert (found["fields_added"], found["fields_removed"], found["fields_changed"]) == (["c"], ["b"], [])
    assert found["primary_key"] == {"from": [], "to": ["a"]}


def test_the_changelog_written_at_publish_time_is_the_diff_summary(site):
    catalog = site["catalog"]
    for name in ("quan-trac", "luot-kham"):
        stored = catalog.get_version(name, 2)["changes"]
        answered = api(site, f"{name}/versions/1/diff/2").get_json()["summary"]
        assert stored == answered
        assert {"rows_added", "rows_removed", "fields_added", "fields_removed", "fields_changed"} <= set(stored)
    listed = api(site, "quan-trac/versions").get_json()["versions"][0]["changes"]
    assert listed["enum_values"] and listed["fields_changed"], "the enum change is no longer lost"


def test_the_diff_page_shows_the_counts_and_the_schema_changes_in_both_languages(site):
    client = site["client"]
    oracle = keyed_oracle(*site["keyed"])
    page = client.get("/datasets/quan-trac/versions/1/diff/2").get_data(as_text=True)
    assert "So sánh theo khoá chính" in page and f"+{len(oracle['added'])} dòng thêm" in page
    assert "Tây Hồ" in page and "PM2.5 (µg/m³)" in page
    english = client.get("/datasets/quan-trac/versions/1/diff/2?lang=en").get_data(as_text=True)
    assert f"{len(oracle['changed'])} rows changed" in english and "Compared by primary key" in english
    as_json = client.get("/datasets/quan-trac/versions/1/diff/2?format=json").get_json()
    assert as_json["rows"]["rows_changed"] == len(oracle["changed"])


def test_the_versions_table_links_each_version_to_its_diff_with_the_previous_one(site):
    page = site["client"].get("/datasets/quan-trac").get_data(as_text=True)
    assert 'href="/datasets/quan-trac/versions/1/diff/2"' in page
    assert "/versions/0/diff/1" not in page


@pytest.mark.parametrize("path", ["quan-trac/versions/1/diff/3", "quan-trac/versions/9/diff/1",
                                  "khong-co/versions/1/diff/2", "bi-mat/versions/1/diff/2",
                                  "quan-trac/versions/1/diff/99999999999999999999"])
def test_unknown_versions_and_private_datasets_are_not_found(site, path):
    answer = api(site, path)
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    assert site["client"].get(f"/datasets/{path}").status_code == 404


def test_a_bad_sample_size_is_a_clear_400(site):
    answer = api(site, "quan-trac/versions/1/diff/2?sample=1000")
    assert answer.status_code == 400 and "sample" in answer.get_json()["error"]["message"]


def test_the_private_diff_is_computed_for_the_operator(site):
    catalog = site["catalog"]
    old, new = catalog.get_version("bi-mat", 1), catalog.get_version("bi-mat", 2)
    with duckdb.connect() as con:
        found = diff.diff_files(con, catalog.version_files(old), catalog.version_files(new), old["schema"],
                                new["schema"])
    assert diff.summary(found) == new["changes"]
