"""The schema published with a version describes the files served; the source's parsing hints sit beside it.

The issue's example: a department sends ``dd/mm/yyyy`` dates and ``1.234,5`` numbers. The CSV we serve has ISO
dates and plain numbers, so the descriptor we publish must say so (``frictionless validate`` of our own
download passes), while the dataset keeps validating the next upload in the department's own format.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa
from frictionless import Package, Resource, Schema

from catalog import db
from catalog.metadata import Catalog
from catalog.published_schema import split
from pipelines.publish import publish
from web import create_app

CONFIG = {"TESTING": True, "RATELIMIT_ENABLED": False}
SOURCE_SCHEMA = {
    "missingValues": ["", "-"],
    "fields": [
        {"name": "ngay", "type": "date", "format": "%d/%m/%Y", "title": "Ngày",
         "constraints": {"required": True, "minimum": "01/01/2020"}},
        {"name": "quan", "type": "string", "title": "Quận"},
        {"name": "luong_mua", "type": "number", "groupChar": ".", "decimalChar": ",", "bareNumber": False,
         "title": "Lượng mưa", "constraints": {"maximum": "10.000,0"}},
        {"name": "so_tram", "type": "integer", "bareNumber": False},
        {"name": "co_lu", "type": "boolean", "trueValues": ["có"], "falseValues": ["không"]},
    ],
}
SOURCE_ROWS = [
    ("01/03/2024", "Đống Đa", "1.234,5 mm", "1002 trạm", "có"),
    ("02/03/2024", "Ba Đình", "12,25 mm", "7 trạm", "không"),
    ("15/03/2024", "Hoàn Kiếm", "-", "-", "có"),
    ("31/12/2024", "Cầu Giấy", "0,5 mm", "12 trạm", "-"),
]


def source_csv(path, rows=SOURCE_ROWS):
    lines = ["ngay,quan,luong_mua,so_tram,co_lu"] + [",".join(f'"{v}"' for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def published(catalog: Catalog, tmp_path):
    result = publish(catalog, source_csv(tmp_path / "mua.csv"), dataset="luong-mua", org="so-tnmt",
                     schema=SOURCE_SCHEMA, meta={"title": "Lượng mưa", "license": "CC-BY-4.0"})
    assert result.status == "published", result.report
    return catalog


def test_the_published_schema_has_no_source_hints_and_the_source_description_keeps_them():
    public, source = split(SOURCE_SCHEMA)
    fields = {f["name"]: f for f in public["fields"]}
    assert "format" not in fields["ngay"] and fields["ngay"]["constraints"]["minimum"] == "2020-01-01"
    assert not {"groupChar", "decimalChar", "bareNumber"} & set(fields["luong_mua"])
    assert fields["luong_mua"]["constraints"]["maximum"] == 10000.0
    assert not {"trueValues", "falseValues"} & set(fields["co_lu"]) and "missingValues" not in public
    hints = {f["name"]: f for f in source["fields"]}
    assert hints["ngay"]["format"] == "%d/%m/%Y" and hints["ngay"]["constraints"]["minimum"] == "01/01/2020"
    assert (hints["luong_mua"]["groupChar"], hints["luong_mua"]["decimalChar"]) == (".", ",")
    assert hints["co_lu"]["trueValues"] == ["có"] and source["missingValues"] == ["", "-"]
    assert SOURCE_SCHEMA["fields"][0]["format"] == "%d/%m/%Y"  # the input is left as it was


def test_a_version_stores_the_published_schema_and_the_dataset_keeps_validating_the_source_format(published):
    version = published.get_version("luong-mua", 1)
    dataset = published.get_dataset("luong-mua")
    assert version["schema"] == split(SOURCE_SCHEMA)[0]
    assert version["source_description"]["fields"][0] == {
        "name": "ngay", "format": "%d/%m/%Y", "constraints": {"required": True, "minimum": "01/01/2020"}}
    assert version["source_description"]["format"] == "csv"
    assert dataset["schema"] == SOURCE_SCHEMA  # the next upload is checked against the department's format


def test_the_next_upload_in_the_departments_format_is_still_accepted(published, tmp_path):
    rows = SOURCE_ROWS + [("01/01/2025", "Tây Hồ", "3,0 mm", "4 trạm", "không")]
    result = publish(published, source_csv(tmp_path / "mua2.csv", rows), dataset="luong-mua", org="so-tnmt")
    assert result.status == "published", result.report
    assert result.version["number"] == 2 and result.version["rows"] == 5
    assert result.version["changes"]["fields_changed"] == []


def test_publishing_the_same_file_again_creates_no_version(published, tmp_path):
    result = publish(published, source_csv(tmp_path / "mua.csv"), dataset="luong-mua", org="so-tnmt")
    assert result.status == "unchanged"


def test_the_downloaded_csv_validates_against_the_published_descriptor(published, tmp_path):
    client = create_app(published.home, CONFIG).test_client()
    archive = zipfile.ZipFile(io.BytesIO(client.get("/datasets/luong-mua/download.zip").data))
    archive.extractall(tmp_path / "zip")
    text = (tmp_path / "zip" / "luong-mua.csv").read_text(encoding="utf-8")
    assert "2024-03-01" in text and "1234.5" in text and "01/03/2024" not in text
    report = Package(str(tmp_path / "zip" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 4
    served = client.get("/datasets/luong-mua/versions/1/data.csv").data
    resource = Resource(data=served, format="csv", schema=Schema.from_descriptor(
        published.get_version("luong-mua", 1)["schema"]))
    assert resource.validate().valid


def test_the_dataset_page_shows_published_formats_and_the_source_description(published):
    client = create_app(published.home, CONFIG).test_client()
    data = client.get("/datasets/luong-mua?format=json").get_json()
    dictionary = {f["name"]: f for f in data["dictionary"]}
    assert dictionary["ngay"]["format"] == "YYYY-MM-DD"
    hints = {f["name"]: {h["key"]: h["value"] for h in f["hints"]} for f in data["source_description"]["fields"]}
    assert hints["ngay"]["format"] == "%d/%m/%Y" and hints["luong_mua"]["decimalChar"] == ","
    html = client.get("/datasets/luong-mua?lang=en").get_data(as_text=True)
    assert "Source description" in html and "%d/%m/%Y" in html
    assert "Mô tả nguồn" in client.get("/datasets/luong-mua?lang=vi").get_data(as_text=True)


def test_the_migration_rewrites_versions_stored_with_the_source_schema(published):
    with published.writer.begin() as conn:  # a catalogue from before the split: the source schema, no column
        conn.execute(db.versions.update().values(schema=SOURCE_SCHEMA))
        conn.exec_driver_sql("ALTER TABLE versions DROP COLUMN source_description")
        conn.execute(db.schema_migrations.delete().where(
            db.schema_migrations.c.version == db.SOURCE_DESCRIPTION_MIGRATION))
    published.dispose()
    again = Catalog(published.home)
    assert "versions: published schema and source description" in again.init()
    version = again.get_version("luong-mua", 1)
    assert version["schema"] == split(SOURCE_SCHEMA)[0]
    assert version["source_description"]["fields"][0]["format"] == "%d/%m/%Y"
    assert version["source_description"]["format"] == "csv"
    with again.reader.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.versions)
                            .where(db.versions.c.source_description.is_(None))).scalar() == 0
    again.dispose()


def test_the_descriptor_url_of_a_version_validates_with_frictionless(published, serve):
    import requests

    server = serve(published.home.root)
    url = f"{server.url}/datasets/luong-mua/latest/datapackage.json"
    descriptor = requests.get(url, timeout=30)
    assert descriptor.url.endswith("/versions/1/datapackage.json")
    report = Package(descriptor.url).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 4
    assert json.loads(descriptor.text)["resources"][0]["schema"]["fields"][0] == {
        "name": "ngay", "type": "date", "title": "Ngày", "constraints": {"required": True, "minimum": "2020-01-01"}}
