"""A version's Parquet carries its dictionary: column titles, descriptions and units in the Arrow field
metadata and the published Table Schema in the file metadata; identical data and schema give identical bytes."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pyarrow.parquet as pq
from test_published_schema import SOURCE_SCHEMA, source_csv

from catalog.metadata import Catalog
from catalog.parquet_schema import read_table_schema
from catalog.published_schema import split
from pipelines.publish import publish

SCHEMA = {"fields": [
    {"name": "tram", "type": "string", "title": "Trạm", "description": "Tên trạm quan trắc"},
    {"name": "pm25", "type": "number", "title": "PM2.5", "description": "Nồng độ bụi mịn", "unit": "µg/m³"},
], "primaryKey": ["tram"]}


def write(path, rows=(("Đống Đa", "35.5"), ("Ba Đình", "20")), name="data.csv"):
    out = path / name
    out.write_text("tram,pm25\n" + "".join(f"{a},{b}\n" for a, b in rows), encoding="utf-8")
    return out


def test_the_parquet_shows_titles_descriptions_units_and_the_table_schema(catalog: Catalog, tmp_path):
    version = publish(catalog, write(tmp_path), dataset="bui-min", org="so-tnmt", schema=SCHEMA).version
    schema = pq.read_schema(catalog.version_file(version))
    assert schema.field("pm25").metadata == {b"title": b"PM2.5", b"description": "Nồng độ bụi mịn".encode(),
                                             b"unit": "µg/m³".encode()}
    assert schema.field("tram").metadata[b"title"] == "Trạm".encode()
    assert json.loads(schema.metadata[b"table_schema"]) == version["schema"]
    assert read_table_schema(catalog.version_file(version))["primaryKey"] == ["tram"]


def test_the_embedded_schema_is_the_published_one_not_the_source_format(catalog: Catalog, tmp_path):
    version = publish(catalog, source_csv(tmp_path / "mua.csv"), dataset="luong-mua", org="so-tnmt",
                      schema=SOURCE_SCHEMA).version
    embedded = read_table_schema(catalog.version_file(version))
    assert embedded == split(SOURCE_SCHEMA)[0] and "format" not in embedded["fields"][0]
    assert duckdb.sql(f"SELECT count(*) FROM '{catalog.version_file(version)}'").fetchall()[0][0] == 4


def test_identical_data_and_schema_give_the_same_sha256(tmp_path, own_database):
    hashes = []
    for run in ("a", "b"):
        cat = Catalog(tmp_path / run, url=own_database())
        cat.init()
        cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
        version = publish(cat, write(tmp_path, name=f"{run}.csv"), dataset="bui-min", org="so-tnmt",
                          schema=SCHEMA).version
        hashes.append(version["sha256"])
        assert hashlib.sha256(cat.version_file(version).read_bytes()).hexdigest() == version["sha256"]
        cat.dispose()
    assert hashes[0] == hashes[1]


def test_a_changed_description_changes_the_file(catalog: Catalog, tmp_path):
    first = publish(catalog, write(tmp_path), dataset="bui-min", org="so-tnmt", schema=SCHEMA).version
    changed = json.loads(json.dumps(SCHEMA))
    changed["fields"][1]["description"] = "Bụi mịn PM2.5, trung bình giờ"
    second = publish(catalog, write(tmp_path), dataset="bui-min", org="so-tnmt", schema=changed).version
    assert second["number"] == 2 and second["sha256"] != first["sha256"]
    assert pq.read_schema(catalog.version_file(second)).field("pm25").metadata[b"description"] == \
        "Bụi mịn PM2.5, trung bình giờ".encode()


def test_a_filtered_parquet_download_carries_the_schema_of_its_columns(catalog: Catalog, tmp_path):
    from web import create_app

    publish(catalog, write(tmp_path), dataset="bui-min", org="so-tnmt", schema=SCHEMA)
    client = create_app(catalog.home, {"TESTING": True, "RATELIMIT_ENABLED": False}).test_client()
    response = client.get("/datasets/bui-min/explore.parquet?_fields=pm25")
    assert response.status_code == 200
    (tmp_path / "view.parquet").write_bytes(response.data)
    schema = pq.read_schema(tmp_path / "view.parquet")
    assert schema.names == ["pm25"] and schema.field("pm25").metadata[b"unit"] == "µg/m³".encode()
    assert [f["name"] for f in json.loads(schema.metadata[b"table_schema"])["fields"]] == ["pm25"]
