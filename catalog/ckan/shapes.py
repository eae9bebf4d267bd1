"""The catalogue seen as CKAN: dataset → package dict, organisation → organization dict, and back.

One mapping, used by the Action API (``web/ckan/``), by ``push`` (what we send to a portal) and by ``harvest``
(what we take from one, ``pipelines/ckan/``), so the three can never disagree about what a field means. It lives
in ``catalog/`` because both layers import it; it is pure: dicts in, dicts out (the state write is
``catalog/ckan/state.py``).

What CKAN has and the catalogue has not is kept in the dataset's ``extras`` under the internal key ``_ckan``
(never shown as a CKAN extra): the resources created through the API (uploads and links) with their stable ids,
CKAN-only package fields (``url``, ``version``, e-mails) and harvest provenance. Tabular data itself is always a
catalogue version; a dataset with a version offers one resource per download format of its latest version,
with ids derived from the dataset id, so they are stable across versions while their URLs (immutable
downloads) change with each version.
"""

from __future__ import annotations

import json
import mimetypes
import uuid
from typing import Any
from urllib.parse import quote

from catalog import jsonlimits
from catalog.ckan.groups import group_dict, groups_of
from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from catalog.text import nfc as nfc_text

CKAN_VERSION = "2.11.4"  # the Action API version we emulate (status_show)
INTERNAL = "_ckan"  # extras key holding what only CKAN has
NAMESPACE = uuid.UUID("6f1f1c52-93d4-4b0e-8a3e-5d8f3c1a7b20")

