"""normalize: NFC, spaces, case."""

from __future__ import annotations

import unicodedata

import pytest
from test_etl_helpers import run_step

from pipelines.etl.steps.base import StepError


def test_nfc_trim_collapse_and_title_case(tmp_path):
    nfd = unicodedata.normalize("NFD", "  NGUYỄN\u00a0 văn   ánh ")
    out, _ = run_step([{"name": nfd, "district": " Đống   Đa "}], "normalize",
                      {"columns": ["name"], "case": "title"}, tmp_path)
    assert out[0]["name"] == "Nguyễn Văn Ánh"
    assert unicodedata.is_normalized("NFC", out[0]["name"])
    assert out[0]["district"] == " Đống   Đa "  # not listed: untouched


def test_default_is_every_text_column_and_blank_becomes_null(tmp_path):
    out, _ = run_step([{"a": "  x  y ", "b": "   "}], "normalize", {}, tmp_path)
    assert out == [{"a": "x y", "b": None}]


def test_refuses_non_text_column(tmp_path):
    import pyarrow as pa

    with pytest.raises(StepError, match="not text"):
        run_step([{"n": 1}], "normalize", {"columns": ["n"]}, tmp_path, types={"n": pa.int64()})
