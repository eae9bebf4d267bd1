"""The HTML pages and their JSON variants, over a real catalogue built through the publish pipeline."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask

from catalog.metadata import Catalog
from pipelines.publish import publish
from web import create_app
from web.markdown import plain_text, render_markdown

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "web" / "templates"
# The templates of the browsing pages (other views translate their own pages' words).
PAGE_TEMPLATES = ["base.html", "_macros.html", "home.html", "search.html", "organizations.html",
                  "organization.html", "dataset.html", "explore.html", "error.html"]

DISTRICTS = ["Đống Đa", "Ba Đình", "Cầu Giấy", "Hoàn Kiếm"]
AIR_SCHEMA = {
    "fields": [
        {"name": "station", "type": "string", "title": "Trạm quan trắc", "constraints": {"required": True}},
        {"name": "district", "type": "string", "title": "Quận", "description": "Tên quận, Unicode NFC"},
        {"name": "pm25", "type": "number", "title": "PM2.5 (µg/m³)", "constraints": {"minimum": 0}},
        {"name": "measured_on", "type": "date", "title": "Ngày đo"},
    ],
}
SCHOOL_SCHEMA = {
    "fields": [
        {"name": "school", "type": "string", "title": "Tên trường"},
        {"name": "district", "type": "string", "title": "Quận"},
        {"name": "pupils", "type": "integer", "title": "Số học sinh"},
    ],
}
HOSTILE_DESCRIPTION = (
    "Danh sách **trường học** công lập.\n\n"
    "<script>window.__pwned = 1</script>\n\n"
    "[bấm vào đây](javascript:window.__pwned=2) <img src=x onerror=\"window.__pwned=3\">\n\n"
    "[Cổng thông tin](https://hanoi.gov.vn/)"
)


def air_rows(n: int) -> list[list[str]]:
    """Deterministic readings: district cycles, so n=40 gives 10 rows per district; pm25 all distinct."""
    return [[f"Trạm {i % 5}", DISTRICTS[i % 4], f"{(i * 37) % 100 + 0.5}", f"2024-01-{i % 28 + 1:02d}"]
            for i in range(n)]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def build_catalogue(home: Path, work: Path) -> Catalog:
    """Two organisations, an air-quality dataset with two versions and a schools dataset with a hostile
    description, all published through ``pipelines.publish.publish``."""
    cat = Catalog(home)
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường", "Quan trắc **môi trường** của Thành phố.")
    cat.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    work.mkdir(parents=True, exist_ok=True)
    header = ["station", "district", "pm25", "measured_on"]
    meta = {"title": "Chất lượng không khí quận Đống Đa và nội thành", "tags": ["môi trường", "không khí"],
            "license": "CC-BY-4.0", "frequency": "daily", "source": "Trạm quan trắc tự động",
            "description": "Nồng độ **PM2.5** trung bình ngày.", "temporal_coverage": "2024",
            "spatial_coverage": "Hà Nội"}
    for number, n in ((1, 32), (2, 40)):
        result = publish(cat, write_csv(work / f"air-{number}.csv", header, air_rows(n)),
                         dataset="khong-khi-dong-da", org="so-tnmt", schema=AIR_SCHEMA, meta=meta,
                         publisher="nguyen.van.a", note=f"lần {number}")
        assert result.status == "published", result.report
    schools = [[f"Trường Tiểu học số {i}", DISTRICTS[i % 4], str(300 + i)] for i in range(12)]
    result = publish(cat, write_csv(work / "schools.csv", ["school", "district", "pupils"], schools),
                     dataset="truong-hoc", org="so-gddt", schema=SCHOOL_SCHEMA, publisher="tran.thi.b",
                     meta={"title": "Danh sách trường học", "tags": ["giáo dục"], "license": "CC-BY-4.0",
                           "frequency": "yearly", "description": HOSTILE_DESCRIPTION})
    assert result.status == "published", result.report
    cat.create_dataset("bo-nhap", "so-gddt", title="Bộ dữ liệu riêng tư", private=True)
    return cat


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pages")
    build_catalogue(root / "home", root / "sources").dispose()
    return root / "home"


@pytest.fixture(scope="module")
def app(home: Path) -> Flask:
    return create_app(home, {"TESTING": True})


@pytest.fixture
def client(app: Flask):
    return app.test_client()


def get_json(client, url: str, **kwargs) -> dict:
    response = client.get(url, headers={"Accept": "application/json"}, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def html(response) -> str:
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


# -- markdown ---------------------------------------------------------------------------------------------------
def test_markdown_is_rendered_and_sanitised() -> None:
    out = str(render_markdown(HOSTILE_DESCRIPTION))
    assert "<strong>trường học</strong>" in out
    assert "<script" not in out and "<img" not in out  # raw HTML is shown as text, never as tags
    assert not any(href.lower().startswith("javascript") for href in re.findall(r'href="([^"]*)"', out))
    assert '<a href="https://hanoi.gov.vn/" rel="noopener noreferrer nofollow">Cổng thông tin</a>' in out
    assert "<a " not in str(render_markdown('<a href="javascript:alert(1)">x</a> [y](JaVaScRiPt:alert(1))'))
    assert render_markdown(None) == ""
    assert plain_text("**Đống** _Đa_ <b>x</b>") == "Đống Đa <b>x</b>"
    assert plain_text("từ " * 200, 20).endswith("…")


# -- home, search, organisations --------------------------------------------------------------------------------
def test_home_page(client) -> None:
    page = html(client.get("/"))
    assert '<meta charset="utf-8">' in page
    assert "Dữ liệu mở Hà Nội" in page and 'action="/datasets"' in page
    assert "Chất lượng không khí quận Đống Đa và nội thành" in page and "Sở Giáo dục và Đào tạo" in page
    assert "Bộ dữ liệu riêng tư" not in page
    data = get_json(client, "/")
    assert data["stats"]["organizations"] == 2 and data["stats"]["versions"] == 3
    assert data["stats"]["rows"] == 40 + 12
    assert {d["name"] for d in data["recent"]} == {"khong-khi-dong-da", "truong-hoc"}
    assert {o["name"] for o in data["organizations"]} == {"so-tnmt", "so-gddt"}


def test_search_page_finds_without_accents_and_shows_facets(client) -> None:
    page = html(client.get("/datasets?q=khong+khi+dong+da"))
    assert "Chất lượng không khí quận Đống Đa" in page and "Danh sách trường học" not in page
    data = get_json(client, "/datasets?q=dong+da")  # the title's Đống Đa first, then a school in Đống Đa (rows)
    assert [d["name"] for d in data["results"]] == ["khong-khi-dong-da", "truong-hoc"]
    assert data["count"] == 2 and "schema" not in data["results"][0]
    assert "Khu vực" in html(client.get("/datasets?q=dong+da"))  # the area facet (the rows' districts)
    everything = get_json(client, "/datasets")
    assert everything["count"] == 2
    formats = {f["value"]: f["count"] for f in everything["facets"]["format"]}
    assert formats == {"CSV": 2, "JSON": 2, "Parquet": 2, "XLSX": 2}
    orgs = {f["value"]: f["count"] for f in everything["facets"]["organization"]}
    assert orgs == {"so-tnmt": 1, "so-gddt": 1}


def test_search_facet_links_combine(client) -> None:
    page = html(client.get("/datasets?license=CC-BY-4.0"))
    # the tag facet's link keeps the license filter and adds the tag
    link = re.search(r'<a href="(/datasets\?[^"]*)"[^>]*>\s*<span class="facet-label"[^>]*>giáo dục<', page)
    assert link, page
    params = parse_qsl(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert ("license", "CC-BY-4.0") in params and ("tag", "giáo dục") in params
    data = get_json(client, "/datasets?license=CC-BY-4.0&tag=giáo dục")
    assert [d["name"] for d in data["results"]] == ["truong-hoc"]
    assert get_json(client, "/datasets?frequency=daily&format=json")["count"] == 1
    assert get_json(client, "/datasets?org=so-tnmt&tag=giáo dục")["count"] == 0


def test_search_pagination_and_bad_parameters(client) -> None:
    data = get_json(client, "/datasets?page=1")
    assert data["page"] == 1 and data["pages"] == 1
    response = client.get("/datasets?page=0")
    assert response.status_code == 400 and "page" in html(response)
    response = client.get("/datasets?sort=nonsense", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_organisation_pages(client) -> None:
    page = html(client.get("/organizations"))
    assert "Sở Tài nguyên và Môi trường" in page and "/organizations/so-gddt" in page
    data = get_json(client, "/organizations")
    counts = {o["name"]: o["dataset_count"] for o in data["organizations"]}
    assert counts == {"so-tnmt": 1, "so-gddt": 1}  # the private draft is not counted for anonymous visitors
    page = html(client.get("/organizations/so-tnmt"))
    assert "<strong>môi trường</strong>" in page and "Chất lượng không khí" in page
    data = get_json(client, "/organizations/so-gddt")
    assert [d["name"] for d in data["results"]] == ["truong-hoc"]  # private one not listed
    response = client.get("/organizations/khong-co")
    assert response.status_code == 404 and "khong-co" in html(response)


# -- dataset page -----------------------------------------------------------------------------------------------
def test_dataset_page_shows_metadata_dictionary_preview_versions_and_history(client) -> None:
    page = html(client.get("/datasets/khong-khi-dong-da"))
    for text in ("Chất lượng không khí quận Đống Đa", "CC-BY-4.0", "Trạm quan trắc tự động", "hằng ngày",
                 "<strong>PM2.5</strong>", "Trạm quan trắc", "PM2.5 (µg/m³)", "Tên quận, Unicode NFC",
                 "bắt buộc", "tối thiểu 0", "nguyen.van.a", "lần 2", "Hợp lệ"):
        assert text in page, text
    data = get_json(client, "/datasets/khong-khi-dong-da")
    assert data["dataset"]["name"] == "khong-khi-dong-da" and data["dataset"]["rows"] == 40
    assert [f["name"] for f in data["dictionary"]] == ["station", "district", "pm25", "measured_on"]
    assert data["dictionary"][2]["type"] == "number"
    assert len(data["preview"]["rows"]) == 10
    assert data["preview"]["rows"][0] == {"station": "Trạm 0", "district": "Đống Đa", "pm25": 0.5,
                                          "measured_on": "2024-01-01"}
    v2, v1 = data["versions"]
    assert (v2["number"], v2["rows"], v1["rows"]) == (2, 40, 32)
    assert v2["changes"]["rows_added"] == 8 and v2["changes"]["rows_removed"] == 0 and v1["first"]
    assert len(v2["sha256"]) == 64 and v2["sha256"] in page
    assert v2["downloads"]["parquet"] == "/datasets/khong-khi-dong-da/versions/2/data.parquet"
    assert data["validation"]["valid"] is True
    actions = [h["action"] for h in data["history"]]
    assert actions.count("publish") == 2 and "dataset.create" in actions
    assert "origin" not in data["history"][0]


def test_dataset_downloads_and_snippets_use_absolute_urls(client) -> None:
    data = get_json(client, "/datasets/khong-khi-dong-da", base_url="http://data.hanoi.example")
    files = {f["format"]: f for f in data["downloads"]["files"]}
    assert set(files) == {"csv", "parquet", "json", "jsonl", "xlsx", "csv-excel"}
    assert files["csv"]["url"] == "http://data.hanoi.example/datasets/khong-khi-dong-da/versions/2/data.csv"
    assert files["csv"]["latest_url"] == "http://data.hanoi.example/datasets/khong-khi-dong-da/latest/data.csv"
    assert data["downloads"]["zip"] == "http://data.hanoi.example/datasets/khong-khi-dong-da/download.zip"
    code = {s["id"]: s["code"] for s in data["snippets"]}
    parquet = "http://data.hanoi.example/datasets/khong-khi-dong-da/versions/2/data.parquet"
    assert f'pd.read_parquet("{parquet}")' in code["pandas"]
    assert f"duckdb.sql(\"SELECT * FROM '{parquet}' LIMIT 10\")" in code["duckdb"]
    assert code["r"].startswith('df <- read.csv("http://data.hanoi.example/datasets/khong-khi-dong-da/versions/2/')
    assert code["curl"].startswith("curl -fL -o khong-khi-dong-da-v2.csv ")
    page = html(client.get("/datasets/khong-khi-dong-da", base_url="http://data.hanoi.example"))
    assert "pd.read_parquet(&#34;http://data.hanoi.example/" in page


def test_hostile_description_is_inert(client) -> None:
    page = html(client.get("/datasets/truong-hoc"))
    assert "<strong>trường học</strong>" in page
    assert "<script>window" not in page
    assert not re.search(r"(href|src)\s*=\s*[\"']?\s*javascript:", page, re.I)
    assert not re.search(r"<img[^>]*onerror", page)
    assert 'href="https://hanoi.gov.vn/"' in page


def test_unknown_private_and_deleted_datasets_are_404(client, app: Flask) -> None:
    for name in ("khong-ton-tai", "bo-nhap"):
        response = client.get(f"/datasets/{name}")
        assert response.status_code == 404
        assert "404" in html(response)
        response = client.get(f"/datasets/{name}?format=json")
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert client.get("/datasets/bo-nhap/explore").status_code == 404


# -- table explorer ---------------------------------------------------------------------------------------------
def test_explorer_filters_sorts_and_counts(client) -> None:
    data = get_json(client, "/datasets/khong-khi-dong-da/explore?district=Đống Đa&_sort=-pm25")
    assert data["total"] == 10 and len(data["rows"]) == 10
    assert {r["district"] for r in data["rows"]} == {"Đống Đa"}
    values = [r["pm25"] for r in data["rows"]]
    assert values == sorted(values, reverse=True)
    assert data["filters"] == [{"column": "district", "op": "eq", "value": "Đống Đa", "display": "Đống Đa"}]
    data = get_json(client, "/datasets/khong-khi-dong-da/explore?pm25__ge=50&district__in=Ba Đình,Cầu Giấy")
    assert data["total"] > 0 and all(r["pm25"] >= 50 and r["district"] in ("Ba Đình", "Cầu Giấy")
                                     for r in data["rows"])
    data = get_json(client, "/datasets/khong-khi-dong-da/explore?station__contains=trạm 1")
    assert data["total"] == 8
    data = get_json(client, "/datasets/khong-khi-dong-da/explore?pm25__blank=1")
    assert data["total"] == 0
    data = get_json(client, "/datasets/khong-khi-dong-da/explore?_col=district&pm25__lt=50")
    counts = {v["value"]: v["count"] for v in data["value_counts"]["values"]}
    assert sum(counts.values()) == data["total"] and set(counts) <= set(DISTRICTS)
    page = html(client.get("/datasets/khong-khi-dong-da/explore?_col=district"))
    assert "Đếm giá trị" in page and "/datasets/khong-khi-dong-da/explore?district=" in page


def test_explorer_keyset_pages_cover_every_row_once(client) -> None:
    seen: list[tuple] = []
    url = "/datasets/khong-khi-dong-da/explore?_sort=station&_limit=15"
    pages = 0
    while url:
        data = get_json(client, url)
        seen += [(r["station"], r["pm25"]) for r in data["rows"]]
        url = data["next_url"]
        pages += 1
    assert pages == 3 and len(seen) == 40 and len(set(seen)) == 40
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)
    page = html(client.get("/datasets/khong-khi-dong-da/explore?_limit=15"))
    assert "_cursor=" in page and 'rel="next"' in page


def test_explorer_download_links_keep_the_filters(client) -> None:
    data = get_json(client, "/datasets/khong-khi-dong-da/explore?district=Đống Đa&_sort=-pm25",
                    base_url="http://data.hanoi.example")
    links = {d["format"]: d["url"] for d in data["downloads"]}
    assert set(links) == {"csv", "json", "parquet", "xlsx", "csv-excel"}
    parts = urlsplit(links["csv"])
    assert parts.netloc == "data.hanoi.example" and parts.path == "/datasets/khong-khi-dong-da/explore.csv"
    assert parse_qsl(parts.query) == [("district", "Đống Đa"), ("_sort", "-pm25")]


def test_explorer_form_redirects_to_canonical_url(client) -> None:
    response = client.get("/datasets/khong-khi-dong-da/explore", query_string=[
        ("_fc", "district"), ("_fo", "eq"), ("_fv", "Đống Đa"),
        ("_fc", "pm25"), ("_fo", "gt"), ("_fv", "20"),
        ("_fc", "measured_on"), ("_fo", "blank"), ("_fv", ""),
        ("_fc", ""), ("_fo", "eq"), ("_fv", ""), ("_sort", "-pm25")])
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/datasets/khong-khi-dong-da/explore"
    assert parse_qsl(location.query) == [("district", "Đống Đa"), ("pm25__gt", "20"), ("measured_on__blank", "1"),
                                         ("_sort", "-pm25")]


def test_explorer_bad_filter_is_400_with_message(client) -> None:
    response = client.get("/datasets/khong-khi-dong-da/explore?pm25__gt=nhiều")
    assert response.status_code == 400
    page = html(response)
    assert "pm25__gt" in page and "nhiều" in page and "Traceback" not in page
    response = client.get("/datasets/khong-khi-dong-da/explore?colour=red", headers={"Accept": "application/json"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and "colour" in error["message"]
    assert client.get("/datasets/khong-khi-dong-da/explore?pm25__near=1").status_code == 400
    assert client.get("/datasets/khong-khi-dong-da/explore?_col=nope").status_code == 400
    assert client.get("/datasets/khong-khi-dong-da/explore?_limit=0").status_code == 400


# -- errors, language, page hygiene ----------------------------------------------------------------------------
def test_error_pages_and_json_errors(app: Flask, client) -> None:
    response = client.post("/datasets")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert "405" in html(response)
    response = client.get("/api/v1/khong-co-gi")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404 and "Không tìm thấy" in html(response)


def test_unexpected_errors_leak_nothing(home: Path) -> None:
    app = create_app(home, {"TESTING": True})

    @app.get("/boom")
    def boom():
        raise RuntimeError(f"secret detail at {home}")

    client = app.test_client()
    for headers in ({}, {"Accept": "application/json"}):
        response = client.get("/boom", headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "secret" not in body and str(home) not in body and "Traceback" not in body
    assert response.get_json()["error"]["code"] == "server_error"
    assert response.get_json()["error"]["message"].startswith("lỗi máy chủ nội bộ")


def test_language_switch_is_remembered(client) -> None:
    assert "Tìm kiếm" in html(client.get("/"))
    response = client.get("/?lang=en")
    page = html(response)
    assert 'lang="en"' in page and "Search datasets" in page and "Recently updated" in page
    assert "lang=en" in response.headers["Set-Cookie"]
    page = html(client.get("/datasets/khong-khi-dong-da"))  # the cookie keeps English
    assert "Data dictionary" in page and "daily" in page
    page = html(client.get("/datasets?lang=vi"))
    assert "Tìm kiếm bộ dữ liệu" in page


PAGES = ["/", "/datasets", "/datasets?q=đống+đa", "/organizations", "/organizations/so-tnmt",
         "/datasets/khong-khi-dong-da", "/datasets/truong-hoc", "/datasets/khong-khi-dong-da/explore?_col=district",
         "/datasets/khong-khi-dong-da/explore?pm25__gt=x", "/khong-co"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_are_ready_for_a_strict_csp_and_make_no_external_requests(client, url: str) -> None:
    page = client.get(url).get_data(as_text=True)
    assert '<meta charset="utf-8">' in page
    data = 'type="application/ld+json"'  # schema.org data blocks: never executed, so not scripts to the CSP
    for script in re.findall(r"<script\b[^>]*>", page):
        assert 'src="/static/' in script or data in script, script  # no inline scripts
    assert not re.search(r'<script\b(?![^>]*application/ld\+json)[^>]*>(?!</script>)', page)  # nothing between
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page)      # no inline event handlers
    assert not re.search(r"<[^>]*\sstyle\s*=", page)         # no inline styles
    for tag in re.findall(r"<(?:link|script|img|iframe)\b[^>]*>", page):
        assert "http://" not in tag and "https://" not in tag and "//" not in tag.replace("://", ""), tag
    assert not re.search(r"<form[^>]*method=\"post\"", page, re.I)  # pages only read


def test_static_assets_are_served(client) -> None:
    for name in ("style.css", "app.js", "favicon.svg"):
        assert client.get(f"/static/{name}").status_code == 200
