"""Append mode: a version = the previous parts + one new part; keys refuse duplicates; nothing else is rewritten."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.etl.append import DuplicateKeys, append, parts_sha256

SCHEMA = {"fields": [{"name": "station_id", "type": "string", "constraints": {"required": True}},
                     {"name": "hour", "type": "integer", "constraints": {"required": True}},
                     {"name": "pm25", "type": "number"}],
          "primaryKey": ["station_id", "hour"]}


def rows_file(tmp_path, name, rows):
    path = tmp_path / f"{name}.parquet"
    pq.write_table(pa.table({"station_id": [r[0] for r in rows], "hour": [r[1] for r in rows],
                             "pm25": [r[2] for r in rows]}), path)
    return path


def add(catalog, path, **kwargs):
    return append(catalog, path, dataset="air", schema=SCHEMA, org="so-tnmt", key=["station_id", "hour"],
                  **kwargs)


def all_rows(catalog, version):
    files = [str(p) for p in catalog.version_files(version)]
    return duckdb.sql(f"SELECT * FROM read_parquet({files}) ORDER BY hour, station_id").fetchall()


def test_versions_grow_by_parts(catalog, tmp_path):
    first = add(catalog, rows_file(tmp_path, "a", [("HN-001", 0, 10.0), ("HN-002", 0, 12.5)]))
    assert first.status == "published"
    v1 = first.version
    assert v1["number"] == 1 and v1["path"] == v1["parts"][0] and v1["rows"] == 2
    part1 = v1["parts"][0]
    digest1 = catalog.storage.sha256(part1)
    stat1 = None if catalog.storage.remote else Path(catalog.storage.location(part1)).stat()
    second = add(catalog, rows_file(tmp_path, "b", [("HN-001", 1, 11.0)]))
    v2 = second.version
    assert v2["path"] == "" and v2["parts"][0] == v1["parts"][0] and len(v2["parts"]) == 2
    assert v2["sha256"] == parts_sha256(v2["parts"]) and v2["rows"] == 3
    assert v2["bytes"] == v1["bytes"] + catalog.storage.size(v2["parts"][1])
    assert v2["changes"]["rows_added"] == 1 and v2["changes"]["rows_removed"] == 0
    assert catalog.storage.sha256(part1) == digest1, "the first part is shared, never rewritten"
    if stat1 is not None:  # in a local folder: not even touched
        now = Path(catalog.storage.location(part1)).stat()
        assert now.st_mtime_ns == stat1.st_mtime_ns and now.st_ino == stat1.st_ino
    assert all_rows(catalog, v2) == [("HN-001", 0, 10.0), ("HN-002", 0, 12.5), ("HN-001", 1, 11.0)]
    assert all_rows(catalog, catalog.get_version("air", 1)) == [("HN-001", 0, 10.0), ("HN-002", 0, 12.5)]
    assert catalog.list_audit(dataset="air")[0]["detail"]["mode"] == "append"


def test_duplicate_keys_are_refused_and_nothing_changes(catalog, tmp_path):
    add(catalog, rows_file(tmp_path, "a", [("HN-001", 0, 10.0), ("HN-002", 0, 12.5)]))
    before = catalog.stats(), catalog.storage.list()
    assert before[1], "the first version's file is stored"
    with pytest.raises(DuplicateKeys, match=r"1 dòng mới có giá trị khoá đã có trong air .*HN-002 / 0"):
        add(catalog, rows_file(tmp_path, "b", [("HN-002", 0, 99.0), ("HN-003", 0, 1.0)]))
    assert (catalog.stats(), catalog.storage.list()) == before


def test_new_rows_repeating_a_key_are_invalid(catalog, tmp_path):
    result = add(catalog, rows_file(tmp_path, "a", [("HN-001", 0, 10.0), ("HN-001", 0, 10.5)]))
    assert result.status == "invalid"  # the schema's primary key, checked by the validator
    assert catalog.find_dataset("air") is None


def test_schema_change_is_refused(catalog, tmp_path):
    add(catalog, rows_file(tmp_path, "a", [("HN-001", 0, 10.0)]))
    changed = {**SCHEMA, "fields": SCHEMA["fields"][:2] + [{"name": "pm25", "type": "integer"}]}
    with pytest.raises(Exception, match="không thể thay đổi lược đồ của air"):
        append(catalog, rows_file(tmp_path, "b", [("HN-001", 1, 10.0)]), dataset="air", schema=changed,
               key=["station_id", "hour"])


def test_invalid_rows_append_nothing(catalog, tmp_path):
    add(catalog, rows_file(tmp_path, "a", [("HN-001", 0, 10.0)]))
    result = add(catalog, rows_file(tmp_path, "b", [(None, 1, 10.0)]))
    assert result.status == "invalid" and catalog.latest_version("air")["number"] == 1
