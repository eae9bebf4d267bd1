"""Extract: files and globs, xlsx, HTTP(S), CKAN, SQL databases, layouts (real files, a real local HTTP server)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from catalog.i18n import language
from pipelines.etl.definition import parse_pipeline
from pipelines.etl.extract import SourceError, extract


@pytest.fixture(autouse=True)
def english():
    """These tests read the English wording of the source errors (the Vietnamese: test_pipeline_messages.py)."""
    with language("en"):
        yield


def run_extract(tmp_path, source_yaml: str, consumed=frozenset()):
    pipeline = parse_pipeline(f"source: {source_yaml}\ntarget: {{dataset: d}}\npublish: {{mode: append}}\n",
                              base_dir=tmp_path)
    con = duckdb.connect()
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    got = extract(pipeline, con, work, catalog=None, consumed=consumed)
    rows = con.execute(f"SELECT * FROM {got.table}").fetchall() if got.table else []
    return got, rows


def test_csv_with_title_rows_delimiter_and_nfc(tmp_path):
    nfd = unicodedata.normalize("NFD", "Đống Đa")
    (tmp_path / "r.csv").write_text(f"BÁO CÁO\n\nQuận;Số lượt\n{nfd};1.234\nBa Đình;7\n", encoding="utf-8")
    got, rows = run_extract(tmp_path, "{path: r.csv, header_row: 3, delimiter: ';'}")
    assert got.columns == {"Quận": "VARCHAR", "Số lượt": "VARCHAR"}
    assert rows == [("Đống Đa", "1.234"), ("Ba Đình", "7")]
    assert got.inputs[0]["name"] == "r.csv" and len(got.fingerprint) == 64


def test_declared_encoding_and_undeclared_non_utf8(tmp_path):
    # Windows-1258 spells tone marks as combining characters: the text arrives decomposed and must become NFC.
    (tmp_path / "w.csv").write_bytes("quan,n\nĐô\u0301ng Đa,1\n".encode("cp1258"))
    got, rows = run_extract(tmp_path, "{path: w.csv, encoding: cp1258}")
    assert rows == [("Đống Đa", "1")]
    with pytest.raises(SourceError, match="not UTF-8") as info:
        run_extract(tmp_path, "{path: w.csv}")
    assert "encoding" in info.value.hint


def test_glob_pick_newest_all_and_new(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i, day in enumerate(["01", "02", "03"]):
        path = folder / f"x-{day}.csv"
        path.write_text(f"day,n\n{day},{i}\n", encoding="utf-8")
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))
    _, rows = run_extract(tmp_path, "{path: 'in/x-*.csv', pick: newest}")
    assert rows == [("03", "2")]
    got, rows = run_extract(tmp_path, "{path: 'in/x-*.csv', pick: all, filename_column: file}")
    assert rows == [("01", "0", "x-01.csv"), ("02", "1", "x-02.csv"), ("03", "2", "x-03.csv")]
    taken = {got.inputs[0]["sha256"], got.inputs[1]["sha256"]}
    got, rows = run_extract(tmp_path, "{path: 'in/x-*.csv', pick: new}", consumed=taken)
    assert rows == [("03", "2")]
    got, _ = run_extract(tmp_path, "{path: 'in/x-*.csv', pick: new}", consumed=taken | {got.inputs[0]["sha256"]})
    assert got.nothing_new


def test_files_of_different_layouts_are_refused(tmp_path):
    (tmp_path / "a.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("x,z\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceError, match="share one layout"):
        run_extract(tmp_path, "{path: '*.csv', pick: all}")


def test_missing_file_and_empty_glob(tmp_path):
    with pytest.raises(SourceError, match="source file not found: nope.csv"):
        run_extract(tmp_path, "{path: nope.csv}")
    with pytest.raises(SourceError, match="no file matches"):
        run_extract(tmp_path, "{path: 'in/*.csv'}")


def test_declared_columns_detect_drift(tmp_path):
    (tmp_path / "r.csv").write_text("quan,so_luot,moi\nA,1,x\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"missing: 'nam'; new: 'moi'"):
        run_extract(tmp_path, "{path: r.csv, columns: [quan, so_luot, nam]}")


def test_xlsx_title_rows_sheet_and_cells(tmp_path):
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    sheet.append(["SỞ DU LỊCH"])
    sheet.append(["Chỉ tiêu", "Tháng 1", "Ngày", None])
    sheet.append(["Khách", 1200.0, datetime(2024, 1, 31), None])
    sheet.append([None, None, None, None])
    sheet.append(["Doanh thu", "1.234,5", None, None])
    book.save(tmp_path / "r.xlsx")
    got, rows = run_extract(tmp_path, "{path: r.xlsx, sheet: Báo cáo, header_row: 2}")
    assert list(got.columns) == ["Chỉ tiêu", "Tháng 1", "Ngày"]
    assert rows == [("Khách", "1200", "2024-01-31"), ("Doanh thu", "1.234,5", None)]
    with pytest.raises(SourceError, match="no sheet 'Sheet9'"):
        run_extract(tmp_path, "{path: r.xlsx, sheet: Sheet9}")
    (tmp_path / "fake.xlsx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(SourceError, match="not an xlsx"):
        run_extract(tmp_path, "{path: fake.xlsx}")


class Handler(BaseHTTPRequestHandler):
    files: dict[str, tuple[int, str, bytes]] = {}
    asked: list[str] = []

    def log_message(self, *args):
        pass

    def _answer(self):
        self.asked.append(self.path)
        status, ctype, body = self.files.get(self.path.split("?")[0], (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()


@pytest.fixture
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    time.sleep(0.05)
    yield f"http://127.0.0.1:{server.server_address[1]}", Handler.files
    server.shutdown()
    Handler.files = {}
    Handler.asked = []


@pytest.fixture
def private_urls_allowed(monkeypatch):
    """The test server listens on 127.0.0.1, which the outbound rule refuses unless this setting is on."""
    monkeypatch.setenv("OPENDATA_ALLOW_PRIVATE_URLS", "true")


def test_http_source_and_unreachable(tmp_path, http_server, private_urls_allowed):
    base, files = http_server
    files["/data/air.csv"] = (200, "text/csv", b"station,pm25\nHN-001,35\n")
    got, rows = run_extract(tmp_path, f"{{url: '{base}/data/air.csv'}}")
    assert rows == [("HN-001", "35")] and got.inputs[0]["name"].endswith("/data/air.csv")
    with pytest.raises(SourceError, match="answered HTTP 404"):
        run_extract(tmp_path, f"{{url: '{base}/missing.csv'}}")
    with pytest.raises(SourceError, match="source unreachable: http://127.0.0.1:9/x.csv"):
        run_extract(tmp_path, "{url: 'http://127.0.0.1:9/x.csv', timeout: 2}")
    with pytest.raises(SourceError, match="http or https"):
        run_extract(tmp_path, "{url: 'file:///etc/passwd'}")


def test_ckan_resource_through_the_action_api(tmp_path, http_server, private_urls_allowed):
    base, files = http_server
    files["/files/rain.csv"] = (200, "text/csv", b"station,mm\nLang,12.5\n")
    files["/api/action/resource_show"] = (200, "application/json", json.dumps(
        {"success": True, "result": {"id": "r1", "url": f"{base}/files/rain.csv", "format": "CSV"}}).encode())
    got, rows = run_extract(tmp_path, f"{{ckan: '{base}', resource: r1}}")
    assert rows == [("Lang", "12.5")] and got.format == "csv"
    files["/api/action/resource_show"] = (404, "application/json", json.dumps(
        {"success": False, "error": {"__type": "Not Found Error", "message": "Not found"}}).encode())
    with pytest.raises(SourceError, match="CKAN resource 'r1' not found"):
        run_extract(tmp_path, f"{{ckan: '{base}', resource: r1}}")


@pytest.mark.parametrize("source", ["{{url: '{base}/data/air.csv'}}", "{{ckan: '{base}', resource: r1}}"])
def test_a_source_on_a_loopback_address_is_refused_without_the_setting(tmp_path, http_server, monkeypatch,
                                                                       source):
    monkeypatch.delenv("OPENDATA_ALLOW_PRIVATE_URLS", raising=False)
    base, files = http_server
    files["/data/air.csv"] = (200, "text/csv", b"station,pm25\nHN-001,35\n")
    with pytest.raises(SourceError) as refused:
        run_extract(tmp_path, source.format(base=base))
    message = str(refused.value)
    assert "127.0.0.1" in message and "private, loopback or reserved address" in message
    assert "OPENDATA_ALLOW_PRIVATE_URLS=true" in message
    assert Handler.asked == [], "nothing is sent to a refused address"


def test_sql_database_source(tmp_path):
    db = sqlite3.connect(tmp_path / "dept.sqlite")
    db.execute("CREATE TABLE hs (quan TEXT, n INTEGER, d REAL)")
    db.executemany("INSERT INTO hs VALUES (?, ?, ?)", [("Ba Đình", 3, 1.5), ("Tây Hồ", None, 2.0)])
    db.commit()
    db.close()
    got, rows = run_extract(tmp_path, "{database: 'sqlite:///dept.sqlite', query: 'SELECT * FROM hs ORDER BY quan'}")
    assert rows == [("Ba Đình", "3", "1.5"), ("Tây Hồ", None, "2.0")] and got.inputs[0]["rows"] == 2
    again, _ = run_extract(tmp_path, "{database: 'sqlite:///dept.sqlite', query: 'SELECT * FROM hs ORDER BY quan'}")
    assert again.fingerprint == got.fingerprint
    with pytest.raises(SourceError, match="source query failed.*no such table"):
        run_extract(tmp_path, "{database: 'sqlite:///dept.sqlite', query: 'SELECT * FROM nope'}")
    with pytest.raises(SourceError, match="database file not found"):
        run_extract(tmp_path, "{database: 'sqlite:///missing.sqlite', query: 'SELECT 1'}")
    with pytest.raises(SourceError, match="is not set"):
        run_extract(tmp_path, "{database_env: OPENDATA_TEST_UNSET_DB, query: 'SELECT 1'}")
