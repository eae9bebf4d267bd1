"""Upload limits are counted where they mean something, the same in the CLI, the REST API and the CKAN API.

Each attack below once held a worker for minutes or drove it to gigabytes (issue 10): a CSV whose columns hide
past its first MiB, a CSV with a declared delimiter the old check did not count, a small but wide XLSX, a 5 KB
XLSX with one huge merged range read with ``fillMergedCells``, deeply nested JSON and a wide Parquet file.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import duckdb
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import requests

from catalog.accounts import Accounts
from catalog.errors import InvalidInput, TooLarge
from catalog.i18n import language
from catalog.metadata import Catalog
from conftest import REPO, ServerProcess
from pipelines import limits
from pipelines import read as readers
from pipelines import source as sources
from pipelines.source import open_source, parse_dialect
from pipelines.validate import validate_file

ONE_FIELD = {"fields": [{"name": "a", "type": "string"}]}
ARRAY_FIELD = {"fields": [{"name": "a", "type": "array"}]}


def wide_csv_past_first_mib(folder: Path) -> tuple[Path, dict | None, dict]:
    """1.9 MB: nine long labels fill the first MiB, then 400,000 more columns the old check never saw."""
    path = folder / "wide-past-first-mib.csv"
    path.write_bytes(b"a" + (b"," + b"x" * 120_000) * 9 + b",c" * 400_000 + b"\n1\n")
    return path, None, ONE_FIELD


def wide_csv_other_delimiter(folder: Path) -> tuple[Path, dict | None, dict]:
    """440 KB with the declared delimiter ':' (the old check counted only , tab ; and |)."""
    path = folder / "wide-colon.csv"
    path.write_bytes(b"a" + b":c" * 147_000 + b"\n" + b"1" + b":" * 147_000 + b"\n")
    return path, {"delimiter": ":"}, ONE_FIELD


def wide_xlsx(folder: Path) -> tuple[Path, dict | None, dict]:
    """About 128 KB: every one of a sheet's 16,384 columns, over a few rows."""
    import openpyxl

    path = folder / "wide.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["a"] + [f"c{i}" for i in range(1, 16_384)])
    sheet.append([1] * 16_384)
    book.save(path)
    return path, None, ONE_FIELD


def merged_xlsx(folder: Path) -> tuple[Path, dict | None, dict]:
    """5 KB: one value merged over the whole sheet, read with fillMergedCells."""
    path = folder / "merged.xlsx"
    write_xlsx(path, [["a"], ["x"]], merged=["A2:XFD1048576"])
    return path, {"excel": {"fillMergedCells": True}}, ONE_FIELD


def write_xlsx(path: Path, rows: list[list], *, merged: list[str] = (), dimension: str | None = None) -> Path:
    """An XLSX written by openpyxl, then given merged ranges (and a <dimension>) in its sheet XML directly:
    openpyxl itself would build a cell object for every cell of a merged range while writing it."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    sheet_name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts[sheet_name].decode()
    if merged:
        refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in merged)
        xml = xml.replace("</sheetData>", f'</sheetData><mergeCells count="{len(merged)}">{refs}</mergeCells>', 1)
    if dimension:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', xml, count=1)
    parts[sheet_name] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def deep_json(folder: Path) -> tuple[Path, dict | None, dict]:
    """One row whose cell nests 100,000 arrays deep."""
    path = folder / "deep.json"
    path.write_text('[{"a": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    return path, None, ARRAY_FIELD


def wide_parquet(folder: Path) -> tuple[Path, dict | None, dict]:
    """20,000 columns of one row."""
    path = folder / "wide.parquet"
    table = pa.table({("a" if i == 0 else f"c{i}"): [1] for i in range(20_000)})
    pq.write_table(table, path)
    return path, None, ONE_FIELD


ATTACKS = [wide_csv_past_first_mib, wide_csv_other_delimiter, wide_xlsx, merged_xlsx, deep_json, wide_parquet]


def write_schema(folder: Path, schema: dict) -> Path:
    path = folder / "schema.json"
    path.write_text(json.dumps(schema))
    return path


# -- helpers --------------------------------------------------------------------------------------------------
def cli_validate(path: Path, schema: dict, dialect: dict | None, home: Path, env: dict | None = None):
    schema_path = write_schema(path.parent, schema)
    command = [sys.executable, "-m", "cli", "validate", str(path), "--schema", str(schema_path)]
    if dialect:
        command += ["--dialect", json.dumps(dialect)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OPENDATA_HOME": str(home), **(env or {})})


class PeakRss:
    """The largest resident set of any process of a server (its workers and their children), sampled."""

    def __init__(self, pid: int) -> None:
        self.root, self.peak, self.stop = psutil.Process(pid), 0, threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self.stop.wait(0.05):
            for process in [self.root, *self.root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    self.peak = max(self.peak, process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


class PageWatch:
    """Asks for the home page over and over while an attack runs; remembers the slowest answer."""

    def __init__(self, url: str) -> None:
        self.url, self.slowest, self.failures, self.stop = url, 0.0, [], threading.Event()
        self.thread = threading.Thread(target=self._ask, daemon=True)

    def _ask(self) -> None:
        while not self.stop.wait(0.2):
            started = time.monotonic()
            try:
                status = requests.get(self.url + "/", timeout=10).status_code
            except requests.RequestException as error:
                status = str(error)
            self.slowest = max(self.slowest, time.monotonic() - started)
            if status != 200:
                self.failures.append(status)

    def __enter__(self) -> PageWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A served catalogue with an editor of so-tnmt and an empty dataset to upload to through CKAN."""
    home = tmp_path_factory.mktemp("limits") / "home"
    catalog = Catalog(home)
    catalog.init()
    catalog.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    accounts = Accounts(catalog)
    accounts.add_user("lan")
    accounts.add_member("so-tnmt", "lan", "editor", actor="test")
    token = accounts.create_token("lan")[0]
    catalog.dispose()
    server = ServerProcess(home, workers=2)
    yield server, token
    server.stop()


