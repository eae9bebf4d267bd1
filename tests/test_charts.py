"""Charts: aggregation checked against a plain-Python oracle over the published CSV, caps, time buckets, the
summary sentence, SVG/PNG rendering, the chart URLs and their 400s, visibility, the builder and the embed page."""

from __future__ import annotations

import csv
import re
import statistics
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from test_pages import AIR_SCHEMA, build_catalogue, write_csv

from catalog.charts import MAX_CATEGORIES, MAX_POINTS, ChartSpec, build_chart, format_number, to_png, to_svg
from catalog.errors import InvalidInput
from catalog.metadata import Catalog
from catalog.rows import typed_filter
from pipelines.publish import publish
from web import create_app

AIR = "khong-khi-dong-da"
MANY = "nhieu-nhom"
MANY_ROWS = 3500
MANY_SCHEMA = {"fields": [
    {"name": "nhom", "type": "string", "title": "Nhóm"},
    {"name": "ngay", "type": "date", "title": "Ngày"},
    {"name": "so_luong", "type": "integer", "title": "Số lượng", "title_en": "Quantity"},
]}
FIRST_DAY = date(2010, 1, 1)


def many_rows() -> list[list[str]]:
    """60 groups of unequal size (group k has about k rows more than group 0), one row per day."""
    return [[f"nhóm {int((i % 3600) ** 0.5) % 60:02d}", (FIRST_DAY + timedelta(days=i)).isoformat(), str(i * 7 % 4000)]
            for i in range(MANY_ROWS)]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("charts")
    cat = build_catalogue(root / "home", root / "sources")
    source = write_csv(root / "sources" / "many.csv", ["nhom", "ngay", "so_luong"], many_rows())
    result = publish(cat, source, dataset=MANY, org="so-tnmt", schema=MANY_SCHEMA, publisher="lan",
                     meta={"title": "Nhiều nhóm", "license": "CC-BY-4.0"})
    assert result.status == "published", result.report
    cat.dispose()
    return root


@pytest.fixture(scope="module")
def catalog(root: Path):
    cat = Catalog(root / "home")
    yield cat
    cat.dispose()


@pytest.fixture(scope="module")
def app(root: Path) -> Flask:
    return create_app(root / "home", {"TESTING": True, "RATELIMIT_ENABLED": False})


@pytest.fixture
def client(app: Flask):
    return app.test_client()


