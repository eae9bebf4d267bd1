"""data.gouv.fr's metadata quality score: nine criteria, one point each, score = points / 9.

Why these exactly: it is the score France's national portal (udata) shows on every dataset and puts in its
``datasets.csv`` dump, so publishers and reusers already read it. The criteria, as udata states them, and how
each reads our catalogue:

1. licence set: the dataset names a licence;
2. temporal coverage set: a readable period (``2018``, ``2017/2018``, ``2017-01-01/2018-12-31``);
3. spatial coverage set: the publisher declared one (our DCAT defaults to the city; udata has no default);
4. update frequency set: a frequency we know (``monthly``, ``irregular``...);
5. updated on time: the next expected update (last version + the frequency's period) is not overdue by a day
   or more; a frequency with no period (irregular, continuous, never) cannot be late; none declared fails;
6. description longer than 100 characters;
7. at least one open format (udata: not only closed formats);
8. all files available (udata: its link checker; here: every stored file of every version is in storage);
9. documentation (udata: a documentation file or a description on a file; here: the latest version's data
   dictionary describes every field, or the dataset's extras link a ``documentation`` page).

Criteria 7–9 need at least one file (udata: ``has_resources``); a dataset with no version fails them.
"""

from __future__ import annotations

from catalog import dcat
from catalog.quality import schedule
from catalog.quality.checks import Check, check, total
from catalog.quality.facts import Facts, parse_time
from catalog.text import nfc

DESCRIPTION_LENGTH = 100  # udata's QUALITY_DESCRIPTION_LENGTH
NO_LICENCE = ("", "notspecified", "not-specified", "unknown", "other-closed")
OPEN_FORMATS = ("csv", "parquet", "json", "jsonl")  # what every version is served as (dcat.FORMATS)
KNOWN_FREQUENCIES = tuple(schedule.PERIODS) + schedule.UNSCHEDULED
DOCUMENTATION_EXTRAS = ("documentation", "documentation_url")


def last_update(facts: Facts):
    """udata's ``last_update``: the newest file's date, else the dataset's own modification date."""
    latest = facts.latest or {}
    return parse_time(latest.get("published_at")) or parse_time(facts.dataset.get("updated_at"))


def on_time(facts: Facts) -> bool:
    frequency = schedule.normalize(facts.dataset.get("frequency"))
    if frequency in schedule.UNSCHEDULED:
        return True
    last = last_update(facts)
    due = schedule.next_due(last, frequency) if last else None
    return due is not None and (facts.now - due).days < 1


def documented(facts: Facts) -> bool:
    extras = facts.dataset.get("extras") or {}
    if any(str(extras.get(key) or "").strip() for key in DOCUMENTATION_EXTRAS):
        return True
    fields = ((facts.latest or {}).get("schema") or {}).get("fields") or []
    return bool(fields) and all(str(f.get("description") or "").strip() for f in fields)


def criteria(facts: Facts) -> list[Check]:
    d = facts.dataset
    has_files = facts.latest is not None
    return [
        check("license", str(d.get("license") or "").strip().lower() not in NO_LICENCE, 1,
              ("Có giấy phép", "Licence set"),
              ("Chọn giấy phép mở cho bộ dữ liệu, ví dụ CC-BY-4.0 (--license).",
               "Choose an open licence for the dataset, e.g. CC-BY-4.0 (--license).")),
        check("temporal_coverage", dcat.temporal_bounds(d.get("temporal_coverage")) is not None, 1,
              ("Có phạm vi thời gian", "Temporal coverage set"),
              ("Ghi phạm vi thời gian dữ liệu, dạng 2018, 2017/2018 hoặc 2017-01-01/2018-12-31.",
               "Give the period the data covers, as 2018, 2017/2018 or 2017-01-01/2018-12-31.")),
        check("spatial_coverage", bool(str(d.get("spatial_coverage") or "").strip()), 1,
              ("Có phạm vi không gian", "Spatial coverage set"),
              ("Ghi phạm vi không gian, ví dụ \"Hà Nội\" hoặc tên quận, huyện.",
               "Give the area the data covers, e.g. \"Hà Nội\" or a district's name.")),
        check("update_frequency", schedule.normalize(d.get("frequency")) in KNOWN_FREQUENCIES, 1,
              ("Có tần suất cập nhật", "Update frequency set"),
              ("Khai báo tần suất cập nhật (daily, monthly, yearly, irregular…).",
               "Declare the update frequency (daily, monthly, yearly, irregular…).")),
        check("update_on_time", on_time(facts), 1,
              ("Cập nhật đúng hạn", "Updated on time"),
              ("Phiên bản mới đã quá hạn theo tần suất đã khai báo: công bố phiên bản mới hoặc sửa tần suất.",
               "The next version is overdue for the declared frequency: publish one or correct the frequency.")),
        check("description", len(nfc(str(d.get("description") or "")).strip()) > DESCRIPTION_LENGTH, 1,
              ("Mô tả dài hơn 100 ký tự", "Description over 100 characters"),
              ("Viết mô tả trên 100 ký tự: dữ liệu là gì, nguồn, phương pháp, cách dùng.",
               "Write a description over 100 characters: what the data is, its source, method and use.")),
        check("open_format", has_files and any(fmt in OPEN_FORMATS for fmt in dcat.FORMATS), 1,
              ("Có định dạng mở", "An open format"),
              ("Công bố ít nhất một phiên bản để dữ liệu có ở định dạng mở (CSV, JSON, Parquet).",
               "Publish a version so that the data is served in open formats (CSV, JSON, Parquet).")),
        check("files_available", has_files and not facts.missing, 1,
              ("Mọi tệp đều tải được", "All files available"),
              ("Có tệp phiên bản bị thiếu trong kho lưu trữ: chạy 'opendata fsck' và khôi phục từ bản sao lưu.",
               "Version files are missing from storage: run 'opendata fsck' and restore them from a backup.")),
        check("documentation", has_files and documented(facts), 1,
              ("Có tài liệu mô tả", "Documentation"),
              ("Mô tả từng cột trong Table Schema (description), hoặc thêm liên kết tài liệu (extras.documentation).",
               "Describe every column in the Table Schema (description), or link documentation "
               "(extras.documentation).")),
    ]


def assess(facts: Facts) -> dict:
    checks = criteria(facts)
    points, most = total(checks)
    return {"score": round(points / most, 4), "points": points, "max": most,
            "criteria": [c.to_dict() for c in checks]}