# -- the attacks, refused everywhere --------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.__name__)
def test_each_attack_is_refused_by_the_cli_with_the_limit_it_crossed(attack, tmp_path, catalog):
    path, dialect, schema = attack(tmp_path)
    started = time.monotonic()
    result = cli_validate(path, schema, dialect, catalog.home.root)
    assert result.returncode == 2, result.stderr
    assert "vượt giới hạn" in result.stderr and "Traceback" not in result.stderr  # the CLI speaks Vietnamese
    assert time.monotonic() - started < 30


@pytest.mark.slow
def test_each_attack_is_refused_with_413_by_the_rest_api_while_pages_answer(site, tmp_path):
    server, _token = site
    with PeakRss(server.proc.pid) as rss, PageWatch(server.url) as pages:
        for attack in ATTACKS:
            path, dialect, schema = attack(tmp_path)
            fields = {"schema": json.dumps(schema), **({"dialect": json.dumps(dialect)} if dialect else {})}
            with open(path, "rb") as handle:
                answer = requests.post(server.url + "/api/v1/validate", data=fields,
                                       files={"file": (path.name, handle)}, timeout=60)
            assert answer.status_code == 413, (attack.__name__, answer.text)
            assert answer.json()["error"]["code"] == "too_large"
            assert "vượt giới hạn" in answer.json()["error"]["message"]  # the API's default language
    assert pages.failures == [] and pages.slowest < 3
    assert rss.peak < 1024 * 1024 * 1024, f"peak RSS {rss.peak / 2**20:.0f} MB"


@pytest.mark.slow
def test_a_ckan_upload_over_a_limit_is_refused_with_413_and_the_limit_named(site, tmp_path):
    server, token = site
    headers = {"Authorization": token}
    created = requests.post(server.url + "/api/3/action/package_create", headers=headers, timeout=30,
                            json={"name": "wide-uploads", "owner_org": "so-tnmt", "title": "Wide uploads"})
    assert created.status_code == 200, created.text
    for attack in (wide_parquet, wide_xlsx):
        path, _dialect, _schema = attack(tmp_path)
        with PageWatch(server.url) as pages, open(path, "rb") as handle:
            answer = requests.post(server.url + "/api/3/action/resource_create", headers=headers, timeout=60,
                                   data={"package_id": "wide-uploads"}, files={"upload": (path.name, handle)})
        assert answer.status_code == 413, answer.text
        assert "vượt giới hạn 500 (MAX_UPLOAD_COLUMNS)" in answer.json()["error"]["message"]
        assert pages.failures == [] and pages.slowest < 3


def test_limits_are_read_from_the_environment_by_the_cli(tmp_path, catalog):
    path = tmp_path / "four.csv"
    path.write_text("a,b,c,d\n1,2,3,4\n")
    schema = {"fields": [{"name": n, "type": "integer"} for n in "abcd"]}
    refused = cli_validate(path, schema, None, catalog.home.root, env={"OPENDATA_MAX_UPLOAD_COLUMNS": "3"})
    assert refused.returncode == 2 and "4 cột, vượt giới hạn 3 (MAX_UPLOAD_COLUMNS)" in refused.stderr
    assert cli_validate(path, schema, None, catalog.home.root).returncode == 0


