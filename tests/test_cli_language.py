"""The CLI speaks Vietnamese to department staff, and English when asked (``--lang en`` or an English locale).

Real subprocesses: the language is chosen before click reads a parameter, from the same environment a user's
shell gives the command, so only a real process shows what a user sees.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from catalog.i18n import current_lang
from conftest import REPO

SCHEMA = {"fields": [{"name": "district", "type": "string"}, {"name": "visitors", "type": "integer"}]}


def opendata(*args: str, home: Path | None = None, **locale: str) -> subprocess.CompletedProcess:
    """The command as a user's shell runs it, with only the locale variables given (others removed)."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "OPENDATA_HOME")}
    env.update({"LANG": "C.UTF-8", **locale})
    if home is not None:
        env["OPENDATA_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)


def test_help_is_vietnamese_by_default():
    result = opendata("--help")
    assert result.returncode == 0
    assert "Danh mục dữ liệu mở Hà Nội" in result.stdout and "Cách dùng:" in result.stdout
    assert "Tùy chọn:" in result.stdout and "Hiện hướng dẫn này rồi thoát." in result.stdout
    assert "Usage:" not in result.stdout and "Show this message" not in result.stdout


def test_lang_en_before_help_gives_english_help():
    result = opendata("--lang", "en", "--help")
    assert result.returncode == 0
    assert "Hanoi Open Data Catalogue" in result.stdout and "Usage:" in result.stdout
    assert "Danh mục dữ liệu mở" not in result.stdout


def test_an_english_locale_gives_english_help_for_a_command():
    result = opendata("publish", "--help", LANG="en_US.UTF-8")
    assert result.returncode == 0
    assert "Validate SOURCE and publish it as a new version of DATASET." in result.stdout
    assert "Dataset name (lowercase a-z, 0-9, '-')." in result.stdout and "Options:" in result.stdout
    vietnamese = opendata("publish", "--help")
    assert "Kiểm tra SOURCE và công bố nó thành một phiên bản mới của DATASET." in vietnamese.stdout
    assert "Tên bộ dữ liệu (chữ thường a-z, 0-9, '-')." in vietnamese.stdout


def test_lc_all_overrides_lang_and_lang_option_overrides_both():
    assert "Cách dùng:" in opendata("--help", LANG="en_US.UTF-8", LC_ALL="vi_VN.UTF-8").stdout
    assert "Usage:" in opendata("--help", LC_MESSAGES="en_GB.UTF-8").stdout
    assert "Cách dùng:" in opendata("--lang", "vi", "--help", LANG="en_US.UTF-8").stdout


def test_usage_mistakes_are_in_the_chosen_language():
    vietnamese = opendata("validate", "--bogus")
    assert vietnamese.returncode == 2 and "Lỗi: Không có tùy chọn '--bogus'." in vietnamese.stderr
    english = opendata("--lang", "en", "validate", "--bogus")
    assert english.returncode == 2 and "Error: No such option '--bogus'." in english.stderr
    assert "Usage:" in english.stderr and "Cách dùng" not in english.stderr


def test_the_validation_summary_formats_numbers_in_the_language(tmp_path):
    source = tmp_path / "visitors.csv"
    source.write_text("district,visitors\n" + "Đống Đa,12\n" * 1234, encoding="utf-8")
    (tmp_path / "schema.json").write_text(json.dumps(SCHEMA))
    args = ("validate", str(source), "--schema", str(tmp_path / "schema.json"))
    vietnamese, english = opendata(*args), opendata(*args, LANG="en_US.UTF-8")
    assert vietnamese.returncode == english.returncode == 0
    assert "HỢP LỆ" in vietnamese.stdout and "1.234 dòng" in vietnamese.stdout
    assert "VALID" in english.stdout and "1,234 rows" in english.stdout


def test_versions_show_the_publishing_time_in_hanoi_time(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "schema.json").write_text(json.dumps(SCHEMA))
    (tmp_path / "good.csv").write_text("district,visitors\nĐống Đa,30000\n", encoding="utf-8")
    assert opendata("init", home=home).returncode == 0
    created = opendata("org", "add", "so-du-lich", "--title", "Sở Du lịch", home=home)
    assert "đã tạo tổ chức so-du-lich" in created.stdout
    published = opendata("publish", str(tmp_path / "good.csv"), "--dataset", "tourism", "--org", "so-du-lich",
                         "--schema", str(tmp_path / "schema.json"), home=home)
    assert published.returncode == 0, published.stderr
    listed = opendata("versions", "tourism", home=home)
    stamp = json.loads(opendata("versions", "tourism", "--json", home=home).stdout)["versions"][0]["published_at"]
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    hanoi = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert hanoi.strftime("%d/%m/%Y %H:%M") + " (ICT)" in listed.stdout
    assert "CÔNG BỐ LÚC" in listed.stdout and "PHIÊN BẢN" in listed.stdout
    shown = opendata("show", "tourism", home=home)
    assert re.search(r"số dòng: 1\b", shown.stdout) and "số nguyên" in shown.stdout  # a field's type in words


def test_the_language_chosen_for_one_command_does_not_outlive_it():
    from cli import main

    runner = CliRunner()
    assert "Usage:" in runner.invoke(main, ["--lang", "en", "--help"], env={"LANG": "C.UTF-8"}).output
    assert current_lang() == "vi"
    assert "Cách dùng:" in runner.invoke(main, ["--help"], env={"LANG": "C.UTF-8", "LC_ALL": ""}).output


def test_show_speaks_the_language_with_english_metadata_tag_labels_and_frequency_words(tmp_path):
    home = tmp_path / "home"
    assert opendata("init", home=home).returncode == 0
    assert opendata("org", "add", "so-tnmt", "--title", "Sở Tài nguyên và Môi trường", "--title-en",
                    "Department of Natural Resources and Environment", home=home).returncode == 0
    (tmp_path / "d.csv").write_text("district,visitors\nBa Đình,12\n", encoding="utf-8")
    (tmp_path / "s.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    published = opendata("publish", str(tmp_path / "d.csv"), "--dataset", "khach", "--org", "so-tnmt", "--schema",
                         str(tmp_path / "s.json"), "--title", "Lượt khách", "--title-en", "Visitors",
                         "--frequency", "monthly", "--tag", "du-lich=Du lịch|Tourism", home=home)
    assert published.returncode == 0, published.stderr
    vietnamese = opendata("show", "khach", home=home).stdout
    assert "Lượt khách" in vietnamese and "hằng tháng" in vietnamese and "Du lịch" in vietnamese
    english = opendata("--lang", "en", "show", "khach", home=home).stdout
    assert "title: Visitors" in english and "monthly" in english and "tags: Tourism" in english
    assert "Department of Natural Resources and Environment" in english


def test_every_command_keeps_its_example_lines_in_both_languages():
    """click keeps a paragraph's lines as written only after a ``\\b`` (backspace) line; a written-out backslash-b
    in the Vietnamese source would print as text and run the examples together."""
    from cli import main

    def commands(group, path=()):
        for name, command in sorted(group.commands.items()):
            yield (*path, name)
            if hasattr(command, "commands"):
                yield from commands(command, (*path, name))

    runner = CliRunner()
    for path in commands(main):
        for lang in ("vi", "en"):
            shown = runner.invoke(main, ["--lang", lang, *path, "--help"]).output
            assert "\\b" not in shown, (path, lang, shown)
    demo = runner.invoke(main, ["demo", "--help"]).output
    assert "\n    opendata demo\n" in demo and "Ví dụ:\n" in demo


def test_clicks_own_suggestions_and_plural_messages_speak_the_language():
    vi = opendata("serve", "--home", "x")
    assert vi.returncode == 2 and "(Có phải ý bạn là một trong: '--help', '--host'?)" in vi.stderr, vi.stderr
    assert "Thừa các tham số (b c)" in opendata("versions", "a", "b", "c").stderr
    en = opendata("serve", "--home", "x", LANG="en_US.UTF-8")
    assert "(Did you mean one of: '--help', '--host'?)" in en.stderr and "Có phải" not in en.stderr
