"""The CKAN mapping and the Solr query language, without a server: the pure parts of the CKAN compatibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from catalog.ckan.shapes import (
    INTERNAL,
    extras_dict,
    format_of,
    meta_from_package,
    normalize_license,
    package_dict,
    resource_dicts,
    tag_names,
)
from pipelines.ckan.harvest import local_name, since_filter, split_resources, table_key
from pipelines.ckan.push import desired_package, same_package
from web.ckan.errors import ActionError
from web.ckan.query_parser import check_fields, parse, parse_date
from web.ckan.search import document, matches

DATASET = {
    "id": "d1", "name": "air-quality", "title": "Không khí", "description": "Mô tả", "org": "so-tnmt",
    "org_id": "o1", "org_title": "Sở TNMT", "license": "CC-BY-4.0", "tags": ["môi trường", "môi trường", "aqi"],
    "frequency": "hourly", "source": "Trạm quan trắc", "contact": "", "temporal_coverage": "",
    "spatial_coverage": "Hà Nội", "schema_name": "air_quality", "schema": {"fields": [{"name": "aqi"}]},
    "extras": {"nguon": "Sở", "_private_note": "x", INTERNAL: {
        "url": "https://example.org", "resources": [
            {"id": "r-link", "kind": "link", "name": "Bản đồ", "url": "https://example.org/m.pdf", "format": ""},
            {"id": "r-up", "kind": "upload", "name": "a.csv", "filename": "dữ liệu.csv", "format": "CSV",
             "version": 1}]}},
    "private": False, "state": "active", "created_at": "2024-01-01T00:00:00.000001Z",
    "updated_at": "2024-02-01T10:00:00.5Z", "latest_version": 2, "last_published_at": "2024-02-01T09:00:00Z",
}


def test_package_dict_is_ckan_shaped():
    pkg = package_dict(DATASET, "http://h:5000/")
    assert pkg["metadata_modified"] == "2024-02-01T10:00:00.5" and pkg["metadata_created"].endswith(".000001")
    assert [t["name"] for t in pkg["tags"]] == ["môi trường", "aqi"] and pkg["num_tags"] == 2
    assert pkg["extras"] == [{"key": "frequency", "value": "hourly"}, {"key": "nguon", "value": "Sở"},
                             {"key": "schema_name", "value": "air_quality"},
                             {"key": "spatial_coverage", "value": "Hà Nội"}], "internal keys are never extras"
    assert pkg["owner_org"] == pkg["organization"]["id"] == "o1" and pkg["url"] == "https://example.org"
    assert pkg["author"] == "Trạm quan trắc" and pkg["license_title"].startswith("Creative Commons")
    urls = [r["url"] for r in pkg["resources"]]
    assert urls[:4] == [f"http://h:5000/datasets/air-quality/versions/2/data.{e}"
                        for e in ("csv", "json", "xlsx", "parquet")]
    assert urls[4] == "https://example.org/m.pdf" and pkg["resources"][4]["format"] == "PDF"
    assert urls[5] == "http://h:5000/dataset/d1/resource/r-up/download/d%E1%BB%AF%20li%E1%BB%87u.csv"
    assert [r["position"] for r in pkg["resources"]] == list(range(6)) and pkg["num_resources"] == 6
    assert [r["datastore_active"] for r in pkg["resources"]] == [True] * 4 + [False, True]


def test_derived_resources_hide_when_an_upload_is_the_latest_version():
    dataset = {**DATASET, "latest_version": 1}
    assert [r["id"] for r in resource_dicts(dataset, "http://h")] == ["r-link", "r-up"]
    first = resource_dicts(DATASET, "http://h")[0]["id"]
    assert resource_dicts({**DATASET, "latest_version": 7}, "http://h")[0]["id"] == first, "ids survive versions"


def test_meta_from_package_replace_and_patch():
    meta, ckan_only = meta_from_package({
        "title": " Tiêu đề ", "notes": "N", "license_id": "odc-odbl", "tags": "a, b,a", "private": "True",
        "extras": [{"key": "frequency", "value": "daily"}, {"key": "k", "value": 3}, {"key": "_ckan", "value": 1}],
        "url": "u", "author": "A"}, replace=True)
    assert meta["title"] == "Tiêu đề" and meta["license"] == "ODbL-1.0" and meta["tags"] == ["a", "b"]
    assert meta["private"] is True and meta["frequency"] == "daily" and meta["spatial_coverage"] == ""
    assert meta["extras"] == {"k": "3"} and meta["source"] == "A" and meta["contact"] == ""
    assert ckan_only == {"url": "u", "version": "", "author_email": "", "maintainer_email": ""}
    patch, patch_only = meta_from_package({"notes": "x"}, replace=False)
    assert patch == {"description": "x"} and patch_only == {}
    with pytest.raises(ValueError, match="^tags"):
        tag_names(42)
    with pytest.raises(ValueError, match="^extras"):
        extras_dict([{"value": "no key"}])
    with pytest.raises(ValueError, match="private"):
        meta_from_package({"private": "maybe"}, replace=False)


def test_formats_and_licenses():
    assert format_of({"url": "http://x/a.XLSX?download=1"}) == "XLSX"
    assert format_of({"format": ".csv"}) == "CSV" and format_of({"format": "parquet"}) == "Parquet"
    assert format_of({"url": "http://x/download", "mimetype": "text/csv"}) == "CSV"
    assert normalize_license("cc-by") == "CC-BY-4.0" and normalize_license("my-own") == "my-own"


def doc(**changes):
    return document({**DATASET, **changes})


@pytest.mark.parametrize(("query", "hit"), [
    ("organization:so-tnmt", True), ("organization:SO-TNMT", True), ("organization:so-gddt", False),
    ('tags:"môi trường"', True), ("tags:môi", False), ("tags:môi*", True), ("-tags:aqi", False),
    ("res_format:parquet", True), ("res_format:PDF AND license_id:CC-BY-4.0", True),
    ("organization:so-gddt OR tags:aqi", True), ("NOT organization:so-tnmt", False),
    ("name:air-quality && capacity:public", True), ("title:khong", True), ("khong khi", True),
    ("metadata_modified:[2024-02-01T00:00:00Z TO *]", True), ("metadata_modified:{2024-02-01T10:00:00.5Z TO *]", False),
    ("metadata_created:[* TO 2024-01-01]", False), ("num_resources:[5 TO 10]", True), ("num_tags:3", False),
    ("extras_nguon:sở", True), ("extras_spatial_coverage:*", True), ("extras_contact:*", False),
    ("*:*", True), ("(organization:x OR (tags:aqi AND -private:true))", True), ("groups:*", False),
])
def test_solr_queries(query, hit):
    node = parse(query)
    check_fields(node)
    assert matches(node, doc()) is hit


@pytest.mark.parametrize("bad", ["organization:(a", 'tags:"open', "metadata_modified:[2024 TO]", "(", "a:", "x:1)"])
def test_unparseable_queries_are_search_query_errors(bad):
    with pytest.raises(ActionError) as error:
        parse(bad)
    assert error.value.kind == "Search Query Error" and error.value.status == 400


def test_unknown_fields_are_refused():
    with pytest.raises(ActionError, match="trường chưa định nghĩa colour"):
        check_fields(parse("colour:red OR tags:x"))


def test_solr_date_math():
    now = datetime.now(UTC).replace(tzinfo=None)
    assert abs(parse_date("NOW-2DAYS") - (now - timedelta(days=2))) < timedelta(seconds=5)
    assert parse_date("NOW/DAY").hour == 0
    assert parse_date("2024-05-01T07:00:00+07:00") == datetime(2024, 5, 1, 0, 0)
    assert parse_date("*") is None


def test_harvest_helpers():
    assert local_name("My_Data.Set 2024") == "my-data-set-2024" and local_name("Đống Đa") == "dong-da"
    assert since_filter("2024-05-01") == "metadata_modified:[2024-05-01T00:00:00Z TO *]"
    resources = [{"id": "1", "name": "Trường học (CSV)", "url": "http://x/a.csv", "format": "CSV"},
                 {"id": "2", "name": "Trường học.xlsx", "url": "http://x/a.xlsx"},
                 {"id": "3", "name": "Điểm thi", "url": "http://x/b.json", "format": "JSON"},
                 {"id": "4", "name": "Bản đồ", "url": "http://x/c.pdf", "format": "PDF"},
                 {"id": "5", "name": "no url", "format": "CSV"}]
    chosen, links = split_resources(resources)
    assert [r["id"] for r in chosen] == ["1", "3"] and [r["id"] for r in links] == ["4"]
    assert table_key(resources[0]) == table_key(resources[1]) == "truong hoc"


def test_push_compares_only_what_it_controls():
    want = desired_package(DATASET, {"id": "o1", "name": "so-tnmt", "title": "T"}, "http://me", "target-org")
    assert want["owner_org"] == "target-org" and want["url"] == "http://me/datasets/air-quality"
    assert want["resources"][0]["url"] == "http://me/datasets/air-quality/versions/2/data.csv"
    remote = {**want, "id": "remote", "author": want["author"], "tags": list(reversed(want["tags"])),
              "extras": list(reversed(want["extras"])), "metadata_modified": "later", "license_title": "x",
              "resources": [{**r, "id": f"r{i}", "format": r["format"].lower(), "position": i}
                            for i, r in enumerate(want["resources"])]}
    assert same_package(remote, want)
    assert not same_package({**remote, "notes": "changed"}, want)
    assert not same_package({**remote, "resources": remote["resources"][1:]}, want)
    assert not same_package({**remote, "resources": list(reversed(remote["resources"]))}, want)
    theirs = {"name": "their.csv", "url": "http://portal/x.csv", "format": "CSV", "description": ""}
    assert same_package({**remote, "resources": [theirs, *remote["resources"]]}, want), "their own may stay"
