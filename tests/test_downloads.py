"""Downloads: immutable version files in every format, conditional and range requests, the dataset zip and
"download this view". HTTP semantics that proxies and remote readers depend on (ranges, multipart/byteranges,
304, concurrent first downloads) are tested against a real server process; the rest through the Flask client.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
import requests
from data_api_helpers import AIR_ROWS, REPORT_ROWS, air_csv, build_catalogue

from catalog import exports
from conftest import ServerProcess
from pipelines.publish import publish
from web import create_app

CONFIG = {"TESTING": True, "RATELIMIT_ENABLED": False}
LARGE_ROWS = 30_000


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    root = tmp_path_factory.mktemp("downloads")
    cat = build_catalogue(root / "home", root / "work")
    result = publish(cat, air_csv(root / "work", LARGE_ROWS), dataset="air-large", org="so-tnmt",
                     schema="air_quality")
    assert result.status == "published", result.report
    yield cat
    cat.dispose()


class ClosingClient:
    """The Flask test client, closing each response once read (as a WSGI server does after sending it)."""

    def __init__(self, app) -> None:
        self.client = app.test_client()

    def _call(self, method: str, url: str, **kwargs):
        response = getattr(self.client, method)(url, **kwargs)
        response.get_data()
        response.close()
        return response

    def get(self, url: str, **kwargs):
        return self._call("get", url, **kwargs)

    def head(self, url: str, **kwargs):
        return self._call("head", url, **kwargs)


@pytest.fixture(scope="module")
def client(catalogue):
    return ClosingClient(create_app(catalogue.home, CONFIG))


@pytest.fixture(scope="module")
def server(catalogue):
    srv = ServerProcess(catalogue.home.root, workers=2, env={"OPENDATA_RATELIMIT_ENABLED": "false"})
    yield srv
    srv.stop()


def version_url(name: str = "air-quality", number: int = 2, fmt: str = "csv") -> str:
    return f"/datasets/{name}/versions/{number}/data.{fmt}"


def parquet_rows(catalogue, name: str = "air-quality", number: int = 2) -> list[dict]:
    version = catalogue.get_version(name, number)
    return pq.read_table(catalogue.version_file(version)).to_pylist()


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


# -- every format -----------------------------------------------------------------------------------------------
def test_csv_is_the_version_in_utf8(client, catalogue):
    response = client.get(version_url())
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert not response.data.startswith(b"\xef\xbb\xbf")
    got = csv_rows(response.data)
    expected = parquet_rows(catalogue)
    assert len(got) == AIR_ROWS[1] == len(expected)
    assert [r["district"] for r in got] == [r["district"] for r in expected]
    assert got[0]["observed_at"] == "2022-01-01T00:00:00"  # ISO 8601, as the schema reads it back
    assert [float(r["pm25"]) if r["pm25"] else None for r in got] == [r["pm25"] for r in expected]


def test_csv_republishes_under_the_same_schema(client, catalogue, tmp_path):
    path = tmp_path / "round-trip.csv"
    path.write_bytes(client.get(version_url()).data)
    result = publish(catalogue, path, dataset="air-quality-copy", org="so-tnmt", schema="air_quality")
    assert result.status == "published", result.report
    assert result.version["rows"] == AIR_ROWS[1]
    assert result.version["sha256"] == catalogue.get_version("air-quality", 2)["sha256"]  # the very same data


def test_json_jsonl_parquet_xlsx(client, catalogue):
    expected = parquet_rows(catalogue)
    data = json.loads(client.get(version_url(fmt="json")).data)
    assert len(data) == len(expected) and data[0]["station_id"] == expected[0]["station_id"]
    assert data[0]["observed_at"] == "2022-01-01T00:00:00"
    lines = client.get(version_url(fmt="jsonl")).data.decode().splitlines()
    assert [json.loads(line)["pm25"] for line in lines] == [r["pm25"] for r in expected]
    parquet = client.get(version_url(fmt="parquet"))
    version = catalogue.get_version("air-quality", 2)
    assert hashlib.sha256(parquet.data).hexdigest() == version["sha256"]
    book = openpyxl.load_workbook(io.BytesIO(client.get(version_url(fmt="xlsx")).data), read_only=True)
    sheet = list(book.active.iter_rows(values_only=True))
    assert list(sheet[0]) == list(expected[0])
    assert len(sheet) == len(expected) + 1
    assert sheet[1][5] == expected[0]["observed_at"]  # a real date-time cell
    assert sheet[1][12] == expected[0]["aqi"]


def test_xlsx_keeps_text_as_text_and_types_cells(client):
    book = openpyxl.load_workbook(io.BytesIO(client.get(version_url("bao-cao", 1, "xlsx")).data))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))[1:]
    assert [r[0] for r in rows] == [r[0] for r in REPORT_ROWS]
    assert rows[0][3] == '=HYPERLINK("http://x")' and sheet["D2"].data_type == "s"  # never a formula
    assert rows[1][1] == -7 and rows[3][1] is None and rows[4][3] == "dòng 1\ndòng 2"
    assert rows[0][4] is True and rows[1][4] is False
    assert rows[1][2].date().isoformat() == "2024-02-29"


def test_csv_bom_and_excel_protection(client):
    plain = client.get(version_url("bao-cao", 1, "csv"))
    bom = client.get(version_url("bao-cao", 1, "csv") + "?bom=1")
    excel = client.get(version_url("bao-cao", 1, "csv") + "?excel=1")
    assert bom.data == b"\xef\xbb\xbf" + plain.data
    assert excel.data.startswith(b"\xef\xbb\xbf")
    assert len({plain.headers["ETag"], bom.headers["ETag"], excel.headers["ETag"]}) == 3
    notes = [r["ghi_chu"] for r in csv_rows(excel.data)]
    assert notes == ["'" + REPORT_ROWS[0][3], "'+2 độ C", "'-5 độ, \"rét đậm\"", "'@mention",
                     "dòng 1\ndòng 2", ""]
    assert [r["so_luong"] for r in csv_rows(excel.data)][1] == "-7"  # numbers are not text: no prefix
    assert [r["ghi_chu"] for r in csv_rows(plain.data)][0] == REPORT_ROWS[0][3]
    assert client.get(version_url("bao-cao", 1, "csv") + "?bom=maybe").status_code == 400


def test_derived_files_are_cached_next_to_the_data(client, catalogue):
    version = catalogue.get_version("bao-cao", 1)
    client.get(version_url("bao-cao", 1, "jsonl"))
    cached = catalogue.home.cache_dir / "bao-cao" / f"{version['sha256']}.jsonl"
    assert cached.is_file()
    before = cached.stat().st_ino
    assert client.get(version_url("bao-cao", 1, "jsonl")).data == cached.read_bytes()
    assert cached.stat().st_ino == before  # served, not remade
    assert not [p for p in catalogue.home.tmp_dir.iterdir() if p.name.startswith("work-")]


def cached_file(catalogue, name: str, number: int, fmt: str) -> Path:
    return exports.cache_path(catalogue, catalogue.get_version(name, number), exports.variant_name(fmt))


def derived_bytes(catalogue) -> int:
    """The size of every derived file in the cache (not their hashes, not the S3 read cache)."""
    root = catalogue.home.cache_dir
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.name.endswith(".sha256")
               and not p.relative_to(root).parts[0].startswith("_"))


def set_bound(monkeypatch, size: int) -> None:
    monkeypatch.setenv("OPENDATA_EXPORT_CACHE_MB", repr(size / (1 << 20)))


def test_the_download_cache_stays_within_its_bound_by_evicting_the_least_recently_used(client, catalogue,
                                                                                        monkeypatch):
    files = [("bao-cao", 1, "csv"), ("bao-cao", 1, "json"), ("bao-cao", 1, "jsonl"), ("air-quality", 1, "csv")]
    originals = {f: client.get(version_url(*f)).data for f in files}
    trigger = ("air-quality", 1, "json")
    made = client.get(version_url(*trigger)).data  # its size, then it goes: downloading it again fills the cache
    cached_file(catalogue, *trigger).unlink()
    now = time.time()
    paths = [cached_file(catalogue, *f) for f in files]
    for age, path in enumerate(paths):  # unused for an hour, the first the least recently used
        os.utime(path, (now - 3600 + age, now - 3600 + age))
    set_bound(monkeypatch, derived_bytes(catalogue) + len(made) - paths[0].stat().st_size - paths[1].stat().st_size)

    assert client.get(version_url(*trigger)).data == made
    assert [path.exists() for path in paths] == [False, False, True, True], "exactly the two oldest went"
    assert cached_file(catalogue, *trigger).is_file(), "the file just made stays"
    assert derived_bytes(catalogue) <= float(os.environ["OPENDATA_EXPORT_CACHE_MB"]) * (1 << 20)
    for f, content in originals.items():
        response = client.get(version_url(*f))
        assert response.status_code == 200 and response.data == content, f"{f} is made again, byte for byte"


def test_a_download_cache_file_used_within_the_grace_period_is_never_evicted(client, catalogue, monkeypatch):
    set_bound(monkeypatch, 0)
    url = version_url("air-quality", 2, "jsonl")
    content = client.get(url).data
    path = cached_file(catalogue, "air-quality", 2, "jsonl")
    assert path not in exports.evict_exports(catalogue)
    assert path.is_file(), "used a moment ago: it may be being served"
    os.utime(path, (time.time() - exports.EVICT_GRACE - 1,) * 2)
    assert path in exports.evict_exports(catalogue) and not path.exists()
    assert client.get(url).data == content


def test_a_wrong_download_cache_bound_is_a_clear_error(catalogue, monkeypatch):
    from catalog.errors import InvalidInput

    monkeypatch.setenv("OPENDATA_EXPORT_CACHE_MB", "lots")
    with pytest.raises(InvalidInput, match="OPENDATA_EXPORT_CACHE_MB='lots'"):
        exports.evict_exports(catalogue)


def test_xlsx_refuses_more_rows_than_excel_opens(client, monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 350)
    response = client.get(version_url(fmt="xlsx"), headers={"Accept": "application/json"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "too_many_rows" and "Excel" in error["message"] and "CSV" in error["message"]
    view = client.get("/datasets/air-quality/explore.xlsx?pm25__ge=0", headers={"Accept": "application/json"})
    assert view.status_code == 400 and "Excel" in view.get_json()["error"]["message"]
    assert client.get("/datasets/air-quality/explore.xlsx?district=Đống Đa").status_code == 200


# -- caching headers and conditional requests -------------------------------------------------------------------
def test_immutable_headers(client, catalogue):
    version = catalogue.get_version("air-quality", 2)
    response = client.get(version_url(fmt="parquet"))
    assert response.headers["ETag"] == f'"{version["sha256"]}"'
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Disposition"] == 'attachment; filename="air-quality-v2.parquet"'
    assert response.headers["Last-Modified"].endswith("GMT")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Range" in response.headers["Access-Control-Expose-Headers"]


def test_if_none_match_and_if_modified_since(client):
    first = client.get(version_url())
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"other", W/{etag}'},
                    {"If-Modified-Since": modified}, {"If-None-Match": "*"}):
        again = client.get(version_url(), headers=headers)
        assert again.status_code == 304, headers
        assert again.data == b"" and again.headers["ETag"] == etag
    assert client.get(version_url(), headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(version_url(), headers={"If-Match": '"other"'}).status_code == 412


def test_head(client):
    full = client.get(version_url(fmt="json"))
    head = client.head(version_url(fmt="json"))
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(full.data))
    assert head.headers["ETag"] == full.headers["ETag"]


def test_latest_redirects_to_the_current_version(client):
    response = client.get("/datasets/air-quality/latest/data.csv?bom=1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/datasets/air-quality/versions/2/data.csv?bom=1")
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("url", [
    "/datasets/nope/versions/1/data.csv", "/datasets/air-quality/versions/9/data.csv",
    "/datasets/air-quality/versions/1/data.exe", "/datasets/noi-bo/versions/1/data.csv",
    "/datasets/noi-bo/latest/data.csv", "/datasets/noi-bo/download.zip", "/datasets/da-xoa/latest/data.csv",
    "/datasets/nope/explore.csv",
])
def test_not_found(client, url):
    assert client.get(url).status_code == 404


def test_a_deleted_dataset_keeps_its_published_links(client):
    response = client.get("/datasets/da-xoa/versions/1/data.csv")
    assert response.status_code == 200 and len(csv_rows(response.data)) == len(REPORT_ROWS)


def test_old_versions_stay_downloadable(client, catalogue):
    assert len(csv_rows(client.get(version_url(number=1)).data)) == AIR_ROWS[0]
    assert client.get(version_url(number=1)).headers["ETag"] != client.get(version_url(number=2)).headers["ETag"]


# -- the dataset zip --------------------------------------------------------------------------------------------
def test_zip_holds_csv_parquet_and_datapackage(client, catalogue):
    response = client.get("/datasets/air-quality/download.zip")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="air-quality-v2.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == ["air-quality.csv", "air-quality.parquet", "datapackage.json"]
    package = json.loads(archive.read("datapackage.json"))
    version = catalogue.get_version("air-quality", 2)
    assert package["name"] == "air-quality" and package["title"] == "Quan trắc chất lượng không khí"
    assert package["licenses"] == [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                                    "path": "https://creativecommons.org/licenses/by/4.0/"}]
    assert [r["path"] for r in package["resources"]] == ["air-quality.csv", "air-quality.parquet"]
    assert package["resources"][0]["schema"] == version["schema"]
    assert archive.read("air-quality.csv") == client.get(version_url()).data
    assert package["resources"][0]["bytes"] == len(archive.read("air-quality.csv"))
    assert hashlib.sha256(archive.read("air-quality.parquet")).hexdigest() == version["sha256"]
    assert package["resources"][1]["hash"] == f"sha256:{version['sha256']}"


def test_zip_is_a_valid_frictionless_package(client, tmp_path):
    from frictionless import Package

    archive = zipfile.ZipFile(io.BytesIO(client.get("/datasets/bao-cao/download.zip").data))
    archive.extractall(tmp_path)
    package = Package(str(tmp_path / "datapackage.json"))
    report = package.get_resource("bao-cao").validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert package.get_resource("bao-cao").read_rows()[4]["ghi_chu"] == "dòng 1\ndòng 2"


# -- download this view -----------------------------------------------------------------------------------------
def test_view_download_matches_the_rows_api(client):
    query = "district=Đống Đa&pm25__gt=50&_sort=-pm25"
    view = csv_rows(client.get(f"/datasets/air-quality/explore.csv?{query}").data)
    api = client.get(f"/api/v1/datasets/air-quality/rows?{query.replace('_sort', 'sort')}&limit=1000").get_json()
    assert len(view) == api["total"] > 0
    assert [float(r["pm25"]) for r in view] == [r["pm25"] for r in api["rows"]]
    assert all(r["district"] == "Đống Đa" for r in view)


def test_view_download_formats_and_fields(client):
    base = "/datasets/air-quality/explore"
    query = "?district__in=Ba Đình,Đống Đa&_fields=station_id,district,aqi&_sort=aqi"
    rows = json.loads(client.get(base + ".json" + query).data)
    assert rows and set(rows[0]) == {"station_id", "district", "aqi"}
    aqis = [r["aqi"] for r in rows]
    assert aqis == sorted(aqis, key=lambda v: (v is None, v))
    table = pq.read_table(io.BytesIO(client.get(base + ".parquet" + query).data))
    assert table.column_names == ["station_id", "district", "aqi"] and table.num_rows == len(rows)
    book = openpyxl.load_workbook(io.BytesIO(client.get(base + ".xlsx" + query).data), read_only=True)
    assert len(list(book.active.iter_rows())) == len(rows) + 1
    response = client.get(base + ".csv" + query)
    assert response.headers["Content-Disposition"] == 'attachment; filename="air-quality-v2-filtered.csv"'
    assert response.headers["Cache-Control"] == "no-store"


def test_view_without_filters_is_the_immutable_file(client):
    view = client.get("/datasets/air-quality/explore.csv")
    assert view.data == client.get(version_url()).data
    assert view.headers["ETag"] == client.get(version_url()).headers["ETag"]
    assert view.headers["Cache-Control"] == "no-cache"  # this URL follows the latest version
    again = client.get("/datasets/air-quality/explore.csv", headers={"If-None-Match": view.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "no-cache"


def test_bad_view_filters_are_400_with_a_message(client):
    response = client.get("/datasets/air-quality/explore.csv?pm25__gt=abc", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "pm25" in response.get_json()["error"]["message"]
    page = client.get("/datasets/air-quality/explore.csv?quan=1")
    assert page.status_code == 400 and "quan" in page.data.decode()


# -- over a real server: ranges, 304, remote Parquet readers, concurrent first downloads --------------------------
def test_single_ranges(server, catalogue):
    url = server.url + version_url(fmt="parquet")
    whole = requests.get(url, timeout=30).content
    size = len(whole)
    for header, (start, end) in (("bytes=0-3", (0, 4)), ("bytes=-8", (size - 8, size)),
                                 (f"bytes={size - 5}-", (size - 5, size)), (f"bytes=10-{size + 100}", (10, size))):
        response = requests.get(url, headers={"Range": header}, timeout=30)
        assert response.status_code == 206, header
        assert response.content == whole[start:end]
        assert response.headers["Content-Range"] == f"bytes {start}-{end - 1}/{size}"
        assert response.headers["Content-Length"] == str(end - start)
    assert whole[:4] == whole[-4:] == b"PAR1"


def parse_multipart(response: requests.Response) -> list[tuple[str, bytes]]:
    boundary = response.headers["Content-Type"].split("boundary=")[1].encode()
    body = response.content
    assert body.endswith(b"--" + boundary + b"--\r\n")
    parts = []
    for chunk in body.split(b"--" + boundary)[1:-1]:
        head, _, data = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        parts.append((headers["Content-Range"], data[:-2] if data.endswith(b"\r\n") else data))
    return parts


def test_multiple_ranges_are_multipart_byteranges(server):
    url = server.url + version_url(fmt="csv")
    whole = requests.get(url, timeout=30).content
    size = len(whole)
    response = requests.get(url, headers={"Range": "bytes=0-9, 100-199, -20"}, timeout=30)
    assert response.status_code == 206
    assert response.headers["Content-Type"].startswith("multipart/byteranges; boundary=")
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert parse_multipart(response) == [
        (f"bytes 0-9/{size}", whole[0:10]), (f"bytes 100-199/{size}", whole[100:200]),
        (f"bytes {size - 20}-{size - 1}/{size}", whole[size - 20:]),
    ]
    merged = requests.get(url, headers={"Range": "bytes=0-9,5-19"}, timeout=30)
    assert merged.status_code == 206 and merged.content == whole[:20]


def test_unsatisfiable_and_malformed_ranges(server):
    url = server.url + version_url(fmt="csv")
    size = len(requests.get(url, timeout=30).content)
    bad = requests.get(url, headers={"Range": f"bytes={size}-"}, timeout=30)
    assert bad.status_code == 416 and bad.headers["Content-Range"] == f"bytes */{size}"
    for header in ("bytes=abc", "items=0-1", "bytes=9-2", "bytes=--1"):
        response = requests.get(url, headers={"Range": header}, timeout=30)
        assert response.status_code == 200 and len(response.content) == size, header


def test_if_range(server):
    url = server.url + version_url(fmt="csv")
    etag = requests.head(url, timeout=30).headers["ETag"]
    assert requests.get(url, headers={"Range": "bytes=0-0", "If-Range": etag}, timeout=30).status_code == 206
    stale = requests.get(url, headers={"Range": "bytes=0-0", "If-Range": '"old"'}, timeout=30)
    assert stale.status_code == 200


def test_304_and_head_over_http(server):
    url = server.url + version_url(fmt="xlsx")
    first = requests.get(url, timeout=30)
    again = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=30)
    assert again.status_code == 304 and again.content == b""
    head = requests.head(url, timeout=30)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(first.content)


class HttpRangeFile(io.RawIOBase):
    """A read-only file over HTTP: every read is one Range request (what remote Parquet readers do)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.size = int(self.session.head(url, timeout=30).headers["Content-Length"])
        self.position = 0
        self.fetched = 0
        self.requests = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = base + offset
        return self.position

    def read(self, size: int = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self.position + size)
        if end <= self.position:
            return b""
        response = self.session.get(self.url, headers={"Range": f"bytes={self.position}-{end - 1}"}, timeout=30)
        assert response.status_code == 206, response.status_code
        self.position += len(response.content)
        self.fetched += len(response.content)
        self.requests += 1
        return response.content

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def test_pyarrow_reads_remote_parquet_with_ranges(server, catalogue):
    remote = HttpRangeFile(server.url + version_url("air-large", 1, "parquet"))
    parquet = pq.ParquetFile(remote)
    assert parquet.metadata.num_rows == LARGE_ROWS
    column = parquet.read(columns=["pm25"]).column("pm25").to_pylist()
    local = pq.read_table(catalogue.version_file(catalogue.get_version("air-large", 1)), columns=["pm25"])
    assert column == local.column("pm25").to_pylist()
    assert remote.requests >= 2 and remote.fetched < remote.size / 2  # only the footer and one column


