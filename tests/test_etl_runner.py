"""Running pipelines end to end: publish, idempotence, dry runs, history, and every bad input (real catalogue)."""

from __future__ import annotations

import json
import textwrap

import pytest

from catalog.i18n import language
from catalog.runs import list_runs
from pipelines.etl.due import due_pipelines, run_due
from pipelines.etl.runner import run_pipeline

SCHEMA = {
    "fields": [
        {"name": "district", "type": "string", "constraints": {"required": True,
                                                               "enum": ["Ba Đình", "Tây Hồ", "Đống Đa"]}},
        {"name": "visits", "type": "integer", "constraints": {"required": True, "minimum": 0}},
    ],
    "primaryKey": ["district"],
}
PIPELINE = """\
name: visits
source: {{path: visits.csv, header_row: 2}}
steps:
  - rename: {{columns: {{Quận: district, Số lượt: visits}}}}
  - map: {{columns: district, values: {{Q. Đống Đa: Đống Đa}}}}
  - cast: {{locale: vi, columns: {{visits: integer}}}}
  - filter: {{where: "visits >= 0"}}
target:
  dataset: visits
  org: so-tnmt
  schema: {schema}
  title: Lượt khách theo quận
publish: {{mode: replace}}
schedule: daily
"""


def write(folder, csv_text: str, pipeline: str = PIPELINE, name: str = "visits.yaml"):
    (folder / "visits.csv").write_text(csv_text, encoding="utf-8")
    path = folder / name
    path.write_text(pipeline.format(schema=json.dumps(SCHEMA, ensure_ascii=False)), encoding="utf-8")
    return path


GOOD_CSV = "BÁO CÁO LƯỢT KHÁCH\nQuận,Số lượt\nBa Đình,1.234\nQ. Đống Đa,56\n"


def snapshot(catalog) -> tuple:
    """What 'the catalogue' is: datasets, versions, files, audit entries."""
    files = sorted(p.relative_to(catalog.home.data_dir).as_posix() for p in catalog.home.data_dir.rglob("*")
                   if p.is_file())
    return catalog.stats(), files, len(catalog.list_audit())


def test_publishes_then_is_idempotent_then_publishes_a_change(catalog, tmp_path):
    path = write(tmp_path, GOOD_CSV)
    first = run_pipeline(catalog, path)
    assert first.status == "published", first.error
    assert [(s.index, s.type, s.rows) for s in first.steps] == [
        (0, "extract (path: csv)", 2), (1, "rename", 2), (2, "map", 2), (3, "cast", 2), (4, "filter", 2)]
    assert first.steps[3].sample[0] == {"district": "Ba Đình", "visits": 1234}
    dataset = catalog.get_dataset("visits")
    assert dataset["title"] == "Lượt khách theo quận" and dataset["extras"]["pipeline"] == "visits"
    before = snapshot(catalog)
    again = run_pipeline(catalog, path)
    assert again.status == "unchanged" and again.version["number"] == 1
    assert snapshot(catalog) == before
    write(tmp_path, GOOD_CSV + "Tây Hồ,7\n")
    third = run_pipeline(catalog, path)
    assert third.status == "published" and third.version["number"] == 2 and third.version["rows"] == 3
    history = list_runs(catalog, "visits")
    assert [r["status"] for r in history] == ["published", "unchanged", "published"]
    assert history[0]["version"] == 2 and history[0]["rows"] == 3 and history[0]["duration_ms"] >= 0
    assert [s["type"] for s in history[0]["steps"]][1:] == ["rename", "map", "cast", "filter"]


def test_dry_run_writes_nothing(catalog, tmp_path):
    path = write(tmp_path, GOOD_CSV)
    before = snapshot(catalog)
    result = run_pipeline(catalog, path, dry_run=True)
    assert result.status == "dry-run" and result.valid is True and result.rows == 2
    assert "một lần chạy thật sẽ công bố 2 dòng thành visits phiên bản 1" in result.messages[-1]
    assert snapshot(catalog) == before and list_runs(catalog) == []
    assert not any(catalog.home.tmp_dir.iterdir())


def failed(catalog, path, *needles):
    """Run, expect a failure naming the pipeline, recorded in the history, and no change to the catalogue."""
    before = snapshot(catalog)
    with language("en"):  # the English wording of each failure (the Vietnamese: test_pipeline_messages.py)
        result = run_pipeline(catalog, path)
    assert result.status == "failed", result
    assert result.error.startswith("pipeline 'visits'") or result.error.startswith("pipeline visits")
    for needle in needles:
        assert needle in result.error, result.error
    assert snapshot(catalog) == before
    last = list_runs(catalog, "visits")[0]
    assert last["status"] == "failed" and last["error"] == result.error
    return result


