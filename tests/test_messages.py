"""The message catalogue: every interface string written in the code (Vietnamese, the source language) has its
English in ``catalog/locale/en/LC_MESSAGES/<domain>.po``, found by Babel's own extraction (``scripts/messages.py``,
the same tool developers run: ``python scripts/messages.py update``)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from catalog import i18n
from conftest import REPO


def load_messages_tool():
    spec = importlib.util.spec_from_file_location("messages_tool", REPO / "scripts" / "messages.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["messages_tool"] = module
    spec.loader.exec_module(module)
    return module


def test_every_message_in_the_code_has_its_english_translation():
    gaps = load_messages_tool().missing()
    listed = "\n".join(f"{domain}: {text}" for domain, texts in gaps.items() for text in texts)
    assert not gaps, f"messages without English (run `python scripts/messages.py update`, then translate):\n{listed}"


def test_the_catalogues_keep_no_english_for_messages_the_code_no_longer_has():
    stale = load_messages_tool().obsolete()
    listed = "\n".join(f"{domain}: {text}" for domain, texts in stale.items() for text in texts)
    assert not stale, f"stale entries (run `python scripts/messages.py update`):\n{listed}"


def test_extraction_finds_python_and_template_messages_in_every_layer():
    tool = load_messages_tool()
    web = {m.id for m in tool.extract("web") if m.id}
    assert "Bộ dữ liệu" in web  # a template's _("…")
    assert "hằng giờ" in {m.id for m in tool.extract("catalog") if m.id}  # a Python N_("…") constant


@pytest.mark.parametrize(("lang", "expected"), [("vi", "Bộ dữ liệu"), ("en", "Datasets"), ("en_US.UTF-8", "Datasets"),
                                                ("fr", "Bộ dữ liệu")])
def test_gettext_follows_the_language_of_the_context(lang, expected):
    with i18n.language(lang):
        assert i18n.gettext("Bộ dữ liệu") == expected


def test_a_message_missing_in_english_shows_the_vietnamese_rather_than_failing():
    with i18n.language("en"):
        assert i18n.gettext("Câu này chưa có bản dịch {n}", n=3) == "Câu này chưa có bản dịch 3"


@pytest.mark.parametrize(("value", "vi", "en"), [(20000, "20.000", "20,000"), (92.5, "92,5", "92.5"),
                                                 (21.03748, "21,03748", "21.03748"), (-1234567, "-1.234.567", "-1,234,567")])
def test_numbers_follow_the_language_babel_s_locale_data(value, vi, en):
    assert i18n.format_number(value, lang="vi") == vi
    assert i18n.format_number(value, lang="en") == en


def test_times_are_shown_in_hanoi_time_and_given_to_programs_in_utc_with_an_offset():
    assert i18n.format_date("2026-12-05T20:30:00Z", with_time=True, lang="vi") == "06/12/2026 03:30 (ICT)"
    assert i18n.format_date("2026-12-05T20:30:00Z", lang="vi") == "06/12/2026"
    assert i18n.api_time("2026-12-05T20:30:00") == "2026-12-05T20:30:00+00:00"


def test_names_sort_in_vietnamese_order_as_duckdb_s_icu_collation_does():
    names = ["Chương Mỹ", "Ba Vì", "Cầu Giấy", "Ba Đình", "Đông Anh", "Dương Nội"]
    assert i18n.collate(names) == ["Ba Đình", "Ba Vì", "Cầu Giấy", "Chương Mỹ", "Dương Nội", "Đông Anh"]
    rows = [{"n": name} for name in names]
    assert [r["n"] for r in i18n.collate(rows, key=lambda r: r["n"], reverse=True)][0] == "Đông Anh"
