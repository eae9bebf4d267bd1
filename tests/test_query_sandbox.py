"""The sandbox inside a query worker, tested in-process: the locked connection, the statement guard, value
encoding, row and byte caps, downloads and the wording of errors."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import uuid
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from catalog.sql import worker as qw


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with one small Parquet part and a secret file beside it; the cwd is the data folder."""
    data = tmp_path / "data"
    (data / "air").mkdir(parents=True)
    duckdb.sql(f"""COPY (SELECT i AS id, 'Hà Nội ' || i AS name, i * 1.5 AS value
                         FROM range(100) t(i)) TO '{data / "air" / "a.parquet"}' (FORMAT parquet)""")
    (tmp_path / "secret.txt").write_text("top secret\n")
    monkeypatch.chdir(data)
    return data


VIEWS = [{"name": "air-quality", "files": ["air/a.parquet"]}, {"name": "air_quality", "target": "air-quality"}]


@pytest.fixture
def con(data_dir: Path):
    connection = qw.open_sandbox(VIEWS, threads=1, memory_mb=256, timeout=5)
    yield connection
    connection.close()


def refused(con, sql: str) -> qw.Refused:
    with pytest.raises(qw.Refused) as caught:
        qw.check_statement(con, sql)
    return caught.value


# -- the locked connection ------------------------------------------------------------------------------------------
def test_views_by_name_and_alias(con) -> None:
    assert con.execute('SELECT count(*) FROM "air-quality"').fetchall() == [(100,)]
    assert con.execute("SELECT sum(id) FROM air_quality").fetchall() == [(4950,)]


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('../secret.txt')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('../secret.txt')",
    "SELECT * FROM glob('*')",
    "SELECT * FROM read_parquet('air/../../secret.txt')",
    "SELECT * FROM read_parquet('https://example.org/x.parquet')",
    "COPY (SELECT 1) TO 'out.csv'",
    "ATTACH 'x.duckdb' AS x",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET memory_limit = '10GB'",
    "RESET threads",
])
def test_settings_block_files_network_extensions_and_changes(con, data_dir: Path, sql: str) -> None:
    with pytest.raises(duckdb.Error) as caught:
        con.execute(sql).fetchall()
    code, _message = qw.classify(caught.value)
    assert code in ("forbidden", "sql_error")
    assert not (data_dir / "out.csv").exists() and not (data_dir / "x.duckdb").exists()


def test_allowed_paths_are_exactly_the_view_files(con, data_dir: Path) -> None:
    allowed = con.execute("SELECT value FROM duckdb_settings() WHERE name = 'allowed_paths'").fetchall()[0][0]
    assert allowed == f"[{data_dir / 'air' / 'a.parquet'}]"
    # the view text shows paths relative to the data folder only
    view_sql = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'air-quality'").fetchall()[0][0]
    assert "air/a.parquet" in view_sql and str(data_dir) not in view_sql


def test_no_spill_no_proxy_placeholder_dirs(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://user:secretpw@proxy.example:3128")
    connection = qw.open_sandbox(VIEWS, threads=1, memory_mb=256, timeout=5)
    try:
        settings = dict(connection.execute("SELECT name, value FROM duckdb_settings()").fetchall())
    finally:
        connection.close()
    assert settings["http_proxy"] == ""
    assert settings["temp_directory"] == ""
    assert settings["enable_external_access"] == "false" and settings["lock_configuration"] == "true"
    assert settings["secret_directory"] == "/nonexistent"
    assert settings["autoinstall_known_extensions"] == "false"
    assert not any("secretpw" in str(v) for v in settings.values())


def test_a_missing_file_does_not_break_other_tables(data_dir: Path) -> None:
    views = [{"name": "gone", "files": ["air/missing.parquet"]}, *VIEWS]
    connection = qw.open_sandbox(views, threads=1, memory_mb=256, timeout=5)
    try:
        assert connection.execute("SELECT count(*) FROM air_quality").fetchall() == [(100,)]
        with pytest.raises(duckdb.CatalogException):
            connection.execute("SELECT * FROM gone")
    finally:
        connection.close()


# -- the guard ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sql", [
    "SELECT 1; DROP VIEW air_quality",
    "SELECT 1; SELECT 2",
])
def test_one_statement_only(con, sql: str) -> None:
    assert refused(con, sql).code == "forbidden"
    assert con.execute("SELECT count(*) FROM air_quality").fetchall() == [(100,)]


@pytest.mark.parametrize("sql", [
    "CREATE MACRO sum(x) AS 0", "DROP VIEW air_quality", "CREATE TABLE t AS SELECT 1",
    "CREATE OR REPLACE VIEW air_quality AS SELECT 'pwned'", "DELETE FROM air_quality", "INSERT INTO t VALUES (1)",
    "ATTACH ':memory:' AS m", "USE memory", "SET VARIABLE x = 1", "SET schema = 'main'", "PRAGMA enable_verification",
    "CALL duckdb_settings()", "EXPLAIN SELECT 1", "PIVOT air_quality ON name USING sum(value)",
    "COPY air_quality TO 'x.csv'", "EXPORT DATABASE 'x'", "LOAD json", "CHECKPOINT", "PREPARE p AS SELECT 1",
])
def test_only_select_statements(con, sql: str) -> None:
    assert refused(con, sql).code == "forbidden"


