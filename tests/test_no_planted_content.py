"""Nobody can plant content on the official origin (issue 10, items 10-14): uploads never render in the browser,
resource ids cannot be taken over, links are http/https/ftp only, spreadsheets never carry live formulas,
reports and links never show the server's paths or a forged Host, and only reads are open to other sites (CORS).

Driven through the Flask test client over a real catalogue (real publish pipeline, real SQL worker processes),
and through a real server process where the environment settings are the point."""

from __future__ import annotations

import io
import json
from urllib.parse import urlsplit

import pytest
import requests
from openpyxl import load_workbook

from catalog.accounts import Accounts
from catalog.errors import InvalidInput
from catalog.i18n import language
from catalog.links import check_link
from catalog.metadata import Catalog
from catalog.spreadsheet import BOM
from conftest import ServerProcess
from pipelines.ckan.harvest import split_resources
from pipelines.publish import publish
from web import create_app

# A file that is valid CSV and valid JavaScript at once.
POLYGLOT = b"alert,document\n1,2\n"
FORMULA_HEADER = "=HYPERLINK(\"x\")"
FORMULA_VALUES = ["=1+1", "@SUM(A1)", "+41", "-y", "\tz", "\rr", "an toàn"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A catalogue with two departments, an editor in each, and a published dataset full of formulas."""
    root = tmp_path_factory.mktemp("planted")
    home = root / "home"
    cat = Catalog(home)
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    cat.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    source = root / "formulas.csv"
    lines = ['ten,"' + FORMULA_HEADER.replace('"', '""') + '",so']
    lines += ['"' + v.replace('"', '""') + f'",x{i},{i - 3}' for i, v in enumerate(FORMULA_VALUES)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    schema = {"fields": [{"name": "ten", "type": "string"}, {"name": FORMULA_HEADER, "type": "string"},
                         {"name": "so", "type": "integer"}]}
    result = publish(cat, source, dataset="cong-thuc", org="so-tnmt", schema=schema, publisher="test")
    assert result.status == "published", result.messages
    accounts = Accounts(cat)
    tokens = {}
    for user, org in (("editor1", "so-tnmt"), ("teacher", "so-gddt")):
        accounts.add_user(user)
        accounts.add_member(org, user, "editor", actor="test")
        tokens[user] = accounts.create_token(user)[0]
    cat.dispose()
    app = create_app(home, {"RATELIMIT_ENABLED": False, "TESTING": True})
    return {"home": home, "root": root, "app": app, "tokens": tokens}


@pytest.fixture(scope="module")
def web(site):
    return site["app"].test_client()


def action(web, site, _action: str, _user: str | None = None, **params):
    headers = {"Authorization": site["tokens"][_user]} if _user else {}
    return web.post(f"/api/3/action/{_action}", json=params, headers=headers)


def upload(web, site, user: str, dataset: str, body: bytes, filename: str, mimetype: str, **fields):
    data = {"package_id": dataset, "upload": (io.BytesIO(body), filename, mimetype), **fields}
    return web.post("/api/3/action/resource_create", data=data, content_type="multipart/form-data",
                    headers={"Authorization": site["tokens"][user]})


def no_formula_cells(content: bytes) -> list[list]:
    """The sheet's values, after checking that not one cell is a formula."""
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert cells and all(cell.data_type != "f" for cell in cells), [c.value for c in cells if c.data_type == "f"]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def excel_lines(content: bytes) -> list[str]:
    assert content.startswith(BOM)
    return content[len(BOM):].decode("utf-8").split("\n")


# -- 10: uploads never render --------------------------------------------------------------------------------------
@pytest.mark.parametrize("declared", ["text/javascript", "text/html", "image/svg+xml"])
def test_an_upload_that_is_also_javascript_is_served_as_a_sandboxed_csv_attachment(web, site, declared):
    name = "polyglot-" + declared.split("/")[1].replace("+", "-")
    assert action(web, site, "package_create", "editor1", name=name, owner_org="so-tnmt").status_code == 200
    created = upload(web, site, "editor1", name, POLYGLOT, "script.csv", declared)
    assert created.status_code == 200, created.get_data(as_text=True)
    resource = created.get_json()["result"]
    assert resource["mimetype"].startswith("text/csv")

    served = web.get(urlsplit(resource["url"]).path)
    assert served.status_code == 200 and served.data == POLYGLOT
    assert served.headers["Content-Type"].startswith("text/csv")
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"].split(";")[0]


def test_every_file_download_is_a_sandboxed_attachment(web):
    for path in ("/datasets/cong-thuc/versions/1/data.csv", "/datasets/cong-thuc/versions/1/data.json",
                 "/datasets/cong-thuc/explore.csv?so__ge=0", "/datasets/cong-thuc/download.zip",
                 "/api/v1/sql?sql=SELECT+1&format=csv"):
        response = web.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Disposition"].startswith("attachment"), path
        assert response.headers["Content-Security-Policy"].startswith("sandbox"), path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
    page = web.get("/datasets/cong-thuc")
    assert "sandbox" not in page.headers["Content-Security-Policy"], "pages keep their own policy"


# -- 11: resource ids ----------------------------------------------------------------------------------------------
def test_a_resource_id_that_exists_anywhere_is_refused_and_new_ids_are_the_servers(web, site):
    assert action(web, site, "package_create", "editor1", name="ids-tnmt", owner_org="so-tnmt").status_code == 200
    assert action(web, site, "package_create", "teacher", name="ids-gddt", owner_org="so-gddt").status_code == 200
    assigned = action(web, site, "resource_create", "editor1", package_id="ids-tnmt", url="https://a.example/x.pdf")
    chosen = action(web, site, "resource_create", "editor1", package_id="ids-tnmt", url="https://a.example/y.pdf",
                    id="ban-do-quan")
    assert assigned.status_code == 200 and len(assigned.get_json()["result"]["id"]) == 36
    assert chosen.status_code == 200 and chosen.get_json()["result"]["id"] == "ban-do-quan"
    derived = action(web, site, "package_show", id="cong-thuc").get_json()["result"]["resources"][0]["id"]

    for taken in ("ban-do-quan", assigned.get_json()["result"]["id"], derived):
        attempts = [
            action(web, site, "resource_create", "teacher", package_id="ids-gddt", url="https://b.example/z.pdf",
                   id=taken),
            action(web, site, "package_create", "teacher", name="ids-gddt-2", owner_org="so-gddt",
                   resources=[{"id": taken, "url": "https://b.example/z.pdf"}]),
            action(web, site, "package_patch", "teacher", id="ids-gddt",
                   resources=[{"id": taken, "url": "https://b.example/z.pdf"}]),
        ]
        for attempt in attempts:
            assert attempt.status_code == 409, attempt.get_data(as_text=True)
            error = attempt.get_json()["error"]
            assert "đã được dùng" in error["message"] and error["id"]
    shown = action(web, site, "resource_show", id="ban-do-quan").get_json()["result"]
    assert shown["url"] == "https://a.example/y.pdf"
    twice = action(web, site, "package_create", "teacher", name="ids-gddt-3", owner_org="so-gddt",
                   resources=[{"id": "hai-lan", "url": "https://b.example/1"}, {"id": "hai-lan", "url": "https://b.example/2"}])
    assert twice.status_code == 409, "one id twice in one request"


# -- 12: links -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["javascript:alert(document.domain)", "JaVaScRiPt://%0aalert(1)",
                                 "java\tscript:alert(1)", " javascript:alert(1)", "data:text/html,<script>x</script>",
                                 "vbscript:msgbox", "file:///etc/passwd", "http://", "https:///path-only"])
