"""Atom feeds over a real server, read by feedparser: every feed is well-formed Atom, one entry per published
version with ids that never change, 50 entries a page with rel=next, 304 on a matching ETag, private datasets
absent whoever asks, and the pages point at their feed with <link rel="alternate">."""

from __future__ import annotations

import re

import feedparser
import pytest
import requests

from catalog.accounts import Accounts
from catalog.metadata import Catalog
from conftest import ServerProcess
from pipelines.publish import publish

BASE = "https://data.hanoi.example"
SCHEMA = {"fields": [{"name": "district", "type": "string", "title": "Quận"},
                     {"name": "pm25", "type": "number"}], "primaryKey": ["district"]}
HOURLY_VERSIONS = 52  # with the others, more than one page of 50
FEEDS = ["/feeds/datasets.atom", "/feeds/organizations/so-tnmt.atom", "/feeds/organizations/so-gddt.atom",
         "/feeds/datasets/khong-khi.atom", "/feeds/datasets/truong-hoc.atom", "/feeds/tags/môi-trường.atom",
         "/feeds/tags/khong-co-the-nay.atom"]


def csv_text(i: int) -> str:
    return f"district,pm25\nĐống Đa,{i}.5\nBa Đình,{i + 1}.25\n" + ("Tây Hồ,3\n" if i % 2 else "")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("feeds")
    cat = Catalog(root / "home")
    cat.init()
    cat.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    cat.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    plan = [("khong-khi", "so-tnmt", i, ["môi-trường"], False) for i in range(HOURLY_VERSIONS)]
    plan += [("truong-hoc", "so-gddt", i, ["giáo-dục"], False) for i in range(2)]
    plan += [("bi-mat", "so-tnmt", i, ["môi-trường"], True) for i in range(3)]
    for name, org, i, tags, private in plan:
        path = root / f"{name}-{i}.csv"
        path.write_text(csv_text(i), encoding="utf-8")
        result = publish(cat, path, dataset=name, org=org, schema=SCHEMA,
                         meta={"title": f"Bộ {name}", "tags": tags, "private": private})
        assert result.status == "published", result.messages
    accounts = Accounts(cat)
    accounts.add_user("admin", sysadmin=True)
    token = accounts.create_token("admin")[0]
    cat.dispose()
    server = ServerProcess(root / "home", env={"OPENDATA_BASE_URL": BASE})
    yield {"server": server, "root": root, "token": token}
    server.stop()


def get(site, path: str, **kwargs) -> requests.Response:
    return requests.get(site["server"].url + path, timeout=30, **kwargs)


def read_all(site, path: str) -> list:
    """Every entry of a feed, following rel=next (whose absolute URL names the configured host)."""
    entries, url, pages = [], path, 0
    while url:
        parsed = feedparser.parse(get(site, url).content)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        entries += parsed.entries
        pages += 1
        nxt = [link.href for link in parsed.feed.links if link.rel == "next"]
        url = nxt[0].removeprefix(BASE) if nxt else None
        assert pages < 10
    return entries


