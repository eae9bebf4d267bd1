"""Tim Berners-Lee's five stars of open data, as they read for a catalogue of typed tables.

Why our own reading: the stars are defined for "data on the web", not for a format list, so here is what each
one needs here (each star needs the ones before it):

★ on the web under an open licence: a published version, with a licence we know to be open;
★★ structured: the data is a table a program can read (every version is: CSV, JSON, Parquet, XLSX);
★★★ non-proprietary format: served as CSV, JSON and Parquet (not only Excel);
★★★★ URIs for things: the dataset and every file have URIs in our DCAT-AP output, and the Table Schema declares a
     primary key, so every row is identified (and reached by its key through the rows API);
★★★★★ linked to other data: the Table Schema has a foreign key to another dataset (e.g. the districts table).
"""

from __future__ import annotations

from rdflib.namespace import DCAT

from catalog import dcat, dcat_vocab
from catalog.quality.checks import Check, check
from catalog.quality.facts import Facts
from catalog.quality.udata import OPEN_FORMATS

STRUCTURED = ("csv", "json", "jsonl", "parquet", "xlsx")


def keys(schema: dict) -> tuple[list, list]:
    primary = schema.get("primaryKey") or []
    foreign = [fk for fk in schema.get("foreignKeys") or []
               if isinstance(fk, dict) and ((fk.get("reference") or {}).get("resource") or "")]
    return ([primary] if isinstance(primary, str) else list(primary)), foreign


def stars(facts: Facts) -> list[Check]:
    published = facts.latest is not None
    schema = (facts.latest or {}).get("schema") or {}
    primary, foreign = keys(schema)
    has_uris = published and facts.graph.value(facts.node, DCAT.distribution) is not None
    open_licence = (dcat_vocab.license_uri(facts.dataset.get("license")) or "") in dcat_vocab.LICENSES.values()
    return [
        check("open_licence", published and open_licence, 1, ("Trên web, giấy phép mở", "On the web, open licence"),
              ("Công bố một phiên bản với giấy phép mở (CC-BY-4.0, CC0-1.0…).",
               "Publish a version under an open licence (CC-BY-4.0, CC0-1.0…).")),
        check("structured", published and any(f in STRUCTURED for f in dcat.FORMATS), 1,
              ("Dữ liệu có cấu trúc", "Structured data"), ("Công bố một phiên bản.", "Publish a version.")),
        check("non_proprietary", published and any(f in OPEN_FORMATS for f in dcat.FORMATS), 1,
              ("Định dạng không độc quyền", "Non-proprietary format"), ("Công bố một phiên bản.", "Publish a version.")),
        check("uris", has_uris and bool(primary), 1, ("Định danh bằng URI", "URIs for things"),
              ("Khai báo khoá chính (primaryKey) trong Table Schema để mỗi dòng có định danh.",
               "Declare a primary key in the Table Schema so that every row is identified.")),
        check("linked", has_uris and bool(foreign), 1, ("Liên kết dữ liệu khác", "Linked to other data"),
              ("Khai báo khoá ngoại (foreignKeys) tới bộ dữ liệu khác, ví dụ danh mục quận, huyện.",
               "Declare a foreign key to another dataset, e.g. the districts table.")),
    ]


def assess(facts: Facts) -> dict:
    checks = stars(facts)
    earned = 0
    for c in checks:  # cumulative: a star counts only when every star before it is earned
        if not c.passed:
            break
        earned += 1
    return {"stars": earned, "max": len(checks), "checks": [c.to_dict() for c in checks]}
