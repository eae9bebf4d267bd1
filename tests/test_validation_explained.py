"""Every validation error explained for department staff: what is wrong and what to do, in their language.

The frictionless fields (``type``, ``message``, ``note``, positions) stay as frictionless gives them; the
``explanation`` is added. Real validation (DuckDB), the real CLI and a real server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import requests

from catalog.i18n import language
from conftest import REPO
from pipelines.validate import validate_file
from pipelines.validation.explain import closest_value

QUALITY = {"name": "quality", "type": "string", "constraints": {"enum": ["Tốt", "Trung bình", "Kém"]}}


def errors_of(tmp_path, text: str, fields: list[dict], lang: str = "vi") -> list[dict]:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    with language(lang), validate_file(path, schema={"fields": fields}) as validation:
        return validation.report["tasks"][0]["errors"]


def test_an_enum_typo_gets_the_closest_allowed_value_ignoring_accents_and_case(tmp_path):
    errors = errors_of(tmp_path, "quality\nKem\ntrung binh\nRất xấu\n", [QUALITY])
    assert [e["cell"] for e in errors] == ["Kem", "trung binh", "Rất xấu"]
    assert "Có phải ý bạn là 'Kém'?" in errors[0]["explanation"]
    assert "Có phải ý bạn là 'Trung bình'?" in errors[1]["explanation"]
    assert "Có phải ý bạn" not in errors[2]["explanation"] and "'Tốt', 'Trung bình', 'Kém'" in errors[2]["explanation"]
    english = errors_of(tmp_path, "quality\nKem\n", [QUALITY], lang="en")
    assert "Did you mean 'Kém'?" in english[0]["explanation"]


def test_closest_value_folds_accents_and_tolerates_one_slip():
    assert closest_value("KEM", ["Tốt", "Kém"]) == "Kém"
    assert closest_value("dong da", ["Đống Đa", "Ba Đình"]) == "Đống Đa"
    assert closest_value("Dong Daa", ["Đống Đa", "Ba Đình"]) == "Đống Đa"
    assert closest_value("Hoàn Kiếm", ["Đống Đa", "Ba Đình"]) is None


def test_frictionless_fields_are_kept_and_the_explanation_is_added(tmp_path):
    [error] = errors_of(tmp_path, "visitors\n30.000\n", [{"name": "visitors", "type": "integer"}])
    assert (error["type"], error["rowNumber"], error["fieldName"], error["fieldNumber"]) == (
        "type-error", 2, "visitors", 1)
    assert error["note"] == 'type is "integer/default"'  # frictionless's words, for tools
    assert "integer/default" not in error["explanation"] and "số nguyên" in error["explanation"]


def test_an_integer_with_a_thousands_separator_is_told_to_drop_it(tmp_path):
    errors = errors_of(tmp_path, 'visitors\n30.000\n"30,000"\n', [{"name": "visitors", "type": "integer"}])
    for error, sep in zip(errors, ".,", strict=True):
        assert "không được có dấu phân cách hàng nghìn" in error["explanation"]
        assert "30000" in error["explanation"] and f'groupChar "{sep}"' in error["explanation"]
    english = errors_of(tmp_path, "visitors\n30.000\n", [{"name": "visitors", "type": "integer"}], lang="en")
    assert "Integers cannot have a thousands separator" in english[0]["explanation"]


def test_a_decimal_comma_gets_the_decimal_char_hint(tmp_path):
    [error] = errors_of(tmp_path, 'pm25\n"92,5"\n', [{"name": "pm25", "type": "number"}])
    assert 'decimalChar ","' in error["explanation"] and "92.5" in error["explanation"]


def test_a_date_in_another_format_gets_the_expected_format_with_an_example(tmp_path):
    [iso] = errors_of(tmp_path, "day\n31/03/2024\n", [{"name": "day", "type": "date"}])
    assert "YYYY-MM-DD" in iso["explanation"] and "2024-03-31" in iso["explanation"]
    [day_first] = errors_of(tmp_path, "day\n2024-03-31\n", [{"name": "day", "type": "date", "format": "%d/%m/%Y"}])
    assert "DD/MM/YYYY" in day_first["explanation"] and "31/03/2024" in day_first["explanation"]
    [impossible] = errors_of(tmp_path, "day\n2024-02-30\n", [{"name": "day", "type": "date"}])
    assert "không có thật" in impossible["explanation"]


def test_row_header_and_key_errors_are_explained(tmp_path):
    fields = [{"name": "id", "type": "integer", "constraints": {"required": True}}, QUALITY]
    text = "id,quality,extra\n1,Tốt,x\n1,Tốt,x\n,Kém,x\n"
    schema = {"fields": fields, "primaryKey": ["id"]}
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    with language("vi"), validate_file(path, schema=schema) as validation:
        errors = validation.report["tasks"][0]["errors"]
    explained: dict[str, str] = {}
    for error in errors:
        explained[error["type"]] = explained.get(error["type"], "") + error["explanation"]
    assert "extra" in explained["extra-label"] and "lược đồ không mô tả" in explained["extra-label"]
    assert "Khóa chính của dòng 3 trùng với dòng 2" in explained["primary-key"]
    assert "Dòng 4 để trống khóa chính" in explained["primary-key"]
    assert "bắt buộc phải có giá trị" in explained["constraint-error"]
    assert all(e["explanation"] for e in errors)


def test_the_cli_json_report_carries_the_explanation(tmp_path):
    (tmp_path / "data.csv").write_text("quality\nKem\n", encoding="utf-8")
    (tmp_path / "schema.json").write_text(json.dumps({"fields": [QUALITY]}))
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": ""}
    result = subprocess.run([sys.executable, "-m", "cli", "validate", str(tmp_path / "data.csv"), "--schema",
                             str(tmp_path / "schema.json"), "--json"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    [error] = json.loads(result.stdout)["tasks"][0]["errors"]
    assert error["type"] == "constraint-error" and error["note"].startswith('constraint "enum"')
    assert "Có phải ý bạn là 'Kém'?" in error["explanation"]
    text = subprocess.run([sys.executable, "-m", "cli", "validate", str(tmp_path / "data.csv"), "--schema",
                           str(tmp_path / "schema.json")], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120).stdout
    assert "Có phải ý bạn là 'Kém'?" in text and 'dòng 2, cột "quality", ô "Kem"' in text


def test_the_web_validation_answer_explains_each_error_in_the_request_language(catalog, serve):
    catalog.dispose()
    server = serve(catalog.home.root)
    form = {"schema": json.dumps({"fields": [QUALITY, {"name": "visitors", "type": "integer"}]})}

    def post(query: str = "", **headers: str) -> dict:
        files = {"file": ("bao-cao.csv", b"quality,visitors\nKem,30.000\n")}
        answer = requests.post(f"{server.url}/api/v1/validate{query}", data=form, files=files, headers=headers,
                               timeout=30)
        assert answer.status_code == 200, answer.text
        return {e["type"]: e for e in answer.json()["report"]["tasks"][0]["errors"]}

    vietnamese = post()
    assert "Có phải ý bạn là 'Kém'?" in vietnamese["constraint-error"]["explanation"]
    assert "dấu phân cách hàng nghìn" in vietnamese["type-error"]["explanation"]
    assert vietnamese["type-error"]["note"] == 'type is "integer/default"'
    english = post("?lang=en")
    assert "Did you mean 'Kém'?" in english["constraint-error"]["explanation"]
    assert "thousands separator" in post(**{"Accept-Language": "en-GB"})["type-error"]["explanation"]