def test_a_limit_set_only_in_the_flask_config_applies_in_the_bounded_upload_worker(tmp_path, catalog):
    from web import create_app

    path = tmp_path / "four.csv"
    path.write_text("a,b,c,d\n1,2,3,4\n")
    schema = {"fields": [{"name": n, "type": "integer"} for n in "abcd"]}
    assert "OPENDATA_MAX_UPLOAD_COLUMNS" not in os.environ

    def validate_with(columns: int):
        app = create_app(catalog.home, {"MAX_UPLOAD_COLUMNS": columns, "RATELIMIT_ENABLED": False})
        with app.test_client() as client, open(path, "rb") as handle:
            return client.post("/api/v1/validate", data={"schema": json.dumps(schema), "file": (handle, path.name)})

    refused = validate_with(3)
    assert refused.status_code == 413, refused.get_data(as_text=True)
    assert "4 cột, vượt giới hạn 3 (MAX_UPLOAD_COLUMNS)" in refused.get_json()["error"]["message"]
    read = validate_with(4)
    assert read.status_code == 200 and read.get_json()["valid"] is True, read.get_data(as_text=True)


def test_the_csv_sample_stops_at_its_character_bound_and_the_file_is_still_read_whole(tmp_path):
    path = tmp_path / "long-lines.csv"
    rows = [f"{i}," + "x" * 100_000 for i in range(100)]
    path.write_text("n,text\n" + "\n".join(rows) + "\n")
    with limits.using(limits.Limits(max_header_bytes=1000, max_line_bytes=200_000)):
        sample, error = sources.read_sample(open_source(path))
        assert error is None and 1 < len(sample) < 10
        assert sum(map(len, sample)) <= sources.sample_limit() + 200_000
        assert sample == path.read_text().splitlines(keepends=True)[:len(sample)]
        assert [row[0] for row in staged_rows(path)] == [str(i) for i in range(100)]


def test_only_a_json_file_within_the_descriptor_bound_is_parsed_to_tell_a_data_package(tmp_path):
    package = tmp_path / "package.json"
    package.write_text(json.dumps({"name": "p", "resources": [{"path": "a.csv", "notes": "x" * 5000}]}))
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([{"resources": 1}, "resources"]))
    assert sources.is_package(package) and not sources.is_package(rows)
    with limits.using(limits.Limits(max_descriptor_bytes=1000)):
        assert not sources.is_package(package)  # too large for a descriptor: read as data, which says what it is
    assert sources.is_package(tmp_path / "datapackage.json") is False  # no such file
    (tmp_path / "datapackage.json").write_text("{}")
    assert sources.is_package(tmp_path / "datapackage.json")


def test_a_bad_limit_setting_is_a_clear_error():
    with language("en"), pytest.raises(InvalidInput, match=r"OPENDATA_MAX_UPLOAD_CELLS\) must be a positive whole number, not .lots."):
        limits.Limits.from_env({"OPENDATA_MAX_UPLOAD_CELLS": "lots"})


# -- counted after the dialect is known, for every format -----------------------------------------------------
def staged_rows(path: Path, dialect: dict | None = None, width: int = 0) -> list[tuple]:
    source = open_source(path)
    con = duckdb.connect()
    try:
        if source.format == "xlsx":
            staged = readers.stage_xlsx(con, source, parse_dialect(dialect), width, "t")
        else:
            layout, _ = readers.read_csv_layout(source, parse_dialect(dialect))
            staged = readers.stage_csv_python(con, source, parse_dialect(dialect), layout, width or len(layout.labels), "t")
        cols = ", ".join(f"c{j + 1}" for j in range(staged.width))
        return con.execute(f"SELECT {cols} FROM {staged.table} ORDER BY __rn").fetchall()
    finally:
        con.close()


def test_fill_merged_cells_fills_each_range_with_its_top_left_value_row_by_row(tmp_path):
    path = write_xlsx(tmp_path / "merged.xlsx", [["a", "b", "c"], [1, "x", None], [2, None, None], [3, "y", "z"]],
                      merged=["B2:C3"])
    rows = staged_rows(path, {"excel": {"fillMergedCells": True}})
    assert rows == [("1", "x", "x"), ("2", "x", "x"), ("3", "y", "z")]
    assert staged_rows(path) == [("1", "x", None), ("2", None, None), ("3", "y", "z")]


