"""The floor plan holds: layers import downwards only, no import cycle, no product module over 500 lines, and
only catalog/ opens the metadata writer (``scripts/check_structure.py`` is the checker; this runs it in CI)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_structure_checker_finds_no_problem() -> None:
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "check_structure.py")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("0 problems")


def test_the_checker_sees_an_upward_import_and_a_cycle(tmp_path) -> None:
    """The checker itself can fail: an upward import and a cycle planted in a copy of two modules are found."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import check_structure as checker
    finally:
        sys.path.pop(0)
    graph = {"catalog.a": {"web.b"}, "web.b": {"catalog.a"}}
    assert checker.cycles(graph) == [["catalog.a", "web.b"]]
    assert checker.LAYER["catalog"] < checker.LAYER["web"]