@pytest.mark.parametrize("path", FEEDS)
def test_every_feed_is_well_formed_atom_served_as_atom(site, path):
    answer = get(site, path)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(answer.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and parsed.feed.title and parsed.feed.updated
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [BASE + path]
    for entry in parsed.entries:
        assert entry.id.startswith("tag:data.hanoi.example,") and entry.updated and entry.author and entry.summary


def test_one_entry_per_published_version_with_stable_unique_ids(site):
    first = read_all(site, "/feeds/datasets/khong-khi.atom")
    assert len(first) == HOURLY_VERSIONS
    year = first[0].published[:4]
    assert [e.id for e in first] == [f"tag:data.hanoi.example,{year}:dataset/khong-khi/version/{n}"
                                     for n in range(HOURLY_VERSIONS, 0, -1)]
    assert [e.id for e in read_all(site, "/feeds/datasets/khong-khi.atom")] == [e.id for e in first]
    catalogue_ids = [e.id for e in read_all(site, "/feeds/datasets.atom")]
    assert len(catalogue_ids) == len(set(catalogue_ids)) == HOURLY_VERSIONS + 2
    assert {e.id for e in first} <= set(catalogue_ids)


def test_entries_link_the_immutable_diff_and_version_file(site):
    newest = feedparser.parse(get(site, "/feeds/datasets/khong-khi.atom").content).entries[0]
    n = HOURLY_VERSIONS
    links = {link.rel: link.href for link in newest.links}
    assert links["alternate"] == f"{BASE}/datasets/khong-khi/versions/{n - 1}/diff/{n}"
    assert links["enclosure"] == f"{BASE}/datasets/khong-khi/versions/{n}/data.parquet"
    assert get(site, links["alternate"].removeprefix(BASE)).status_code == 200
    assert get(site, links["enclosure"].removeprefix(BASE)).status_code == 200


def test_pages_hold_fifty_entries_and_link_the_next_one(site):
    page1 = feedparser.parse(get(site, "/feeds/datasets.atom").content)
    assert len(page1.entries) == 50
    nxt = [link.href for link in page1.feed.links if link.rel == "next"]
    assert nxt == [f"{BASE}/feeds/datasets.atom?page=2"]
    page2 = feedparser.parse(get(site, "/feeds/datasets.atom?page=2").content)
    assert len(page2.entries) == HOURLY_VERSIONS + 2 - 50
    assert not [link for link in page2.feed.links if link.rel == "next"]
    assert not {e.id for e in page1.entries} & {e.id for e in page2.entries}
    published = [e.published for e in page1.entries + page2.entries]
    assert published == sorted(published, reverse=True), "newest first across pages"


def test_a_matching_etag_gets_304_and_a_new_version_changes_it(site):
    path = "/feeds/datasets/truong-hoc.atom"
    first = get(site, path)
    etag = first.headers["ETag"]
    again = get(site, path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    assert get(site, path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    cat = Catalog(site["root"] / "home")
    try:
        source = site["root"] / "truong-hoc-new.csv"
        source.write_text(csv_text(77), encoding="utf-8")
        assert publish(cat, source, dataset="truong-hoc").status == "published"
    finally:
        cat.dispose()
    after = get(site, path, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert feedparser.parse(after.content).entries[0].id.endswith("dataset/truong-hoc/version/3")


def test_private_datasets_never_appear_whoever_asks(site):
    admin = {"Authorization": site["token"]}
    for path in FEEDS:
        for headers in ({}, admin):
            text = get(site, path, headers=headers).text
            assert "bi-mat" not in text, path
    assert get(site, "/feeds/datasets/bi-mat.atom").status_code == 404
    assert get(site, "/feeds/datasets/bi-mat.atom", headers=admin).status_code == 404


def test_summaries_follow_the_lang_parameter_not_the_cookie(site):
    path = "/feeds/datasets/truong-hoc.atom"
    vi = feedparser.parse(get(site, path).content)
    assert vi.feed.language == "vi" and "phiên bản đầu tiên" in vi.entries[-1].summary
    en = feedparser.parse(get(site, path + "?lang=en").content)
    assert en.feed.language == "en" and "first version" in en.entries[-1].summary
    assert "rows" in en.entries[0].summary
    cookie = feedparser.parse(get(site, path, cookies={"lang": "en"}).content)
    assert "phiên bản đầu tiên" in cookie.entries[-1].summary


@pytest.mark.parametrize("page, feed", [("/", "/feeds/datasets.atom"),
                                        ("/organizations/so-tnmt", "/feeds/organizations/so-tnmt.atom"),
                                        ("/datasets/khong-khi", "/feeds/datasets/khong-khi.atom")])
def test_pages_point_at_their_feed(site, page, feed):
    html = get(site, page).text
    found = re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', html)
    assert found == [feed]
    assert feedparser.parse(get(site, found[0]).content).bozo == 0


@pytest.mark.parametrize("path, status", [("/feeds/organizations/khong-co.atom", 404),
                                          ("/feeds/datasets/khong-co.atom", 404),
                                          ("/feeds/datasets.atom?page=0", 400),
                                          ("/feeds/datasets.atom?page=x", 400),
                                          ("/feeds/datasets.atom?page=99999999999", 400)])
def test_unknown_feeds_and_bad_pages_are_clear_4xx(site, path, status):
    assert get(site, path).status_code == status


def test_a_tag_feed_holds_only_that_tags_datasets(site):
    names = {e.id.split(":dataset/")[1].split("/")[0] for e in read_all(site, "/feeds/tags/giáo-dục.atom")}
    assert names == {"truong-hoc"}


def test_an_empty_feed_is_still_valid(site):
    parsed = feedparser.parse(get(site, "/feeds/tags/khong-co-the-nay.atom").content)
    assert parsed.bozo == 0 and parsed.entries == [] and parsed.feed.updated
