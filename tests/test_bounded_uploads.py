"""Work an upload can make expensive runs bounded (issue 10, item 1 and "every piece of work ... bounded").

Schema patterns run in RE2 with Python's meaning (``pipelines/patterns.py``): catastrophic backtracking cannot
happen, and patterns that need backtracking are refused with the feature named. Reading, validating and
publishing an upload runs in a throwaway process with an address-space cap, a CPU-time cap and a deadline
(``pipelines/bounded.py``): a bound hit is a clear 413/422/503, the server keeps answering, nothing is stored.

The primitives are driven directly with real processes; the endpoints through a real ``opendata serve``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from catalog.accounts import Accounts
from catalog.errors import InvalidSchema
from catalog.metadata import Catalog
from pipelines import bounded
from pipelines.patterns import UnsupportedPattern, check_pattern, matches
from pipelines.tableschema import check_schema
from pipelines.validate import validate_file

SCHEMA = {"fields": [{"name": "ma", "type": "string", "constraints": {"pattern": "HN-[0-9]{3}"}},
                     {"name": "so", "type": "integer"}]}
ENV = {"OPENDATA_RATELIMIT_ENABLED": "false"}


# -- patterns ------------------------------------------------------------------------------------------------------
PATTERNS = [r"HN[0-9]{4}", r"a|b", r"\d+", r"\w{3}", r"\s*x", r"[\W\d]+", r"[^\d]+", r"a{,3}", r"(?i:hn)\d",
            r"(?s:.)+", r".+", r"a$", r"a\Z", r"(a+)+$", r"\D+", r"(?a:\w+)", r"x\b", r"(?m:a$)\n?",
            r"\u00e9\N{LATIN SMALL LETTER E WITH ACUTE}", r"[12]\.[0-9]{6}", r"(?P<y>\d{4})-\d\d", r"a*?b", r"\101"]
VALUES = ["", "a", "b", "ab", "xb", "HN0001", "hn1", "٣٤", "abc", "a\n", "a\nb", "\n", " \u00a0\u2028x", "éé",
          "Đ12", "aaaa", "x!", "1.123456", "2023-01", "A", "_", "①", "Ⅻ", "x", "a{,3}"]


def test_patterns_match_exactly_what_python_re_matches_on_unicode_and_newlines():
    for pattern in PATTERNS:
        python = re.compile(f"^{pattern}$")
        for value in VALUES:
            assert matches(pattern, value) == bool(python.match(value)), (pattern, value)


@pytest.mark.parametrize("pattern", [r"[[:alpha:]]", r"\d+", r"\w{2}", r"a$", r"(?i:đ)x", r"a|b", r"\s*x"])
def test_the_validator_reports_exactly_the_cells_python_re_rejects(tmp_path, pattern):
    values = [v for v in VALUES + ["a]", "Đx", "đx"] if v.strip()]
    path = tmp_path / "cells.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["s"], *([v] for v in values)])
    schema = {"fields": [{"name": "s", "type": "string", "constraints": {"pattern": pattern}}]}
    with validate_file(path, schema=schema) as validation:
        rows = {e["rowNumber"] for e in validation.report["tasks"][0]["errors"]}
    python = re.compile(f"^{pattern}$")
    assert rows == {i + 2 for i, v in enumerate(values) if not python.match(v)}


@pytest.mark.parametrize(("pattern", "feature"), [
    (r"(?=a)(a+)+$", "lookahead"), (r"(a)\1", "backreference"), (r"(?<!x)y", "negative lookahead or lookbehind"),
    (r"a++", "possessive"), (r"(?>a+)", "atomic group"), (r"a{2000}", "hơn 1000 lần"),
])
def test_patterns_that_need_backtracking_are_refused_naming_the_feature(pattern, feature):
    with pytest.raises(UnsupportedPattern, match=re.escape(feature)):
        check_pattern(pattern)


def test_an_unsupported_pattern_in_a_schema_is_an_invalid_schema_naming_field_and_fix():
    schema = {"fields": [{"name": "ma", "type": "string", "constraints": {"pattern": r"(\w)\1"}}]}
    with pytest.raises(InvalidSchema) as caught:
        check_schema(schema)
    message = str(caught.value)
    assert "fields[0].constraints.pattern" in message and "backreference" in message
    assert "hãy viết tường minh phần lặp lại" in message


def test_a_catastrophic_pattern_on_a_hostile_value_takes_linear_time():
    started = time.monotonic()
    for n in (30, 3000, 300_000):  # Python's re needs ~2**n steps for these
        assert not matches(r"(a+)+$", "a" * n + "\n!")
        assert not matches(r"(\w+)+$", "é" + "a" * n + "!")
    assert time.monotonic() - started < 5


# -- the bounded worker ----------------------------------------------------------------------------------------------
def test_a_job_returns_its_result_from_a_separate_process():
    assert bounded.run_bounded(math.factorial, 20, limits=bounded.UploadLimits()) == math.factorial(20)


def test_only_a_job_that_stores_a_version_file_gets_the_object_stores_credentials(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "bi-mat-cua-kho")
    monkeypatch.setenv("OPENDATA_STORAGE_URL", "s3://kho/du-lieu")
    assert "AWS_SECRET_ACCESS_KEY" not in bounded.child_environment()  # validate, describe: a hostile file's reader
    assert bounded.child_environment(stores=True)["AWS_SECRET_ACCESS_KEY"] == "bi-mat-cua-kho"  # publish
    assert bounded.run_bounded(os.getenv, "AWS_SECRET_ACCESS_KEY", limits=bounded.UploadLimits()) is None
    assert bounded.run_bounded(os.getenv, "AWS_SECRET_ACCESS_KEY", limits=bounded.UploadLimits(),
                               stores=True) == "bi-mat-cua-kho"


def test_a_user_error_in_the_job_is_raised_again_with_its_class_and_message():
    with pytest.raises(InvalidSchema, match=r"fields\[0\]\.constraints\.pattern: .* dùng một phép nhìn trước"):
        bounded.run_bounded(check_schema, {"fields": [{"name": "a", "constraints": {"pattern": "(?=a)a"}}]},
                            limits=bounded.UploadLimits())


def test_a_job_over_its_memory_bound_is_stopped_with_413():
    with pytest.raises(bounded.OverMemory, match="cần hơn 600 MB bộ nhớ") as caught:
        bounded.run_bounded(bytearray, 2 * 1024**3, limits=bounded.UploadLimits(memory_mb=600))
    assert caught.value.status == 413


def test_a_job_over_its_deadline_is_killed_with_422():
    started = time.monotonic()
    with pytest.raises(bounded.OverTime, match="lâu hơn 2 giây cho phép") as caught:
        bounded.run_bounded(time.sleep, 60, limits=bounded.UploadLimits(deadline_seconds=2))
    assert caught.value.status == 422
    assert time.monotonic() - started < 20


def test_a_job_over_its_cpu_time_is_killed_with_422():
    with pytest.raises(bounded.OverTime, match="cần hơn 1 giây CPU"):
        bounded.run_bounded(math.factorial, 10**8, limits=bounded.UploadLimits(cpu_seconds=1, deadline_seconds=120))


def test_jobs_beyond_the_worker_count_get_busy_with_retry_after():
    limits = bounded.UploadLimits(workers=1, queue_wait=0.1, deadline_seconds=30)
    holder = threading.Thread(target=bounded.run_bounded, args=(time.sleep, 3), kwargs={"limits": limits})
    holder.start()
    time.sleep(0.5)
    try:
        with pytest.raises(bounded.WorkersBusy) as caught:
            bounded.run_bounded(math.factorial, 5, limits=limits)
        assert caught.value.status == 503 and caught.value.retry_after >= 1
    finally:
        holder.join()


def test_limits_come_from_the_flask_config_or_the_environment_names():
    limits = bounded.UploadLimits.from_config({"UPLOAD_WORKER_MEMORY_MB": 700,
                                               "OPENDATA_UPLOAD_WORKER_DEADLINE_SECONDS": "9.5"})
    assert (limits.memory_mb, limits.deadline_seconds, limits.cpu_seconds) == (700, 9.5, 300)


# -- through a real server ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A catalogue with one department and an editor's token."""
    home = tmp_path_factory.mktemp("bounded") / "home"
    cat = Catalog(home)
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    accounts = Accounts(cat)
    accounts.add_user("editor1")
    accounts.add_member("so-tnmt", "editor1", "editor", actor="test")
    token = accounts.create_token("editor1")[0]
    cat.dispose()
    return {"home": home, "token": token}