def test_unknown_step_and_option_fail_the_run(catalog, tmp_path):
    bad = PIPELINE.replace("  - filter:", "  - filtre:")
    failed(catalog, write(tmp_path, GOOD_CSV, bad), "line 7: step 4 (filtre): unknown step 'filtre'")
    bad = PIPELINE.replace("{{locale: vi,", "{{locale: vi, strict: true,")
    failed(catalog, write(tmp_path, GOOD_CSV, bad), "step 3 (cast): unknown option 'strict'")


def test_step_referencing_a_missing_column(catalog, tmp_path):
    bad = PIPELINE.replace("{{visits: integer}}", "{{so_luot: integer}}")
    failed(catalog, write(tmp_path, GOOD_CSV, bad), "step 3 (cast), line 6", "'so_luot' not found")


def test_unreachable_sources(catalog, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENDATA_ALLOW_PRIVATE_URLS", "true")  # 127.0.0.1:9: unreachable, not refused
    bad = PIPELINE.replace("{{path: visits.csv, header_row: 2}}", "{{path: missing.csv}}")
    failed(catalog, write(tmp_path, GOOD_CSV, bad), "source file not found: missing.csv")
    bad = PIPELINE.replace("{{path: visits.csv, header_row: 2}}", "{{url: 'http://127.0.0.1:9/v.csv', timeout: 2}}")
    failed(catalog, write(tmp_path, GOOD_CSV, bad), "source unreachable: http://127.0.0.1:9/v.csv")


def test_schema_drift_against_the_last_successful_run(catalog, tmp_path):
    path = write(tmp_path, GOOD_CSV)
    assert run_pipeline(catalog, path).status == "published"
    write(tmp_path, "BÁO CÁO\nQuận,Số lượt,Ghi chú\nBa Đình,1.234,x\n")
    failed(catalog, path, "the source's columns changed (new: 'Ghi chú')", "last successful run")
    write(tmp_path, "BÁO CÁO\nQuận\nBa Đình\n")
    failed(catalog, path, "missing: 'Số lượt'")


def test_zero_rows_names_the_step(catalog, tmp_path):
    bad = PIPELINE.replace('visits >= 0', 'visits > 1000000')
    failed(catalog, write(tmp_path, GOOD_CSV, bad), "step 4 (filter), line 7: produced no rows (its input had 2)")


def test_invalid_against_the_schema(catalog, tmp_path):
    failed(catalog, write(tmp_path, GOOD_CSV + "Hoàn Kiếm,3\n"), "not valid against the target schema",
           "constraint-error")


def test_output_not_fitting_the_schema(catalog, tmp_path):
    bad = PIPELINE.replace("  - cast: {{locale: vi, columns: {{visits: integer}}}}\n", "").replace(
        'visits >= 0', "visits <> ''")
    failed(catalog, write(tmp_path, GOOD_CSV, bad), "'visits': 1 value(s) are not a plain integer (e.g. '1.234')",
           "add a cast step")
    bad = PIPELINE.replace("Số lượt: visits", "Số lượt: so_luot").replace("{{visits: integer}}", "{{so_luot: integer}}")
    failed(catalog, write(tmp_path, GOOD_CSV, bad.replace("visits >= 0", "so_luot >= 0")),
           "lacks the schema's field(s) 'visits'", "does not know: 'so_luot'")


def test_run_due_and_schedules(catalog, tmp_path):
    folder = tmp_path / "pipes"
    folder.mkdir()
    write(folder, GOOD_CSV)
    write(folder, GOOD_CSV, PIPELINE.replace("schedule: daily\n", "").replace("name: visits", "name: manual"),
          name="manual.yaml")
    assert [p.name for p, _ in due_pipelines(catalog, folder)] == ["visits.yaml"]
    results = run_due(catalog, folder)
    assert [r.status for r in results] == ["published"]
    assert due_pipelines(catalog, folder) == []  # just ran: the next daily moment has not come
    assert list_runs(catalog, "visits")[0]["trigger"] == "due"
    (folder / "broken.yaml").write_text("source: {path: x.csv}\n", encoding="utf-8")  # no target
    for _ in range(2):
        results = run_due(catalog, folder)
        assert [r.status for r in results] == ["failed"] and "thiếu khoá bắt buộc 'target'" in results[0].error
    assert len(list_runs(catalog, "broken")) == 1  # recorded once, not at every look


def test_privacy_gate_refuses_and_override_is_audited(catalog, tmp_path):
    schema = {"fields": [{"name": "district", "type": "string"}, {"name": "contact", "type": "string"}]}
    text = textwrap.dedent(f"""\
        name: contacts
        source: {{path: c.csv}}
        target: {{dataset: contacts, org: so-tnmt, schema: {json.dumps(schema)}}}
    """)
    (tmp_path / "c.csv").write_text("district,contact\nBa Đình,0912345678\nTây Hồ,tiep.dan@hanoi.gov.vn\n",
                                    encoding="utf-8")
    (tmp_path / "contacts.yaml").write_text(text, encoding="utf-8")
    before = snapshot(catalog)
    refused = run_pipeline(catalog, tmp_path / "contacts.yaml")
    assert refused.status == "failed" and snapshot(catalog) == before
    assert {(f.column, f.kind, f.count) for f in refused.findings} == {("contact", "phone", 1), ("contact", "email", 1)}
    assert "0912345678" not in refused.error and "tiep.dan" not in refused.error
    reason = "public hotline and office address, published on the city portal"
    allowed = run_pipeline(catalog, tmp_path / "contacts.yaml", privacy_override=reason)
    assert allowed.status == "published", allowed.error
    entry = next(e for e in catalog.list_audit(dataset="contacts") if e["action"] == "privacy.override")
    assert entry["detail"]["reason"] == reason and entry["detail"]["findings"][0]["column"] == "contact"


def test_personal_field_in_schema_is_refused(catalog, tmp_path):
    schema = {"fields": [{"name": "district", "type": "string"}, {"name": "ho_ten", "type": "string",
                                                                  "personal": True}]}
    (tmp_path / "p.csv").write_text("district,ho_ten\nBa Đình,Nguyễn Văn An\n", encoding="utf-8")
    (tmp_path / "p.yaml").write_text(f"source: {{path: p.csv}}\ntarget: {{dataset: p, org: so-tnmt, schema: "
                                     f"{json.dumps(schema, ensure_ascii=False)}}}\n", encoding="utf-8")
    result = run_pipeline(catalog, tmp_path / "p.yaml", privacy_override="a long enough reason, but no")
    assert result.status == "failed" and "'ho_ten' được đánh dấu là dữ liệu cá nhân" in result.error
    assert catalog.find_dataset("p") is None


@pytest.mark.parametrize("trigger", ["cli"])
def test_broken_file_is_recorded_under_its_file_name(catalog, tmp_path, trigger):
    (tmp_path / "broken-one.yaml").write_text("source: [\n", encoding="utf-8")
    result = run_pipeline(catalog, tmp_path / "broken-one.yaml", trigger=trigger)
    assert result.status == "failed" and "không phải YAML hợp lệ" in result.error
    assert list_runs(catalog, "broken-one")[0]["status"] == "failed"


def test_one_run_of_a_pipeline_at_a_time(catalog, tmp_path):
    from pipelines.etl.runner import pipeline_lock

    path = write(tmp_path, GOOD_CSV)
    with pipeline_lock(catalog, "visits") as locked:
        assert locked
        busy = run_pipeline(catalog, path)
    assert busy.status == "failed" and "đang chạy trong một tiến trình khác" in busy.error
    assert list_runs(catalog, "visits") == [] and catalog.find_dataset("visits") is None
    assert run_pipeline(catalog, path).status == "published"


def test_a_lazy_expression_error_is_attributed_to_its_step(catalog, tmp_path):
    # derive is a view evaluated only when the output is written; the failure must still name step 4.
    bad = PIPELINE.replace('  - filter: {{where: "visits >= 0"}}',
                           '  - derive: {{column: visits, expression: "CAST(district AS INTEGER)"}}')
    failed(catalog, write(tmp_path, GOOD_CSV, bad), "step 4 (derive), line 7: Conversion Error")


def test_a_lazy_error_beyond_the_sample_rows(catalog, tmp_path):
    bad = PIPELINE.replace('  - filter: {{where: "visits >= 0"}}',
                           "  - derive: {{column: visits, expression: \"CAST(CASE WHEN district = 'Tây Hồ' "
                           "THEN 'x' ELSE '1' END AS INTEGER)\"}}")
    csv = GOOD_CSV + "Ba Đình,1\nĐống Đa,2\nTây Hồ,3\n"
    failed(catalog, write(tmp_path, csv, bad), "step 4 (derive), line 7: Conversion Error")