# (CKAN format, file extension) of the downloads every version is served in (web/views/downloads.py).
DOWNLOAD_FORMATS = (("CSV", "csv"), ("JSON", "json"), ("XLSX", "xlsx"), ("Parquet", "parquet"))
TABULAR = {"CSV": ".csv", "TSV": ".tsv", "XLSX": ".xlsx", "JSON": ".json", "PARQUET": ".parquet"}
MIMETYPES = {"CSV": "text/csv", "TSV": "text/tab-separated-values", "JSON": "application/json",
             "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "PARQUET": "application/vnd.apache.parquet"}
# Catalogue metadata without a CKAN core field travels as extras with these keys.
FIELD_EXTRAS = ("frequency", "temporal_coverage", "spatial_coverage", "schema_name")
# CKAN core package fields the catalogue has no column for: kept in extras["_ckan"].
CKAN_ONLY = ("url", "version", "author_email", "maintainer_email")
# English metadata: CKAN has no standard for it. Accepted as top-level "title_en"/"notes_en", as ckanext-fluent's
# "title_translated"/"notes_translated" ({"vi": ..., "en": ...}) or as extras "title_en"/"notes_en"; shown as the
# first two (the Vietnamese stays in "title"/"notes").
ENGLISH_FIELDS = {"title_en": ("title_en", "title_translated"), "description_en": ("notes_en", "notes_translated")}

LICENSES: list[dict[str, Any]] = [
    {"id": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
     "url": "https://creativecommons.org/licenses/by/4.0/", "open": True, "aliases": ("cc-by", "cc-by-4.0")},
    {"id": "CC-BY-SA-4.0", "title": "Creative Commons Attribution Share-Alike 4.0",
     "url": "https://creativecommons.org/licenses/by-sa/4.0/", "open": True, "aliases": ("cc-by-sa",)},
    {"id": "CC0-1.0", "title": "Creative Commons CCZero", "url": "https://creativecommons.org/publicdomain/zero/1.0/",
     "open": True, "aliases": ("cc-zero", "cc0")},
    {"id": "ODC-BY-1.0", "title": "Open Data Commons Attribution License",
     "url": "https://opendatacommons.org/licenses/by/1-0/", "open": True, "aliases": ("odc-by",)},
    {"id": "ODbL-1.0", "title": "Open Data Commons Open Database License (ODbL)",
     "url": "https://opendatacommons.org/licenses/odbl/1-0/", "open": True, "aliases": ("odc-odbl",)},
    {"id": "PDDL-1.0", "title": "Open Data Commons Public Domain Dedication and License (PDDL)",
     "url": "https://opendatacommons.org/licenses/pddl/1-0/", "open": True, "aliases": ("odc-pddl",)},
    {"id": "GPL-3.0-or-later", "title": "GNU General Public License v3.0 or later",
     "url": "https://www.gnu.org/licenses/gpl-3.0.html", "open": True, "aliases": ("gpl-3.0",)},
    {"id": "other-open", "title": "Other (Open)", "url": "", "open": True, "aliases": ()},
    {"id": "other-pd", "title": "Other (Public Domain)", "url": "", "open": True, "aliases": ()},
    {"id": "other-at", "title": "Other (Attribution)", "url": "", "open": True, "aliases": ()},
    {"id": "CC-BY-NC-4.0", "title": "Creative Commons Non-Commercial 4.0",
     "url": "https://creativecommons.org/licenses/by-nc/4.0/", "open": False, "aliases": ("cc-nc",)},
    {"id": "other-nc", "title": "Other (Non-Commercial)", "url": "", "open": False, "aliases": ()},
    {"id": "other-closed", "title": "Other (Not Open)", "url": "", "open": False, "aliases": ()},
    {"id": "notspecified", "title": "License not specified", "url": "", "open": False, "aliases": ()},
]
_LICENSE_INDEX = {key.lower(): lic for lic in LICENSES for key in (lic["id"], *lic["aliases"])}


def nfc(value: Any) -> str:
    """Any value from a client as NFC text (``catalog/text.py``); None is the empty string."""
    return nfc_text(str(value)) if value is not None else ""


def ckan_time(stamp: str | None) -> str | None:
    """Our ISO 8601 'Z' stamps as CKAN writes them: naive UTC, no zone suffix."""
    if not stamp:
        return None
    return stamp[:-1] if stamp.endswith("Z") else stamp


def license_info(license_id: str | None) -> dict | None:
    return _LICENSE_INDEX.get((license_id or "").strip().lower())


def normalize_license(license_id: Any) -> str:
    """CKAN's ids (``cc-by``) map to the catalogue's SPDX-style ids; unknown ids are kept as given."""
    text = nfc(license_id).strip()
    found = license_info(text)
    return found["id"] if found else text


def license_dict(lic: dict) -> dict:
    """A ``license_list`` entry."""
    return {"id": lic["id"], "title": lic["title"], "url": lic["url"],
            "od_conformance": "approved" if lic["open"] else "not reviewed", "osd_conformance": "not reviewed",
            "status": "active", "maintainer": "", "family": "", "domain_content": True, "domain_data": True,
            "domain_software": False, "is_generic": lic["id"].startswith("other") or None,
            "is_okd_compliant": lic["open"], "is_osi_compliant": False}


def internal(dataset: dict) -> dict:
    """The dataset's CKAN-only state (``extras["_ckan"]``), never None."""
    value = (dataset.get("extras") or {}).get(INTERNAL)
    return value if isinstance(value, dict) else {}


def tag_dict(name: str) -> dict:
    return {"id": str(uuid.uuid5(NAMESPACE, "tag:" + name)), "name": name, "display_name": name,
            "state": "active", "vocabulary_id": None}


def organization_dict(org: dict, *, package_count: int | None = None) -> dict:
    """An organisation as CKAN shows it (``organization_show``, a package's ``organization``)."""
    data = {"id": org["id"], "name": org["name"], "title": org.get("title") or org["name"],
            "display_name": org.get("title") or org["name"], "type": "organization",
            "title_en": org.get("title_en") or "", "description_en": org.get("description_en") or "",
            "description": org.get("description") or "", "image_url": "", "image_display_url": "",
            "created": ckan_time(org.get("created_at")), "is_organization": True, "approval_status": "approved",
            "state": "active"}
    if package_count is not None:
        data["package_count"] = package_count
    return data


def download_url(base_url: str, dataset: str, version: int, ext: str) -> str:
    return f"{base_url.rstrip('/')}/datasets/{dataset}/versions/{version}/data.{ext}"


def upload_url(base_url: str, package_id: str, resource_id: str, filename: str) -> str:
    return f"{base_url.rstrip('/')}/dataset/{package_id}/resource/{resource_id}/download/{quote(filename)}"


def resource_ids(dataset: dict) -> list[str]:
    """The ids ``dataset``'s resources may answer to: its downloads' when it has a version (a superset of
    ``resource_dicts``'s: the caller checks there), and the resources made through the API. The search index keeps
    them (``resource_lookup``) so that one resource is found without reading every dataset."""
    derived = [derived_resource_id(dataset["id"], ext) for _, ext in DOWNLOAD_FORMATS]
    made = [str(e["id"]) for e in internal(dataset).get("resources") or [] if isinstance(e, dict) and e.get("id")]
    return list(dict.fromkeys((derived if dataset.get("latest_version") is not None else []) + made))


def derived_resource_id(dataset_id: str, ext: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"resource:{dataset_id}:{ext}"))


