"""schema.org JSON-LD in the page heads: a ``Dataset`` on every dataset page and a ``DataCatalog`` on the home
page, as Google Dataset Search reads them, checked on pages served by a real ``opendata serve``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from data_api_helpers import REPORT_ROWS, REPORT_SCHEMA, write_csv
from rdflib import Graph, Literal, Namespace, URIRef

from catalog.metadata import Catalog
from conftest import ServerProcess
from pipelines.publish import publish

SCHEMA = Namespace("https://schema.org/")
SCRIPT_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
LONG = " ".join(["Số liệu chi tiết theo phường, xã."] * 200)  # about 6,600 characters
HOSTILE = "Ghi chú </script><script>alert(1)</script> và <!-- không phải mã -->, đủ dài để vượt năm mươi ký tự."
UNIT_SCHEMA = {"fields": [dict(f, unit="người") if f["name"] == "so_luong" else f for f in REPORT_SCHEMA["fields"]]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("schema-org")
    catalog = Catalog(root / "home")
    catalog.init()
    catalog.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    source = write_csv(root / "bao-cao.csv", [f["name"] for f in REPORT_SCHEMA["fields"]], REPORT_ROWS)
    for name, description in (("ngan", "Ngắn."), ("dai", LONG), ("la", HOSTILE)):
        meta = {"title": f"Báo cáo {name}", "description": description, "license": "CC-BY-4.0",
                "tags": ["giáo dục", "phường"], "temporal_coverage": "2023-12-31/2024-03-03",
                "spatial_coverage": "Hà Nội", "frequency": "monthly"}
        result = publish(catalog, source, dataset=name, org="so-gddt", schema=UNIT_SCHEMA, meta=meta,
                         publisher="tran.thi.b")
        assert result.status == "published", result.report
    catalog.dispose()
    process = ServerProcess(root / "home")
    yield process
    process.stop()


def json_ld(server: ServerProcess, path: str) -> list[dict]:
    html = requests.get(server.url + path, timeout=30).text
    return [json.loads(block) for block in SCRIPT_RE.findall(html)]


def test_every_dataset_page_describes_its_dataset_with_the_properties_google_reads(server):
    [data] = json_ld(server, "/datasets/ngan")
    assert data["@context"] == {"@vocab": "https://schema.org/"} and data["@type"] == "Dataset"
    assert data["name"] == "Báo cáo ngan"
    assert data["url"] == data["identifier"] == f"{server.url}/datasets/ngan"
    assert data["version"] == "1"
    assert data["license"] == "http://creativecommons.org/licenses/by/4.0/"
    for role in ("creator", "publisher"):
        assert data[role] == {"@type": "Organization", "name": "Sở Giáo dục và Đào tạo",
                              "url": f"{server.url}/organizations/so-gddt"}
    assert data["keywords"] == ["giáo dục", "phường"]
    assert data["temporalCoverage"] == "2023-12-31/2024-03-03"
    assert data["spatialCoverage"]["@type"] == "Place" and data["spatialCoverage"]["name"] == "Hà Nội"
    assert data["includedInDataCatalog"]["@type"] == "DataCatalog"
    assert data["dateModified"].startswith("20")
    variables = data["variableMeasured"]
    assert [v["name"] for v in variables] == [f["name"] for f in REPORT_SCHEMA["fields"]]
    assert all(v["@type"] == "PropertyValue" and v["description"] for v in variables)
    assert [v.get("unitText") for v in variables if v["name"] == "so_luong"] == ["người"]


def test_descriptions_are_completed_or_cut_to_50_to_5000_characters(server):
    [short] = json_ld(server, "/datasets/ngan")
    assert 50 <= len(short["description"]) <= 5000
    assert short["description"].startswith("Ngắn") and "Sở Giáo dục và Đào tạo" in short["description"]
    assert "2023-12-31/2024-03-03" in short["description"]
    [long] = json_ld(server, "/datasets/dai")
    assert len(LONG) > 5000 and 4800 <= len(long["description"]) <= 5000
    assert long["description"].endswith("…") and LONG.startswith(long["description"][:-1])


def test_there_is_a_download_per_format_with_its_size_once_the_file_exists(server):
    [data] = json_ld(server, "/datasets/ngan")
    by_type = {d["encodingFormat"]: d for d in data["distribution"]}
    assert set(by_type) == {"application/vnd.apache.parquet", "text/csv", "application/json", "application/jsonl",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    for entry in data["distribution"]:
        assert entry["@type"] == "DataDownload" and "/datasets/ngan/versions/1/data." in entry["contentUrl"]
        if "contentSize" in entry:  # the stored Parquet: its size is known before anyone downloads it
            body = requests.get(entry["contentUrl"], timeout=30).content
            assert entry["contentSize"] == f"{len(body)} B"
    assert "contentSize" in by_type["application/vnd.apache.parquet"]
    for entry in data["distribution"]:
        requests.get(entry["contentUrl"], timeout=30).raise_for_status()
    [after] = json_ld(server, "/datasets/ngan")
    for entry in after["distribution"]:
        length = len(requests.get(entry["contentUrl"], timeout=30).content)
        assert entry["contentSize"] == f"{length} B", entry["encodingFormat"]


def test_the_json_ld_cannot_close_its_script_tag_and_reads_as_rdf(server):
    html = requests.get(server.url + "/datasets/la", timeout=30).text
    assert "<script>alert(1)" not in html and "<!-- không" not in html
    [data] = [json.loads(b) for b in SCRIPT_RE.findall(html)]
    assert data["description"] == " ".join(HOSTILE.split())
    graph = Graph().parse(data=json.dumps(data), format="json-ld")
    node = URIRef(f"{server.url}/datasets/la#dataset")
    assert graph.value(node, SCHEMA.name) == Literal("Báo cáo la")
    assert (node, SCHEMA.distribution, None) in graph


def test_the_home_page_describes_the_catalogue(server):
    [data] = json_ld(server, "/")
    assert data["@type"] == "DataCatalog" and data["url"] == f"{server.url}/"
    assert data["name"] and data["publisher"]["@type"] == "Organization"


@pytest.mark.browser
def test_chromium_reports_no_csp_violation_for_the_json_ld_block(server):
    from playwright.sync_api import sync_playwright

    chromium = Path("/usr/bin/chromium")
    assert chromium.exists(), "Debian's chromium is needed: apt-get install -y chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(server.url + "/datasets/la", wait_until="load")
            blocks = page.eval_on_selector_all('script[type="application/ld+json"]', "els => els.map(e => e.text)")
            violations = page.evaluate("""() => new Promise(done => {
                const seen = []; document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective));
                setTimeout(() => done(seen), 300); })""")
        finally:
            browser.close()
    assert len(blocks) == 1 and json.loads(blocks[0])["@type"] == "Dataset"
    assert violations == [] and not [p for p in problems if "Content Security Policy" in p], problems
