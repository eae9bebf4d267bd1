"""The pipelines speak Vietnamese by default and English when asked, with the same error code either way.

Representative refusals of each kind a user meets: a file too wide for the upload limits, a URL refused by the
outbound rule, a pipeline file that does not load, the privacy gate, and a refusal raised in the bounded upload
worker (a separate process, which must answer in the language of the request that started it).
"""

from __future__ import annotations

import pytest

from catalog.errors import UserError
from catalog.i18n import language
from pipelines import bounded, limits, outbound, privacy
from pipelines.etl.definition import parse_pipeline
from pipelines.validate import validate_file

SCHEMA = {"fields": [{"name": n, "type": "integer"} for n in "abcd"]}


@pytest.fixture
def wide_csv(tmp_path):
    path = tmp_path / "rong.csv"
    path.write_text("a,b,c,d\n1,2,3,4\n", encoding="utf-8")
    return path


def refusal(action) -> UserError:
    with pytest.raises(UserError) as caught:
        action()
    return caught.value


def in_both_languages(action) -> tuple[UserError, UserError]:
    """The refusal by default (Vietnamese), then inside ``language("en")``."""
    vietnamese = refusal(action)
    with language("en"):
        english = refusal(action)
    return vietnamese, english


def test_a_file_too_wide_is_refused_in_vietnamese_by_default_and_in_english_on_request(wide_csv):
    def read():
        with limits.using(limits.Limits(max_columns=3)):
            validate_file(wide_csv, schema=SCHEMA)

    vi, en = in_both_languages(read)
    assert vi.code == en.code == "too_large"
    assert "rong.csv: dòng 1 có 4 cột, vượt giới hạn 3 (MAX_UPLOAD_COLUMNS)" in str(vi)
    assert "hãy chia bảng thành các tệp ít cột hơn" in str(vi)
    assert "rong.csv: row 1 has 4 columns, over the limit of 3 (MAX_UPLOAD_COLUMNS)" in str(en)
    assert "split the table into narrower files" in str(en)


def test_numbers_in_a_refusal_follow_the_language(tmp_path):
    path = tmp_path / "dai.csv"
    path.write_text("a\n" + "1\n" * 1500, encoding="utf-8")

    def read():
        with limits.using(limits.Limits(max_rows=1200)):
            validate_file(path, schema={"fields": [{"name": "a", "type": "integer"}]})

    vi, en = in_both_languages(read)
    assert "vượt giới hạn 1.200 (MAX_UPLOAD_ROWS)" in str(vi)
    assert "over the limit of 1,200 (MAX_UPLOAD_ROWS)" in str(en)


def test_a_url_on_a_private_address_is_refused_in_either_language_with_the_setting_named(monkeypatch):
    monkeypatch.delenv(outbound.ALLOW_ENV, raising=False)
    vi, en = in_both_languages(lambda: outbound.check_url("http://127.0.0.1:9/data.csv"))
    assert vi.code == en.code == "forbidden"
    assert "trỏ tới 127.0.0.1, một địa chỉ riêng, loopback hoặc dành riêng: bị từ chối" in str(vi)
    assert "resolves to 127.0.0.1, a private, loopback or reserved address: refused" in str(en)
    assert f"{outbound.ALLOW_ENV}=true" in str(vi) and f"{outbound.ALLOW_ENV}=true" in str(en)


def test_a_pipeline_file_with_a_misspelt_step_names_line_step_and_suggestion_in_either_language(tmp_path):
    text = ("source: {path: a.csv}\n"
            "steps:\n"
            "  - filtre: {where: \"n > 0\"}\n"
            "target: {dataset: d, org: so-tnmt}\n")
    vi, en = in_both_languages(lambda: parse_pipeline(text, base_dir=tmp_path, name="luot-khach"))
    assert vi.code == en.code == "invalid_input"
    assert str(vi) == ("quy trình luot-khach: dòng 3: bước 1 (filtre): bước 'filtre' không xác định: có phải ý "
                       "bạn là 'filter'? các giá trị đã biết: " + str(vi).split("các giá trị đã biết: ")[1])
    assert str(en).startswith("pipeline luot-khach: line 3: step 1 (filtre): unknown step 'filtre': "
                              "did you mean 'filter'?")


def test_the_privacy_gate_refuses_in_either_language_without_showing_values():
    finding = privacy.Finding("so_cccd", "cccd", 1200)
    vi, en = in_both_languages(lambda: privacy.enforce([finding]))
    assert vi.code == en.code == "personal_data"
    assert vi.to_dict()["findings"] == en.to_dict()["findings"] == [finding.to_dict()]
    assert ("Dữ liệu có vẻ chứa dữ liệu cá nhân: cột 'so_cccd': 1.200 giá trị trông giống số căn cước công dân "
            "12 chữ số (CCCD)") in str(vi)
    assert "The data seems to contain personal data: column 'so_cccd': 1,200 value(s) look like 12-digit" in str(en)


@pytest.mark.parametrize("lang, expected", [
    ("vi", "rong.csv: dòng 1 có 4 cột, vượt giới hạn 3"),
    ("en", "rong.csv: row 1 has 4 columns, over the limit of 3"),
])
def test_the_bounded_upload_worker_answers_in_the_language_of_the_request(wide_csv, lang, expected):
    with language(lang), limits.using(limits.Limits(max_columns=3)):
        error = refusal(lambda: bounded.validate(wide_csv, schema=SCHEMA, limits=bounded.UploadLimits()))
    assert error.code == "too_large" and expected in str(error)
