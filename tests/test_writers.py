"""One writer per download format: the same rows give the same file through every door.

A dataset download (``/datasets/<name>/versions/<n>/data.<fmt>``), an explorer view (``/explore.<fmt>``) and a
SQL result (``/api/v1/sql?format=<fmt>``) all write through ``catalog/writers/``. Driven through the Flask test
client over a real catalogue (real publish pipeline, real SQL worker processes); the data holds what the rules
are about: an integer beyond 2^53 (2^60), text that looks like a formula, and Vietnamese text.

CSV quoting: published data is quoted only where needed, SQL results quote every text value (both pinned by
``tests/test_no_planted_content.py`` and ``tests/test_query_sandbox.py``), so a SQL CSV is compared by its values
and the dataset and explorer CSVs by their bytes.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from catalog.metadata import Catalog
from pipelines.publish import publish
from web import create_app

BIG = 2**60
ROWS = [("Hà Nội – Đống Đa", "=HYPERLINK(\"http://x\")", BIG, 1),
        ("Thành phố Hồ Chí Minh", "@SUM(A1)", -BIG, 2),
        ("Đà Nẵng", "+84 236", 7, 3)]
SQL = "SELECT * FROM bang ORDER BY thu_tu"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    root = tmp_path_factory.mktemp("writers")
    cat = Catalog(root / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    source = root / "bang.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ten", "cong_thuc", "so_lon", "thu_tu"])
        writer.writerows(ROWS)
    schema = {"fields": [{"name": "ten", "type": "string"}, {"name": "cong_thuc", "type": "string"},
                         {"name": "so_lon", "type": "integer"}, {"name": "thu_tu", "type": "integer"}]}
    result = publish(cat, source, dataset="bang", org="so-tnmt", schema=schema, publisher="test")
    assert result.status == "published", result.messages
    cat.dispose()
    app = create_app(root / "home", {"RATELIMIT_ENABLED": False, "TESTING": True, "OPENDATA_SQL_WORKERS": 1})
    yield app.test_client()
    app.extensions["sql_engine"].close()


def downloads(web, fmt: str, **flags: str) -> dict[str, bytes]:
    """The same rows through the three doors."""
    answers = {
        "dataset": web.get(f"/datasets/bang/versions/1/data.{fmt}", query_string=flags),
        "explorer": web.get(f"/datasets/bang/explore.{fmt}", query_string={"thu_tu__ge": "0", **flags}),
        "sql": web.get("/api/v1/sql", query_string={"sql": SQL, "format": fmt, "download": "1", **flags}),
    }
    for door, answer in answers.items():
        assert answer.status_code == 200, (door, answer.get_data(as_text=True)[:300])
    return {door: answer.data for door, answer in answers.items()}


def csv_values(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def cells(data: bytes) -> list[list[tuple]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


def test_dataset_and_explorer_csv_are_the_same_bytes_and_sql_csv_the_same_values(web):
    files = downloads(web, "csv")
    assert files["dataset"] == files["explorer"]
    expected = [["ten", "cong_thuc", "so_lon", "thu_tu"]] + [[str(v) for v in row] for row in ROWS]
    assert csv_values(files["dataset"]) == csv_values(files["sql"]) == expected


def test_csv_for_excel_protects_formulas_alike_through_every_door(web):
    files = downloads(web, "csv", excel="1")
    assert files["dataset"] == files["explorer"]
    assert all(data.startswith(b"\xef\xbb\xbf") for data in files.values())
    values = csv_values(files["sql"])
    assert values == csv_values(files["dataset"])
    assert [row[1] for row in values[1:]] == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "'+84 236"]
    assert values[1][2] == str(BIG), "numbers are not prefixed, and stay exact"


def test_xlsx_cells_have_the_same_values_and_types_through_every_door(web):
    files = downloads(web, "xlsx")
    sheets = {door: cells(data) for door, data in files.items()}
    assert sheets["dataset"] == sheets["explorer"] == sheets["sql"]
    header, first = sheets["sql"][0], sheets["sql"][1]
    assert [value for value, _ in header] == ["ten", "cong_thuc", "so_lon", "thu_tu"]
    assert first[0] == ("Hà Nội – Đống Đa", "s")
    assert first[1] == ("=HYPERLINK(\"http://x\")", "s"), "a formula-looking text is a text cell"
    assert first[2] == (str(BIG), "s"), "an integer beyond 2^53 is text, so it stays exact"
    assert first[3] == (1, "n")


def test_xlsx_is_the_same_file_for_the_dataset_and_the_explorer(web):
    files = downloads(web, "xlsx")
    assert files["dataset"] == files["explorer"]


def test_json_is_the_same_bytes_through_every_door(web):
    files = downloads(web, "json")
    assert files["dataset"] == files["explorer"] == files["sql"]
    records = json.loads(files["sql"])
    assert records[0] == {"ten": "Hà Nội – Đống Đa", "cong_thuc": "=HYPERLINK(\"http://x\")", "so_lon": BIG,
                          "thu_tu": 1}
