"""The SQL API and page over real HTTP: ``opendata serve`` in a subprocess over a home where air-quality was
published with ``opendata publish``; the shared attack corpus's checker; busy workers; downloads."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import requests
from openpyxl import load_workbook
from test_query_support import CHECKER, air_csv, publish_cli

from catalog.storage import storage_environment
from conftest import ServerProcess

PROXY_SECRET = "http://opendata:pr0xy-s3cret@proxy.invalid:3128"
SERVER_ENV = {
    "OPENDATA_RATELIMIT_ENABLED": "false",
    "OPENDATA_SQL_TIMEOUT": "2",
    "OPENDATA_SQL_KILL_GRACE": "1.5",
    "HTTP_PROXY": PROXY_SECRET,  # must never reach a query: the workers start with a clean environment
}


def server_env(**more: str) -> dict[str, str]:
    """SERVER_ENV with an AWS secret that must never reach a query either: the bucket's own when the version
    files are on S3 (the server needs it), else a made-up one."""
    secret = storage_environment().get("AWS_SECRET_ACCESS_KEY", "aws-s3cret-value-123")
    return {**SERVER_ENV, "AWS_SECRET_ACCESS_KEY": secret, **more}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sqlhome")
    publish_cli(root / "home", air_csv(root, 5000))
    return root / "home"


@pytest.fixture(scope="module")
def server(home: Path):
    srv = ServerProcess(home, workers=2, env=server_env())
    yield srv
    srv.stop()


def api(server: ServerProcess) -> str:
    return server.url + "/api/v1/sql"


def run_checker(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HTTP_PROXY": PROXY_SECRET, "AWS_SECRET_ACCESS_KEY": server_env()["AWS_SECRET_ACCESS_KEY"]}
    return subprocess.run([sys.executable, str(CHECKER), url, *args], capture_output=True, text=True, env=env,
                          timeout=600)


# -- the shared attack corpus ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_checker_post_json_all_pass(server: ServerProcess, home: Path) -> None:
    done = run_checker(api(server), "--post-json", "--table", "air_quality", "--secret", str(home))
    last = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0 and re.fullmatch(r"\d+ passed, 0 failed", last), done.stdout + done.stderr


@pytest.mark.slow
def test_checker_get_quoted_name_all_pass(server: ServerProcess, home: Path) -> None:
    done = run_checker(api(server) + "?sql={sql}", "--table", '"air-quality"', "--secret", str(home))
    last = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0 and re.fullmatch(r"\d+ passed, 0 failed", last), done.stdout + done.stderr


# -- the JSON API ------------------------------------------------------------------------------------------------------
AGG = ("SELECT district, count(*) AS n, round(avg(pm25), 1) AS pm25 FROM air_quality "
       "WHERE district IN ('Đống Đa', 'Hoàn Kiếm') GROUP BY district ORDER BY district")


def test_get_post_json_and_form_agree(server: ServerProcess) -> None:
    answers = [
        requests.get(api(server), params={"sql": AGG}, timeout=10),
        requests.post(api(server), json={"sql": AGG}, timeout=10),
        requests.post(api(server), data={"sql": AGG}, headers={"Origin": server.url}, timeout=10),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("application/json")
        body = response.json()
        assert set(body) == {"columns", "rows", "truncated", "elapsed_ms"}
        assert body["columns"] == [{"name": "district", "type": "VARCHAR"}, {"name": "n", "type": "BIGINT"},
                                   {"name": "pm25", "type": "DOUBLE"}]
        assert [r[0] for r in body["rows"]] == ["Hoàn Kiếm", "Đống Đa"] and body["truncated"] is False
        assert body["elapsed_ms"] > 0
    assert answers[0].json()["rows"] == answers[1].json()["rows"] == answers[2].json()["rows"]


def test_row_cap_is_reported(server: ServerProcess) -> None:
    body = requests.get(api(server), params={"sql": "SELECT * FROM air_quality"}, timeout=10).json()
    assert len(body["rows"]) == 1000 and body["truncated"] is True


def test_versioned_table_name(server: ServerProcess) -> None:
    body = requests.get(api(server), params={"sql": 'SELECT count(*) FROM "air-quality@1"'}, timeout=10).json()
    assert body["rows"] == [[5000]]


@pytest.mark.parametrize(("payload", "code"), [
    ({"sql": "SELECT nope FROM air_quality"}, "sql_error"),
    ({"sql": "DROP VIEW air_quality"}, "forbidden"),
    ({"sql": "SELECT current_setting('http_proxy')"}, "forbidden"),
    ({"sql": "SELECT * FROM read_text('/proc/self/environ')"}, "forbidden"),
    ({"sql": ""}, "sql_error"),
    ({"sql": ["SELECT 1"]}, "sql_error"),
    ({"sql": "SELECT 1", "format": "exe"}, "sql_error"),
    ({"sql": "SELECT " + "1+" * 30000 + "1"}, "too_large"),
])
def test_errors_are_400_json(server: ServerProcess, payload: dict, code: str) -> None:
    response = requests.post(api(server), json=payload, timeout=10)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert "s3cret" not in response.text and str(server.home) not in response.text


def test_bad_json_body(server: ServerProcess) -> None:
    response = requests.post(api(server), data=b"[1, 2", headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 400 and response.json()["error"]["code"] == "sql_error"


def test_error_messages_hide_paths(server: ServerProcess, home: Path) -> None:
    for sql in ("SELECT * FROM read_parquet('air-quality/nothing.parquet')",
                "SELECT sql FROM duckdb_views()", "SELECT * FROM parquet_metadata('x')"):
        response = requests.get(api(server), params={"sql": sql}, timeout=10)
        assert str(home) not in response.text and "/root" not in response.text


# -- downloads ----------------------------------------------------------------------------------------------------------
def test_downloads_hold_the_full_result(server: ServerProcess) -> None:
    sql = "SELECT * FROM air_quality ORDER BY station_id, observed_at"
    csv = requests.get(api(server), params={"sql": sql, "format": "csv"}, timeout=30)
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert csv.headers["Content-Disposition"] == 'attachment; filename="sql-result.csv"'
    lines = csv.content.decode("utf-8").splitlines()
    assert len(lines) == 5001 and lines[0].startswith('"station_id","station_name","district"')
    assert '"Trạm Hoàn Kiếm"' in lines[1]

    parquet = requests.post(api(server), json={"sql": sql, "format": "parquet"}, timeout=30)
    assert pq.read_table(io.BytesIO(parquet.content)).num_rows == 5000

    xlsx = requests.get(api(server), params={"sql": sql + " LIMIT 20", "format": "xlsx"}, timeout=30)
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert len(list(sheet.values)) == 21

    full_json = requests.get(api(server), params={"sql": sql, "format": "json", "download": "1"}, timeout=30)
    records = json.loads(full_json.content)
    assert len(records) == 5000 and records[0]["station_id"] == "HN-001"
    assert full_json.headers["Content-Disposition"].startswith("attachment")


def test_download_errors_are_json(server: ServerProcess) -> None:
    response = requests.get(api(server), params={"sql": "COPY air_quality TO 'x.csv'", "format": "csv"}, timeout=10)
    assert response.status_code == 400 and response.json()["error"]["code"] == "forbidden"


# -- the page ---------------------------------------------------------------------------------------------------------
def assert_no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert " style=" not in html


def test_page_lists_tables_columns_and_examples(server: ServerProcess) -> None:
    response = requests.get(server.url + "/sql", timeout=10)
    assert response.status_code == 200
    html = response.text
    assert '"air-quality"' in html and "air_quality" in html
    assert "Quận/Huyện" in html and "TIMESTAMP" in html and "observed_at" in html
    assert "/sql?sql=SELECT+" in html  # example queries are links that run without JavaScript
    assert "sql-highlight.js" in html and "sql.css" in html
    assert_no_inline_code(html)
    for asset in ("sql.js", "sql-highlight.js", "sql.css"):
        assert requests.get(f"{server.url}/static/{asset}", timeout=10).status_code == 200


def test_page_runs_the_query_in_the_url(server: ServerProcess) -> None:
    response = requests.get(server.url + "/sql", params={"sql": AGG}, timeout=10)
    html = response.text
    assert response.status_code == 200
    assert "<table" in html and "Hoàn Kiếm" in html and 'data-row-count="2"' in html
    assert "/api/v1/sql?sql=SELECT" in html and "format=csv" in html and "format=xlsx" in html
    assert "data-chart-img" in html and "data-chart-inline='{" in html  # a chart of n or pm25 by district
    assert_no_inline_code(html)
    truncated = requests.get(server.url + "/sql", params={"sql": "SELECT * FROM air_quality"}, timeout=10).text
    assert "data-sql-truncated" in truncated and 'data-row-count="1000"' in truncated


def test_page_shows_errors(server: ServerProcess) -> None:
    response = requests.get(server.url + "/sql", params={"sql": "DELETE FROM air_quality"}, timeout=10)
    assert response.status_code == 400 and 'data-sql-error="forbidden"' in response.text
    assert "DELETE FROM air_quality" in response.text  # the query stays in the editor


def test_page_in_english(server: ServerProcess) -> None:
    html = requests.get(server.url + "/sql", params={"lang": "en", "sql": "SELECT 1 AS x, 2 AS y"}, timeout=10).text
    assert "Run query" in html and "Download the full result" in html


# -- resilience -------------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_busy_gets_429_and_pages_are_not_starved(home: Path) -> None:
    env = server_env(OPENDATA_SQL_WORKERS="1", OPENDATA_SQL_MAX_WAITING="1", OPENDATA_SQL_QUEUE_WAIT="0.3",
                     OPENDATA_SQL_TIMEOUT="3")
    srv = ServerProcess(home, workers=1, env=env)
    try:
        url = srv.url + "/api/v1/sql"
        assert requests.get(url, params={"sql": "SELECT 1"}, timeout=10).status_code == 200
        bomb = "SELECT count(*) FROM range(1000000) a CROSS JOIN range(1000000) b"
        answers: list[int] = []
        threads = [threading.Thread(target=lambda: answers.append(
            requests.get(url, params={"sql": bomb}, timeout=30).status_code)) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.8)
        busy = requests.get(url, params={"sql": "SELECT 1"}, timeout=10)
        assert busy.status_code == 429 and int(busy.headers["Retry-After"]) >= 1
        assert busy.json()["error"]["code"] == "busy"
        started = time.monotonic()
        page = requests.get(srv.url + "/", timeout=5)
        assert page.status_code == 200 and time.monotonic() - started < 1.0
        for thread in threads:
            thread.join()
        assert sorted(set(answers)) in ([400, 429], [400])  # timeouts (400) and busy (429), never a 5xx
        started = time.monotonic()
        alive = requests.get(url, params={"sql": "SELECT 42 AS alive"}, timeout=5)
        assert alive.json()["rows"] == [[42]] and time.monotonic() - started < 1.0
    finally:
        srv.stop()


@pytest.mark.parametrize("chart_type", ["bar", "line", "scatter"])
def test_a_result_beyond_64_bit_integers_is_charted_not_a_server_error(server: ServerProcess, chart_type) -> None:
    sql = ("SELECT district, sum(pm25::HUGEINT) * 170141183460469231731687303715 AS big FROM air_quality "
           "GROUP BY 1 ORDER BY 1")
    response = requests.get(server.url + "/sql", params={"sql": sql, "chart": chart_type}, timeout=30)
    assert response.status_code == 200, response.text[-500:]
    assert "data-chart-img" in response.text and "Hoàn Kiếm" in response.text
    alt = re.search(r'<img class="chart-img" src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', response.text)
    assert alt and alt.group(1).startswith("Biểu đồ") and "big" in alt.group(1)


# -- page helpers (no server) -------------------------------------------------------------------------------------------
def test_the_chart_of_a_result_is_drawn_by_the_dataset_pages_chart_builder() -> None:
    from web.views.sql import chart

    columns = [{"name": "district", "type": "VARCHAR"}, {"name": "n", "type": "BIGINT"},
               {"name": "avg", "type": "DECIMAL(10,2)"}]
    rows = [["Ba Đình", 10, 2.5], ["Đống Đa", 20, -1.0], ["Hoàn Kiếm", None, 3.0]]
    bars = chart(columns, rows, None, None, None)
    assert (bars["kind"], bars["x"], bars["y"]) == ("bar", "district", "n")
    assert [p["y"] for p in bars["spec"]["data"]["values"]] == [10, 20]  # a row without y is not drawn
    assert bars["figure"].summary == "Biểu đồ cột: n theo district; cao nhất: Đống Đa 20; thấp nhất: Ba Đình 10; 2 điểm."
    assert bars["img"].startswith("data:image/svg+xml;base64,")
    assert bars["spec"]["encoding"]["y"]["title"] == "n" and bars["spec"]["encoding"]["x"]["title"] == "district"
    line = chart(columns, rows, "line", "district", "avg", lang="en")
    assert line["kind"] == "line" and "lowest: Đống Đa -1" in line["figure"].summary
    assert chart([{"name": "a", "type": "VARCHAR"}], [["x"]], None, None, None) is None
    assert chart(columns[:1] + [{"name": "s", "type": "VARCHAR"}], [["x", "y"]], None, None, None) is None


def test_examples_follow_the_schema(tmp_path: Path) -> None:
    from catalog.metadata import Catalog
    from catalog.sql.tables import Table
    from web import create_app
    from web.views.sql import examples

    schema = json.loads((CHECKER.parents[2] / "tools" / "air_quality.schema.json").read_text(encoding="utf-8"))
    table = Table(name="air-quality", dataset="air-quality", version=1, latest=True, files=(), alias="air_quality",
                  schema=schema)
    Catalog(tmp_path / "home").init()
    app = create_app(tmp_path / "home", {"RATELIMIT_ENABLED": False})
    with app.test_request_context("/sql"):
        found = examples(table)
    sqls = [e["sql"] for e in found]
    assert sqls[0] == "SELECT * FROM air_quality LIMIT 10" and sqls[-1] == "SUMMARIZE air_quality"
    assert any("GROUP BY district" in s for s in sqls) and any("avg(pm25)" in s for s in sqls)
    assert any("date_trunc('month', observed_at)" in s for s in sqls)
    assert any("Quận/Huyện" in e["title"] for e in found)



def test_sql_names() -> None:
    from catalog.sql.tables import Table
    from web.views.sql import sql_name

    def table(name: str, alias: str | None) -> Table:
        return Table(name=name, dataset=name, version=1, latest=True, files=(), alias=alias)

    assert sql_name(table("air-quality", "air_quality")) == "air_quality"
    assert sql_name(table("water", None)) == "water"
    assert sql_name(table("order", None)) == '"order"'
    assert sql_name(table("2024-budget", "2024_budget")) == '"2024-budget"'
