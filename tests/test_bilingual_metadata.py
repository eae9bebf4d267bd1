"""Bilingual metadata: datasets, organisations, fields and tags in Vietnamese with optional English.

English pages show the English where the publisher gave it and mark what exists only in Vietnamese; Vietnamese
pages show the Vietnamese; JSON carries both; DCAT tags each text with its language; search finds English words;
tags keep their slugs in URLs while pages show their labels; an existing catalogue gains all this by migration.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from catalog import db
from catalog.accounts import Accounts
from catalog.metadata import Catalog
from catalog.search import search
from pipelines.demo.content import DEPARTMENTS, load_yaml
from pipelines.publish import publish
from schemas import load_standard_schema
from web import create_app

REPO = Path(__file__).resolve().parents[1]
SCHEMA = {"fields": [
    {"name": "station", "type": "string", "title": "Trạm quan trắc", "title_en": "Monitoring station"},
    {"name": "pm25", "type": "number", "title": "Bụi mịn PM2.5", "title_en": "Fine particulate matter PM2.5",
     "description": "Trung bình ngày", "description_en": "Daily mean"},
]}
ROWS = [["Trạm Láng", "41.5"], ["Trạm Hoàn Kiếm", "38.0"]]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def opendata(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENDATA_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A department and two datasets: one published by the CLI with English metadata, one only in Vietnamese."""
    root = tmp_path_factory.mktemp("bilingual")
    home = root / "home"
    Catalog(home).init()
    made = opendata(home, "org", "add", "so-tnmt", "--title", "Sở Tài nguyên và Môi trường",
                    "--title-en", "Department of Natural Resources and Environment")
    assert made.returncode == 0, made.stderr
    schema = root / "schema.json"
    schema.write_text(json.dumps(SCHEMA, ensure_ascii=False), encoding="utf-8")
    done = opendata(home, "publish", str(write_csv(root / "air.csv", ["station", "pm25"], ROWS)),
                    "--dataset", "bui-min", "--org", "so-tnmt", "--schema", str(schema),
                    "--title", "Bụi mịn theo trạm", "--title-en", "Particulate readings by station",
                    "--description", "Nồng độ **bụi mịn** hằng ngày.",
                    "--description-en", "Daily **particulate** concentrations.",
                    "--tag", "moi-truong=Môi trường|Environment", "--tag", "khong-khi")
    assert done.returncode == 0, done.stdout + done.stderr
    catalog = Catalog(home)
    result = publish(catalog, write_csv(root / "water.csv", ["station", "pm25"], ROWS), dataset="nuoc-ho",
                     org="so-tnmt", schema={"fields": [{"name": "station", "type": "string", "title": "Điểm đo"},
                                                       {"name": "pm25", "type": "number"}]},
                     meta={"title": "Chất lượng nước hồ", "description": "Quan trắc nước hồ.", "tags": ["nuoc"]},
                     publisher="test")
    assert result.status == "published", result.report
    catalog.dispose()
    return home


@pytest.fixture(scope="module")
def client(home: Path):
    return create_app(home, {"TESTING": True}).test_client()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_the_english_page_shows_the_english_title_description_fields_tags_and_organisation(client):
    html = page(client, "/datasets/bui-min?lang=en")
    assert "<h1>Particulate readings by station</h1>" in html
    assert "<strong>particulate</strong> concentrations" in html
    assert "Fine particulate matter PM2.5" in html and "Daily mean" in html
    assert "Department of Natural Resources and Environment" in html
    assert re.search(r'href="/datasets\?tag=moi-truong">Environment</a>', html), "the slug in the URL, the label shown"
    assert "(Vietnamese only)" not in html.split('id="versions"')[0]


def visible_text(html: str) -> str:
    """The page without its scripts (the schema.org block carries the English as an alternate name)."""
    return re.sub(r"<script.*?</script>", "", html, flags=re.S)


def test_the_vietnamese_page_shows_the_vietnamese(client):
    html = visible_text(page(client, "/datasets/bui-min?lang=vi"))
    assert "<h1>Bụi mịn theo trạm</h1>" in html and "<strong>bụi mịn</strong>" in html
    assert "Particulate readings" not in html and "Environment</a>" not in html
    assert re.search(r'href="/datasets\?tag=moi-truong">Môi trường</a>', html)
    assert "Bụi mịn PM2.5" in html and "Sở Tài nguyên và Môi trường" in html
    assert "chỉ có tiếng Việt" not in html


