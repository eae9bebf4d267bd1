"""The quality score: data.gouv.fr's nine criteria, the EU MQA points read from our DCAT-AP graph, the five stars,
data-level quality, and where they show (API, dataset page, search sort, dumps, ``opendata quality``).

Every expected figure below is worked out by hand from the rules in ``../shared/notes/interop-standards.md`` (and
the choices ``catalog/quality/mqa.py`` states), on small catalogues published through the real pipeline.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from catalog import dcat, quality
from catalog.accounts import Accounts
from catalog.metadata import Catalog
from catalog.quality import mqa, schedule
from catalog.quality.facts import gather, parse_time
from conftest import REPO, ServerProcess
from pipelines.publish import publish

DISTRICTS_CSV = "code,name\n001,Ba Đình\n002,Hoàn Kiếm\n"
DUST_CSV = "station,district,pm25\nS1,Ba Đình,41.5\nS2,Hoàn Kiếm,37.0\n"
LONG = "Nồng độ bụi mịn PM2.5 đo tại các trạm quan trắc tự động của thành phố, trung bình ngày, đơn vị µg/m³. "


def field(name: str, kind: str = "string", described: bool = True) -> dict:
    return {"name": name, "type": kind, **({"description": f"Cột {name}"} if described else {})}


DISTRICTS_SCHEMA = {"fields": [field("code"), field("name")], "primaryKey": ["code"]}


def dust_schema(*, described: bool = True, primary: bool = True, foreign: bool = True) -> dict:
    schema: dict = {"fields": [field("station"), field("district"), field("pm25", "number", described)]}
    if primary:
        schema["primaryKey"] = ["station"]
    if foreign:
        schema["foreignKeys"] = [{"fields": "district", "reference": {"resource": "quan-huyen", "fields": "name"}}]
    return schema


GOOD_META = {"title": "Bụi mịn PM2.5", "description": LONG, "license": "CC-BY-4.0", "tags": ["moi-truong"],
             "frequency": "monthly", "temporal_coverage": "2018-01-01/2018-12-31", "spatial_coverage": "Hà Nội"}


def publish_csv(catalog: Catalog, folder: Path, name: str, text: str, schema: dict, **meta) -> None:
    path = folder / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    result = publish(catalog, path, dataset=name, org="so-tnmt", schema=schema, meta=meta)
    assert result.status == "published", result.messages


def add_dust(catalog: Catalog, folder: Path, schema: dict | None = None, **meta) -> None:
    publish_csv(catalog, folder, "quan-huyen", DISTRICTS_CSV, DISTRICTS_SCHEMA, title="Quận, huyện")
    publish_csv(catalog, folder, "bui-min", DUST_CSV, schema or dust_schema(), **{**GOOD_META, **meta})


def report(catalog: Catalog, name: str, **kwargs) -> dict:
    return quality.assess(catalog, catalog.get_dataset(name), **kwargs)


def criterion(item: dict, key: str) -> bool:
    return next(c for c in item["udata"]["criteria"] if c["id"] == key)["passed"]


def mqa_check(item: dict, key: str) -> dict:
    return next(c for d in item["mqa"]["dimensions"] for c in d["checks"] if c["id"] == key)


def dimension(item: dict, key: str) -> float:
    return next(d for d in item["mqa"]["dimensions"] if d["id"] == key)["points"]


def last_published(catalog: Catalog, name: str):
    return parse_time(catalog.latest_version(name)["published_at"])


# -- data.gouv.fr's criteria, each flipping with its input -------------------------------------------------------
@pytest.mark.parametrize(("key", "bad", "good"), [
    ("license", {"license": ""}, {"license": "CC-BY-4.0"}),
    ("description", {"description": "x" * 100}, {"description": "x" * 101}),
    ("temporal_coverage", {"temporal_coverage": "năm ngoái"}, {"temporal_coverage": "2017/2018"}),
    ("spatial_coverage", {"spatial_coverage": ""}, {"spatial_coverage": "Quận Ba Đình"}),
    ("update_frequency", {"frequency": ""}, {"frequency": "yearly"}),
])
def test_each_metadata_criterion_fails_without_its_field_and_passes_with_it(catalog, key, bad, good):
    catalog.create_dataset("ds", "so-tnmt", **bad)
    before = report(catalog, "ds")
    catalog.update_dataset("ds", **good)
    after = report(catalog, "ds")
    assert not criterion(before, key) and criterion(after, key)
    changed = {c["id"] for c, d in zip(before["udata"]["criteria"], after["udata"]["criteria"], strict=True)
               if c["passed"] != d["passed"]}
    # a frequency also sets a due date, which a dataset just changed is not past
    assert changed == ({key, "update_on_time"} if key == "update_frequency" else {key})
    assert next(f for f in before["udata"]["criteria"] if f["id"] == key)["hint"]["vi"]


def test_a_dataset_without_a_version_fails_the_three_file_criteria(catalog):
    catalog.create_dataset("empty", "so-tnmt", **GOOD_META)
    item = report(catalog, "empty")
    assert [c["id"] for c in item["udata"]["criteria"] if not c["passed"]] == [
        "open_format", "files_available", "documentation"]
    assert item["udata"]["points"] == 6 and item["score"] == round(6 / 9, 4)


def test_updated_on_time_allows_less_than_a_day_past_the_due_date_then_fails(catalog, tmp_path):
    add_dust(catalog, tmp_path)  # monthly
    due = schedule.next_due(last_published(catalog, "bui-min"), "monthly")
    early, grace, late = due - timedelta(days=3), due + timedelta(hours=23), due + timedelta(days=1, minutes=1)
    assert criterion(report(catalog, "bui-min", now=early), "update_on_time")
    assert criterion(report(catalog, "bui-min", now=grace), "update_on_time")
    assert not criterion(report(catalog, "bui-min", now=late), "update_on_time")
    catalog.update_dataset("bui-min", frequency="irregular")  # no period: nothing can be late
    assert criterion(report(catalog, "bui-min", now=late + timedelta(days=900)), "update_on_time")


def test_freshness_is_fresh_before_the_period_ends_and_stale_after(catalog, tmp_path):
    add_dust(catalog, tmp_path, frequency="weekly")
    last = last_published(catalog, "bui-min")
    fresh = report(catalog, "bui-min", now=last + timedelta(days=3))["data"]["freshness"]
    stale = report(catalog, "bui-min", now=last + timedelta(days=14))["data"]["freshness"]
    assert (fresh["status"], fresh["period_days"], fresh["ratio"]) == ("fresh", 7, round(3 / 7, 3))
    assert (stale["status"], stale["days_since"], stale["ratio"]) == ("stale", 14, 2)


def test_calendar_months_decide_when_a_monthly_dataset_is_due():
    last = parse_time("2024-01-31T10:00:00Z")
    assert schedule.next_due(last, "monthly").isoformat() == "2024-02-29T10:00:00+00:00"
    assert schedule.next_due(last, "quarterly").isoformat() == "2024-04-30T10:00:00+00:00"
    assert schedule.next_due(last, "irregular") is None


def test_documentation_needs_every_field_described_or_a_documentation_link(catalog, tmp_path):
    add_dust(catalog, tmp_path, schema=dust_schema(described=False))
    assert not criterion(report(catalog, "bui-min"), "documentation")
    catalog.update_dataset("bui-min", extras={"documentation": "https://example.org/pm25-methodology"})
    assert criterion(report(catalog, "bui-min"), "documentation")


def test_a_missing_version_file_fails_availability_and_the_mqa_url_checks(catalog, tmp_path):
    add_dust(catalog, tmp_path)
    before = report(catalog, "bui-min")
    for key in catalog.version_keys(catalog.latest_version("bui-min")):  # lost from data/ or from the bucket
        catalog.storage.delete(key)
    after = report(catalog, "bui-min")
    assert criterion(before, "files_available") and not criterion(after, "files_available")
    assert dimension(before, "accessibility") == 100
    assert dimension(after, "accessibility") == 20  # only "download URL present" is left


# -- hand-computed scores --------------------------------------------------------------------------------------
def test_a_complete_dataset_scores_nine_of_nine_and_381_mqa_points(catalog, tmp_path):
    """udata: all nine. MQA, one version served in 5 formats (jsonl has no EU file type; xlsx is proprietary;
    only the Parquet's size is known): findability 30+30+20+20 = 100; accessibility 50+20+30 = 100;
    interoperability 20·4/5 + 10·4/5 + 10·4/5 + 20·3/5 + 20·4/5 + 30 = 90; reusability 20+10+10+5+20+10 = 75;
    contextuality 5 + 5·1/5 + 5 + 5 = 16; total 381: excellent (≥ 351)."""
    add_dust(catalog, tmp_path)
    item = report(catalog, "bui-min")
    assert (item["udata"]["points"], item["score"]) == (9, 1.0)
    assert {d["id"]: d["points"] for d in item["mqa"]["dimensions"]} == {
        "findability": 100, "accessibility": 100, "interoperability": 90, "reusability": 75, "contextuality": 16}
    assert (item["mqa"]["points"], item["mqa"]["max"], item["mqa"]["rating"]) == (381, 405, "excellent")
    assert mqa_check(item, "byte_size")["share"] == 0.2


def test_a_bare_dataset_scores_by_hand(catalog):
    """No tags, no schema (so no theme), no temporal coverage, no version, licence "other": udata licence ✓,
    frequency ✗ … = 1/9. MQA: findability spatial 20 (the graph always names the city); accessibility 0 (no
    distribution); interoperability conformance 30 only; reusability access rights 10+5, contact 20,
    publisher 10 = 45; contextuality issued 5 + modified 5 = 10; total 105: bad (≤ 120)."""
    catalog.create_dataset("tho", "so-tnmt", license="other", description="Ngắn.")
    item = report(catalog, "tho")
    assert item["udata"]["points"] == 1 and item["score"] == round(1 / 9, 4)
    assert {d["id"]: d["points"] for d in item["mqa"]["dimensions"]} == {
        "findability": 20, "accessibility": 0, "interoperability": 30, "reusability": 45, "contextuality": 10}
    assert (item["mqa"]["points"], item["mqa"]["rating"]) == (105, "bad")
    catalog.update_dataset("tho", tags=["y-te"], temporal_coverage="2018")  # keyword 30, theme 30, temporal 20
    assert (report(catalog, "tho")["mqa"]["points"], report(catalog, "tho")["mqa"]["rating"]) == (185, "sufficient")


def test_mqa_points_are_read_from_the_dcat_graph_not_from_the_database(catalog, tmp_path):
    add_dust(catalog, tmp_path)
    facts = gather(catalog, [catalog.get_dataset("bui-min")])[0]
    assert mqa_check(quality.report(facts), "temporal")["passed"]
    facts.graph.remove((facts.node, DCTERMS.temporal, None))  # the database still has the coverage
    assert not mqa_check(quality.report(facts), "temporal")["passed"]


def test_our_dcat_ap_conformance_check_agrees_with_pyshacl(catalog, tmp_path, shared):
    add_dust(catalog, tmp_path)
    shapes = Graph().parse(shared / "standards" / "dcat-ap-3.0.1" / "dcat-ap-3.0.1-SHACL.ttl")
    facts = gather(catalog, [catalog.get_dataset("bui-min")])[0]
    graph = dcat.dataset_graph(catalog, facts.links, facts.dataset)
    assert validate(graph, shacl_graph=shapes, inference="none")[0] and mqa.conforms(facts)
    for g in (graph, facts.graph):  # drop the mandatory description in both
        g.remove((URIRef(facts.links.dataset_node("bui-min")), DCTERMS.description, None))
    assert not validate(graph, shacl_graph=shapes, inference="none")[0] and not mqa.conforms(facts)


# -- stars and data quality ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("schema", "meta", "stars"), [
    (dust_schema(), {}, 5),
    (dust_schema(foreign=False), {}, 4),
    (dust_schema(primary=False, foreign=False), {}, 3),
    (dust_schema(), {"license": "proprietary"}, 0),
])
def test_stars_count_up_to_the_first_missing_one(catalog, tmp_path, schema, meta, stars):
    add_dust(catalog, tmp_path, schema=schema, **meta)
    assert report(catalog, "bui-min")["stars"]["stars"] == stars


def test_data_quality_reports_valid_rows_and_suppressed_cells(catalog, tmp_path):
    add_dust(catalog, tmp_path)
    catalog.update_dataset("bui-min", extras={"suppression": {
        "k": 5, "flag": "suppressed", "measures": ["visits", "patients"], "suppressed_cells": 3, "groups": 30}})
    data = report(catalog, "bui-min")["data"]
    assert (data["rows"], data["valid_rows_share"], data["errors"], data["constraint_errors"]) == (2, 1.0, 0, 0)
    assert data["suppressed"] == {"groups": 3, "cells": 6, "of_groups": 30, "k": 5}


# -- over HTTP and on the command line -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[ServerProcess, Catalog, str]]:
    root = tmp_path_factory.mktemp("quality")
    cat = Catalog(root / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    add_dust(cat, root)  # quan-huyen (short description, no coverage) and bui-min (complete)
    cat.create_dataset("bi-mat", "so-tnmt", title="Nội bộ", private=True)
    accounts = Accounts(cat)
    accounts.add_user("editor")
    accounts.add_member("so-tnmt", "editor", "editor", actor="test")
    token = accounts.create_token("editor")[0]
    cat.dispose()
    server = ServerProcess(root / "home")
    yield server, cat, token
    server.stop()


def test_the_quality_api_answers_the_report_with_hints_in_the_asked_language(site):
    server, _cat, _token = site
    vi = requests.get(f"{server.url}/api/v1/datasets/quan-huyen/quality", timeout=30)
    en = requests.get(f"{server.url}/api/v1/datasets/quan-huyen/quality?lang=en", timeout=30)
    assert vi.status_code == en.status_code == 200
    body = vi.json()
    assert body["dataset"] == "quan-huyen" and body["score"] == round(body["udata"]["points"] / 9, 4) < 1
    assert {f["id"] for f in body["failing"]} >= {"description", "temporal_coverage", "spatial_coverage"}
    hint = next(f for f in body["failing"] if f["id"] == "description")["hint"]
    assert "100 ký tự" in hint and "100 characters" in next(
        f for f in en.json()["failing"] if f["id"] == "description")["hint"]


def test_the_quality_api_follows_the_visibility_rule(site):
    server, _cat, token = site
    assert requests.get(f"{server.url}/api/v1/datasets/bi-mat/quality", timeout=30).status_code == 404
    missing = requests.get(f"{server.url}/api/v1/datasets/khong-co/quality", timeout=30)
    assert missing.status_code == 404 and missing.json()["error"]["code"]
    member = requests.get(f"{server.url}/api/v1/datasets/bi-mat/quality", timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
    assert member.status_code == 200 and member.json()["dataset"] == "bi-mat"


def test_the_dataset_page_shows_the_quality_panel_with_a_hint_per_failing_check(site):
    server, _cat, _token = site
    page = requests.get(f"{server.url}/datasets/quan-huyen", timeout=30).text
    english = requests.get(f"{server.url}/datasets/quan-huyen?lang=en", timeout=30).text
    as_json = requests.get(f"{server.url}/datasets/quan-huyen?format=json", timeout=30).json()
    assert 'id="quality"' in page and "Cần cải thiện" in page and "Viết mô tả trên 100 ký tự" in page
    assert "To improve" in english and "Write a description over 100 characters" in english
    assert page.count('data-check="') == len(as_json["quality"]["failing"]) > 0
    complete = requests.get(f"{server.url}/datasets/bui-min?format=json", timeout=30).json()["quality"]
    assert complete["udata"]["points"] == 9


def test_search_sorts_by_quality_best_first_in_the_api_and_the_page(site):
    server, _cat, _token = site
    api = requests.get(f"{server.url}/api/v1/datasets?sort=quality", timeout=30).json()
    page = requests.get(f"{server.url}/datasets?sort=quality&format=json", timeout=30).json()
    assert [d["name"] for d in api["results"]] == [d["name"] for d in page["results"]] == ["bui-min", "quan-huyen"]
    second = requests.get(f"{server.url}/api/v1/datasets?sort=quality&limit=1&offset=1", timeout=30).json()
    assert [d["name"] for d in second["results"]] == ["quan-huyen"]


def test_the_datasets_dump_has_a_quality_column_equal_to_the_api_score(site):
    server, _cat, _token = site
    rows = list(csv.DictReader(io.StringIO(requests.get(f"{server.url}/catalog/datasets.csv", timeout=30).text)))
    schema = requests.get(f"{server.url}/catalog/datasets.schema.json", timeout=30).json()
    assert schema["fields"][-1]["name"] == "quality"
    for row in rows:
        score = requests.get(f"{server.url}/api/v1/datasets/{row['name']}/quality", timeout=30).json()["score"]
        assert float(row["quality"]) == score


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", "--home", str(home), "quality", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_the_cli_lists_the_worst_first_and_refuses_an_unknown_organisation(site):
    server, _cat, _token = site
    listed = cli(server.home, "--json", "--lang", "en")
    assert listed.returncode == 0, listed.stderr
    names = [item["dataset"] for item in json.loads(listed.stdout)]
    assert names[0] == "bi-mat" and names[-1] == "bui-min"  # private ones too: this is the operator's view
    table = cli(server.home, "--org", "so-tnmt")
    assert table.returncode == 0 and table.stdout.splitlines()[0].split()[:4] == ["TÊN", "TỔ", "CHỨC", "UDATA"]
    unknown = cli(server.home, "--org", "khong-co")
    assert unknown.returncode == 2 and "khong-co" in unknown.stderr and "Traceback" not in unknown.stderr
