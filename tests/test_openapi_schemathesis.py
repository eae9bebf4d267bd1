"""schemathesis against a real ``opendata serve`` process: no server error, and no answer that contradicts the
OpenAPI document (status codes, content types, headers, response bodies, declared methods, authentication),
for generated valid and invalid requests to every documented operation, the write endpoints included (with a
site admin's token). Every check is on. Bounded: a few examples per operation.

schemathesis runs through its command line: its lazy pytest integration (``from_fixture``) reads a private
pytest attribute that pytest 9 no longer has, and the command line also runs its coverage phase (boundary and
invalid values for every parameter), which the pytest integration does not.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import requests
from data_api_helpers import build_catalogue

from catalog.accounts import Accounts
from conftest import ServerProcess

CONFIG = """
[generation]
max-examples = 6

# Column names, sort keys, field lists, cursors and ages ("7d") depend on the data: a well-formed string that
# names no column or is no cursor this API gave is rightly a 400, which the schema cannot express.
[[operations]]
include-operation-id = ["getRows", "getValueCounts", "downloadView", "downloadPinnedView", "searchDatasets",
                        "listOrganizations", "listActivity"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

# A well-formed file, SQL text or URL can still be a bad one (not a table, not a SELECT, a private address): the
# server says so with a 4xx naming the problem, which a schema cannot express either.
[[operations]]
include-operation-id = ["publishVersion", "validateFile"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "413", "422", "503"]

[[operations]]
include-operation-id = ["runSqlGet", "runSqlPost"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "429"]

[[operations]]
include-operation-id = ["addWebhook"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "403", "404"]
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    root = tmp_path_factory.mktemp("schemathesis")
    cat = build_catalogue(root / "home", root / "work")
    accounts = Accounts(cat)
    accounts.add_user("root", sysadmin=True)
    token = accounts.create_token("root")[0]
    cat.dispose()
    server = ServerProcess(root / "home", workers=2, env={"OPENDATA_RATELIMIT_ENABLED": "false",
                                                           "OPENDATA_MAX_UPLOAD_BYTES": "200000"})
    yield server, token
    server.stop()


@pytest.mark.slow
def test_api_conforms_to_its_openapi_document(live, tmp_path):
    server, token = live
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color", "run",
               f"{server.url}/api/v1/openapi.json", "--checks", "all", "-H", f"Authorization: Bearer {token}",
               "--phases", "examples,coverage,fuzzing", "--workers", "2", "--seed", "20240101",
               "--request-timeout", "30"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-30000:]
    # every documented operation was exercised, and nothing failed or errored
    served = requests.get(f"{server.url}/api/v1/openapi.json", timeout=30).json()
    documented = sum(len(item) for item in served["paths"].values())
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", output)
    assert selected and len(set(selected.groups())) == 1, output[-3000:]  # every loaded operation was tested
    assert int(selected.group(1)) >= documented - 1 >= 30, output[-3000:]
    # every generated case passed every check (warnings about data the server rightly refuses may remain)
    assert re.search(r"(\d+) generated, \1 passed", output) and "failed" not in output.lower(), output[-3000:]
