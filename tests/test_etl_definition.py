"""Pipeline files: loading, and exact messages (line, step, option) for every problem."""

from __future__ import annotations

import pytest

from catalog.i18n import language
from pipelines.etl.definition import PipelineError, load_pipeline, parse_pipeline

GOOD = """\
name: tourism-monthly
source: {path: "reports/*.xlsx", pick: all, header_row: 4}
steps:
  - filter: {where: "STT IS NOT NULL"}
  - type: normalise
    columns: [Chỉ tiêu]
  - dedupe
target: {dataset: tourism-monthly, org: so-du-lich, schema: tourism_arrivals}
publish: {mode: replace}
schedule: monthly
"""


def issues_of(text: str, tmp_path) -> list[str]:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with language("en"), pytest.raises(PipelineError) as info:  # the English wording (Vietnamese: test_pipeline_messages)
        load_pipeline(path)
    with language("en"):
        return [str(i) for i in info.value.issues]


def test_good_file_loads_with_both_step_spellings_and_defaults(tmp_path):
    pipeline = parse_pipeline(GOOD, base_dir=tmp_path)
    assert pipeline.name == "tourism-monthly" and pipeline.source_kind == "path"
    assert [(s.index, s.type) for s in pipeline.steps] == [(1, "filter"), (2, "normalize"), (3, "deduplicate")]
    assert pipeline.steps[1].options["nfc"] is True and pipeline.steps[1].line == 5
    assert pipeline.mode == "replace" and pipeline.schedule == "monthly"


def test_unknown_step_and_option_with_lines_and_suggestions(tmp_path):
    text = GOOD.replace("  - filter: {where:", "  - filtre: {where:").replace("    columns: [Chỉ tiêu]",
                                                                            "    colums: [Chỉ tiêu]")
    issues = issues_of(text, tmp_path)
    assert issues[0].startswith("line 4: step 1 (filtre): unknown step 'filtre': did you mean 'filter'?")
    assert issues[1].startswith("line 6: step 2 (normalise): unknown option 'colums': did you mean 'columns'?")


def test_wrong_kinds_choices_and_missing_options(tmp_path):
    issues = issues_of("""\
source: {path: x.csv, header_row: zero}
steps:
  - cast:
      columns: {n: integr}
      locale: fr
  - rename:
target: {dataset: Bad Name}
publish: {mode: upsert}
""", tmp_path)
    assert "line 1: source: option 'header_row' must be a whole number, not 'zero'" in issues
    assert any(i.startswith("line 4: step 1 (cast): column 'n': type must be one of") for i in issues)
    assert any(i.startswith("line 5: step 1 (cast): option 'locale' must be one of iso, vi") for i in issues)
    assert any(i.startswith("line 6: step 2 (rename): missing required option 'columns'") for i in issues)
    assert any(i.startswith("line 7: target: invalid dataset name 'Bad Name'") for i in issues)
    assert any(i.startswith("line 8: publish: option 'mode' must be one of replace, append") for i in issues)


def test_source_kinds_and_cross_checks(tmp_path):
    issues = issues_of("""\
source: {path: x.csv, url: "https://x/y.csv", pick: new}
target: {dataset: d}
""", tmp_path)
    assert issues[0] == "line 1: source: the source names several kinds (path, url): keep one"
    issues = issues_of("""\
source: {path: "x/*.csv", pick: new}
target: {dataset: d}
publish: {key: [id]}
""", tmp_path)
    assert "line 1: source: pick: new (only files not taken before) needs publish mode: append" in issues
    assert "line 3: publish: 'key' applies to mode: append only" in issues


def test_not_yaml_duplicates_and_bad_schedule(tmp_path):
    assert issues_of("source: [unclosed\n", tmp_path)[0].startswith("line 2: not valid YAML")
    issues = issues_of("source: {dataset: a}\ntarget: {dataset: b}\ntarget: {dataset: c}\nschedule: every day\n",
                       tmp_path)
    assert any("key 'target' appears twice" in i for i in issues)
    assert any(i.startswith("line 4: schedule: schedule 'every day' is not hourly") for i in issues)


def test_step_specific_checks(tmp_path):
    issues = issues_of("""\
source: {dataset: a}
steps:
  - unpivot: {columns: [a], keep: [b]}
  - aggregate: {group_by: x, suppress: {k: 1, color: red}}
  - derive: {column: x}
target: {dataset: b}
""", tmp_path)
    assert any("step 1 (unpivot): give either 'columns'" in i for i in issues)
    assert any("step 2 (aggregate): no measure" in i for i in issues)
    assert any("step 3 (derive): 'column' and 'expression' go together" in i for i in issues)


def test_missing_file(tmp_path):
    with pytest.raises(PipelineError, match="không tìm thấy tệp"):
        load_pipeline(tmp_path / "nope.yaml")


def test_definition_hash_ignores_schedule_but_not_steps(tmp_path):
    a = parse_pipeline(GOOD, base_dir=tmp_path)
    b = parse_pipeline(GOOD.replace("schedule: monthly", "schedule: daily"), base_dir=tmp_path)
    c = parse_pipeline(GOOD.replace("STT IS NOT NULL", "STT IS NULL"), base_dir=tmp_path)
    assert a.definition_sha256({}) == b.definition_sha256({}) != c.definition_sha256({})
