"""The EU Metadata Quality Assessment (data.europa.eu's MQA), scored on our own DCAT-AP output.

Why from the graph: the MQA judges what a harvester receives, so the points here are read from the graph
``catalog/dcat.py`` builds (the same one ``/catalog.ttl`` serves), not from our database fields. A property the
graph lacks loses its points even when the database has the value.

Points (from an open implementation of the EU method), and the choices we made where the note left them open:

- findability (100): dcat:keyword 30, dcat:theme 30, dct:spatial 20, dct:temporal 20;
- accessibility (100): access URL answers 50, download URL present 20, download URL answers 30. "Answers" is
  judged without a request: the URL is one of this catalogue's version downloads and that version's stored
  files are all in storage (every format is produced from them on request);
- interoperability (110): dct:format 20, dcat:mediaType 10, format or media type from the vocabularies
  (EU file types, IANA) 10, non-proprietary format 20, machine-readable format 20, DCAT-AP conformance 30
  (the properties the DCAT-AP 3.0.1 shapes make mandatory: dataset dct:title and dct:description,
  distribution dcat:accessURL; tests/test_quality.py checks this agrees with pyshacl on the demo);
- reusability (75): licence 20, licence from the vocabulary 10, dct:accessRights 10, access rights from the EU
  access-right vocabulary 5, dcat:contactPoint 20, dct:publisher 10;
- contextuality (20): dct:rights 5, dcat:byteSize 5, dct:issued 5, dct:modified 5.

Distribution properties give their points times the share of the dataset's distributions that have them
(no distribution: no points); dataset properties are all or nothing (issued and modified are read on the
dataset). Total 405; rating: excellent 351–405, good 221–350, sufficient 121–220, bad 0–120 (the bands
data.europa.eu publishes).
"""

from __future__ import annotations

import re

from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS

from catalog import dcat_vocab
from catalog.quality.checks import Check, check, shared_check, total
from catalog.quality.facts import Facts

BANDS = ((351, "excellent"), (221, "good"), (121, "sufficient"), (0, "bad"))
FILE_TYPES = dcat_vocab.EU + "file-type/"
NON_PROPRIETARY = {FILE_TYPES + code for code in ("CSV", "JSON", "PARQUET", "XML", "RDF_TURTLE", "JSON_LD", "TSV")}
MACHINE_READABLE = NON_PROPRIETARY | {FILE_TYPES + code for code in ("XLSX", "XLS", "ODS")}
LICENCES = set(dcat_vocab.LICENSES.values())
DOWNLOAD_RE = re.compile(r"/datasets/(?P<name>[a-z0-9-]+)/versions/(?P<number>\d+)/data\.[a-z]+$")


def rating(points: float) -> str:
    return next(label for floor, label in BANDS if points >= floor)


def has(facts: Facts, subject, prop: URIRef) -> bool:
    return facts.graph.value(subject, prop) is not None


def values(facts: Facts, subject, prop: URIRef) -> list[str]:
    return [str(o) for o in facts.graph.objects(subject, prop)]


def distributions(facts: Facts) -> list:
    return list(facts.graph.objects(facts.node, DCAT.distribution))


def answers(facts: Facts, url: str | None) -> bool:
    """Would this URL answer? Ours (a version download of this dataset) and its files still stored."""
    if not url or not url.startswith(facts.links.base + "/"):
        return False
    found = DOWNLOAD_RE.search(url)
    latest = facts.latest or {}
    return bool(found and found["name"] == facts.dataset["name"] and latest
                and int(found["number"]) <= int(latest["number"]) and not facts.missing)


def over_files(facts: Facts, test) -> tuple[int, int]:
    files = distributions(facts)
    return sum(1 for node in files if test(node)), len(files)