@pytest.mark.parametrize("sql", [
    "SELECT current_setting('allowed_paths')",
    "SELECT main.current_setting('http_proxy')",
    "SELECT * FROM duckdb_settings()",
    "FROM pg_settings",
    "SELECT * FROM pg_catalog.pg_settings",
    "SELECT list_transform([1], x -> current_setting('temp_directory'))",
    "WITH s AS (SELECT * FROM duckdb_settings()) SELECT * FROM s",
    "SELECT * FROM air_quality WHERE name IN (SELECT value FROM duckdb_settings())",
    "SELECT * FROM query('SELECT 1')",
    "SELECT * FROM query_table('air_quality')",
    "SELECT json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM checkpoint()",
    "DESCRIBE SELECT * FROM duckdb_settings()",
])
def test_introspection_and_hidden_sql_refused(con, sql: str) -> None:
    error = refused(con, sql)
    assert error.code == "forbidden"


@pytest.mark.parametrize("sql", [
    "WITH t AS (SELECT name, value FROM air_quality) SELECT name, sum(value) OVER (ORDER BY name) FROM t",
    "PIVOT (SELECT id % 2 AS k, name, value FROM air_quality) ON k IN (0, 1) USING sum(value) GROUP BY name",
    "DESCRIBE air_quality", "SUMMARIZE air_quality", "SHOW TABLES", "FROM air_quality LIMIT 1", "VALUES (1), (2)",
    "SELECT 'SELECT 1; DROP VIEW x; current_setting(''a'')' AS s",
    "SELECT regexp_matches(name, '^Hà', 'i') FROM \"air-quality\"",
    "SELECT * FROM air_quality QUALIFY row_number() OVER (ORDER BY id) < 3",
])
def test_legitimate_queries_pass(con, data_dir: Path, sql: str) -> None:
    """The sandbox gives the same rows as a plain, unlocked DuckDB over the same Parquet (the oracle)."""
    statement = qw.check_statement(con, sql)
    got = con.execute(statement).fetchall()
    oracle = duckdb.connect()
    try:
        oracle.execute(f"CREATE VIEW \"air-quality\" AS SELECT * FROM read_parquet('{data_dir / 'air' / 'a.parquet'}')")
        oracle.execute('CREATE VIEW air_quality AS SELECT * FROM "air-quality"')
        expected = oracle.execute(sql).fetchall()
    finally:
        oracle.close()
    assert got, "a legitimate query gave no rows"
    assert sorted(map(repr, got)) == sorted(map(repr, expected))


def test_empty_and_parse_errors(con) -> None:
    assert refused(con, "  -- only a comment").code == "sql_error"
    error = refused(con, "SELEC 1")
    assert error.code == "sql_error" and "syntax error" in error.message


def test_data_modifying_cte_fails_on_views(con) -> None:
    statement = qw.check_statement(con, "WITH d AS (DELETE FROM air_quality RETURNING *) SELECT count(*) FROM d")
    with pytest.raises(duckdb.Error):
        con.execute(statement).fetchall()
    assert con.execute("SELECT count(*) FROM air_quality").fetchall() == [(100,)]