def test_an_xlsx_dimension_over_the_cell_limit_is_refused_before_any_row_is_read(tmp_path):
    path = write_xlsx(tmp_path / "tall.xlsx", [["a", "b"], [1, 2]], dimension="A1:Z1000000")
    with language("en"), limits.using(limits.Limits(max_cells=1_000_000)), pytest.raises(TooLarge, match=r"1,000,000 rows x 26 "
                                                                          r"columns = 26,000,000 cells"):
        staged_rows(path)


def test_merged_ranges_covering_more_cells_than_the_limit_are_refused(tmp_path):
    path = write_xlsx(tmp_path / "overlap.xlsx", [["a", "b"], [1, 2]], merged=["A2:B400", "A401:B800"])
    with language("en"), limits.using(limits.Limits(max_cells=1000)), pytest.raises(TooLarge, match="MAX_UPLOAD_CELLS"):
        staged_rows(path, {"excel": {"fillMergedCells": True}})


def test_short_csv_rows_count_as_full_width_cells(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("a,b,c,d,e\n" + "1\n" * 30)
    with language("en"), limits.using(limits.Limits(max_cells=100)), pytest.raises(TooLarge, match=r"reaches 105 cells .* record 22"):
        staged_rows(path)
    assert len(staged_rows(path)) == 30


def test_a_declared_delimiter_is_the_one_columns_are_counted_with(tmp_path):
    path = tmp_path / "colon.csv"
    path.write_text("a:b:c:d\n1:2:3:4\n")
    with language("en"), limits.using(limits.Limits(max_columns=3)), pytest.raises(TooLarge, match="4 columns"):
        staged_rows(path, {"delimiter": ":"})
    with limits.using(limits.Limits(max_columns=3)):
        assert staged_rows(path) == [("1:2:3:4",)]  # sniffed: one column


def test_a_long_header_is_refused_by_its_bytes(tmp_path):
    path = tmp_path / "long-header.csv"
    path.write_text("x" * 5000 + ",b\n1,2\n")
    with language("en"), limits.using(limits.Limits(max_header_bytes=4096)), pytest.raises(TooLarge, match="the header is 5,003 bytes"):
        staged_rows(path)


def test_a_record_over_the_line_limit_is_refused_whatever_the_csv_module_limit_was(tmp_path):
    path = tmp_path / "long-field.csv"
    path.write_text('a,b\n1,"' + "x\n" * 1000 + '"\n')
    big_label = tmp_path / "big-label.csv"
    big_label.write_text("a," + "y" * 200_000 + "\n1,2\n")  # over the csv module's default of 131,072
    default = csv.field_size_limit()
    try:
        for module_limit in (131_072, 10**9):
            csv.field_size_limit(module_limit)
            with language("en"), limits.using(limits.Limits(max_line_bytes=1000)), pytest.raises(InvalidInput, match="longer than"):
                staged_rows(path)
            csv.field_size_limit(module_limit)
            assert staged_rows(big_label) == [("1", "2")]
    finally:
        csv.field_size_limit(default)


def test_json_nested_past_the_limit_is_refused_and_shallow_json_is_read(tmp_path):
    deep, shallow = tmp_path / "deep.json", tmp_path / "shallow.json"
    deep.write_text('[{"a": [1]}, {"a": ' + "[" * 68 + '"]]"' + "]" * 68 + "}]")
    shallow.write_text('[{"a": [[["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]]]}]')
    with language("en"), pytest.raises(TooLarge, match="nests arrays and objects 70 levels deep, over the limit of 64"):
        validate_file(deep, schema=ARRAY_FIELD).close()
    with validate_file(shallow, schema=ARRAY_FIELD) as validation:
        assert validation.valid and validation.rows == 1


def test_json_depth_is_measured_without_recursion_and_skips_strings():
    assert readers.json_depth("[" * 100_000 + "]" * 100_000) == 100_000
    assert readers.json_depth('{"a": "[[[{{{", "b": [1, {"c": "\\"]"}]}') == 3


def test_parquet_rows_and_columns_come_from_the_footer(tmp_path):
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"a": list(range(11)), "b": list(range(11))}), path)
    with language("en"), limits.using(limits.Limits(max_rows=10)), pytest.raises(TooLarge, match="more than 11 rows"):
        readers.check_parquet_size(path)
    with language("en"), limits.using(limits.Limits(max_cells=20)), pytest.raises(TooLarge, match="22 cells"):
        readers.check_parquet_size(path)
    readers.check_parquet_size(path)
