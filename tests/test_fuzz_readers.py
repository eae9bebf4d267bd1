"""Fuzzing the upload readers: whatever bytes, dialect, merged ranges or nesting a file has, reading it either
works or stops with a ``UserError``, within a memory cap and a deadline.

Each case runs in its own process, forked from a helper that has already imported the readers (so a case
costs milliseconds, not an interpreter start), with ``RLIMIT_AS`` set and a wall-clock deadline after which the
helper kills it. A case that exceeds either, or raises anything but a ``UserError``, fails the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_upload_limits import write_xlsx

from conftest import REPO

MEMORY_CAP = 2 * 1024**3  # address space: DuckDB's threads alone reserve ~700 MB of it
DEADLINE = 20.0  # seconds per case (a shared, noisy machine); a bounded case takes well under one

HELPER = r"""
import json, os, resource, select, signal, sys, time
from catalog.errors import UserError
from pipelines.validate import validate_file

def run(case):
    resource.setrlimit(resource.RLIMIT_AS, (case["cap"], case["cap"]))
    try:
        with validate_file(case["path"], schema=case["schema"], dialect=case["dialect"]) as validation:
            return {"outcome": "read", "rows": validation.rows}
    except UserError as error:
        return {"outcome": "user_error", "message": str(error)[:300]}
    except MemoryError:
        return {"outcome": "over the memory cap"}
    except BaseException as error:
        return {"outcome": "crash", "message": f"{type(error).__name__}: {str(error)[:300]}"}

for line in sys.stdin:
    case = json.loads(line)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.write(write_end, json.dumps(run(case)).encode())
        os._exit(0)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], case["deadline"])
    if ready:
        data = b"".join(iter(lambda: os.read(read_end, 65536), b""))
        answer = json.loads(data) if data else {"outcome": "died"}
    else:
        os.kill(pid, signal.SIGKILL)
        answer = {"outcome": "over the deadline"}
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) and answer["outcome"] == "died":
        answer["message"] = f"killed by signal {os.WTERMSIG(status)}"
    print(json.dumps(answer), flush=True)
"""


@pytest.fixture(scope="module")
def reader():
    """Sends one case to the forking helper and returns how it ended."""
    helper = subprocess.Popen([sys.executable, "-c", HELPER], cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)

    def read(path: Path, schema: dict, dialect: dict | None) -> dict:
        case = {"path": str(path), "schema": schema, "dialect": dialect, "cap": MEMORY_CAP, "deadline": DEADLINE}
        helper.stdin.write(json.dumps(case) + "\n")
        helper.stdin.flush()
        return json.loads(helper.stdout.readline())

    yield read
    helper.stdin.close()
    helper.wait(timeout=30)


def assert_bounded(answer: dict, case: str) -> None:
    assert answer["outcome"] in ("read", "user_error"), f"{answer} for {case}"


def string_fields(count: int) -> dict:
    return {"fields": [{"name": f"f{i}", "type": "string"} for i in range(count)]}


CSV_BYTES = st.sampled_from([b",", b";", b"\t", b"|", b":", b"#", b'"', b"'", b"\\", b"\n", b"\r", b"\r\n", b" ",
                             b"a", b"1", b"\xc3\xa9", b"\xcc\x81", b"\x00", b"\xff"])
DIALECTS = st.fixed_dictionaries({}, optional={
    "delimiter": st.sampled_from([",", ";", "\t", "|", ":", "#", "x"]),
    "quoteChar": st.sampled_from(['"', "'", ""]),
    "escapeChar": st.sampled_from(["\\", "/"]),
    "doubleQuote": st.booleans(),
    "header": st.booleans(),
    "headerRows": st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True).map(sorted),
    "commentChar": st.sampled_from(["#", "%"]),
    "skipBlankRows": st.booleans(),
})


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(pieces=st.lists(CSV_BYTES, max_size=300), wide=st.integers(0, 1200), dialect=DIALECTS,
       fields=st.integers(1, 3))
def test_any_csv_bytes_with_any_dialect_are_read_or_refused_within_bounds(reader, tmp_path_factory, pieces, wide,
                                                                          dialect, fields):
    path = tmp_path_factory.mktemp("csv") / "fuzz.csv"
    path.write_bytes(b"h" + b",h" * wide + b"\n" + b"".join(pieces))
    assert_bounded(reader(path, string_fields(fields), dialect), f"{pieces!r}, wide={wide}, {dialect}")


CELL_REFS = st.tuples(st.integers(1, 16_384), st.integers(1, 1_048_576))


def ref(column: int, row: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def cell_range(corners: tuple[tuple[int, int], tuple[int, int]]) -> str:
    (c1, r1), (c2, r2) = corners
    return f"{ref(min(c1, c2), min(r1, r2))}:{ref(max(c1, c2), max(r1, r2))}"


SMALL_CORNERS = st.tuples(st.tuples(st.integers(1, 8), st.integers(1, 30)), st.tuples(st.integers(1, 8),
                                                                                      st.integers(1, 30)))
RANGES = st.one_of(SMALL_CORNERS, st.tuples(CELL_REFS, CELL_REFS)).map(cell_range)


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(rows=st.lists(st.lists(st.one_of(st.none(), st.integers(-5, 5), st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=5)),
                              max_size=6),
                     max_size=8),
       merged=st.lists(RANGES, max_size=4), dimension=st.one_of(st.none(), RANGES), fill=st.booleans(),
       sheet=st.sampled_from([1, 2, "Sheet", "nope"]))
def test_any_xlsx_with_any_merged_ranges_and_dimension_is_read_or_refused_within_bounds(
        reader, tmp_path_factory, rows, merged, dimension, fill, sheet):
    path = write_xlsx(tmp_path_factory.mktemp("xlsx") / "fuzz.xlsx", [["h1", "h2"], *rows], merged=merged,
                      dimension=dimension)
    dialect = {"excel": {"fillMergedCells": fill, "sheet": sheet}}
    assert_bounded(reader(path, string_fields(2), dialect), f"rows={rows}, merged={merged}, dim={dimension}")


def nested(depth: int, leaf: str) -> str:
    return "[" * depth + leaf + "]" * depth


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(depth=st.integers(0, 400), keys=st.integers(0, 800), rows=st.integers(1, 5),
       leaf=st.sampled_from(['"x"', "1", "{}", '{"k": [1, "]"]}', "null"]), kind=st.sampled_from(["array", "any"]))
def test_any_json_nesting_and_key_count_is_read_or_refused_within_bounds(reader, tmp_path_factory, depth, keys,
                                                                         rows, leaf, kind):
    path = tmp_path_factory.mktemp("json") / "fuzz.json"
    extra = "".join(f', "k{i}": {i}' for i in range(keys))
    path.write_text("[" + ", ".join('{"a": ' + nested(depth, leaf) + extra + "}" for _ in range(rows)) + "]")
    schema = {"fields": [{"name": "a", "type": kind}] + [{"name": f"k{i}", "type": "integer"} for i in range(keys)]}
    assert_bounded(reader(path, schema, None), f"depth={depth}, keys={keys}, leaf={leaf}")