# -- values and caps -----------------------------------------------------------------------------------------------
def test_jsonable() -> None:
    assert qw.jsonable(float("nan")) is None and qw.jsonable(float("inf")) is None
    assert qw.jsonable(decimal.Decimal("1.50")) == 1.5
    assert qw.jsonable(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05"
    assert qw.jsonable(dt.date(2024, 1, 2)) == "2024-01-02"
    assert qw.jsonable(b"root") == "cm9vdA=="
    assert qw.jsonable({1: [dt.time(1, 2)]}) == {"1": ["01:02:00"]}
    assert qw.jsonable(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert qw.jsonable(dt.timedelta(days=1)) == "1 day, 0:00:00"


def test_fetch_rows_caps_rows(con) -> None:
    payload, count, truncated = qw.fetch_rows(con.sql("SELECT i FROM range(1000000000) t(i)"), 10, 1_000_000)
    assert (json.loads(payload), count, truncated) == ([[i] for i in range(10)], 10, True)


def test_fetch_rows_keeps_order_and_exact_count(con) -> None:
    payload, count, truncated = qw.fetch_rows(con.sql("SELECT i FROM range(10) t(i) ORDER BY i DESC"), 10, 10_000)
    assert count == 10 and not truncated and json.loads(payload) == [[i] for i in range(9, -1, -1)]


def test_fetch_rows_caps_bytes(con) -> None:
    payload, count, truncated = qw.fetch_rows(con.sql("SELECT repeat('x', 1000) AS s FROM range(100)"), 1000,
                                              10_000)
    assert len(payload) <= 10_000 and truncated and 0 < count < 10
    with pytest.raises(qw.Refused) as caught:
        qw.fetch_rows(con.sql("SELECT repeat('x', 100000) AS s"), 1000, 10_000)
    assert caught.value.code == "too_large"


def test_row_cap_turns_a_sort_into_a_top_n(con) -> None:
    """The cap is a LIMIT in the plan: a top-N, not a full sort, and no 10M rows reach Python."""
    payload, count, truncated = qw.fetch_rows(con.sql("SELECT i FROM range(10000000) t(i) ORDER BY i DESC"), 5,
                                              10_000)
    assert json.loads(payload)[0] == [9_999_999] and truncated


# -- downloads -----------------------------------------------------------------------------------------------------
QUERY = "SELECT id, name, value, [id, id] AS pair, TIMESTAMP '2024-01-01 07:00:00' AS t FROM air_quality ORDER BY id"


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "xlsx"])
def test_downloads_hold_every_row(con, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"r.{fmt}"
    rows = qw.write_download(con.sql(QUERY).to_arrow_reader(16), fmt, out, 10_000_000)
    assert rows == 100
    if fmt == "csv":
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 101 and lines[0] == '"id","name","value","pair","t"'
        assert lines[2] == '1,"Hà Nội 1",1.5,"[1, 1]","2024-01-01 07:00:00"'
    elif fmt == "parquet":
        table = pq.read_table(out)
        assert table.num_rows == 100 and table.column("name")[5].as_py() == "Hà Nội 5"
    elif fmt == "json":
        records = json.loads(out.read_text(encoding="utf-8"))
        assert records[99] == {"id": 99, "name": "Hà Nội 99", "value": 148.5, "pair": [99, 99],
                               "t": "2024-01-01T07:00:00"}
    else:
        sheet = load_workbook(out, read_only=True).active
        values = list(sheet.values)
        assert values[0] == ("id", "name", "value", "pair", "t") and len(values) == 101
        assert values[2][1] == "Hà Nội 1" and values[2][3] == "[1, 1]"


def test_empty_csv_has_a_header(con, tmp_path: Path) -> None:
    out = tmp_path / "e.csv"
    assert qw.write_download(con.sql("SELECT * FROM air_quality WHERE id < 0").to_arrow_reader(16), "csv", out,
                             1000) == 0
    assert out.read_text() == "id,name,value\n"


def test_download_byte_cap(con, tmp_path: Path) -> None:
    with pytest.raises(qw.Refused) as caught:
        qw.write_download(con.sql("SELECT repeat('x', 1000) FROM range(100000)").to_arrow_reader(1000), "csv",
                          tmp_path / "big.csv", 1_000_000)
    assert caught.value.code == "too_large"


# -- error wording -------------------------------------------------------------------------------------------------
def test_public_message_scrubs_paths_and_setting_hints() -> None:
    text = ('Binder Error: Cannot open "/srv/opendata/data/air/a.parquet". '
            'Use "SET max_expression_depth TO x" to increase the maximum expression depth.')
    message = qw.public_message(text, ["/srv/opendata", "/srv/opendata/data"])
    assert "/srv" not in message and "SET" not in message and "a.parquet" in message
    assert "(1.0 MiB/2.0 MiB used)" not in qw.public_message("Out of Memory (1.0 MiB/2.0 MiB used)", [])


def test_classify(con) -> None:
    with pytest.raises(duckdb.Error) as caught:
        con.execute("SELECT * FROM read_csv('/etc/passwd')")
    assert qw.classify(caught.value)[0] == "forbidden"
    with pytest.raises(duckdb.Error) as caught:
        con.execute("SELECT nope FROM air_quality")
    code, message = qw.classify(caught.value)
    assert code == "sql_error" and "nope" in message


def test_run_request_in_process(data_dir: Path) -> None:
    request = {"sql": "SELECT name FROM air_quality ORDER BY id LIMIT 2", "mode": "rows", "views": VIEWS,
               "data_dir": str(data_dir), "threads": 1, "memory_mb": 128, "timeout": 5, "max_rows": 10,
               "max_bytes": 10_000, "scrub": []}
    header, payload = qw.run_request(request)
    assert header["ok"] and header["columns"] == [{"name": "name", "type": "VARCHAR"}]
    assert json.loads(payload) == [["Hà Nội 0"], ["Hà Nội 1"]]
    header, payload = qw.run_request({**request, "sql": f"SELECT * FROM read_text('{data_dir.parent}/secret.txt')"})
    assert header["code"] == "forbidden" and str(data_dir.parent) not in header["message"] and payload is None


def test_worker_environment_is_clean() -> None:
    env = qw.worker_environment()
    assert set(env) == {"PATH", "LANG", "HOME", "TZ", "MALLOC_ARENA_MAX", "ARROW_DEFAULT_MEMORY_POOL"}
    assert not any("proxy" in k.lower() for k in env)
    assert os.environ.get("PATH") != "" and env["HOME"] == "/nonexistent"