def findability(facts: Facts) -> list[Check]:
    n = facts.node
    return [
        check("keyword", has(facts, n, DCAT.keyword), 30, ("Từ khoá", "Keywords"),
              ("Thêm từ khoá (--tag) để bộ dữ liệu dễ tìm.", "Add keywords (--tag) so that the dataset is found.")),
        check("theme", has(facts, n, DCAT.theme), 30, ("Chủ đề", "Themes"),
              ("Dùng lược đồ chuẩn của thành phố hoặc từ khoá chủ đề (moi-truong, y-te…) để có chủ đề EU.",
               "Use a city standard schema or a theme tag (moi-truong, y-te…) to get an EU data theme.")),
        check("spatial", has(facts, n, DCTERMS.spatial), 20, ("Phạm vi không gian", "Spatial coverage"),
              ("Ghi phạm vi không gian.", "Give the spatial coverage.")),
        check("temporal", has(facts, n, DCTERMS.temporal), 20, ("Phạm vi thời gian", "Temporal coverage"),
              ("Ghi phạm vi thời gian dạng 2017-01-01/2018-12-31.", "Give the temporal coverage as "
               "2017-01-01/2018-12-31.")),
    ]


def accessibility(facts: Facts) -> list[Check]:
    g = facts.graph
    access = over_files(facts, lambda d: answers(facts, str(g.value(d, DCAT.accessURL) or "")))
    present = over_files(facts, lambda d: has(facts, d, DCAT.downloadURL))
    download = over_files(facts, lambda d: answers(facts, str(g.value(d, DCAT.downloadURL) or "")))
    missing = ("Công bố một phiên bản; nếu đã có, chạy 'opendata fsck' để tìm tệp bị thiếu.",
               "Publish a version; if there is one, run 'opendata fsck' to find missing files.")
    return [
        shared_check("access_url", *access, 50, ("Địa chỉ truy cập hoạt động", "Access URL answers"), missing),
        shared_check("download_url", *present, 20, ("Có địa chỉ tải về", "Download URL present"), missing),
        shared_check("download_url_answers", *download, 30, ("Địa chỉ tải về hoạt động", "Download URL answers"),
                     missing),
    ]


def conforms(facts: Facts) -> bool:
    n = facts.node
    files = distributions(facts)
    return (has(facts, n, DCTERMS.title) and has(facts, n, DCTERMS.description)
            and all(has(facts, d, DCAT.accessURL) for d in files))


def interoperability(facts: Facts) -> list[Check]:
    fmt = lambda d: facts.graph.value(d, DCTERMS.format)  # noqa: E731
    media = lambda d: str(facts.graph.value(d, DCAT.mediaType) or "")  # noqa: E731
    vocabulary = lambda d: str(fmt(d) or "").startswith(FILE_TYPES) or media(d).startswith(dcat_vocab.IANA)  # noqa: E731
    fix = ("Phiên bản có tệp không rõ định dạng chuẩn (JSON Lines chưa có trong danh mục EU).",
           "Some files have no standard format (JSON Lines is not in the EU file-type list).")
    return [
        shared_check("format", *over_files(facts, lambda d: fmt(d) is not None), 20, ("Định dạng", "Format"), fix),
        shared_check("media_type", *over_files(facts, lambda d: bool(media(d))), 10, ("Kiểu media", "Media type"),
                     fix),
        shared_check("vocabulary", *over_files(facts, vocabulary), 10,
                     ("Định dạng theo danh mục chuẩn", "Format from the vocabularies"), fix),
        shared_check("non_proprietary", *over_files(facts, lambda d: str(fmt(d) or "") in NON_PROPRIETARY), 20,
                     ("Định dạng không độc quyền", "Non-proprietary format"),
                     ("Excel (XLSX) là định dạng độc quyền; CSV, JSON, Parquet thì không.",
                      "Excel (XLSX) is proprietary; CSV, JSON and Parquet are not.")),
        shared_check("machine_readable", *over_files(facts, lambda d: str(fmt(d) or "") in MACHINE_READABLE), 20,
                     ("Máy đọc được", "Machine-readable format"), fix),
        check("dcat_ap", conforms(facts), 30, ("Phù hợp DCAT-AP", "DCAT-AP conformance"),
              ("Cần tiêu đề, mô tả và địa chỉ truy cập cho mọi tệp.",
               "A title, a description and an access URL for every file are required.")),
    ]