def source_rows(root: Path, name: str) -> list[dict]:
    """The published source CSV, read with the csv module: the oracle's input."""
    with open(root / "sources" / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def chart(catalog: Catalog, dataset: str, spec: ChartSpec, lang: str = "vi"):
    version = catalog.latest_version(dataset)
    return build_chart(catalog.version_files(version), version["schema"], spec, lang)


ORACLE = {"count": len, "sum": sum, "mean": statistics.fmean, "median": statistics.median, "min": min, "max": max}


def oracle(rows: list[dict], key, value: str | None, agg: str) -> dict:
    groups: dict = defaultdict(list)
    for row in rows:
        groups[key(row)].append(float(row[value]) if value else 1)
    return {k: ORACLE[agg](v) for k, v in groups.items()}


# -- aggregation ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("agg", ["count", "sum", "mean", "median", "min", "max"])
def test_a_bar_chart_aggregates_y_per_category_as_python_does_over_the_csv(catalog, root, agg) -> None:
    built = chart(catalog, AIR, ChartSpec("bar", "district", None if agg == "count" else "pm25", agg))
    expected = oracle(source_rows(root, "air-2.csv"), lambda r: r["district"], None if agg == "count" else "pm25",
                      agg)
    assert {p["x"]: p["y"] for p in built.data.points} == pytest.approx(expected)


def test_filters_of_the_explorer_select_the_rows_a_chart_aggregates(catalog, root) -> None:
    filters = (typed_filter(AIR_SCHEMA, "district", "ne", "Ba Đình"), typed_filter(AIR_SCHEMA, "pm25", "gt", "30"))
    built = chart(catalog, AIR, ChartSpec("bar", "station", "pm25", "mean", filters=filters))
    rows = [r for r in source_rows(root, "air-2.csv") if r["district"] != "Ba Đình" and float(r["pm25"]) > 30]
    assert {p["x"]: p["y"] for p in built.data.points} == pytest.approx(oracle(rows, lambda r: r["station"],
                                                                                "pm25", "mean"))


def test_a_colour_splits_each_category_into_series(catalog, root) -> None:
    built = chart(catalog, AIR, ChartSpec("bar", "district", "pm25", "max", color="station"))
    expected = oracle(source_rows(root, "air-2.csv"), lambda r: (r["district"], r["station"]), "pm25", "max")
    assert {(p["x"], p["series"]): p["y"] for p in built.data.points} == pytest.approx(expected)


def test_categories_beyond_the_top_ones_are_pooled_as_other_aggregated_over_all_their_rows(catalog, root) -> None:
    built = chart(catalog, MANY, ChartSpec("bar", "nhom", "so_luong", "mean"))
    rows = source_rows(root, "many.csv")
    sizes = oracle(rows, lambda r: r["nhom"], None, "count")
    top = sorted(sizes, key=lambda k: (-sizes[k], k))[:MAX_CATEGORIES]
    expected = oracle(rows, lambda r: r["nhom"] if r["nhom"] in top else "Khác", "so_luong", "mean")
    assert len(built.data.points) == MAX_CATEGORIES + 1
    assert {p["x"]: p["y"] for p in built.data.points} == pytest.approx(expected)
    assert built.data.pooled == ["x"]
    assert "gộp vào “Khác”" in built.summary


def test_a_histogram_counts_rows_per_bin_and_its_bins_cover_every_value(catalog, root) -> None:
    built = chart(catalog, MANY, ChartSpec("histogram", "so_luong", agg="", bins=10))
    values = [int(r["so_luong"]) for r in source_rows(root, "many.csv")]
    points = built.data.points
    assert sum(p["y"] for p in points) == len(values)
    for p in points:
        last = p is points[-1]
        assert p["y"] == sum(1 for v in values if p["x"] <= v < p["x2"] or (last and v == p["x2"]))
    assert points[0]["x"] <= min(values) and points[-1]["x2"] >= max(values)


@pytest.mark.parametrize(("bucket", "key"), [
    ("week", lambda d: d - timedelta(days=d.weekday())),
    ("month", lambda d: d.replace(day=1)),
    ("quarter", lambda d: d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)),
    ("year", lambda d: d.replace(month=1, day=1)),
])
def test_a_date_axis_is_bucketed_by_week_month_quarter_or_year(catalog, root, bucket, key) -> None:
    built = chart(catalog, MANY, ChartSpec("line", "ngay", "so_luong", "sum", bucket=bucket))
    expected = oracle(source_rows(root, "many.csv"), lambda r: key(date.fromisoformat(r["ngay"])).isoformat(),
                      "so_luong", "sum")
    assert {p["x"]: p["y"] for p in built.data.points} == pytest.approx(expected)
    assert built.data.bucket == bucket


def test_an_automatic_bucket_keeps_a_long_series_within_the_point_budget(catalog) -> None:
    built = chart(catalog, MANY, ChartSpec("line", "ngay", "so_luong", "mean"))
    assert built.data.bucket in ("week", "month")
    assert 10 < len(built.data.points) <= MAX_POINTS


def test_more_points_than_the_cap_are_refused_with_what_to_do(catalog) -> None:
    with pytest.raises(InvalidInput, match="hơn 3.000 điểm.*bucket thô hơn"):
        chart(catalog, MANY, ChartSpec("line", "ngay", "so_luong", "mean", bucket="day"))
    with pytest.raises(InvalidInput, match="type=histogram"):
        chart(catalog, MANY, ChartSpec("bar", "so_luong", None, "count"))


