"""SQL for people (issue 14): comments and trailing semicolons are one statement, DuckDB's errors are explained
in Vietnamese with a suggestion and the raw message kept, and ``bo_dau(text)`` folds accents in every sandbox.

The guard and the explanations are checked in-process on their own; the rest over real HTTP against
``opendata serve`` (SQL API, SQL page, CKAN ``datastore_search_sql``, which wraps the user's statement).
"""

from __future__ import annotations

import duckdb
import pytest
import requests
from data_api_helpers import build_catalogue

from catalog.sql.explain import explain, suggestions
from catalog.sql.guard import check_statement, statement_text
from conftest import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("sqlpeople")
    build_catalogue(root / "home", root / "work").dispose()
    srv = ServerProcess(root / "home", workers=2, env={"OPENDATA_RATELIMIT_ENABLED": "false"})
    yield srv
    srv.stop()


def sql_api(server, sql: str, status: int = 200) -> dict:
    response = requests.post(server.url + "/api/v1/sql", json={"sql": sql}, timeout=60)
    assert response.status_code == status, response.text[:500]
    return response.json()


# -- one statement ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT 1; -- hết", "SELECT 1"),
    ("SELECT 'Đống Đa' AS x;  /* ghi chú */ -- hết\n", "SELECT 'Đống Đa' AS x"),
    ("SELECT 1;;", "SELECT 1"),
    ("SELECT ';' AS s -- a comment", "SELECT ';' AS s"),
    ("-- đầu\nSELECT 2", "-- đầu\nSELECT 2"),
])
def test_trailing_semicolons_and_comments_are_not_part_of_the_statement(sql, expected):
    assert statement_text(sql) == expected
    con = duckdb.connect()
    try:
        assert con.sql(check_statement(con, sql)).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("sql", ['SELECT count(*) AS n FROM air_quality; -- hết',
                                 '-- số dòng\nSELECT count(*) AS n FROM air_quality -- hết\n;'])
def test_the_sql_api_runs_a_query_with_comments_and_a_trailing_semicolon(server, sql):
    body = sql_api(server, sql)
    assert body["rows"][0][0] > 0 if isinstance(body["rows"][0], list) else body["rows"][0]["n"] > 0


def test_ckan_datastore_search_sql_accepts_a_trailing_semicolon_and_comment(server):
    package = requests.get(server.url + "/api/3/action/package_show", params={"id": "air-quality"},
                           timeout=30).json()["result"]
    rid = package["resources"][0]["id"]
    response = requests.get(server.url + "/api/3/action/datastore_search_sql",
                            params={"sql": f'SELECT count(*) AS n FROM "{rid}"; -- hết'}, timeout=60)
    assert response.status_code == 200, response.text[:400]
    assert response.json()["result"]["records"][0]["n"] > 0


# -- errors in Vietnamese -------------------------------------------------------------------------------------------
def test_explanations_name_the_missing_thing_and_suggest_a_close_name():
    raw = 'Binder Error: Referenced column "pm_25" not found in FROM clause!'
    text = explain(raw, tables=["air_quality"], columns=["pm25", "pm10", "district"])
    assert "Không có cột «pm_25»" in text and "Có phải ý bạn là «pm25»" in text
    table = explain("Catalog Error: Table with name khong_khi does not exist!", tables=["air_quality", "schools"])
    assert "Không có bảng «khong_khi»" in table
    assert suggestions("quan_ly_truong", ["Quản_lý_trường", "air_quality"]) == ["Quản_lý_trường"]
    assert explain("Something new happened") .startswith("Truy vấn không chạy được")


def test_the_sql_api_explains_an_unknown_column_in_vietnamese_and_keeps_the_raw_message(server):
    error = sql_api(server, "SELECT pm_25 FROM air_quality", 400)["error"]
    assert error["code"] == "sql_error"
    assert "Không có cột «pm_25»" in error["message"] and "Có phải ý bạn là «pm25»" in error["message"]
    assert "pm_25" in error["raw"] and "Binder Error" in error["raw"]


def test_the_sql_api_explains_an_unknown_table_with_a_suggestion(server):
    error = sql_api(server, "SELECT * FROM air_qualty", 400)["error"]
    assert "Không có bảng «air_qualty»" in error["message"] and "«air_quality»" in error["message"]
    assert "does not exist" in error["raw"]


def test_the_sql_page_shows_the_explanation_with_the_raw_message_folded(server):
    page = requests.get(server.url + "/sql", params={"sql": "SELEC 1"}, timeout=60)
    assert page.status_code == 400
    assert "Lỗi cú pháp gần «SELEC»" in page.text
    assert '<details class="sql-error-raw">' in page.text and "syntax error" in page.text


# -- bo_dau ---------------------------------------------------------------------------------------------------------
def test_bo_dau_finds_dong_da_however_it_is_typed(server):
    folded = sql_api(server, "SELECT count(*) AS n FROM air_quality WHERE bo_dau(district) = 'dong da'")
    exact = sql_api(server, "SELECT count(*) AS n FROM air_quality WHERE district = 'Đống Đa'")
    n_folded = folded["rows"][0][0] if isinstance(folded["rows"][0], list) else folded["rows"][0]["n"]
    n_exact = exact["rows"][0][0] if isinstance(exact["rows"][0], list) else exact["rows"][0]["n"]
    assert n_folded == n_exact > 0
    same = sql_api(server, "SELECT bo_dau('ĐỐNG ĐA Hoàn Kiếm') AS x")
    assert "dong da hoan kiem" in str(same["rows"][0])


def test_the_sql_page_lists_bo_dau(server):
    page = requests.get(server.url + "/sql", timeout=60)
    assert page.status_code == 200 and 'data-helper="bo_dau"' in page.text
    assert {"name": "bo_dau"}.items() <= requests.get(server.url + "/sql?format=json",
                                                      timeout=60).json()["helpers"][0].items()