def format_of(resource: dict) -> str:
    """A resource's format in CKAN's upper-case spelling, from ``format``, else the URL's extension, else MIME."""
    fmt = nfc(resource.get("format")).strip().lstrip(".")
    if not fmt:
        path = (resource.get("url") or resource.get("filename") or "").split("?")[0].split("#")[0]
        tail = path.rsplit("/", 1)[-1]
        fmt = tail.rsplit(".", 1)[-1] if "." in tail else ""
    if not fmt and resource.get("mimetype"):
        guess = mimetypes.guess_extension(str(resource["mimetype"]).split(";")[0].strip()) or ""
        fmt = guess.lstrip(".")
    upper = fmt.upper()
    return {"PARQUET": "Parquet", "XLS": "XLS", "": ""}.get(upper, upper)


def is_tabular(fmt: str) -> bool:
    return fmt.upper() in TABULAR


def resource_dicts(dataset: dict, base_url: str) -> list[dict]:
    """The dataset's resources: the downloads of its latest version (unless an upload is that version), then
    the resources created through the API, in their order."""
    ck = internal(dataset)
    entries = [e for e in ck.get("resources") or [] if isinstance(e, dict) and e.get("id")]
    latest = dataset.get("latest_version")
    schema = dataset.get("schema") or None
    out: list[dict] = []
    upload_versions = {e.get("version") for e in entries if e.get("kind") == "upload"}
    if latest is not None and latest not in upload_versions:
        published = ckan_time(dataset.get("last_published_at") or dataset.get("updated_at"))
        for fmt, ext in DOWNLOAD_FORMATS:
            out.append({
                "id": derived_resource_id(dataset["id"], ext), "name": f"{dataset['name']}.{ext}",
                "description": f"Phiên bản {latest} ({fmt})", "format": fmt,
                "url": download_url(base_url, dataset["name"], latest, ext), "url_type": None,
                "mimetype": MIMETYPES.get(fmt.upper()), "size": None, "hash": "",
                "created": ckan_time(dataset.get("created_at")), "last_modified": published,
                "metadata_modified": published, "datastore_active": True, "dataset_version": latest,
                "schema": schema,
            })
    for entry in entries:
        fmt = entry.get("format") or format_of(entry)
        res = {"id": entry["id"], "name": entry.get("name") or "", "description": entry.get("description") or "",
               "format": fmt, "mimetype": entry.get("mimetype") or MIMETYPES.get(fmt.upper()),
               "size": entry.get("size"), "hash": entry.get("hash") or "",
               "created": ckan_time(entry.get("created")), "last_modified": ckan_time(entry.get("last_modified")),
               "metadata_modified": ckan_time(entry.get("last_modified") or entry.get("created"))}
        if entry.get("kind") == "upload":
            res.update(url=upload_url(base_url, dataset["id"], entry["id"], entry.get("filename") or "data"),
                       url_type="upload", datastore_active=entry.get("version") is not None,
                       dataset_version=entry.get("version"), schema=schema)
        else:
            res.update(url=entry.get("url") or "", url_type=None, datastore_active=False)
            if entry.get("schema"):
                res["schema"] = entry["schema"]
        out.append(res)
    for position, res in enumerate(out):
        res["package_id"] = dataset["id"]
        res["position"] = position
        res["state"] = "active"
        res.setdefault("resource_type", None)
        res.setdefault("cache_url", None)
    return out