def test_a_scatter_chart_draws_a_reproducible_sample_capped_at_the_point_budget(catalog) -> None:
    first = chart(catalog, MANY, ChartSpec("scatter", "ngay", "so_luong", ""))
    again = chart(catalog, MANY, ChartSpec("scatter", "ngay", "so_luong", ""))
    assert len(first.data.points) == MAX_POINTS
    assert first.data.sampled_from == MANY_ROWS
    assert first.data.points == again.data.points
    assert f"mẫu ngẫu nhiên từ {format_number(MANY_ROWS)} dòng" in first.summary


# -- words and pictures -------------------------------------------------------------------------------------------
def test_the_summary_names_the_chart_the_measure_and_the_highest_and_lowest_in_vietnamese(catalog, root) -> None:
    built = chart(catalog, AIR, ChartSpec("bar", "district", "pm25", "mean"))
    means = oracle(source_rows(root, "air-2.csv"), lambda r: r["district"], "pm25", "mean")
    high, low = max(means, key=means.get), min(means, key=means.get)
    assert built.summary.startswith("Biểu đồ cột: trung bình PM2.5 (µg/m³) theo Quận; ")
    assert f"cao nhất: {high} {format_number(round(means[high], 2))}" in built.summary
    assert f"thấp nhất: {low} {format_number(round(means[low], 2))}" in built.summary
    assert built.table["columns"] == ["Quận", "Trung bình PM2.5 (µg/m³)"]
    assert len(built.table["rows"]) == 4


def test_numbers_are_written_the_vietnamese_way_and_the_english_way() -> None:
    assert format_number(1234567.891, "vi") == "1.234.567,89"
    assert format_number(1234567.891, "en") == "1,234,567.89"
    assert format_number(62.1, "vi") == "62,1"


def test_the_svg_has_axis_titles_vietnamese_labels_and_vietnamese_thousands(catalog) -> None:
    built = chart(catalog, MANY, ChartSpec("bar", "nhom", "so_luong", "sum"))
    svg = to_svg(built.vega_lite)
    texts = re.findall(r">([^<]+)</text>", svg)
    assert "Nhóm" in texts and "Tổng Số lượng" in texts
    assert {p["x"] for p in built.data.points} <= set(texts)  # all 41 category labels drawn, none dropped
    assert "Khác" in texts
    assert any(re.fullmatch(r"\d{1,3}(\.\d{3})+", t) for t in texts), texts  # e.g. "20.000" on the y axis
    assert built.vega_lite["config"]["locale"]["number"]["decimal"] == ","


def test_an_english_chart_uses_english_titles_and_numbers(catalog) -> None:
    built = chart(catalog, MANY, ChartSpec("bar", "nhom", "so_luong", "sum"), lang="en")
    texts = re.findall(r">([^<]+)</text>", to_svg(built.vega_lite))
    assert "Sum of Quantity" in texts and "Other" in texts
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", t) for t in texts), texts


def test_the_png_is_a_png(catalog) -> None:
    png = to_png(chart(catalog, AIR, ChartSpec("line", "measured_on", "pm25", "mean", bucket="week")).vega_lite)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


# -- the URLs -----------------------------------------------------------------------------------------------------
def test_chart_urls_answer_svg_png_and_the_vega_lite_spec_with_its_data_inline(client) -> None:
    query = "?type=bar&x=district&y=pm25&agg=mean&district__ne=Ba Đình"
    for path in (f"/datasets/{AIR}", f"/datasets/{AIR}/versions/1"):
        svg = client.get(f"{path}/chart.svg{query}")
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert "Trung bình PM2.5 (µg/m³)" in svg.get_data(as_text=True)
        assert "Ba Đình" not in svg.get_data(as_text=True)
        png = client.get(f"{path}/chart.png{query}")
        assert png.mimetype == "image/png" and png.data[:4] == b"\x89PNG"
        spec = client.get(f"{path}/chart.vl.json{query}").get_json()
        assert spec["$schema"].endswith("/v6.json")
        assert {p["x"] for p in spec["data"]["values"]} == {"Đống Đa", "Cầu Giấy", "Hoàn Kiếm"}
        assert spec["usermeta"]["summary"] == spec["description"]
    assert client.get(f"/datasets/{AIR}/versions/1/chart.svg{query}").headers["Cache-Control"].startswith("public")