def test_concurrent_first_downloads_agree(server, catalogue):
    """Several processes making the same derived file at once: every client gets the same bytes and tag."""
    url = server.url + version_url("air-large", 1, "jsonl")
    results: list[requests.Response] = []

    def fetch() -> None:
        results.append(requests.get(url, timeout=120))

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200] * 6
    assert len({r.content for r in results}) == 1 and len({r.headers["ETag"] for r in results}) == 1
    assert len(results[0].content.splitlines()) == LARGE_ROWS
    version = catalogue.get_version("air-large", 1)
    assert [p.name for p in (catalogue.home.cache_dir / "air-large").iterdir()] == [f"{version['sha256']}.jsonl"]
    assert not [p for p in catalogue.home.tmp_dir.iterdir() if p.name.startswith("work-")]


def test_cors_preflight_for_range_requests(server):
    response = requests.options(server.url + version_url(fmt="parquet"), timeout=30,
                                headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET",
                                         "Access-Control-Request-Headers": "range"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Range" in response.headers["Access-Control-Allow-Headers"]


def test_zip_streams_over_http(server):
    with requests.get(server.url + "/datasets/air-large/download.zip", stream=True, timeout=60) as response:
        assert response.status_code == 200
        assert "Content-Length" not in response.headers  # streamed as it is zipped
        data = b"".join(response.iter_content(1 << 16))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert len(archive.read("air-large.csv").splitlines()) == LARGE_ROWS + 1


def test_tmp_is_clean_after_views(client, catalogue):
    assert client.get("/datasets/air-quality/explore.csv?district=Ba Đình").status_code == 200
    assert not [p for p in catalogue.home.tmp_dir.iterdir() if p.name.startswith("work-")]


def test_cache_path_layout(catalogue):
    version = catalogue.get_version("bao-cao", 1)
    path = exports.cache_path(catalogue, version, exports.variant_name("csv", excel=True))
    assert path == catalogue.home.cache_dir / "bao-cao" / f"{version['sha256']}.excel.csv"
    assert Path(catalogue.home.cache_dir).is_relative_to(catalogue.home.root)
