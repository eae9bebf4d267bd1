"""Reading input: formats, encodings, refusals of bad input, and the two CSV readers agreeing."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import Font

from catalog.errors import InvalidInput, NotFound, TooLarge, UserError
from catalog.i18n import language
from conftest import SHARED
from pipelines import read as readers
from pipelines.source import open_source, parse_dialect
from pipelines.validate import validate_file

SCHOOLS = {"fields": [{"name": "ma", "type": "string"}, {"name": "so", "type": "integer"},
                      {"name": "ngay", "type": "date", "format": "%d/%m/%Y"}]}


def errors_of(validation) -> set:
    return {(e["type"], e.get("rowNumber"), e.get("fieldName") or None) for e in validation.report["tasks"][0]["errors"]}


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"ma,so,ngay\n", "header but no data rows"),
    (b"ma,so,ngay\r\n", "header but no data rows"),
    (b"\x00\x01\x02binary\x00", "NUL bytes"),
    (b"PK\x03\x04rest-of-a-zip", "looks like a ZIP"),
    (b"%PDF-1.7 ...", "PDF"),
    ("ma,so\nHà Đông,1\n".encode("cp1258"), "--encoding"),
])
def test_bad_csv_is_refused_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with language("en"), pytest.raises(InvalidInput, match=message):
        validate_file(path, schema=SCHOOLS)


def test_not_utf8_after_the_first_bytes_is_refused(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"ma,so,ngay\n" + b"HN1,1,01/01/2000\n" * 20000 + "Hà,1,01/01/2000\n".encode("cp1258"))
    with pytest.raises(InvalidInput, match="--encoding"):
        validate_file(path, schema=SCHOOLS)


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(NotFound):
        validate_file(tmp_path / "nope.csv", schema=SCHOOLS)
    path = tmp_path / "data.dat"
    path.write_text("a\n1\n")
    with pytest.raises(InvalidInput, match="--format"):
        validate_file(path, schema=SCHOOLS)
    with validate_file(path, schema={"fields": [{"name": "a"}]}, format="csv") as validation:
        assert validation.valid


def test_xlsx_that_is_text_or_truncated(tmp_path):
    fake = tmp_path / "data.xlsx"
    fake.write_text("ma,so\n1,2\n")
    with pytest.raises(InvalidInput, match="không phải một sổ tính XLSX: nó có vẻ là văn bản"):
        validate_file(fake, schema=SCHOOLS)
    real = tmp_path / "real.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["ma", "so", "ngay"])
    book.save(real)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(real.read_bytes()[:900])
    with pytest.raises(InvalidInput, match="hỏng hoặc bị cắt cụt|không phải một sổ tính XLSX đọc được"):
        validate_file(cut, schema=SCHOOLS)


def test_xlsx_zip_bomb_is_refused_by_uncompressed_size(tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))
    assert bomb.stat().st_size < 50_000
    monkeypatch.setenv("OPENDATA_XLSX_MAX_BYTES", str(2 * 1024 * 1024))
    with language("en"), pytest.raises(TooLarge, match="expands to"):
        validate_file(bomb, schema=SCHOOLS)


def test_parquet_truncated_and_json_not_an_array(tmp_path):
    good = tmp_path / "good.parquet"
    duckdb.sql(f"COPY (SELECT 'HN1' AS ma, 1 AS so) TO '{good}' (FORMAT parquet)")
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[:-10])
    with pytest.raises(InvalidInput, match="tệp Parquet bị cắt cụt"):
        validate_file(cut, schema=SCHOOLS)
    obj = tmp_path / "data.json"
    obj.write_text('{"ma": "HN1"}')
    with pytest.raises(InvalidInput, match="mảng JSON"):
        validate_file(obj, schema=SCHOOLS)


def test_truncated_csv_inside_quotes(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('ma,so,ngay\nHN1,1,01/01/2000\nHN2,2,"01/01/20')
    with language("en"), pytest.raises(InvalidInput, match="truncated"):
        validate_file(path, schema=SCHOOLS)


def test_ten_megabyte_line_is_refused(tmp_path):
    path = tmp_path / "data.csv"
    with open(path, "w") as handle:
        handle.write("ma,so,ngay\nHN1,1,01/01/2000\n")
        handle.write("HN2,2," + "x" * (10 * 1024 * 1024) + "\n")
    with pytest.raises(InvalidInput, match="dài hơn"):
        validate_file(path, schema=SCHOOLS)


def test_user_errors_carry_one_line_messages(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"")
    with pytest.raises(UserError) as info:
        validate_file(path, schema=SCHOOLS)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------------- encodings


def encode(text: str, encoding: str) -> bytes:
    """Windows-1258 has no precomposed tone marks: write base letter + combining tone, as Windows does."""
    if encoding != "cp1258":
        return text.encode(encoding)
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            out.append((unicodedata.normalize("NFC", parts[:-1]) + parts[-1]).encode("cp1258"))
    return b"".join(out)


@pytest.mark.parametrize("encoding, declared", [
    ("utf-8-sig", None), ("utf-8-sig", "utf-8"), ("utf-16", None), ("utf-16", "utf-16"), ("cp1258", "cp1258"),
])
def test_encodings(tmp_path, encoding, declared):
    path = tmp_path / "data.csv"
    path.write_bytes(encode("ma,so,ngay\nĐống Đa,1,05/09/1990\r\n", encoding))
    schema = {"fields": [{"name": "ma", "constraints": {"enum": ["Đống Đa"]}}, *SCHOOLS["fields"][1:]]}
    with validate_file(path, schema=schema, encoding=declared) as validation:
        assert validation.valid, validation.report
        assert validation.report["tasks"][0]["labels"] == ["ma", "so", "ngay"]


# ------------------------------------------------------------------------------------------- formats


def test_xlsx_native_cells_like_frictionless(tmp_path):
    path = tmp_path / "data.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["BÁO CÁO"])
    sheet.append(["ma", "so", "ngay", "dien_thoai"])
    sheet.append(["HN1", 1200.0, dt.datetime(1999, 9, 16), "024"])  # float 1200.0 is an integer
    sheet.append(["HN2", 5, "29/12/1987", 243])  # a number cell in a string field is a type error
    sheet.append(["HN3", 7, dt.datetime(2001, 3, 19, 10, 30), None])  # a date cell with a time is not a date
    sheet["A8"].font = Font(bold=True)  # formatted but empty trailing rows are blank rows
    book.save(path)
    schema = {"fields": [*SCHOOLS["fields"], {"name": "dien_thoai", "type": "string"}]}
    with validate_file(path, schema=schema, dialect={"headerRows": [2]}) as validation:
        assert errors_of(validation) == {("type-error", 4, "dien_thoai"), ("type-error", 5, "ngay"),
                                         ("blank-row", 6, None), ("blank-row", 7, None), ("blank-row", 8, None)}


def test_xlsx_sheet_by_name_and_missing(tmp_path):
    path = tmp_path / "data.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Bìa"
    data = book.create_sheet("Dữ liệu")
    data.append(["ma", "so", "ngay"])
    data.append(["HN1", 1, "01/01/2000"])
    book.save(path)
    with validate_file(path, schema=SCHOOLS, dialect={"excel": {"sheet": "Dữ liệu"}}) as validation:
        assert validation.valid
    with pytest.raises(InvalidInput, match="không có trang tính 'Khác'"):
        validate_file(path, schema=SCHOOLS, dialect={"excel": {"sheet": "Khác"}})


def test_json_array_of_objects(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps([{"ma": "HN1", "so": 1, "ngay": "01/01/2000", "them": 1},
                                {"ma": 5, "so": "2", "ngay": None},
                                {"ma": "HN3", "so": 1.5}], ensure_ascii=False))
    with validate_file(path, schema=SCHOOLS) as validation:
        assert errors_of(validation) == {("type-error", 3, "ma"), ("type-error", 4, "so")}


def test_parquet_input(tmp_path):
    path = tmp_path / "data.parquet"
    duckdb.sql(f"COPY (SELECT * FROM (VALUES ('HN1', 1, '01/01/2000'), ('HN2', NULL, '31/02/2000')) "
               f"t(ma, so, ngay)) TO '{path}' (FORMAT parquet)")
    with validate_file(path, schema=SCHOOLS) as validation:
        assert errors_of(validation) == {("type-error", 3, "ngay")}
        assert validation.rows == 2


def test_tsv_and_crlf(tmp_path):
    path = tmp_path / "data.tsv"
    path.write_bytes(b"ma\tso\tngay\r\nHN1\t1\t01/01/2000\r\nHN2\tx\t01/01/2000\r\n")
    with validate_file(path, schema=SCHOOLS) as validation:
        assert errors_of(validation) == {("type-error", 3, "so")}


# --------------------------------------------------------------------- the two CSV readers agree

CELL = st.sampled_from(["", "a", "b c", " x ", "Đà", '"q"', '"a,b"', '"l1\nl2"', "1", '"', 'a"b', '""', "\r"])


@st.composite
def csv_texts(draw):
    width = draw(st.integers(2, 4))
    lines = [",".join(f"h{i}" for i in range(width))]
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["row"] * 6 + ["short", "long", "empty"]))
        n = {"row": width, "short": width - 1, "long": width + 1, "empty": 0}[kind]
        lines.append(",".join(draw(CELL) for _ in range(n)))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + (newline if draw(st.booleans()) else "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=csv_texts())
def test_duckdb_reader_matches_python_reader(tmp_path, text):
    """Where the fast reader accepts a file, it stages exactly the records Python's csv module reads."""
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8", newline="")
    source = open_source(path, encoding="utf-8")
    dialect = parse_dialect({})
    layout, _ = readers.read_csv_layout(source, dialect)
    width = len(layout.labels)
    scan = readers.scan_bytes(path)
    con = duckdb.connect()
    try:
        fast = readers.stage_csv_duckdb(con, source, dialect, layout, scan, width, "fast")
        readers.stage_csv_python(con, source, dialect, layout, width, "exact")
        cols = ", ".join(f"c{i + 1}" for i in range(width))
        want = con.execute(f"SELECT __rn, {cols} FROM exact WHERE __n = {width} ORDER BY __rn").fetchall()
        irregular = con.execute(f"SELECT count(*) FROM exact WHERE __n <> {width}").fetchall()[0][0]
        if fast is not None:
            assert irregular == 0, repr(text)
            got = con.execute(f"SELECT {fast.rn}, {cols} FROM fast ORDER BY 1").fetchall()
            assert got == want
    except InvalidInput:
        pass  # e.g. a file ending inside quotes: both paths refuse it the same way
    finally:
        con.close()