@pytest.mark.parametrize(("query", "fix"), [
    ("type=pie&x=district", "use one of: bar, line, area, scatter, histogram"),
    ("type=bar", "parameter x is required"),
    ("x=nowhere", "the columns are: station, district, pm25, measured_on"),
    ("x=district&y=station&agg=mean", "needs a numeric y"),
    ("x=district&agg=average&y=pm25", "use one of: count, sum, mean"),
    ("x=measured_on&y=pm25&bucket=fortnight", "use one of: auto, day, week"),
    ("x=district&bucket=month", "groups dates"),
    ("type=histogram&x=pm25&bins=1000", "bins must be between 2 and 100"),
    ("type=histogram&x=district", "needs a numeric x"),
    ("type=scatter&x=pm25", "needs y"),
    ("x=district&pm25__gt=nhiều", "not a valid number"),
])
def test_bad_chart_parameters_are_a_400_in_json_that_says_what_to_fix(client, query, fix) -> None:
    for ext in ("svg", "png", "vl.json"):
        response = client.get(f"/datasets/{AIR}/chart.{ext}?{query}&lang=en")
        assert response.status_code == 400, response.data
        error = response.get_json()["error"]
        assert error["code"] and fix in error["message"]


def test_charts_of_a_private_dataset_do_not_exist_for_anonymous_viewers(client) -> None:
    for url in ("/datasets/bo-nhap/chart.svg?x=a", "/datasets/bo-nhap/versions/1/chart.vl.json?x=a",
                "/embed/datasets/bo-nhap/versions/1/chart?x=a"):
        assert client.get(url).status_code == 404
    assert client.get(f"/datasets/{AIR}/versions/99/chart.svg?x=district").status_code == 404


def test_only_the_embed_page_may_be_framed_by_other_sites(client) -> None:
    embed = client.get(f"/embed/datasets/{AIR}/versions/2/chart?type=bar&x=district&y=pm25&agg=mean")
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "script-src 'self'" in embed.headers["Content-Security-Policy"]
    page = embed.get_data(as_text=True)
    assert 'alt="Biểu đồ cột: trung bình PM2.5' in page and f"/datasets/{AIR}/versions/2" in page
    for url in (f"/datasets/{AIR}", f"/datasets/{AIR}/chart.svg?x=district", f"/datasets/{AIR}/explore"):
        response = client.get(url)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


# -- the builder --------------------------------------------------------------------------------------------------
def test_the_explorer_builder_shows_the_server_svg_with_the_summary_as_alt_text_and_the_table(client) -> None:
    response = client.get(f"/datasets/{AIR}/explore?district=Đống Đa&_type=bar&_x=station&_y=pm25&_agg=mean")
    page = response.get_data(as_text=True)
    img = re.search(r'<img class="chart-img" src="([^"]+)" alt="([^"]+)"', page)
    assert img, page
    src = img.group(1).replace("&amp;", "&")
    assert src.startswith(f"/datasets/{AIR}/versions/2/chart.svg?") and "district=" in src
    assert img.group(2).startswith("Biểu đồ cột: trung bình PM2.5 (µg/m³) theo Trạm quan trắc")
    assert client.get(src).status_code == 200
    assert "<details class=\"chart-table\">" in page and 'data-chart-link="PNG"' in page
    assert f"/embed/datasets/{AIR}/versions/2/chart?" in page


def test_the_dataset_page_builder_explains_a_bad_choice_instead_of_failing(client) -> None:
    response = client.get(f"/datasets/{AIR}?_type=line&_x=measured_on&_y=station&_agg=mean")
    assert response.status_code == 200
    assert "Biểu đồ không vẽ được" in response.get_data(as_text=True)
    plain = client.get(f"/datasets/{AIR}").get_data(as_text=True)
    assert 'name="_x"' in plain and "chart-img" not in plain