def probe_pages_while(url: str, work) -> tuple[object, list[float]]:
    """Run ``work()`` in a thread and time ``GET /`` every half second meanwhile."""
    result: dict = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", work()))
    thread.start()
    timings = []
    while thread.is_alive() or not timings:
        started = time.monotonic()
        assert requests.get(url + "/", timeout=10).status_code == 200
        timings.append(time.monotonic() - started)
        time.sleep(0.5)
    thread.join()
    return result["value"], timings


def validate(url: str, csv: str, schema: dict, **kwargs) -> requests.Response:
    return requests.post(url + "/api/v1/validate", files={"file": ("data.csv", csv.encode())},
                         data={"schema": json.dumps(schema)}, timeout=120, **kwargs)


def publish(url: str, token: str, name: str, csv: bytes) -> requests.Response:
    return requests.post(f"{url}/api/v1/datasets/{name}/versions", headers={"Authorization": token},
                         files={"file": ("data.csv", csv)}, data={"org": "so-tnmt", "schema": json.dumps(SCHEMA)},
                         timeout=120)


def data_files(home: Path) -> set[Path]:
    return {p for p in (home / "data").rglob("*") if p.is_file()}


def nothing_stored(home: Path, name: str, files_before: set[Path]) -> None:
    cat = Catalog(home)
    try:
        assert cat.find_dataset(name) is None
    finally:
        cat.dispose()
    assert data_files(home) == files_before


def big_csv(rows: int) -> bytes:
    return ("ma,so\n" + "".join(f"HN-{i % 1000:03d},{i}\n" for i in range(rows))).encode()


