"""Filters that speak Vietnamese (issue 14): text filters ignore accents and case unless ``_exact=1``, numbers
take a decimal comma, each column's values can be listed and searched, date columns show their range; the same
rules in the rows API, the explorer, its downloads and CKAN ``datastore_search``. Over real HTTP.

Expected counts are computed independently: from the version's CSV download, folded in Python with
``catalog.text.fold`` (not by the SQL under test).
"""

from __future__ import annotations

import csv
import io

import pytest
import requests
from data_api_helpers import build_catalogue

from catalog.rows import number_text
from catalog.text import fold
from conftest import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("vifilters")
    build_catalogue(root / "home", root / "work").dispose()
    srv = ServerProcess(root / "home", workers=2, env={"OPENDATA_RATELIMIT_ENABLED": "false"})
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def air(server) -> list[dict]:
    response = requests.get(server.url + "/datasets/air-quality/latest/data.csv", timeout=60)
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def get_json(server, path: str, status: int = 200, **params) -> dict:
    response = requests.get(server.url + path, params=params, headers={"Accept": "application/json"}, timeout=60)
    assert response.status_code == status, response.text[:400]
    return response.json()


def rows_total(server, **params) -> int:
    return get_json(server, "/api/v1/datasets/air-quality/rows", limit=1, **params)["total"]


# -- text ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("params", "keep"), [
    ({"district": "dong da"}, lambda r: fold(r["district"]) == "dong da"),
    ({"district": "ĐỐNG ĐA"}, lambda r: fold(r["district"]) == "dong da"),
    ({"district__contains": "dong"}, lambda r: "dong" in fold(r["district"])),
    ({"district__starts": "ha"}, lambda r: fold(r["district"]).startswith("ha")),
    ({"district__ne": "dong da"}, lambda r: r["district"] != "" and fold(r["district"]) != "dong da"),
    ({"district__in": "dong da,hoan kiem"}, lambda r: fold(r["district"]) in ("dong da", "hoan kiem")),
])
def test_text_filters_ignore_accents_and_case_in_the_rows_api(server, air, params, keep):
    expected = sum(1 for r in air if keep(r))
    assert expected > 0
    assert rows_total(server, **params) == expected


def test_exact_keeps_accents_and_case(server, air):
    exact = sum(1 for r in air if r["district"] == "Đống Đa")
    assert rows_total(server, district="Đống Đa", _exact="1") == exact > 0
    assert rows_total(server, district="dong da", _exact="1") == 0
    assert rows_total(server, district__contains="đống", _exact="1") == 0  # case: "Đống" is capitalised
    bad = get_json(server, "/api/v1/datasets/air-quality/rows", 400, district="x", _exact="perhaps")
    assert "_exact" in bad["error"]["message"]


def test_the_explorer_and_its_download_use_the_same_folded_filters(server, air):
    expected = sum(1 for r in air if fold(r["district"]) == "dong da")
    page = get_json(server, "/datasets/air-quality/explore", district="dong da")
    assert page["total"] == expected > 0 and page["exact"] is False
    html = requests.get(server.url + "/datasets/air-quality/explore", params={"district": "dong da"}, timeout=60)
    assert "Khớp chính xác dấu và chữ hoa" in html.text and "«dong da» tìm thấy «Đống Đa»" in html.text
    download = requests.get(server.url + "/datasets/air-quality/explore.csv", params={"district": "dong da"},
                            timeout=60)
    lines = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(lines) == expected
    exact = get_json(server, "/datasets/air-quality/explore", district="dong da", _exact="1")
    assert exact["total"] == 0 and exact["exact"] is True


# -- numbers -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("written", "value"), [("50,5", 50.5), ("50.5", 50.5), ("1.234,5", 1234.5),
                                                ("1,234.5", 1234.5), ("1.234.567", 1234567.0), ("-0,25", -0.25)])