# --------------------------------------------------------------------------------- bounded memory


def _peak_rss_validating(tmp_path, copies: int) -> dict:
    """Validate an air-quality CSV of ``copies`` x 10,000 rows (+ one bad cell at the end, which forces the exact
    staged pass) in a fresh process with a 48 MB DuckDB memory limit; returns its peak RSS in MB."""
    path = tmp_path / f"big-{copies}.csv"
    row = "HN-001,Trạm Hoàn Kiếm,Hoàn Kiếm,21.02,105.85,2022-01-01T00:00:00,63.4,124.3,14.4,14.6,1071,19.0,122,Kém\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("station_id,station_name,district,latitude,longitude,observed_at,pm25,pm10,no2,so2,co,o3,aqi,"
                     "aqi_category\n")
        for _ in range(copies):
            handle.write(row * 10_000)
        handle.write(row.replace(",122,", ",x,"))
    script = (
        "import json, sys\n"
        "from pipelines.validate import validate_file\n"
        "schema = json.load(open(sys.argv[2]))\n"
        "schema['primaryKey'] = []\n"
        "v = validate_file(sys.argv[1], schema=schema)\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
        "print(json.dumps({'valid': v.valid, 'rows': v.rows, 'rss': int(hwm) // 1024}))\n"
    )
    schema = SHARED / "tools" / "air_quality.schema.json"
    # The peak is the process's own high-water mark (VmHWM). Not getrusage's ru_maxrss: Linux carries the parent's
    # high-water mark across fork+exec into it, so a child of a test runner that has grown to 1 GB reports 1 GB.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
           "LANG": "C.UTF-8", "OPENDATA_DUCKDB_MEMORY": "48MB"}
    out = subprocess.run([sys.executable, "-c", script, str(path), str(schema)], capture_output=True, text=True,
                         env=env, cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["valid"] is False and result["rows"] == copies * 10_000 + 1
    result["bytes"] = path.stat().st_size
    return result


@pytest.mark.slow
def test_large_file_streams_with_bounded_memory(tmp_path):
    """Memory does not grow with the file: once DuckDB's 48 MB buffer pool spills to disk, three times the rows
    (about 45 MB -> 135 MB of CSV, every cell staged for the exact pass) costs next to no extra memory."""
    small = _peak_rss_validating(tmp_path, 40)
    large = _peak_rss_validating(tmp_path, 120)
    assert large["bytes"] > 3 * small["bytes"] - 1024
    assert large["rss"] - small["rss"] < 60, (small, large)  # staging in memory would add hundreds of MB
    assert large["rss"] < 1024, large  # the bound (1 GB); seen 300-900 MB depending on the machine's load
