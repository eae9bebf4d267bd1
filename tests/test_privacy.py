"""The privacy gate: personal fields in a schema, personal identifiers in string columns, the override."""

from __future__ import annotations

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
    with pytest.raises(PersonalDataRefused, match="marked personal"):
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
    with pytest.raises(PersonalDataRefused, match=r"'so_cccd': 2 value\(s\) look like 12-digit citizen ID"):
        privacy.enforce(findings)