def test_links_other_than_http_https_ftp_are_refused_with_400(web, site, url):
    assert action(web, site, "package_create", "editor1", name="links-ok", owner_org="so-tnmt").status_code in (200, 409)
    for response in (
        action(web, site, "resource_create", "editor1", package_id="links-ok", url=url),
        action(web, site, "package_create", "editor1", name="links-bad", owner_org="so-tnmt", resources=[{"url": url}]),
        action(web, site, "package_create", "editor1", name="links-bad", owner_org="so-tnmt", url=url),
    ):
        assert response.status_code == 400, (url, response.get_data(as_text=True))
        body = response.get_json()
        assert body["success"] is False and "url" in body["error"]
        assert any(word in body["error"]["message"] for word in ("https://", "máy chủ", "ký tự điều khiển"))
    stored = [r["url"] for r in action(web, site, "package_show", id="links-ok").get_json()["result"]["resources"]]
    assert all(u.startswith(("http://", "https://", "ftp://")) for u in stored)


def test_http_https_ftp_and_bare_host_links_are_kept(web, site):
    action(web, site, "package_create", "editor1", name="links-good", owner_org="so-tnmt")
    kept = []
    for url in ("https://data.example/a.pdf", "ftp://files.example/b.zip", "example.org/map.pdf",
                "localhost:8080/c.csv"):
        response = action(web, site, "resource_create", "editor1", package_id="links-good", url=url)
        assert response.status_code == 200, response.get_data(as_text=True)
        kept.append(response.get_json()["result"]["url"])
    assert kept == ["https://data.example/a.pdf", "ftp://files.example/b.zip", "http://example.org/map.pdf",
                    "http://localhost:8080/c.csv"]


