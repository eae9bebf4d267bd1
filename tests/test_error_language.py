"""JSON errors keep a stable ``code`` and give ``message`` in the request's language: Vietnamese by default, English
with ``?lang=en``, the ``lang=en`` cookie or ``Accept-Language: en``; the REST API, the SQL API and the CKAN Action
API alike, over a real server."""

from __future__ import annotations

import pytest
import requests
from data_api_helpers import build_catalogue

from catalog.i18n import language
from catalog.sql.explain import explain
from conftest import ServerProcess

BAD_FILTER = "/api/v1/datasets/air-quality/rows?pm25__gt=abc"
VIETNAMESE = "'abc' không phải giá trị kiểu số hợp lệ cho cột 'pm25'"
ENGLISH = "'abc' is not a valid number for column 'pm25'"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("error-language")
    cat = build_catalogue(root / "home", root / "work")
    server = ServerProcess(cat.home.root, env={"OPENDATA_RATELIMIT_ENABLED": "0"})
    yield server
    server.stop()
    cat.dispose()


def error_of(server, path: str, status: int = 400, **kwargs) -> tuple[dict, requests.Response]:
    response = requests.get(server.url + path, timeout=30, **kwargs)
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()["error"], response


def test_a_bad_filter_is_explained_in_vietnamese_by_default(server):
    error, response = error_of(server, BAD_FILTER)
    assert error["code"] == "invalid_input"
    assert VIETNAMESE in error["message"] and "bộ lọc 'pm25__gt'" in error["message"]
    assert "50,5" in error["message"]  # the hint says how a number is written
    assert response.headers["Content-Language"] == "vi"


@pytest.mark.parametrize("how", [
    {"params": {"lang": "en"}},
    {"cookies": {"lang": "en"}},
    {"headers": {"Accept-Language": "en-US,en;q=0.9"}},
], ids=["query", "cookie", "accept-language"])
def test_the_same_bad_filter_is_explained_in_english_when_asked(server, how):
    error, response = error_of(server, BAD_FILTER, **how)
    assert error["code"] == "invalid_input"
    assert ENGLISH in error["message"] and "filter 'pm25__gt'" in error["message"]
    assert response.headers["Content-Language"] == "en"


def test_api_errors_vary_on_accept_language(server):
    _error, response = error_of(server, BAD_FILTER)
    assert "Accept-Language" in response.headers.get("Vary", "")


def test_a_vietnamese_accept_language_keeps_vietnamese(server):
    error, _response = error_of(server, BAD_FILTER, headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    assert VIETNAMESE in error["message"]


def test_an_unknown_dataset_is_a_vietnamese_404(server):
    error, response = error_of(server, "/api/v1/datasets/khong-co", 404)
    assert error["code"] == "not_found"
    assert "không tìm thấy bộ dữ liệu 'khong-co'" in error["message"].lower()
    assert "not found" not in error["message"]
    english, _response = error_of(server, "/api/v1/datasets/khong-co?lang=en", 404)
    assert english["code"] == "not_found" and "'khong-co' not found" in english["message"]


def test_an_unknown_url_is_a_vietnamese_404_without_werkzeugs_english(server):
    error, _response = error_of(server, "/api/v1/khong-co-dia-chi-nay", 404)
    assert error["code"] == "not_found"
    assert "requested URL" not in error["message"] and "Địa chỉ này không có" in error["message"]


def test_bad_parameters_name_the_parameter_in_either_language(server):
    error, _response = error_of(server, "/api/v1/datasets/air-quality/rows?limit=5000")
    english, _response = error_of(server, "/api/v1/datasets/air-quality/rows?limit=5000&lang=en")
    assert error["code"] == english["code"] == "invalid_input"
    assert "limit phải từ 1 đến 1000" in error["message"]
    assert "limit must be between 1 and 1000" in english["message"]


def test_sql_errors_follow_the_language(server):
    url = "/api/v1/sql?sql=" + requests.utils.quote("SELECT pm_25 FROM air_quality")
    error, _response = error_of(server, url)
    english, _response = error_of(server, url + "&lang=en")
    assert error["code"] == english["code"] == "sql_error"
    assert error["message"].startswith("Không có cột «pm_25»") and "Có phải ý bạn là «pm25»" in error["message"]
    assert english["message"].startswith("There is no column “pm_25”") and "Did you mean «pm25»" in english["message"]
    assert error["raw"] == english["raw"]  # DuckDB's own words travel unchanged beside the explanation


def test_refused_sql_statements_follow_the_language(server):
    url = "/api/v1/sql?sql=" + requests.utils.quote("DROP TABLE air_quality")
    error, _response = error_of(server, url)
    english, _response = error_of(server, url, headers={"Accept-Language": "en"})
    assert error["code"] == english["code"] == "forbidden"
    assert "chỉ đọc" in error["message"] and "read-only" in english["message"]


def test_ckan_action_errors_follow_the_language(server):
    url = "/api/3/action/package_show?id=khong-co"
    vietnamese = requests.get(server.url + url, timeout=30)
    english = requests.get(server.url + url, headers={"Accept-Language": "en"}, timeout=30)
    assert vietnamese.status_code == english.status_code == 404
    assert vietnamese.json()["error"]["__type"] == english.json()["error"]["__type"] == "Not Found Error"
    assert vietnamese.json()["error"]["message"] == "Không tìm thấy: Bộ dữ liệu"
    assert english.json()["error"]["message"] == "Not found: Dataset"
    assert vietnamese.headers["Content-Language"] == "vi" and english.headers["Content-Language"] == "en"


def test_ckan_validation_errors_follow_the_language(server):
    url = "/api/3/action/organization_list?limit=nhieu"
    vietnamese = requests.get(server.url + url, timeout=30).json()["error"]
    english = requests.get(server.url + url + "&lang=en", timeout=30).json()["error"]
    assert vietnamese["__type"] == english["__type"] == "Validation Error"
    assert vietnamese["limit"] == ["Không phải số nguyên hợp lệ"] and english["limit"] == ["Invalid integer"]


def test_duckdb_explanations_are_catalogue_messages():
    raw = 'Binder Error: Referenced column "pm_25" not found in FROM clause!'
    assert explain(raw, columns=["pm25"]).startswith("Không có cột «pm_25»")
    with language("en"):
        assert explain(raw, columns=["pm25"]) == "There is no column “pm_25” in the query's tables. Did you mean «pm25»?"
        assert explain("something new").startswith("The query could not run")