def test_a_dataset_without_english_shows_its_vietnamese_marked_and_noted_on_the_english_page(client):
    html = page(client, "/datasets/nuoc-ho?lang=en")
    assert re.search(r'<h1><span lang="vi">Chất lượng nước hồ</span>\s*<span class="lang-note">\(Vietnamese only\)',
                     html)
    assert re.search(r'<div class="prose"[^>]* lang="vi">\s*<p>Quan trắc nước hồ.</p>', html)
    assert '<span lang="vi">Điểm đo</span>' in html  # a field title without English
    card = page(client, "/datasets?lang=en")
    assert '<span lang="vi">Chất lượng nước hồ</span>' in card and "Particulate readings by station" in card


def test_tags_have_a_label_per_language_and_keep_their_slug_in_urls_and_apis(client):
    english = page(client, "/datasets?lang=en&tag=moi-truong")
    assert re.search(r'<span class="facet-label"[^>]*>Environment</span>', english)
    vietnamese = page(client, "/datasets?tag=moi-truong&lang=vi")
    assert re.search(r'<span class="facet-label"[^>]*>Môi trường</span>', vietnamese)
    assert 'href="/datasets?tag=khong-khi">khong-khi</a>' in page(client, "/datasets/bui-min?lang=vi"), \
        "a tag without labels shows its slug"
    data = client.get("/api/v1/datasets/bui-min").get_json()
    assert data["tags"] == ["moi-truong", "khong-khi"]
    assert data["tag_details"][0] == {"name": "moi-truong", "title": "Môi trường", "title_en": "Environment"}


def test_json_answers_carry_both_languages(client):
    data = client.get("/datasets/bui-min?format=json&lang=en").get_json()["dataset"]
    assert data["title"] == "Bụi mịn theo trạm" and data["title_en"] == "Particulate readings by station"
    api = client.get("/api/v1/datasets/bui-min", headers={"Accept-Language": "en"}).get_json()
    assert api["title"] == "Bụi mịn theo trạm" and api["description_en"].startswith("Daily")
    org = client.get("/api/v1/organizations/so-tnmt").get_json()
    assert org["title"] == "Sở Tài nguyên và Môi trường" and org["title_en"].startswith("Department of")
    package = client.get("/api/3/action/package_show?id=bui-min").get_json()["result"]
    assert package["title_en"] == "Particulate readings by station"
    assert package["notes_translated"] == {"vi": "Nồng độ **bụi mịn** hằng ngày.",
                                           "en": "Daily **particulate** concentrations."}


def test_dcat_gives_the_title_and_description_in_both_languages(client):
    graph = Graph().parse(data=page(client, "/datasets/bui-min.ttl"), format="turtle")
    node = next(s for s, o in graph.subject_objects(DCTERMS.identifier) if str(o).endswith("/datasets/bui-min"))
    titles = set(graph.objects(node, DCTERMS.title))
    assert {Literal("Bụi mịn theo trạm", lang="vi"), Literal("Particulate readings by station", lang="en")} <= titles
    assert {lit.language for lit in graph.objects(node, DCTERMS.description)} == {"vi", "en"}
    plain = Graph().parse(data=page(client, "/datasets/nuoc-ho.ttl"), format="turtle")
    water = next(s for s, o in plain.subject_objects(DCTERMS.identifier) if str(o).endswith("/datasets/nuoc-ho"))
    assert {lit.language for lit in plain.objects(water, DCTERMS.title)} == {"vi"}, "no English, no @en"
    assert isinstance(node, URIRef)


def test_search_finds_a_dataset_by_a_word_of_its_english_title_or_tag_label(home):
    catalog = Catalog(home)
    try:
        assert [d["name"] for d in search(catalog, "particulate readings")["results"]] == ["bui-min"]
        assert [d["name"] for d in search(catalog, "concentrations")["results"]] == ["bui-min"]  # description_en
        # the tag's English label; the other dataset only has the word in its organisation's English title
        assert [d["name"] for d in search(catalog, "environment")["results"]] == ["bui-min", "nuoc-ho"]
        assert [d["name"] for d in search(catalog, "môi trường")["results"]][0] == "bui-min"
    finally:
        catalog.dispose()


