"""The controlled vocabularies DCAT-AP expects, and how our own values map onto them.

Why a table: a harvester (the national portal, data.europa.eu's quality dashboard) only understands a
dataset's theme, update frequency, licence, file format and access rights when they are URIs from the
shared vocabularies (the EU Publications Office's authority lists, IANA media types, the licence's own URI).
Our catalogue stores short codes ("monthly", "CC-BY-4.0", tags like "moi-truong", schema names like
"air_quality"); this module is the one place where those codes become URIs, so ``catalog/dcat.py`` (RDF) and
``catalog/schema_org.py`` (JSON-LD) say the same thing. A value with no mapping gets no URI rather than a
made-up one.
"""

from __future__ import annotations

from catalog.text import fold

EU = "http://publications.europa.eu/resource/authority/"
THEME_SCHEME = EU + "data-theme"
FREQUENCY_SCHEME = EU + "frequency"
ACCESS_PUBLIC = EU + "access-right/PUBLIC"
LANGUAGES = {"vi": EU + "language/VIE", "en": EU + "language/ENG"}
IANA = "https://www.iana.org/assignments/media-types/"

# EU data themes (the 13 codes of the data-theme authority list) with their labels.
THEMES = {
    "AGRI": ("Nông nghiệp, thủy sản, lâm nghiệp và thực phẩm", "Agriculture, fisheries, forestry and food"),
    "ECON": ("Kinh tế và tài chính", "Economy and finance"),
    "EDUC": ("Giáo dục, văn hóa và thể thao", "Education, culture and sport"),
    "ENER": ("Năng lượng", "Energy"),
    "ENVI": ("Môi trường", "Environment"),
    "GOVE": ("Chính phủ và khu vực công", "Government and public sector"),
    "HEAL": ("Y tế", "Health"),
    "INTR": ("Các vấn đề quốc tế", "International issues"),
    "JUST": ("Tư pháp, hệ thống pháp luật và an toàn công cộng", "Justice, legal system and public safety"),
    "REGI": ("Vùng và đô thị", "Regions and cities"),
    "SOCI": ("Dân số và xã hội", "Population and society"),
    "TECH": ("Khoa học và công nghệ", "Science and technology"),
    "TRAN": ("Giao thông vận tải", "Transport"),
}
# The city's standard schemas (schemas/*.json) and the themes their data belongs to.
SCHEMA_THEMES = {
    "air_quality": ["ENVI"], "water_quality": ["ENVI"], "rainfall": ["ENVI"], "flood_points": ["ENVI", "REGI"],
    "schools": ["EDUC"], "online_services": ["GOVE"], "ehealth_records": ["HEAL"], "cancer_screening": ["HEAL"],
    "tourism_arrivals": ["ECON"], "districts": ["REGI", "GOVE"],
}
# Tags (folded: no accents, lowercase, words joined by "-") and their themes.
TAG_THEMES = {
    "moi-truong": "ENVI", "khong-khi": "ENVI", "nuoc": "ENVI", "khi-tuong": "ENVI", "quan-trac": "ENVI",
    "luong-mua": "ENVI", "ngap-ung": "ENVI", "rac-thai": "ENVI", "giao-duc": "EDUC", "truong-hoc": "EDUC",
    "van-hoa": "EDUC", "the-thao": "EDUC", "y-te": "HEAL", "suc-khoe": "HEAL", "du-lich": "ECON",
    "kinh-te": "ECON", "tai-chinh": "ECON", "doanh-nghiep": "ECON", "chinh-quyen-dien-tu": "GOVE",
    "dich-vu-cong": "GOVE", "thu-tuc-hanh-chinh": "GOVE", "hanh-chinh": "GOVE", "ngan-sach": "GOVE",
    "do-thi": "REGI", "quy-hoach": "REGI", "thoat-nuoc": "REGI", "quan-huyen": "REGI", "dan-so": "SOCI",
    "lao-dong": "SOCI", "xa-hoi": "SOCI", "giao-thong": "TRAN", "van-tai": "TRAN", "nang-luong": "ENER",
    "dien": "ENER", "nong-nghiep": "AGRI", "thuc-pham": "AGRI", "an-ninh": "JUST", "tu-phap": "JUST",
    "khoa-hoc": "TECH", "cong-nghe": "TECH",
}
# Our update frequencies (catalog datasets.frequency) and the EU frequency authority list's codes.
FREQUENCIES = {
    "hourly": "HOURLY", "daily": "DAILY", "weekly": "WEEKLY", "biweekly": "BIWEEKLY", "monthly": "MONTHLY",
    "quarterly": "QUARTERLY", "semiannual": "ANNUAL_2", "yearly": "ANNUAL", "annual": "ANNUAL",
    "biennial": "BIENNIAL", "irregular": "IRREG", "continuous": "UPDATE_CONT", "realtime": "UPDATE_CONT",
    "never": "NEVER",
}
# Licence identifiers (SPDX) and the licences' own URIs.
LICENSES = {
    "CC-BY-4.0": "http://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "http://creativecommons.org/licenses/by-sa/4.0/",
    "CC0-1.0": "http://creativecommons.org/publicdomain/zero/1.0/",
    "ODC-BY-1.0": "http://opendatacommons.org/licenses/by/1-0/",
    "ODBL-1.0": "http://opendatacommons.org/licenses/odbl/1-0/",
    "PDDL-1.0": "http://opendatacommons.org/licenses/pddl/1-0/",
    "OGL-UK-3.0": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "GPL-3.0-OR-LATER": "https://www.gnu.org/licenses/gpl-3.0.html",
}
# Each download format: its EU file type code (None: the list has none), IANA media type (None: not
# registered), whether it is an open, machine-readable format, and its label.
FILE_TYPES = {
    "csv": ("CSV", "text/csv", "CSV"),
    "parquet": ("PARQUET", "application/vnd.apache.parquet", "Parquet"),
    "json": ("JSON", "application/json", "JSON"),
    "jsonl": (None, None, "JSON Lines"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
}
# Hanoi (the province-level city) in GeoNames, and its bounding box (WGS 84, longitude latitude).
HANOI_URI = "https://sws.geonames.org/1581129/"
HANOI_NAMES = {"vi": "Thành phố Hà Nội", "en": "Hanoi"}
HANOI_BBOX = (105.28, 20.56, 106.02, 21.39)  # west, south, east, north


def tag_key(tag: str) -> str:
    """A tag as the theme table spells it: "Môi trường" and "moi-truong" are the same tag."""
    return "-".join(fold(str(tag)).replace("_", " ").replace("-", " ").split())


def themes_for(dataset: dict) -> list[str]:
    """The EU theme codes of a dataset, from its standard schema and its tags, in a stable order."""
    found = list(SCHEMA_THEMES.get(dataset.get("schema_name") or "", []))
    found += [TAG_THEMES[key] for key in map(tag_key, dataset.get("tags") or []) if key in TAG_THEMES]
    return sorted(set(found))


def frequency_uri(frequency: str | None) -> str | None:
    code = FREQUENCIES.get((frequency or "").strip().lower())
    return f"{FREQUENCY_SCHEME}/{code}" if code else None


def license_uri(license_id: str | None) -> str | None:
    """The licence's URI: known identifiers, or the value itself when it already is an http(s) URI."""
    value = (license_id or "").strip()
    if value.lower().startswith(("http://", "https://")):
        return value
    return LICENSES.get(value.upper()) or LICENSES.get(value)


def file_type_uri(fmt: str) -> str | None:
    code = FILE_TYPES.get(fmt, (None, None, ""))[0]
    return f"{EU}file-type/{code}" if code else None


def media_type_uri(fmt: str) -> str | None:
    media = FILE_TYPES.get(fmt, (None, None, ""))[1]
    return IANA + media if media else None


def is_hanoi(text: str | None) -> bool:
    """Does a free-text spatial coverage name the whole city ("Hà Nội", "TP Hà Nội", "Hanoi")?"""
    folded = " ".join(fold(text or "").replace(".", " ").split())
    return folded in ("", "ha noi", "hanoi", "tp ha noi", "thanh pho ha noi", "hanoi city")
