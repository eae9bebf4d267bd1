"""No input is a server error: every route of the app, driven with hostile values, answers 2xx, 3xx or 4xx.

The routes come from the app's own URL map and the parameter names from the web layer's source, so a new
route or parameter is covered without editing this test. Each URL variable and each parameter is made hostile
in turn (the others valid, so that the hostile one is reached): integers beyond 64 bits, negative numbers,
100,000 levels of nesting, lists and objects where strings belong, long strings, NUL bytes, invalid UTF-8,
lone surrogates, right-to-left marks. GET sends them in the query string, POST as JSON, as a form and, for
upload endpoints, as multipart fields beside a small valid file. A 4xx on an API path must be JSON that names
its error (``{"error": {"code"}}``, or CKAN's ``{"error": {"__type"}}``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from test_pages import build_catalogue

from catalog.accounts import Accounts
from catalog.metadata import Catalog
from catalog.search import FACET_ALIASES, FACETS
from web import create_app
from web.ckan.api import ACTIONS, WRITE_ACTIONS
from web.ckan.search import ALLOWED

REPO = Path(__file__).resolve().parents[1]
DATASET, ORG = "khong-khi-dong-da", "so-tnmt"
DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000
HOSTILE_TEXT = [str(2**63), str(10**30), "-1", str(-(2**63) - 1), "0", "1e999", "NaN", "x" * 20_000,
                "a\x00b", "\u202eĐống Đa 🙂 e\u0301\ufeff", "[" * 1000, '{"a": [1, {"b": null}]}', "../../etc/passwd",
                "' OR 1=1 --", '"unterminated', "(" * 500 + "a", "*:*", ""]
HOSTILE_JSON = [2**63, 10**30, -1, -(2**63) - 1, 1.5e308, 0.5, True, None, [], ["a", 1, None], {"a": {"b": [1]}},
                "x" * 100_000, "a\x00b", "\ud800", "\u202eĐống Đa"]
RAW_BODIES = [DEEP, DEEP_OBJECT, '{"q": ' + DEEP + "}", b'{"q": "\xff\xfe"}', b"\xff\xfe\x00", "[1, 2]", '"text"',
              "1" * 5000, "{", "null"]
HOSTILE_INTS = [str(2**63), str(10**30), str(2**64 + 1), "0", "-1", "00000000000000000000000000001"]
# Parameters the web layer reads, found in its source: request.args.get("x"), data.get("x"), int_arg("x"), ...
PARAM_RE = re.compile(r'(?:\b(?:args|form|data|params|values|fields|body)\.(?:get|getlist)\(\s*'
                      r'|\bint_arg\(|\b(?:int_param|bool_param|required)\(\w+, |\b(?:data|params|fields)\[)"([^"]+)"')
UPLOAD_ENDPOINTS = {"publish_api.publish_version", "publish_api.validate_upload"}
CSV = "station,district,pm25,measured_on\nTrạm 1,Đống Đa,12.5,2024-01-02\n".encode()


def parameter_names() -> list[str]:
    names = set(ALLOWED) | set(FACETS) | set(FACET_ALIASES) | {"district", "pm25", "title", "notes", "url",
                                                                "extras", "private", "license_id", "upload"}
    for path in [*(REPO / "web").rglob("*.py"), *(REPO / "catalog" / "rows").glob("*.py")]:
        names.update(PARAM_RE.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Flask, dict[str, str]]:
    root = tmp_path_factory.mktemp("no5xx")
    cat: Catalog = build_catalogue(root / "home", root / "sources")
    accounts = Accounts(cat)
    accounts.add_user("editor")
    accounts.add_member(ORG, "editor", "editor", actor="test")
    token = accounts.create_token("editor")[0]
    cat.dispose()
    app = create_app(root / "home", {"TESTING": True, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    package = client.get(f"/api/3/action/package_show?id={DATASET}").get_json()["result"]
    valid = {"name": DATASET, "number": "1", "fmt": "csv", "column": "district", "schema_name": "air_quality",
             "package_id": DATASET, "resource_id": package["resources"][0]["id"], "filename": "data.csv"}
    return app, {"token": token, **valid}


class Probe:
    """Sends requests and collects every answer that breaks the rule (a 5xx, or a non-JSON API error)."""

    def __init__(self, app: Flask, token: str) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": token}
        self.failures: list[str] = []
        self.sent = 0

    def send(self, method: str, url: str, what: str, **kwargs) -> None:
        self.sent += 1
        response = self.client.open(url, method=method, headers=self.headers, **kwargs)
        status = response.status_code
        path = url.split("?")[0]
        problem = None
        if status >= 500:
            problem = f"{status}"
        elif 400 <= status < 500 and path.startswith("/api/"):
            body = response.get_json(silent=True)
            error = body.get("error") if isinstance(body, dict) else None
            if not (isinstance(error, dict) and (error.get("code") or error.get("__type"))):
                problem = f"{status} without a JSON error: {response.get_data()[:120]!r}"
        if problem:
            self.failures.append(f"{method} {url[:120]} {what[:120]}: {problem}")


def url_for_rule(rule: str, valid: dict[str, str], **override: str) -> str:
    """The rule's path with each variable filled: the valid value, or an override (already URL-quoted)."""
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name in override:
            return override[name]
        return quote(valid.get(name, ORG if name == "name" else "x"), safe="")
    return re.sub(r"<(?:[\w]+(?:\([^)]*\))?:)?(\w+)>", fill, rule)