def test_a_regex_attack_on_anonymous_validate_answers_fast_and_pages_keep_answering(site, serve):
    server = serve(site["home"], env=ENV)
    lookahead = {"fields": [{"name": "ma", "type": "string", "constraints": {"pattern": "(?=a)(a+)+$"}}]}
    hostile = "ma\n" + "".join(f'"{"a" * 40}\n!{i}"\n' for i in range(4)) + '"aaa\n"\n'
    nested = {"fields": [{"name": "ma", "type": "string", "constraints": {"pattern": "(a+)+$"}}]}
    started = time.monotonic()
    (refused, answered), timings = probe_pages_while(
        server.url, lambda: (validate(server.url, hostile, lookahead), validate(server.url, hostile, nested)))
    assert time.monotonic() - started < 60  # Python's re: ~2**40 steps per value
    assert max(timings) < 3
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "invalid_schema"
    assert "fields[0].constraints.pattern" in error["message"] and "lookahead" in error["message"]
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["valid"] is False
    errors = body["report"]["tasks"][0]["errors"]
    # Python's $ matches before a final newline: 'aaa\n' is valid, the four 'a...a\n!i' are not
    assert sorted(e["rowNumber"] for e in errors) == [2, 3, 4, 5]
    assert {e["type"] for e in errors} == {"constraint-error"}


def test_a_normal_publish_through_the_api_still_works_and_reports_like_frictionless(site, serve):
    server = serve(site["home"], env=ENV)
    answer = publish(server.url, site["token"], "tram-quan-trac", b"ma,so\nHN-001,1\nHN-002,2\n")
    assert answer.status_code == 201, answer.text
    assert answer.json()["version"]["number"] == 1 and answer.json()["version"]["rows"] == 2
    assert requests.get(f"{server.url}/api/v1/datasets/tram-quan-trac", timeout=10).status_code == 200
    report = validate(server.url, "ma,so\nHN-001,1\nHX-002,2\n", SCHEMA).json()
    assert report["valid"] is False
    [error] = report["report"]["tasks"][0]["errors"]
    assert (error["type"], error["rowNumber"], error["fieldName"]) == ("constraint-error", 3, "ma")


def test_an_upload_over_the_memory_bound_is_413_and_nothing_is_stored(site, serve):
    # 256 MB of address space is less than the reader itself needs: every upload job hits the bound.
    server = serve(site["home"], env={**ENV, "OPENDATA_UPLOAD_WORKER_MEMORY_MB": "256"})
    before = data_files(site["home"])
    answer, timings = probe_pages_while(server.url, lambda: publish(server.url, site["token"], "qua-lon",
                                                                   big_csv(100_000)))
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "too_large"
    assert "256 MB bộ nhớ" in answer.json()["error"]["message"]
    assert max(timings) < 3
    nothing_stored(site["home"], "qua-lon", before)
    checked = validate(server.url, "ma,so\nHN-001,1\n", SCHEMA)
    assert checked.status_code == 413 and checked.json()["error"]["code"] == "too_large"
    ckan = requests.post(f"{server.url}/api/3/action/package_create", headers={"Authorization": site["token"]},
                         json={"name": "ckan-lon", "owner_org": "so-tnmt"}, timeout=30)
    assert ckan.status_code == 200, ckan.text
    upload = requests.post(f"{server.url}/api/3/action/resource_create", headers={"Authorization": site["token"]},
                           data={"package_id": "ckan-lon", "name": "data", "format": "CSV"},
                           files={"upload": ("data.csv", big_csv(1000))}, timeout=60)
    assert upload.status_code == 413, upload.text
    assert upload.json()["success"] is False and "256 MB bộ nhớ" in upload.json()["error"]["message"]
    assert requests.get(server.url + "/", timeout=3).status_code == 200


def test_an_upload_over_the_deadline_is_422_and_busy_workers_answer_503(site, serve):
    server = serve(site["home"], env={**ENV, "OPENDATA_UPLOAD_WORKER_DEADLINE_SECONDS": "0.5",
                                      "OPENDATA_UPLOAD_WORKER_WORKERS": "1",
                                      "OPENDATA_UPLOAD_WORKER_QUEUE_WAIT": "0.05"})
    before = data_files(site["home"])
    answer = publish(server.url, site["token"], "qua-cham", big_csv(400_000))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "timeout"
    assert "lâu hơn 0,5 giây cho phép" in answer.json()["error"]["message"]  # the API's default: Vietnamese
    nothing_stored(site["home"], "qua-cham", before)
    # one upload worker per web process: of six requests at once, some find none free within 0.05 s
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: validate(server.url, "ma,so\nHN-001,1\n", SCHEMA), range(6)))
    busy = [a for a in answers if a.status_code == 503]
    assert busy, [a.status_code for a in answers]
    assert {a.status_code for a in answers} <= {200, 422, 503}
    assert busy[0].json()["error"]["code"] == "busy" and int(busy[0].headers["Retry-After"]) >= 1
    assert requests.get(server.url + "/", timeout=3).status_code == 200
