"""The CLI: opendata pipeline validate, opendata run [--dry-run|--due], opendata runs."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli import main

PIPELINE = """\
name: visits
source: {path: visits.csv}
steps:
  - cast: {columns: {visits: integer}}
target:
  dataset: visits
  org: so-tnmt
  schema: {fields: [{name: district, type: string}, {name: visits, type: integer}]}
schedule: hourly
"""


def cli(catalog, *args):
    return CliRunner().invoke(main, ["--home", str(catalog.home.root), *args], catch_exceptions=False)


def setup(tmp_path):
    (tmp_path / "visits.csv").write_text("district,visits\nBa Đình,12\n", encoding="utf-8")
    path = tmp_path / "visits.yaml"
    path.write_text(PIPELINE, encoding="utf-8")
    return path


def test_pipeline_validate_lists_problems_with_lines(catalog, tmp_path):
    path = setup(tmp_path)
    ok = cli(catalog, "pipeline", "validate", str(path))
    assert ok.exit_code == 0 and "hợp lệ — quy trình visits: path → 1 bước (cast) → visits (replace)" in ok.output
    path.write_text(PIPELINE.replace("  - cast: {columns", "  - cats: {columns").replace("org:", "orgg:"),
                    encoding="utf-8")
    bad = cli(catalog, "pipeline", "validate", str(path))
    assert bad.exit_code == 1
    assert f"{path}:4: bước 1 (cats): bước 'cats' không xác định: có phải ý bạn là 'cast'?" in bad.output
    assert f"{path}:7: target: tuỳ chọn 'orgg' không xác định: có phải ý bạn là 'org'?" in bad.output
    as_json = json.loads(cli(catalog, "pipeline", "validate", str(path), "--json").output)
    assert as_json["valid"] is False and as_json["problems"][0]["line"] == 4


def test_run_dry_run_runs_and_history(catalog, tmp_path):
    path = setup(tmp_path)
    dry = cli(catalog, "run", str(path), "--dry-run")
    assert dry.exit_code == 0 and "một lần chạy thật sẽ công bố 1 dòng" in dry.output and "Ba Đình | 12" in dry.output
    first = cli(catalog, "run", str(path))
    assert first.exit_code == 0 and "đã công bố visits phiên bản 1: 1 dòng" in first.output
    by_name = cli(catalog, "run", "visits", "--dir", str(tmp_path))
    assert by_name.exit_code == 0 and "không đổi" in by_name.output
    (tmp_path / "visits.csv").write_text("district,visits\nBa Đình,mười hai\n", encoding="utf-8")
    broken = cli(catalog, "run", str(path))
    assert broken.exit_code == 1 and "THẤT BẠI: quy trình 'visits' (visits.yaml), bước 1 (cast), dòng 4" in broken.output
    history = cli(catalog, "--lang", "en", "runs", "visits")
    lines = history.output.splitlines()
    assert lines[0].split() == ["RUN", "PIPELINE", "STATUS", "STARTED", "SECONDS", "ROWS", "VERSION", "ERROR"]
    assert [line.split()[2] for line in lines[1:]] == ["failed", "unchanged", "published"]
    runs = json.loads(cli(catalog, "runs", "--json").output)
    assert runs[0]["status"] == "failed" and "không phải một giá trị kiểu" in runs[0]["error"]


def test_run_due_and_argument_errors(catalog, tmp_path):
    setup(tmp_path)
    due = cli(catalog, "run", "--due", "--dir", str(tmp_path))
    assert due.exit_code == 0 and "visits.yaml: đến hạn (lịch chạy 'hourly', chưa chạy lần nào)" in due.output
    again = cli(catalog, "run", "--due", "--dir", str(tmp_path))
    assert again.exit_code == 0 and "đến hạn" in again.output
    neither = cli(catalog, "--lang", "en", "run")
    assert neither.exit_code == 2 and "give either a PIPELINE or --due" in neither.output
    missing = cli(catalog, "--lang", "en", "run", "nope", "--dir", str(tmp_path))
    assert missing.exit_code == 2 and "pipeline 'nope' not found" in missing.output
