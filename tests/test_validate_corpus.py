"""The shared validation corpus: our answers equal frictionless 5.21's (and the 'intended' ones on request).

Through the Python API (fast, precise failure messages) and through the real CLI with the corpus's own
checker script, in both command forms the issue names.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHARED
from pipelines.validate import validate_file, validate_package

CORPUS = SHARED / "corpus" / "validation"
CASES = sorted(p.parent for p in (CORPUS / "public").glob("*/expected.json"))


def load(case: Path) -> dict:
    return json.loads((case / "expected.json").read_text(encoding="utf-8"))


def has_foreign_key(case: Path) -> bool:
    schema = json.loads((case / load(case)["inputs"]["schema"]).read_text(encoding="utf-8"))
    return bool(schema.get("foreignKeys"))


def triples(errors: list[dict]) -> set:
    return {(e["type"], e.get("rowNumber"), e.get("fieldName") or None) for e in errors}


def reported(validation) -> tuple[bool, set]:
    errors = validation.report["errors"] + [e for t in validation.report["tasks"] for e in t["errors"]]
    return validation.valid, triples(errors)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_package_form(case):
    expected, inputs = load(case), load(case)["inputs"]
    checklist = json.loads((case / inputs["checklist"]).read_text(encoding="utf-8"))
    with validate_package(case / inputs["package"], inputs["resource"], checklist=checklist) as validation:
        assert reported(validation) == (expected["valid"], triples(expected["errors"]))


@pytest.mark.parametrize("case", [c for c in CASES if not has_foreign_key(c)], ids=lambda p: p.name)
def test_file_form(case):
    expected, inputs = load(case), load(case)["inputs"]
    read = lambda key: json.loads((case / inputs[key]).read_text(encoding="utf-8"))  # noqa: E731
    with validate_file(case / inputs["data"], schema=read("schema"), dialect=read("dialect"),
                       encoding=inputs.get("encoding") or "utf-8", checklist=read("checklist")) as validation:
        assert reported(validation) == (expected["valid"], triples(expected["errors"]))
        assert validation.rows == (expected["rows_read"] or 0)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_intended_policy(case):
    """policy="intended" gives the corpus's intended answer where one is recorded, frictionless's elsewhere."""
    expected, inputs = load(case), load(case)["inputs"]
    want = expected.get("intended", expected)
    checklist = json.loads((case / inputs["checklist"]).read_text(encoding="utf-8"))
    with validate_package(case / inputs["package"], inputs["resource"], checklist=checklist,
                          policy="intended") as validation:
        assert reported(validation) == (want["valid"], triples(want["errors"]))


@pytest.mark.slow
def test_checker_script_passes_both_command_forms(tmp_path):
    """``check_validator.py`` driving the installed ``opendata`` command: the package form on every case,
    the bare-file form on every case without a foreign key, and the intended reference on its cases."""
    opendata = shutil.which("opendata") or pytest.fail("the opendata command is not installed (pip install -e .)")
    no_fk = tmp_path / "no-fk"
    no_fk.mkdir()
    for case in CASES:
        if not has_foreign_key(case):
            (no_fk / case.name).symlink_to(case, target_is_directory=True)
    checker = [sys.executable, str(CORPUS / "check_validator.py")]
    runs = {
        "package": checker + ["--corpus", "public", "--", opendata, "validate", "{package}", "--resource",
                              "{resource}", "--checklist", "{checklist}", "--json"],
        "file": checker + ["--corpus", str(no_fk), "--", opendata, "validate", "{data}", "--schema", "{schema}",
                           "--dialect", "{dialect}", "--encoding", "{encoding}", "--checklist", "{checklist}",
                           "--json"],
        "intended": checker + ["--corpus", "public", "--reference", "intended", "--case", "p08*", "--", opendata,
                               "validate", "{package}", "--resource", "{resource}", "--checklist", "{checklist}",
                               "--json"],
    }
    env = {**os.environ, "NO_COLOR": "1"}
    procs = {name: subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    env={**env, "OPENDATA_VALIDATION_POLICY": "intended"} if name == "intended"
                                    else env)
             for name, cmd in runs.items()}
    outputs = {name: proc.communicate(timeout=600)[0] for name, proc in procs.items()}
    for name, proc in procs.items():
        assert proc.returncode == 0, f"{name} form:\n{outputs[name]}"
    assert f"{len(CASES)} passed, 0 failed" in outputs["package"]
    assert f"{len(list(no_fk.iterdir()))} passed, 0 failed" in outputs["file"]
    assert "1 passed, 0 failed" in outputs["intended"]