def reusability(facts: Facts) -> list[Check]:
    g, n = facts.graph, facts.node
    licence = over_files(facts, lambda d: has(facts, d, DCTERMS.license))
    known = over_files(facts, lambda d: str(g.value(d, DCTERMS.license) or "") in LICENCES)
    rights = values(facts, n, DCTERMS.accessRights)
    fix_licence = ("Chọn giấy phép mở có mã chuẩn: CC-BY-4.0, CC0-1.0, ODbL-1.0…",
                   "Choose an open licence with a standard id: CC-BY-4.0, CC0-1.0, ODbL-1.0…")
    return [
        shared_check("license", *licence, 20, ("Giấy phép", "Licence"), fix_licence),
        shared_check("license_vocabulary", *known, 10, ("Giấy phép theo danh mục", "Licence from the vocabulary"),
                     fix_licence),
        check("access_rights", bool(rights), 10, ("Quyền truy cập", "Access rights"),
              ("Khai báo quyền truy cập.", "Declare the access rights.")),
        check("access_rights_vocabulary", any(r.startswith(dcat_vocab.EU + "access-right/") for r in rights), 5,
              ("Quyền truy cập theo danh mục EU", "Access rights from the vocabulary"),
              ("Dùng danh mục quyền truy cập của EU.", "Use the EU access-right vocabulary.")),
        check("contact_point", has(facts, n, DCAT.contactPoint), 20, ("Đầu mối liên hệ", "Contact point"),
              ("Ghi đầu mối liên hệ (email) của bộ dữ liệu.", "Give the dataset's contact (an email).")),
        check("publisher", has(facts, n, DCTERMS.publisher), 10, ("Đơn vị công bố", "Publisher"),
              ("Gắn bộ dữ liệu với một tổ chức.", "Attach the dataset to an organisation.")),
    ]


def contextuality(facts: Facts) -> list[Check]:
    n = facts.node
    return [
        shared_check("rights", *over_files(facts, lambda d: has(facts, d, DCTERMS.rights)), 5,
                     ("Điều kiện sử dụng", "Rights"), ("Công bố một phiên bản.", "Publish a version.")),
        shared_check("byte_size", *over_files(facts, lambda d: has(facts, d, DCAT.byteSize)), 5,
                     ("Dung lượng tệp", "File size"),
                     ("Dung lượng của CSV/JSON/XLSX chỉ biết sau lần tải đầu tiên.",
                      "CSV/JSON/XLSX sizes are known once the file has been downloaded once.")),
        check("issued", has(facts, n, DCTERMS.issued), 5, ("Ngày phát hành", "Date of issue"),
              ("Thiếu ngày tạo bộ dữ liệu.", "The dataset's creation date is missing.")),
        check("modified", has(facts, n, DCTERMS.modified), 5, ("Ngày cập nhật", "Modification date"),
              ("Thiếu ngày cập nhật bộ dữ liệu.", "The dataset's modification date is missing.")),
    ]


DIMENSIONS = (("findability", findability), ("accessibility", accessibility),
              ("interoperability", interoperability), ("reusability", reusability),
              ("contextuality", contextuality))


def assess(facts: Facts) -> dict:
    dimensions = []
    for name, measure in DIMENSIONS:
        checks = measure(facts)
        points, most = total(checks)
        dimensions.append({"id": name, "points": points, "max": most, "checks": [c.to_dict() for c in checks]})
    points = round(sum(d["points"] for d in dimensions), 2)
    most = round(sum(d["max"] for d in dimensions), 2)
    return {"points": points, "max": most, "rating": rating(points), "dimensions": dimensions}