def extras_list(dataset: dict) -> list[dict]:
    """Extras as CKAN's list of ``{key, value}`` (string values), with the catalogue's extra fields."""
    pairs: dict[str, Any] = {}
    for key in FIELD_EXTRAS:
        if dataset.get(key):
            pairs[key] = dataset[key]
    for key, value in (dataset.get("extras") or {}).items():
        if key == INTERNAL or key.startswith("_") or key in pairs:
            continue
        pairs[key] = value
    return [{"key": k, "value": v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}
            for k, v in sorted(pairs.items())]


def package_dict(dataset: dict, base_url: str, *, org: dict | None = None) -> dict:
    """A catalogue dataset as CKAN's package dict (``package_show``, ``package_search`` results, ``dump``)."""
    ck = internal(dataset)
    lic = license_info(dataset.get("license"))
    resources = resource_dicts(dataset, base_url)
    tags = [tag_dict(t) for t in dict.fromkeys(dataset.get("tags") or [])]
    organization = organization_dict(org or {"id": dataset["org_id"], "name": dataset["org"],
                                             "title": dataset.get("org_title")})
    return {
        "id": dataset["id"], "name": dataset["name"], "title": dataset.get("title") or dataset["name"],
        "notes": dataset.get("description") or "", "type": "dataset",
        "title_en": dataset.get("title_en") or "", "notes_en": dataset.get("description_en") or "",
        "title_translated": {"vi": dataset.get("title") or dataset["name"], "en": dataset.get("title_en") or ""},
        "notes_translated": {"vi": dataset.get("description") or "", "en": dataset.get("description_en") or ""},
        "license_id": dataset.get("license") or None,
        "license_title": lic["title"] if lic else (dataset.get("license") or None),
        "license_url": lic["url"] if lic else None, "isopen": bool(lic and lic["open"]),
        "author": dataset.get("source") or None, "author_email": ck.get("author_email") or None,
        "maintainer": dataset.get("contact") or None, "maintainer_email": ck.get("maintainer_email") or None,
        "url": ck.get("url") or None,
        "version": ck.get("version") or (str(dataset["latest_version"]) if dataset.get("latest_version") else None),
        "state": dataset.get("state") or "active", "private": bool(dataset.get("private")),
        "metadata_created": ckan_time(dataset.get("created_at")),
        "metadata_modified": ckan_time(dataset.get("updated_at")),
        "creator_user_id": None, "owner_org": dataset["org_id"], "organization": organization,
        "groups": package_groups(dataset), "tags": tags, "num_tags": len(tags), "extras": extras_list(dataset),
        "resources": resources, "num_resources": len(resources),
        "relationships_as_subject": [], "relationships_as_object": [],
    }


def package_groups(dataset: dict) -> list[dict]:
    """A package's ``groups``: its topics (``catalog/ckan/groups.py``), in the short form CKAN embeds."""
    keys = ("id", "name", "title", "display_name", "description", "image_display_url")
    return [{k: group_dict(name)[k] for k in keys} for name in groups_of(dataset)]


# -- the way back: a CKAN package dict → catalogue metadata ------------------------------------------------------
def parse_json_value(value: Any, what: str) -> Any:
    """Lists and dicts may arrive as JSON strings (GET, multipart, the ckanapi CLI's KEY=STRING)."""
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return jsonlimits.loads(value, what)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
    return value


