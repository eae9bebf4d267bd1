"""The privacy gate: personal fields in a schema, personal identifiers in string columns, the override."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines import privacy
from pipelines.privacy import Finding, PersonalDataRefused


def scan_rows(rows: dict[str, list]) -> dict[tuple[str, str], int]:
    con = duckdb.connect()
    con.register("src", pa.table(rows))
    con.execute("CREATE TABLE t AS SELECT * FROM src")
    return {(f.column, f.kind): f.count for f in privacy.scan(con, "t")}


def test_each_kind_is_found_with_column_and_count():
    found = scan_rows({
        "cccd": ["001090012345", "CCCD: 079203004567.", "0010900123456", None],  # 13 digits is not a CCCD
        "cmnd": ["012345678", "số 123456789", "12345678", "x"],
        "phone": ["0912345678", "+84 912 345 678", "0912.345.678", "0212345678"],  # 02… is a landline
        "email": ["an.nguyen@hanoi.gov.vn", "liên hệ: a_b@so-yte.vn", "không có", "@x"],
        "clean": ["Ba Đình", "HN-001", "2024-03-01 13:00:00", "1.234,5"],
    })
    assert found == {("cccd", "cccd"): 2, ("cmnd", "old_id"): 2, ("phone", "phone"): 3, ("email", "email"): 2}


def test_numbers_and_dates_are_not_scanned():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 1234567890 AS n, DATE '2024-01-01' AS d, 912345678 AS i")
    assert privacy.scan(con, "t") == []


def test_scan_accepts_a_select():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT '0987654321' AS phone")
    assert privacy.scan(con, "SELECT * FROM t") == [Finding("phone", "phone", 1)]


def test_message_never_contains_the_values():
    with pytest.raises(PersonalDataRefused) as info:
        privacy.enforce([Finding("so_cccd", "cccd", 3)])
    text = str(info.value)
    assert "so_cccd" in text and "3" in text and "CCCD" in text
    assert info.value.exit_code == 1 and info.value.status == 422


def test_check_schema_personal_field_cannot_be_overridden():
    schema = {"fields": [{"name": "ho_ten", "type": "string", "personal": True}, {"name": "quan", "type": "string"}]}
    findings = privacy.check_schema(schema)
    assert findings == [Finding("ho_ten", "personal_field")]
    with pytest.raises(PersonalDataRefused, match="được đánh dấu là dữ liệu cá nhân"):
        privacy.enforce(findings, override="the department says it is fine to publish")


def test_override_needs_a_written_reason():
    findings = [Finding("contact", "email", 4)]
    with pytest.raises(PersonalDataRefused):
        privacy.enforce(findings, override="ok")
    passed = privacy.enforce(findings, override="official contact addresses of public offices")
    assert passed == findings
    detail = privacy.audit_detail(passed, " official contact addresses of public offices ")
    assert detail == {"reason": "official contact addresses of public offices",
                      "findings": [{"column": "contact", "kind": "email", "count": 4}]}


def test_check_file_on_record_level_health_data(tmp_path):
    path = tmp_path / "records.parquet"
    pq.write_table(pa.table({"ho_ten": ["Nguyễn Văn An", "Trần Thị Bình"], "so_cccd": ["001090012345", "001190054321"],
                             "quan": ["Ba Đình", "Tây Hồ"]}), path)
    findings = privacy.check_file(path, {"fields": [{"name": "ho_ten", "type": "string"}]})
    assert findings == [Finding("so_cccd", "cccd", 2)]
    with pytest.raises(PersonalDataRefused, match="'so_cccd': 2 giá trị trông giống số căn cước công dân 12 chữ số"):
        privacy.enforce(findings)


# Valid CCCD shapes: province 001-096, century/sex digit 0-3; the Hanoi ones (001…) lose two zeros as numbers.
CCCD = ["001090012345", "079203004567", "001185000123", "036094001234", "001301009876", "002090012222"]


def test_number_columns_of_zero_stripped_identifiers_are_found():
    found = scan_rows({
        "so_cccd": [int(x) for x in CCCD],
        "dien_thoai": [int(x) for x in ["0912345678", "0987654321", "0356789012", "0701234567", "0812345679",
                                        "0398765432"]],
        "so_cmnd": [12345678, 123456789, 987654321, 11122233, 22233344, 55566677],
        "cccd_as_double": [float(x) for x in CCCD],
    })
    assert found == {("so_cccd", "cccd"): 6, ("dien_thoai", "phone"): 6, ("so_cmnd", "old_id"): 6,
                     ("cccd_as_double", "cccd"): 6}


def test_number_columns_of_amounts_counts_and_codes_are_not_identifiers():
    found = scan_rows({
        "ngan_sach": [1_500_000_000, 2_500_000_000, 12_000_000_000, 999_000_000, 1_000_000_000, 1_234_567_000],
        "dan_so": [8_053_663, 1_234_567, 345_678, 456_789, 98_765, 4_321],
        "ty_le": [0.5, 1.25, 99.9, 12.0, 7.5, 3.0],
        "mixed": [1090012345, 12, 7, 1500, 3, 42],  # one ID-shaped number among counts is not a column of IDs
    })
    assert found == {}


def test_number_findings_say_the_leading_zeros_were_dropped():
    finding = Finding("so_cccd", "cccd", 6, numeric=True)
    assert "lưu dưới dạng số" in str(finding) and "CCCD" in str(finding)
    assert finding.to_dict() == {"column": "so_cccd", "kind": "cccd", "count": 6, "numeric": True}


# -- describe, then publish, through the CLI ----------------------------------------------------------------------
def opendata(home, *args: str):
    import os
    import subprocess
    import sys

    from conftest import REPO

    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "OPENDATA_HOME": str(home)}, timeout=120)


@pytest.fixture
def cccd_csv(tmp_path):
    path = tmp_path / "benh-nhan.csv"
    path.write_text("quan,so_cccd,so_ca\n" + "".join(f"Ba Đình,{x},{i + 1}\n" for i, x in enumerate(CCCD * 3)),
                    encoding="utf-8")
    home = tmp_path / "home"
    assert opendata(home, "init").returncode == 0
    assert opendata(home, "org", "add", "so-yte", "--title", "Sở Y tế").returncode == 0
    return home, path


def test_describe_then_publish_of_citizen_ids_is_refused_by_the_gate(tmp_path, cccd_csv):
    home, path = cccd_csv
    described = opendata(home, "describe", str(path))
    assert described.returncode == 0, described.stderr
    schema = json.loads(described.stdout)
    assert {f["name"]: f["type"] for f in schema["fields"]}["so_cccd"] == "string"  # leading zeros kept
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(described.stdout, encoding="utf-8")
    result = opendata(home, "publish", str(path), "--dataset", "benh-nhan", "--org", "so-yte",
                      "--schema", str(schema_path))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "so_cccd" in output and "18 giá trị trông giống số căn cước công dân 12 chữ số (CCCD)" in output
    assert "001090012345" not in output and "Traceback" not in output
    assert opendata(home, "datasets", "--json").stdout.count("benh-nhan") == 0


def test_citizen_ids_typed_as_integers_are_refused_too(tmp_path, cccd_csv):
    home, path = cccd_csv
    schema_path = tmp_path / "schema.json"  # what describe drafted before: the IDs as integers, zeros dropped
    schema_path.write_text(json.dumps({"fields": [{"name": "quan", "type": "string"},
                                                  {"name": "so_cccd", "type": "integer"},
                                                  {"name": "so_ca", "type": "integer"}]}), encoding="utf-8")
    result = opendata(home, "publish", str(path), "--dataset", "benh-nhan", "--org", "so-yte",
                      "--schema", str(schema_path))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "'so_cccd': 18 giá trị trông giống số căn cước công dân 12 chữ số (CCCD), lưu dưới dạng số" in output
    assert "1090012345" not in output and "Traceback" not in output