def test_numbers_are_read_with_a_decimal_comma_or_point(written, value):
    assert float(number_text(written)) == value


def test_a_decimal_comma_filters_like_a_decimal_point(server, air):
    expected = sum(1 for r in air if r["pm25"] and float(r["pm25"]) > 50.5)
    assert expected > 0
    assert rows_total(server, pm25__gt="50,5") == rows_total(server, pm25__gt="50.5") == expected
    page = get_json(server, "/datasets/air-quality/explore", pm25__gt="50,5")
    assert page["total"] == expected


# -- values of a column ------------------------------------------------------------------------------------------
def test_each_column_offers_its_values_with_counts_searchable_without_accents(server, air):
    data = get_json(server, "/datasets/air-quality/values/district")
    counts = {}
    for r in air:
        counts[r["district"]] = counts.get(r["district"], 0) + 1
    assert {v["value"]: v["count"] for v in data["values"]} == {k: n for k, n in counts.items() if k}
    found = get_json(server, "/datasets/air-quality/values/district", q="dong")
    assert {v["value"] for v in found["values"]} == {k for k in counts if fold(k).startswith("dong")
                                                      or " dong" in fold(k)} >= {"Đống Đa", "Hà Đông"}
    assert found["values"][0]["url"].startswith("/datasets/air-quality/explore?district=")
    by_word = get_json(server, "/datasets/air-quality/values/district", q="da")
    assert "Đống Đa" in [v["value"] for v in by_word["values"]]
    assert len(get_json(server, "/datasets/air-quality/values/station_name")["values"]) <= 50
    page = requests.get(server.url + "/datasets/air-quality/values/district", params={"q": "dong"}, timeout=60)
    assert page.status_code == 200 and "Đống Đa" in page.text


def test_date_columns_offer_their_range(server, air):
    data = get_json(server, "/datasets/air-quality/values/observed_at")
    observed = sorted(r["observed_at"] for r in air)
    assert data["range"]["min"][:16] == observed[0][:16] and data["range"]["max"][:16] == observed[-1][:16]
    explorer = get_json(server, "/datasets/air-quality/explore", _limit=1)
    assert explorer["date_ranges"]["observed_at"] == data["range"]
    assert get_json(server, "/datasets/air-quality/values/nope", 400)["error"]["message"]


def test_the_rows_api_counts_take_a_folded_prefix(server, air):
    data = get_json(server, "/api/v1/datasets/air-quality/columns/district/counts", q="dong d")
    assert [v["value"] for v in data["values"]] == ["Đống Đa"]
    assert data["values"][0]["count"] == sum(1 for r in air if r["district"] == "Đống Đa")


# -- CKAN datastore_search --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def resource_id(server) -> str:
    package = requests.get(server.url + "/api/3/action/package_show", params={"id": "air-quality"},
                           timeout=30).json()["result"]
    return package["resources"][0]["id"]


def datastore(server, **payload) -> dict:
    response = requests.post(server.url + "/api/3/action/datastore_search", json=payload, timeout=60)
    assert response.status_code == 200, response.text[:400]
    return response.json()["result"]


def test_ckan_filters_ignore_accents_unless_exact_and_take_a_decimal_comma(server, air, resource_id):
    expected = sum(1 for r in air if fold(r["district"]) == "dong da")
    assert datastore(server, resource_id=resource_id, filters={"district": "dong da"}, limit=0)["total"] == expected
    assert datastore(server, resource_id=resource_id, filters={"district": "dong da"}, exact=True,
                     limit=0)["total"] == 0
    assert datastore(server, resource_id=resource_id, q="dong da", limit=0)["total"] >= expected
    some = next(r["pm25"] for r in air if r["pm25"])
    same = sum(1 for r in air if r["pm25"] and float(r["pm25"]) == float(some))
    comma = some.replace(".", ",")
    assert datastore(server, resource_id=resource_id, filters={"pm25": comma}, limit=0)["total"] == same