def tag_names(value: Any) -> list[str]:
    """``[{"name": ..}]``, ``["a", "b"]`` or ``"a,b"`` → unique NFC tag names."""
    value = parse_json_value(value, "tags")
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(_("tags phải là một danh sách {name: ...}"))
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str | int | float):
            raise ValueError(_("mỗi thẻ (tag) cần có name"))
        name = nfc(name).strip()
        if name and name not in names:
            names.append(name)
    return names


def extras_dict(value: Any) -> dict[str, str]:
    """``[{"key", "value"}]`` or a plain dict → dict (the internal key is never taken from a client)."""
    value = parse_json_value(value, "extras")
    if value in (None, ""):
        return {}
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = []
        for item in value:
            if not isinstance(item, dict) or "key" not in item:
                raise ValueError(_("extras phải là một danh sách {key, value}"))
            if item.get("deleted") in (True, "on", "true", "True"):
                continue
            items.append((item["key"], item.get("value", "")))
    else:
        raise ValueError(_("extras phải là một danh sách {key, value}"))
    out: dict[str, str] = {}
    for key, val in items:
        key = nfc(key).strip()
        if key and not key.startswith("_"):
            out[key] = val if isinstance(val, str) else json.dumps(val, ensure_ascii=False)
    return out


def meta_from_package(data: dict, *, replace: bool) -> tuple[dict, dict]:
    """CKAN package fields → (catalogue metadata, CKAN-only fields).

    With ``replace`` (package_create/package_update) a field left out is cleared; otherwise (package_patch)
    only the keys present change. Raises ``ValueError`` naming the field on malformed input.
    """
    meta: dict[str, Any] = {}
    ckan_only: dict[str, Any] = {}

    def given(key: str) -> bool:
        return replace or key in data

    if given("title"):
        meta["title"] = nfc(data.get("title") or "").strip() or None
    if given("notes"):
        meta["description"] = nfc(data.get("notes") or "")
    if given("license_id"):
        meta["license"] = normalize_license(data.get("license_id")) if data.get("license_id") else ""
    if given("tags"):
        meta["tags"] = tag_names(data.get("tags"))
    if given("author"):
        meta["source"] = nfc(data.get("author") or "")
    if given("maintainer"):
        meta["contact"] = nfc(data.get("maintainer") or "")
    for key in CKAN_ONLY:
        if given(key):
            ckan_only[key] = nfc(data.get(key) or "")
    meta.update(english_from_package(data, replace=replace))
    if given("extras"):
        extras = extras_dict(data.get("extras"))
        for key in FIELD_EXTRAS:
            if key in extras or replace:
                meta[key] = extras.pop(key, "")
        for field, (key, _translated) in ENGLISH_FIELDS.items():
            if key in extras:
                meta[field] = nfc(extras.pop(key)).strip()
        meta["extras"] = extras
    if "private" in data or replace:
        meta["private"] = as_bool(data.get("private"), "private")
    return meta, ckan_only


def english_from_package(data: dict, *, replace: bool) -> dict:
    """``title_en``/``description_en`` from a package's ``title_en``/``notes_en`` or ``*_translated["en"]``
    (with ``replace``, left out means cleared)."""
    out = {}
    for field, (key, translated) in ENGLISH_FIELDS.items():
        both = parse_json_value(data.get(translated), translated)
        if key in data:
            out[field] = data.get(key)
        elif isinstance(both, dict) and "en" in both:
            out[field] = both.get("en")
        elif replace:
            out[field] = ""
        if field in out and not isinstance(out[field], str | None):
            raise ValueError(f"{key} must be text")
        if field in out:
            out[field] = nfc(out[field] or "").strip()
    return out


def as_bool(value: Any, what: str = "value") -> bool:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    if isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "t", "y"):
        return True
    if text in ("false", "0", "no", "off", "f", "n", "none", "null"):
        return False
    raise ValueError(_("{what}: {value!r} không phải giá trị đúng/sai (true/false)", what=what, value=value))

