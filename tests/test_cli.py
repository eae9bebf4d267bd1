"""The CLI on bad input: one clear line, a non-zero exit, no traceback, and the catalogue unchanged."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from catalog.metadata import Catalog
from catalog.sqltext import quote_ident
from conftest import REPO

SCHEMA = {"fields": [{"name": "district", "type": "string"}, {"name": "visitors", "type": "integer"}]}
GOOD = "district,visitors\nĐống Đa,12\nBa Đình,7\n"


def opendata(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENDATA_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def fingerprint(home: Path) -> dict:
    """What a failed command must not change: every table's rows (in the home's database, SQLite or PostgreSQL) and
    every file's bytes."""
    catalog = Catalog(home)
    try:
        with catalog.reader.connect() as conn:
            tables = {name: sorted(map(repr, conn.execute(sa.text(f"SELECT * FROM {quote_ident(name)}"))))
                      for name in sorted(sa.inspect(conn).get_table_names())}
    finally:
        catalog.dispose()
    assert tables.get("datasets"), "the fingerprint must see the catalogue's rows"
    files = {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in home.rglob("*") if p.is_file() and not p.name.startswith("metadata.sqlite")}
    return {"tables": repr(tables), "files": files}


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A catalogue with one organisation and one published dataset."""
    root = tmp_path_factory.mktemp("cli")
    home = root / "home"
    (root / "schema.json").write_text(json.dumps(SCHEMA))
    (root / "good.csv").write_text(GOOD, encoding="utf-8")
    assert opendata(home, "init").returncode == 0
    assert opendata(home, "org", "add", "so-du-lich", "--title", "Sở Du lịch").returncode == 0
    done = opendata(home, "publish", str(root / "good.csv"), "--dataset", "tourism", "--org", "so-du-lich",
                    "--schema", str(root / "schema.json"))
    assert done.returncode == 0, done.stderr
    return home


def zip_bomb(path: Path) -> None:
    """A valid-looking XLSX whose sheet inflates to far more than the limit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (300 * 1024 * 1024) + b"/>")
    path.write_bytes(buffer.getvalue())


BAD_FILES = {
    "empty.csv": b"",
    "header-only.csv": b"district,visitors\n",
    "binary.csv": bytes(range(256)) * 40,
    "truncated.csv": b'district,visitors\n"\xc4\x90\xe1\xbb\x91ng \xc4\x90a,12\nBa',
    "not-really.xlsx": "district,visitors\nTây Hồ,3\n".encode(),  # CSV bytes under an .xlsx name
    "latin.csv": "district,visitors\nHà Đông,12\n".encode("cp1258"),  # Windows-1258, not declared
    "long-line.csv": b"district,visitors\n" + b"x" * (10 * 1024 * 1024) + b",1\n",
}


@pytest.mark.parametrize("name", [*BAD_FILES, "bomb.xlsx"])
def test_bad_files_are_refused_and_nothing_changes(home, tmp_path, name):
    path = tmp_path / name
    if name == "bomb.xlsx":
        zip_bomb(path)
    else:
        path.write_bytes(BAD_FILES[name])
    before = fingerprint(home)
    result = opendata(home, "publish", str(path), "--dataset", "tourism")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    message = (result.stderr + result.stdout).strip()
    assert message, "a refusal says why"
    if name == "latin.csv":
        assert "--encoding" in message
    assert fingerprint(home) == before


@pytest.mark.parametrize("args, expected", [
    (["publish", "{good}", "--dataset", "../etc", "--org", "so-du-lich", "--schema", "{schema}"], "invalid dataset name"),
    (["publish", "{good}", "--dataset", "Tourism", "--org", "so-du-lich", "--schema", "{schema}"], "invalid dataset name"),
    (["publish", "{good}", "--dataset", "new-one", "--org", "so-khong-co", "--schema", "{schema}"], "so-khong-co"),
    (["publish", "{good}", "--dataset", "new-one", "--org", "so-du-lich", "--schema", "khong_co"], "khong_co"),
    (["publish", "{good}", "--dataset", "new-one", "--org", "so-du-lich", "--schema", "{bad_schema}"], "fields"),
    (["show", "khong-co"], "not found"),
    (["versions", "khong-co"], "not found"),
    (["validate", "{good}", "--schema", "{bad_schema}"], "fields"),
    (["org", "add", "Bad Name", "--title", "x"], "invalid organisation name"),
])
def test_usage_mistakes_get_one_clear_line(home, tmp_path, args, expected):
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "schema.json").write_text(json.dumps(SCHEMA))
    (tmp_path / "bad-schema.json").write_text(json.dumps({"fields": [{"name": "a", "type": "integr"}]}))
    paths = {"good": tmp_path / "good.csv", "schema": tmp_path / "schema.json",
             "bad_schema": tmp_path / "bad-schema.json"}
    before = fingerprint(home)
    result = opendata(home, "--lang", "en", *[a.format(**paths) for a in args])  # the English wording is the point
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and expected in lines[0], result.stderr
    vietnamese = opendata(home, *[a.format(**paths) for a in args])
    lines = [line for line in vietnamese.stderr.splitlines() if line.strip()]
    assert vietnamese.returncode == 2 and len(lines) == 1 and lines[0].startswith("Lỗi:"), vietnamese.stderr
    assert fingerprint(home) == before


def test_invalid_data_prints_the_report_and_exits_1(home, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("district,visitors\nĐống Đa,khoảng 500\n", encoding="utf-8")
    before = fingerprint(home)
    result = opendata(home, "publish", str(bad), "--dataset", "tourism")
    assert result.returncode == 1
    assert "type-error" in result.stdout and "visitors" in result.stdout
    assert "không phải là số nguyên" in result.stdout  # the explanation, in Vietnamese by default
    english = opendata(home, "--lang", "en", "publish", str(bad), "--dataset", "tourism")
    assert english.returncode == 1 and "nothing was published" in english.stdout
    assert "is not a valid integer" in english.stdout
    assert fingerprint(home) == before


def test_listing_commands_speak_json(home):
    datasets = json.loads(opendata(home, "datasets", "--json").stdout)
    assert [d["name"] for d in datasets] == ["tourism"]
    shown = json.loads(opendata(home, "show", "tourism", "--json").stdout)
    assert shown["org"] == "so-du-lich" and shown["rows"] == 2
    versions = json.loads(opendata(home, "versions", "tourism", "--json").stdout)["versions"]
    assert [v["number"] for v in versions] == [1]
    assert json.loads(opendata(home, "fsck", "--json").stdout)["ok"] is True


def test_help_is_helpful():
    result = subprocess.run([sys.executable, "-m", "cli", "--help"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("demo", "publish", "validate", "describe", "serve", "fsck", "datasets"):
        assert command in result.stdout