def test_the_link_rule_says_what_is_wrong():
    with pytest.raises(InvalidInput, match="không nhận địa chỉ javascript:"):
        check_link("javascript:alert(1)")
    with language("en"), pytest.raises(InvalidInput, match="javascript: URLs are not accepted"):
        check_link("javascript:alert(1)")
    with pytest.raises(InvalidInput, match="ký tự điều khiển"):
        check_link("https://a.example/\x00")


def test_harvest_keeps_no_script_links_from_another_portal():
    chosen, links = split_resources([{"url": "javascript:alert(1)", "format": "PDF"},
                                     {"url": "https://portal.example/a.pdf", "format": "PDF"},
                                     {"url": "data:text/html,x", "format": "HTML"}])
    assert chosen == [] and [link["url"] for link in links] == ["https://portal.example/a.pdf"]


# -- 13: spreadsheets ----------------------------------------------------------------------------------------------
def test_sql_xlsx_export_writes_formulas_as_text(web):
    response = web.get("/api/v1/sql", query_string={"sql": "SELECT '=1+1' AS \"=HYPERLINK(\"\"x\"\")\", "
                                                            "'@SUM(A1)' AS b, 42 AS n", "format": "xlsx"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert no_formula_cells(response.data) == [[FORMULA_HEADER, "b", "n"], ["=1+1", "@SUM(A1)", 42]]


def test_dataset_and_explorer_xlsx_write_formulas_as_text(web):
    for path in ("/datasets/cong-thuc/versions/1/data.xlsx", "/datasets/cong-thuc/explore.xlsx?so__ge=-10"):
        response = web.get(path)
        assert response.status_code == 200, path
        values = no_formula_cells(response.data)
        assert values[0] == ["ten", FORMULA_HEADER, "so"]
        assert [row[0] for row in values[1:5]] == FORMULA_VALUES[:4]


def test_sql_csv_for_excel_protects_the_header_and_text_values(web):
    sql = "SELECT '=1+1' AS \"=HYPERLINK(\"\"x\"\")\", '-y' AS b, -5 AS n, 'ok' AS c"
    plain = web.get("/api/v1/sql", query_string={"sql": sql, "format": "csv"})
    assert plain.data.decode().startswith('"=HYPERLINK(""x"")","b"'), "plain CSV keeps the data as it is"
    excel = web.get("/api/v1/sql", query_string={"sql": sql, "format": "csv", "excel": "1"})
    assert excel.status_code == 200
    lines = excel_lines(excel.data)
    assert lines[0] == '"\'=HYPERLINK(""x"")","b","n","c"'
    assert lines[1] == '"\'=1+1","\'-y",-5,"ok"', "numbers stay numbers"
    posted = web.post("/api/v1/sql", json={"sql": sql, "format": "csv", "excel": True})
    assert posted.data == excel.data
    empty = web.get("/api/v1/sql", query_string={"sql": "SELECT '=1' AS \"=a\" WHERE false", "format": "csv",
                                                 "excel": "1"})
    assert excel_lines(empty.data)[0] == "'=a", "a result without rows still has a protected header"


def test_dataset_and_explorer_csv_for_excel_protect_the_header_and_text_values(web):
    expected_header = "ten,\"'=HYPERLINK(\"\"x\"\")\",so"
    for path in ("/datasets/cong-thuc/versions/1/data.csv?excel=1", "/datasets/cong-thuc/explore.csv?so__ge=-10&excel=1"):
        response = web.get(path)
        assert response.status_code == 200, path
        lines = excel_lines(response.data)
        assert lines[0] == expected_header, path
        first_cells = [line.split(",")[0].strip('"') for line in lines[1:4]]
        assert first_cells == ["'=1+1", "'@SUM(A1)", "'+41"], path
        assert lines[1].endswith(",-3"), "integers are not prefixed"
    plain = web.get("/datasets/cong-thuc/versions/1/data.csv").data.decode()
    assert plain.startswith('ten,"=HYPERLINK(""x"")",so\n=1+1,'), "the plain CSV is the data as published"


def test_pages_offer_csv_for_excel_as_plain_links(web):
    dataset = web.get("/datasets/cong-thuc").get_data(as_text=True)
    assert "/datasets/cong-thuc/versions/1/data.csv?excel=1" in dataset
    explorer = web.get("/datasets/cong-thuc/explore?so__ge=0").get_data(as_text=True)
    assert "explore.csv?so__ge=0&amp;excel=1" in explorer
    sql = web.get("/sql", query_string={"sql": "SELECT 1 AS x"}).get_data(as_text=True)
    assert "format=csv&amp;excel=1" in sql
    link = sql.split("format=csv&amp;excel=1")[0].rsplit('href="', 1)[1] + "format=csv&excel=1"
    assert web.get(link.replace("&amp;", "&")).data.startswith(BOM)


# -- 14: no server paths in reports --------------------------------------------------------------------------------
def test_validation_reports_over_http_name_only_the_clients_file(web, site):
    schema = json.dumps({"fields": [{"name": "a", "type": "integer"}]})
    answers = [
        web.post("/api/v1/validate", data={"schema": schema, "file": (io.BytesIO(b"a\nx\n"), "bao-cao.csv")},
                 content_type="multipart/form-data"),
        web.post("/api/v1/datasets/cong-thuc/versions", data={"file": (io.BytesIO(b"ten,so\n1,x\n"), "bao-cao.csv")},
                 content_type="multipart/form-data", headers={"Authorization": site["tokens"]["editor1"]}),
        web.post("/api/3/action/resource_create", headers={"Authorization": site["tokens"]["editor1"]},
                 data={"package_id": "cong-thuc", "upload": (io.BytesIO(b"ten,so\n1,x\n"), "bao-cao.csv")},
                 content_type="multipart/form-data"),
    ]
    for answer in answers:
        text = answer.get_data(as_text=True)
        assert answer.status_code in (200, 409, 422) and "bao-cao.csv" in text, text[:500]
        assert str(site["root"]) not in text and str(site["home"]) not in text and "/work-" not in text
    assert answers[0].get_json()["report"]["tasks"][0]["place"] == "bao-cao.csv"


# -- 14: base URL and trusted hosts --------------------------------------------------------------------------------
def test_absolute_links_use_the_configured_base_url_whatever_the_host_header(site):
    app = create_app(site["home"], {"RATELIMIT_ENABLED": False, "BASE_URL": "https://data.hanoi.example/"})
    client = app.test_client()
    forged = {"Host": "evil.example"}
    for path in ("/api/v1/datasets/cong-thuc", "/api/3/action/package_show?id=cong-thuc",
                 "/datasets/cong-thuc?format=json", "/api/3/action/status_show"):
        response = client.get(path, headers=forged)
        text = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "evil.example" not in text and "https://data.hanoi.example/" in text, path
    without = create_app(site["home"], {"RATELIMIT_ENABLED": False}).test_client()
    assert "http://evil.example/" in without.get("/api/v1/datasets/cong-thuc", headers=forged).get_data(as_text=True), \
        "without BASE_URL links follow the Host (development)"


def test_a_server_with_base_url_and_trusted_hosts_refuses_foreign_hosts(site, serve):
    server: ServerProcess = serve(site["home"], env={"OPENDATA_BASE_URL": "https://data.hanoi.example",
                                                     "OPENDATA_TRUSTED_HOSTS": "127.0.0.1,data.hanoi.example"})
    good = requests.get(server.url + "/api/3/action/package_show", params={"id": "cong-thuc"}, timeout=10)
    assert good.status_code == 200
    assert all(r["url"].startswith("https://data.hanoi.example/") for r in good.json()["result"]["resources"])
    named = requests.get(server.url + "/api/v1/datasets", headers={"Host": "data.hanoi.example"}, timeout=10)
    assert named.status_code == 200
    forged = requests.get(server.url + "/api/v1/datasets", headers={"Host": "evil.example"}, timeout=10)
    assert forged.status_code == 400 and "not trusted" in forged.json()["error"]["message"]


# -- CORS: reads open to every site, writes to none ----------------------------------------------------------------
def test_cors_is_open_on_every_read_api(web, site):
    reads = [
        web.get("/api/v1/datasets"),
        web.get("/api/v1/datasets/cong-thuc"),
        web.get("/api/3/action/package_list"),
        web.post("/api/3/action/package_search", json={"q": "cong"}),
        web.get("/api/v1/sql", query_string={"sql": "SELECT 1"}),
        web.post("/api/v1/sql", json={"sql": "SELECT 1"}),
        web.get("/datasets/cong-thuc/versions/1/data.parquet"),
        web.get("/datasets/cong-thuc/latest/data.csv"),
        web.get("/api/3/action/package_show", query_string={"id": "nothing-here"}),  # errors of reads too
    ]
    for response in reads:
        assert response.headers.get("Access-Control-Allow-Origin") == "*", response.request.path
    preflight = web.options("/api/3/action/package_search", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def test_cors_is_absent_on_every_write(web, site):
    token = {"Authorization": site["tokens"]["editor1"]}
    writes = [
        web.post("/api/3/action/package_create", json={"name": "cors-write", "owner_org": "so-tnmt"}, headers=token),
        web.post("/api/3/action/package_patch", json={"id": "cors-write", "notes": "x"}, headers=token),
        web.post("/api/3/action/resource_create", json={"package_id": "cors-write", "url": "https://a.example/"},
                 headers=token),
        web.post("/api/3/action/package_create", json={"name": "cors-anon", "owner_org": "so-tnmt"}),  # refused
        web.post("/api/v1/datasets/cong-thuc/versions", data=b"ten,so\n", headers=token,
                 content_type="text/csv"),
        web.options("/api/3/action/package_create", headers={"Origin": "https://app.example",
                                                             "Access-Control-Request-Method": "POST"}),
    ]
    for response in writes:
        assert "Access-Control-Allow-Origin" not in response.headers, (response.request.path, response.status_code)
    assert writes[0].status_code == 200 and writes[3].status_code == 403
    assert "Access-Control-Allow-Origin" not in web.get("/").headers, "pages are not an API"
