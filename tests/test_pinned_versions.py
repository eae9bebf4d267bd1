"""Version-pinned pages (issue 14): a version's own page, the explorer pinned to a version, "pin this view",
``_version``, the cite box and ``citation.{json,bib}``, over real HTTP (``opendata serve`` in a subprocess).

The catalogue is the data API tests' one: air-quality with two versions of different sizes (so a pinned
version's rows can be told from the latest's), a report, a private and a deleted dataset.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from data_api_helpers import AIR_ROWS, build_catalogue

from conftest import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("pinned")
    build_catalogue(root / "home", root / "work").dispose()
    srv = ServerProcess(root / "home", workers=2, env={"OPENDATA_RATELIMIT_ENABLED": "false"})
    yield srv
    srv.stop()


def get(server, path: str, status: int = 200, **kwargs) -> requests.Response:
    response = requests.get(server.url + path, timeout=30, allow_redirects=False, **kwargs)
    assert response.status_code == status, (path, response.status_code, response.text[:400])
    return response


def as_json(server, path: str, status: int = 200) -> dict:
    return get(server, path, status, headers={"Accept": "application/json"}).json()


# -- the version page -------------------------------------------------------------------------------------------
def test_a_version_has_its_own_page_with_its_schema_downloads_validation_and_changes(server):
    page = as_json(server, "/datasets/air-quality/versions/1")
    assert page["version"]["number"] == 1 and page["version"]["rows"] == AIR_ROWS[0]
    assert page["version"]["is_latest"] is False and page["version"]["latest"] == 2
    assert "pm25" in [f["name"] for f in page["dictionary"]]
    assert page["validation"]["valid"] is True
    assert all("/versions/1/data." in d["url"] for d in page["downloads"])
    second = as_json(server, "/datasets/air-quality/versions/2")
    assert second["version"]["changes"]["rows_added"] == AIR_ROWS[1] - AIR_ROWS[0]
    assert second["diff_url"] == "/datasets/air-quality/versions/1/diff/2"
    html = get(server, "/datasets/air-quality/versions/1").text
    assert "Phiên bản 1" in html and 'href="/datasets/air-quality/versions/1/explore"' in html


@pytest.mark.parametrize("path", ["/datasets/air-quality/versions/9", "/datasets/noi-bo/versions/1",
                                  "/datasets/noi-bo/versions/1/explore", "/datasets/noi-bo/versions/1/citation.json",
                                  "/datasets/noi-bo/versions/1/citation.bib", "/datasets/nope/versions/1"])
def test_missing_versions_and_private_datasets_are_not_found(server, path):
    body = as_json(server, path, 404)
    assert body["error"]["code"] and body["error"]["message"]


# -- the pinned explorer ----------------------------------------------------------------------------------------
def test_the_pinned_explorer_reads_its_version_and_the_unpinned_one_the_latest(server):
    pinned = as_json(server, "/datasets/air-quality/versions/1/explore?_limit=1")
    latest = as_json(server, "/datasets/air-quality/explore?_limit=1")
    assert (pinned["version"], pinned["total"], pinned["pinned"]) == (1, AIR_ROWS[0], True)
    assert (latest["version"], latest["total"], latest["pinned"]) == (2, AIR_ROWS[1], False)


def test_the_unpinned_explorer_says_its_version_and_links_to_the_pinned_view_with_the_same_query(server):
    response = get(server, "/datasets/air-quality/explore?district=dong+da&_sort=-pm25")
    assert "Đang xem phiên bản 2" in response.text
    data = as_json(server, "/datasets/air-quality/explore?district=dong+da&_sort=-pm25")
    pin = urlsplit(data["pin_url"])
    assert pin.path == "/datasets/air-quality/versions/2/explore"
    assert parse_qs(pin.query) == {"district": ["dong da"], "_sort": ["-pm25"]}
    assert f'href="{data["pin_url"].replace("&", "&amp;")}"' in response.text
    pinned = as_json(server, data["pin_url"])
    assert pinned["rows"] == data["rows"] and pinned["total"] == data["total"] > 0


def test_the_explorer_form_on_a_pinned_view_stays_pinned(server):
    response = get(server, "/datasets/air-quality/versions/1/explore?_fc=district&_fo=contains&_fv=dong", 302)
    assert response.headers["Location"].startswith("/datasets/air-quality/versions/1/explore?")


def test_version_parameter_moves_to_the_pinned_view_or_is_a_clear_400(server):
    moved = get(server, "/datasets/air-quality/explore?_version=1&district=dong+da", 302)
    assert moved.headers["Location"] == "/datasets/air-quality/versions/1/explore?district=dong+da"
    rows = as_json(server, "/api/v1/datasets/air-quality/rows?_version=1&limit=1")
    assert rows["version"] == 1 and rows["total"] == AIR_ROWS[0]
    bad = as_json(server, "/api/v1/datasets/air-quality/rows?_version=two", 400)
    assert "_version" in bad["error"]["message"]
    assert as_json(server, "/api/v1/datasets/air-quality/rows?_version=7", 404)["error"]["code"]


def test_downloads_of_a_pinned_view_carry_the_version(server):
    data = as_json(server, "/datasets/air-quality/versions/1/explore?district=dong+da")
    csv_link = next(d["url"] for d in data["downloads"] if d["format"] == "csv")
    assert urlsplit(csv_link).path == "/datasets/air-quality/versions/1/explore.csv"
    response = get(server, urlsplit(csv_link).path + "?" + urlsplit(csv_link).query)
    assert "air-quality-v1-filtered.csv" in response.headers["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(lines) == data["total"] > 0 and {r["district"] for r in lines} == {"Đống Đa"}
    whole = get(server, "/datasets/air-quality/versions/1/explore.csv")
    assert whole.content.decode("utf-8-sig").count("\n") == AIR_ROWS[0] + 1


# -- the cite box and the citation files ------------------------------------------------------------------------
def test_both_pages_show_the_citation_in_vietnamese_and_english_with_the_pinned_url(server):
    today = datetime.now(UTC).date()
    page = as_json(server, "/datasets/air-quality/versions/1")
    cite = page["citation"]
    assert cite["url"].endswith("/datasets/air-quality/versions/1")
    assert cite["vi"].startswith("Sở Tài nguyên và Môi trường. (")
    assert "Quan trắc chất lượng không khí (phiên bản 1) [Bộ dữ liệu]" in cite["vi"]
    assert f"truy cập ngày {today.day:02d}/{today.month:02d}/{today.year}" in cite["vi"]
    assert "(version 1) [Data set]" in cite["en"] and f"accessed {today.isoformat()}" in cite["en"]
    view = as_json(server, "/datasets/air-quality/explore?district=dong+da")["citation"]
    assert "/datasets/air-quality/versions/2/explore?district=dong+da" in view["en"]
    html = get(server, "/datasets/air-quality/explore?district=dong+da").text
    assert 'id="cite-vi"' in html and "phiên bản 2" in html and view["json_url"].replace("&", "&amp;") in html


def test_citation_json_is_csl_json_for_the_pinned_view(server):
    explorer = as_json(server, "/datasets/air-quality/explore?district=dong+da&_sort=-pm25")
    response = get(server, explorer["citation"]["json_url"])
    assert response.headers["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    [item] = response.json()
    assert item["type"] == "dataset" and item["version"] == "2"
    assert item["title"] == "Quan trắc chất lượng không khí" and item["publisher"] == "Sở Tài nguyên và Môi trường"
    assert item["URL"].endswith(explorer["pin_url"])
    assert len(item["issued"]["date-parts"][0]) == 3


def test_citation_bib_is_a_bibtex_entry_and_a_bad_view_is_a_400(server):
    bib = get(server, "/datasets/air-quality/versions/1/citation.bib?view=district%3Ddong+da").text
    assert bib.startswith("@misc{air-quality-v1,") and "version = {1}" in bib
    assert "/datasets/air-quality/versions/1/explore?district=dong+da}" in bib
    plain = json.loads(get(server, "/datasets/air-quality/versions/1/citation.json").text)[0]
    assert plain["URL"].endswith("/datasets/air-quality/versions/1")
    bad = as_json(server, "/datasets/air-quality/versions/1/citation.json?view=nope%3D1", 400)
    assert "nope" in bad["error"]["message"]