def test_the_publish_api_and_the_ckan_api_accept_english_metadata(home, client, tmp_path):
    catalog = Catalog(home)
    accounts = Accounts(catalog)
    if accounts.find_user("lan") is None:
        accounts.add_user("lan")
        accounts.add_member("so-tnmt", "lan", "editor", actor="test")
    token = accounts.create_token("lan")[0]
    catalog.dispose()
    path = write_csv(tmp_path / "rain.csv", ["station", "pm25"], ROWS)
    with open(path, "rb") as handle:
        response = client.post("/api/v1/datasets/mua/versions?org=so-tnmt", headers={"Authorization": token},
                               data={"file": (handle, "rain.csv"), "title": "Lượng mưa", "title_en": "Rainfall",
                                     "tag": "khi-tuong=Khí tượng, thuỷ văn|Weather", "schema": json.dumps(SCHEMA)})
    assert response.status_code == 201, response.get_data(as_text=True)
    shown = client.get("/api/v1/datasets/mua").get_json()
    assert shown["title_en"] == "Rainfall"
    assert shown["tag_details"] == [{"name": "khi-tuong", "title": "Khí tượng, thuỷ văn", "title_en": "Weather"}]
    created = client.post("/api/3/action/package_create", headers={"Authorization": token}, json={
        "name": "ho-so", "owner_org": "so-tnmt", "title": "Hồ sơ", "notes": "Mô tả.",
        "extras": [{"key": "title_en", "value": "Records"}, {"key": "notes_en", "value": "About."}]})
    assert created.status_code == 200, created.get_data(as_text=True)
    assert created.get_json()["result"]["title_en"] == "Records"
    patched = client.post("/api/3/action/package_patch", headers={"Authorization": token}, json={
        "id": "ho-so", "title_translated": {"vi": "Hồ sơ", "en": "Case files"}}).get_json()["result"]
    assert (patched["title_en"], patched["notes_en"]) == ("Case files", "About.")


def test_the_demo_metadata_is_bilingual():
    declared = load_yaml("datasets.yaml")
    for meta in declared["datasets"]:
        assert meta.get("title_en"), f"{meta['name']} has no English title"
        for field in load_standard_schema(meta["schema"])["fields"]:
            assert field.get("title_en"), f"{meta['schema']}.{field['name']} has no English title"
        for tag in meta["tags"]:
            labels = declared["tag_labels"].get(tag) or {}
            assert labels.get("vi") and labels.get("en"), f"tag {tag} needs both labels"
    assert all(d.get("title_en") for d in DEPARTMENTS)
    for definition in (REPO / "pipelines" / "demo" / "data" / "pipelines").glob("*.yaml"):  # the ETL pipelines'
        target = yaml.safe_load(definition.read_text(encoding="utf-8"))["target"]
        assert target.get("title_en") and target.get("description_en"), definition.name


def test_the_migration_upgrades_a_catalogue_made_before_bilingual_metadata(tmp_path):
    catalog = Catalog(tmp_path / "old")
    catalog.init()
    catalog.add_org("so-yte", "Sở Y tế")
    catalog.create_dataset("kham-benh", "so-yte", title="Khám bệnh", tags=["y-te"],
                           extras={"title_en": "Hospital visits"})  # how English was kept before the columns
    with catalog.writer.begin() as conn:  # back to the schema before the migration
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TABLE search_fts")
            conn.exec_driver_sql(db.SEARCH_DDL["sqlite"][0].replace(", f_title_en, f_description_en", "")
                                 .replace(", x_title_en, x_description_en", ""))
        for table in ("organizations", "datasets"):
            for column in ("title_en", "description_en"):
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.exec_driver_sql("DROP TABLE tags")
        conn.execute(db.schema_migrations.delete().where(db.schema_migrations.c.version == db.BILINGUAL_MIGRATION))
    catalog.dispose()
    upgraded = Catalog(tmp_path / "old")
    upgraded.ensure_ready()
    with upgraded.reader.connect() as conn:
        assert {"title_en", "description_en"} <= {c["name"] for c in sa.inspect(conn).get_columns("organizations")}
        assert sa.inspect(conn).has_table("tags")
    assert upgraded.get_dataset("kham-benh")["title_en"] == "Hospital visits"
    assert [d["name"] for d in search(upgraded, "hospital")["results"]] == ["kham-benh"]
    upgraded.update_dataset("kham-benh", tags=["y-te=Y tế|Health"])
    assert [d["name"] for d in search(upgraded, "health")["results"]] == ["kham-benh"]
    upgraded.dispose()