def rules(app: Flask) -> list:
    """One URL rule per view (``/api/action/x`` and ``/api/3/action/x/`` reach the same code)."""
    return list({rule.endpoint: rule for rule in reversed(list(app.url_map.iter_rules()))}.values())


def targets(app: Flask, valid: dict[str, str]) -> list[tuple[str, str, str]]:
    """(endpoint, method, valid URL) for every view and method, and for every CKAN action."""
    found = []
    for rule in rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "ckan.dispatch":
                actions = sorted(ACTIONS, key=lambda a: a.endswith("_delete"))  # deletions last
                found += [(f"ckan:{a}", method, url_for_rule(rule.rule, valid, name=a)) for a in actions
                          if not (method == "GET" and a in WRITE_ACTIONS)]
            else:
                values = dict(valid, name=ORG) if "organization" in rule.endpoint else valid
                found.append((rule.endpoint, method, url_for_rule(rule.rule, values)))
    return found


def drive_variables(probe: Probe, app: Flask, valid: dict[str, str]) -> None:
    for rule in rules(app):
        values = dict(valid, name=ORG) if "organization" in rule.endpoint else valid
        for variable in rule.arguments:
            is_int = f"<int:{variable}>" in rule.rule
            hostile = HOSTILE_INTS if is_int else [quote(v, safe="") for v in HOSTILE_TEXT] + ["%FF%FE", "%00"]
            for value in hostile:
                probe.send("GET", url_for_rule(rule.rule, values, **{variable: value}), f"{variable}={value[:20]}")


def drive_parameters(probe: Probe, endpoint: str, method: str, url: str, names: list[str]) -> None:
    """All parameters hostile at once (one value per request), then each alone (values taken in turn)."""
    for value in HOSTILE_TEXT:
        if method == "GET":
            probe.send("GET", url + "?" + urlencode({n: value for n in names}), f"all={value[:20]!r}")
        else:
            probe.send("POST", url, f"form all={value[:20]!r}", data={n: value for n in names})
    if method == "GET":
        probe.send("GET", url + "?" + "&".join(f"{n}=%FF%00" for n in names), "all=invalid UTF-8")
        for i, name in enumerate(names):
            value = HOSTILE_TEXT[i % len(HOSTILE_TEXT)]
            probe.send("GET", url + "?" + urlencode({name: value}), f"{name}={value[:20]!r}")
        return
    upload = endpoint in UPLOAD_ENDPOINTS  # a JSON body is an uploaded file there: fewer, slower requests
    for value in HOSTILE_JSON[::3] if upload else HOSTILE_JSON:
        probe.send("POST", url, f"json all={value!r:.20}", json={n: value for n in names})
    for body in RAW_BODIES:
        probe.send("POST", url, f"raw body {body[:20]!r}", data=body, content_type="application/json")
    for i, name in enumerate([] if upload else names):
        value = HOSTILE_JSON[i % len(HOSTILE_JSON)]
        probe.send("POST", url, f"json {name}={value!r:.20}", json={name: value})
    if upload:
        for value in HOSTILE_TEXT[:10]:
            fields = {n: value for n in names if n not in ("file", "upload")}
            probe.send("POST", url, f"multipart all={value[:20]!r}", content_type="multipart/form-data",
                       data={**fields, "file": (io.BytesIO(CSV), "air.csv")})


def test_every_route_answers_hostile_values_without_a_server_error(site):
    app, valid = site
    probe = Probe(app, valid.pop("token"))
    names = parameter_names()
    drive_variables(probe, app, valid)
    for endpoint, method, url in targets(app, valid):
        drive_parameters(probe, endpoint, method, url, names)
    assert probe.sent > 3000, "the probe should cover every route with many values"
    assert not probe.failures, f"{len(probe.failures)} of {probe.sent} requests broke the rule:\n" + "\n".join(
        probe.failures[:40])


def test_a_version_number_beyond_what_the_metadata_holds_is_not_found(site):
    # 64 bits overflow SQLite and DuckDB; 32 bits overflow PostgreSQL's INTEGER (the diff URL found it, issue 16)
    app, _ = site
    client = app.test_client()
    for url in (f"/api/v1/datasets/{DATASET}/versions/{2**63}", f"/datasets/{DATASET}/versions/{10**30}/data.csv",
                f"/api/v1/datasets/{DATASET}/versions/1/diff/150369221856", f"/datasets/{DATASET}/versions/{2**31}"):
        response = client.get(url, headers={"Accept": "application/json"})
        assert response.status_code == 404, url
        assert response.get_json()["error"]["code"] == "not_found"
    response = client.get(f"/api/v1/activity?cursor={2**31}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_input"


def test_a_deeply_nested_json_body_is_a_clear_400_on_every_json_api(site):
    app, _ = site
    client = app.test_client()
    ckan = client.post("/api/3/action/package_search", data=DEEP, content_type="application/json")
    assert ckan.status_code == 400
    assert "lồng mảng hoặc đối tượng sâu hơn" in ckan.get_json()["error"]["body"][0]
    sql = client.post("/api/v1/sql", data='{"sql": ' + DEEP + "}", content_type="application/json")
    assert sql.status_code == 400 and sql.get_json()["error"]["code"]
