"""Vietnamese formats and order (issue 15, item 3): numbers as Babel writes them in Vietnamese on pages and raw in
machine formats, times in Hanoi time on pages and with an offset in APIs, names in ICU Vietnamese order.

A real catalogue built through the publish pipeline, read through the Flask application."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from catalog import db
from catalog.metadata import Catalog
from catalog.rows.display import display_number, is_plain
from pipelines.publish import publish
from web import create_app
from web.views.pages.explore import EXPLORE_LIMIT

# In code-point order "Ba Vì" < "Ba Đình" and "Chương Mỹ" < "Cầu Giấy"; in Vietnamese the other way round. Without
# accents "Đông Anh" ("dong anh") would come before "Dương Nội"; in Vietnamese đ is a letter after d.
PLACES = ["Đông Anh", "Chương Mỹ", "Ba Vì", "Dương Nội", "Cầu Giấy", "Ba Đình"]
VIETNAMESE_ORDER = ["Ba Đình", "Ba Vì", "Cầu Giấy", "Chương Mỹ", "Dương Nội", "Đông Anh"]
SCHEMA = {"fields": [
    {"name": "place", "type": "string", "title": "Địa bàn"},
    {"name": "lat", "type": "number", "title": "Vĩ độ"},
    {"name": "population", "type": "integer", "title": "Dân số"},
    {"name": "nam", "type": "integer", "title": "Năm"},
]}
PUBLISHED_UTC = "2024-05-01T20:30:00.000000Z"  # 03:30 on 2 May in Hanoi
OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def build(home: Path, work: Path) -> None:
    cat = Catalog(home)
    cat.init()
    work.mkdir(parents=True, exist_ok=True)
    for i, place in enumerate(PLACES):
        org = f"ubnd-{i}"
        cat.add_org(org, f"UBND {place}")
        path = work / f"{i}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["place", "lat", "population", "nam"])
            writer.writerows([[p, "21.03748", "20000", "2024"] for p in PLACES])
        result = publish(cat, path, dataset=f"dan-so-{i}", org=org, schema=SCHEMA, publisher="test",
                         meta={"title": f"Dân số {place}", "tags": [place], "license": "CC-BY-4.0"})
        assert result.status == "published", result.report
    with cat.writer.begin() as conn:
        conn.execute(sa.update(db.versions).values(published_at=PUBLISHED_UTC))
    cat.dispose()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    root = tmp_path_factory.mktemp("formats")
    build(root / "home", root / "work")
    return create_app(root / "home", {"TESTING": True})


@pytest.fixture
def client(app: Flask):
    return app.test_client()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def cells(html: str) -> list[str]:
    return re.findall(r'<td class="num" data-value="([^"]*)">([^<]*)</td>', html)


# -- numbers -----------------------------------------------------------------------------------------------------
def test_a_float_cell_shows_a_decimal_comma_in_vietnamese_and_a_point_in_english(client) -> None:
    vi = cells(page(client, "/datasets/dan-so-0/explore"))
    en = cells(page(client, "/datasets/dan-so-0/explore?lang=en"))
    assert ("21.03748", "21,03748") in vi
    assert ("21.03748", "21.03748") in en


def test_an_integer_count_is_grouped_with_dots_and_a_year_column_is_not(client) -> None:
    shown = cells(page(client, "/datasets/dan-so-0/explore"))
    assert ("20000", "20.000") in shown
    assert ("2024", "2024") in shown and ("2024", "2.024") not in shown
    assert ("20000", "20,000") in cells(page(client, "/datasets/dan-so-0/explore?lang=en"))


def test_the_dataset_preview_formats_numbers_too(client) -> None:
    shown = cells(page(client, "/datasets/dan-so-0"))
    assert ("21.03748", "21,03748") in shown and ("20000", "20.000") in shown and ("2024", "2024") in shown


def test_json_and_csv_keep_the_raw_values(client) -> None:
    data = client.get("/datasets/dan-so-0/explore?format=json").get_json()
    assert data["rows"][0]["lat"] == 21.03748 and data["rows"][0]["population"] == 20000
    text = client.get("/datasets/dan-so-0/explore.csv").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["lat"] == "21.03748" and row["population"] == "20000"


def test_the_sql_page_formats_result_numbers(client) -> None:
    html = page(client, "/sql?sql=" + "SELECT population, lat, nam FROM \"dan-so-0\" LIMIT 1")
    shown = cells(html)
    assert ("20000", "20.000") in shown and ("21.03748", "21,03748") in shown and ("2024", "2024") in shown


@pytest.mark.parametrize(("column", "plain"), [
    ({"name": "year", "type": "integer"}, True), ({"name": "x", "type": "year"}, True),
    ({"name": "ma_xa", "type": "integer"}, True), ({"name": "district_code", "type": "integer"}, True),
    ({"name": "c1", "title": "Mã trạm", "type": "integer"}, True), ({"name": "n", "grouping": False}, True),
    ({"name": "population", "title": "Dân số", "type": "integer"}, False), ({"name": "pm25"}, False)])
def test_years_and_codes_are_written_without_grouping(column, plain) -> None:
    assert is_plain(column) is plain
    assert display_number(12345, column, "vi") == ("12345" if plain else "12.345")


def test_a_chart_spec_carries_the_vietnamese_number_locale(client) -> None:
    spec = client.get("/datasets/dan-so-0/chart.vl.json?type=bar&x=place&y=population&agg=sum").get_json()
    assert spec["config"]["locale"]["number"] == {"decimal": ",", "thousands": ".", "grouping": [3],
                                                  "currency": ["", "\u00a0₫"]}
    svg = client.get("/datasets/dan-so-0/chart.svg?type=bar&x=place&y=population&agg=sum").get_data(as_text=True)
    assert ">20.000</text>" in svg


# -- times -------------------------------------------------------------------------------------------------------
def test_a_version_published_at_20_30_utc_shows_the_next_day_at_03_30_hanoi_time(client) -> None:
    html = page(client, "/datasets/dan-so-0")
    assert "02/05/2024 03:30 (ICT)" in html
    assert "20:30" not in html


def walk(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)
    elif isinstance(value, str) and STAMP.match(value):
        yield value


@pytest.mark.parametrize("url", ["/api/v1/datasets", "/api/v1/datasets/dan-so-0", "/api/v1/datasets/dan-so-0/versions",
                                 "/api/v1/datasets/dan-so-0/versions/1", "/api/v1/organizations",
                                 "/api/v1/organizations/ubnd-0", "/api/v1/activity", "/datasets/dan-so-0?format=json"])
def test_api_times_carry_an_offset(client, url) -> None:
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    stamps = list(walk(response.get_json()))
    assert stamps, f"{url} has no timestamp to check"
    assert [s for s in stamps if not OFFSET.search(s)] == []


# -- order -------------------------------------------------------------------------------------------------------
def positions(html: str, names: list[str]) -> list[int]:
    return [html.index(name) for name in names]


def test_organisations_are_listed_in_vietnamese_order(client) -> None:
    html = page(client, "/organizations")
    found = positions(html, [f"UBND {p}" for p in VIETNAMESE_ORDER])
    assert found == sorted(found)
    data = client.get("/organizations?format=json").get_json()
    assert [o["title"] for o in data["organizations"]] == [f"UBND {p}" for p in VIETNAMESE_ORDER]


def test_search_facets_with_equal_counts_are_in_vietnamese_order(client) -> None:
    data = client.get("/datasets?format=json").get_json()
    tags = [item["label"] for item in data["facets"]["tag"]]
    assert tags == VIETNAMESE_ORDER
    orgs = [item["label"] for item in data["facets"]["organization"]]
    assert orgs == [f"UBND {p}" for p in VIETNAMESE_ORDER]


def test_datasets_sorted_by_title_follow_vietnamese_order(client) -> None:
    data = client.get("/datasets?format=json&sort=title").get_json()
    assert [d["title"] for d in data["results"]] == [f"Dân số {p}" for p in VIETNAMESE_ORDER]


def test_the_explorer_sorts_a_text_column_in_vietnamese_order_across_pages(client) -> None:
    assert [r["place"] for r in client.get("/datasets/dan-so-0/explore?format=json&_sort=place").get_json()["rows"]] \
        == VIETNAMESE_ORDER
    assert [r["place"] for r in client.get("/datasets/dan-so-0/explore?format=json&_sort=-place").get_json()["rows"]] \
        == VIETNAMESE_ORDER[::-1]
    seen, url = [], "/datasets/dan-so-0/explore?format=json&_sort=place&_limit=1"
    while url:
        data = client.get(url).get_json()
        seen += [r["place"] for r in data["rows"]]
        url = data["next_url"] and data["next_url"] + "&format=json"
    assert seen == VIETNAMESE_ORDER and EXPLORE_LIMIT > 1


def test_ckan_lists_are_in_vietnamese_order(client) -> None:
    tags = client.get("/api/3/action/tag_list").get_json()["result"]
    assert tags == VIETNAMESE_ORDER
    orgs = client.get("/api/3/action/organization_list?all_fields=true").get_json()["result"]
    assert [o["title"] for o in orgs] == [f"UBND {p}" for p in VIETNAMESE_ORDER]
