"""The dataset page: description, data dictionary, versions, preview, downloads and publishing history.

Why its own module: it turns a dataset's metadata and Table Schema into what a reader needs before downloading
(constraints as phrases, keys, the history without addresses, code snippets with immutable URLs).
"""

from __future__ import annotations

from typing import Any

from flask import Response
from markupsafe import Markup

from catalog import rows
from catalog.errors import UserError
from catalog.spreadsheet import EXCEL_MAX_ROWS
from web import bilingual, i18n
from web.context import get_catalog
from web.i18n import N_
from web.i18n import gettext as _
from web.markdown import render_markdown
from web.urls import base_url
from web.views.pages.common import DOWNLOAD_FORMATS, bp, download_url, page, visible_dataset
from web.views.quality import panel as quality_panel

PREVIEW_ROWS = 10
AUDIT_LIMIT = 100
ENUM_SHOWN = 6  # allowed values listed in the data dictionary (all of them are in the schema download)


def describe_constraints(field: dict) -> list[str]:
    """A field's constraints as short readable phrases."""
    c = field.get("constraints") or {}
    out = []
    if c.get("required"):
        out.append(_("bắt buộc"))
    if c.get("unique"):
        out.append(_("duy nhất"))
    for key, label in (("minimum", N_("tối thiểu")), ("maximum", N_("tối đa")),
                       ("minLength", N_("độ dài tối thiểu")), ("maxLength", N_("độ dài tối đa")),
                       ("pattern", N_("mẫu"))):
        if key in c:
            out.append(f"{_(label)} {c[key]}")
    if c.get("enum"):
        values = [str(v) for v in c["enum"]]
        shown = ", ".join(values[:ENUM_SHOWN]) + (f", … (+{len(values) - ENUM_SHOWN})" if len(values) > ENUM_SHOWN else "")
        out.append(Markup('{}: <span data-content>{}</span>').format(_("một trong"), shown))  # values are data
    return out


# How the files we serve write each type (the published schema leaves the format at its default).
PUBLISHED_FORMATS = {"date": "YYYY-MM-DD", "datetime": "YYYY-MM-DDThh:mm:ss", "time": "hh:mm:ss",
                     "yearmonth": "YYYY-MM", "year": "YYYY"}
SOURCE_HINTS = ("format", "groupChar", "decimalChar", "bareNumber", "trueValues", "falseValues", "missingValues")


def source_description(described: dict | None) -> dict | None:
    """The latest version's source description for the page: how the source file was written (None: nothing
    beyond the defaults). The files served follow the data dictionary, not these hints."""
    if not described:
        return None
    fields = [{"name": f.get("name"), "hints": [{"key": k, "value": f[k]} for k in SOURCE_HINTS if k in f]}
              for f in described.get("fields") or []]
    table = [{"key": k, "value": described[k]} for k in ("format", "encoding", "dialect", "missingValues",
                                                          "fieldsMatch") if k in described]
    return {"table": table, "fields": [f for f in fields if f["hints"]]} if fields or table else None


def data_dictionary(schema: dict) -> list[dict]:
    primary = schema.get("primaryKey") or []
    primary = [primary] if isinstance(primary, str) else list(primary)
    foreign = {}
    for fk in schema.get("foreignKeys") or []:
        fields = fk.get("fields")
        ref = fk.get("reference") or {}
        for i, name in enumerate([fields] if isinstance(fields, str) else fields or []):
            ref_fields = ref.get("fields")
            ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields or []
            target = ref_fields[i] if i < len(ref_fields) else ""
            foreign[name] = f"{ref.get('resource') or ''}.{target}".strip(".")
    out = []
    for f in schema.get("fields") or []:
        fmt = f.get("format") if f.get("format") not in (None, "", "default") else \
            PUBLISHED_FORMATS.get(f.get("type", ""), "")
        constraints = describe_constraints(f)
        if f.get("name") in primary:
            constraints.insert(0, _("Khoá chính"))
        if f.get("name") in foreign:
            constraints.append(_("Khoá ngoại → {target}", target=foreign[f["name"]]))
        out.append({"name": f.get("name"), "title": f.get("title") or "", "type": f.get("type", "string"),
                    "title_en": f.get("title_en") or "", "description_en": f.get("description_en") or "",
                    "format": fmt,
                    "constraints": constraints, "description": f.get("description") or "",
                    "schema_constraints": f.get("constraints") or {}})
    return out


# The publishing history's action codes (kept in the JSON and in ``data-action``) and metadata keys, for people.
ACTION_LABELS = {
    "publish": N_("Công bố phiên bản"), "dataset.create": N_("Tạo bộ dữ liệu"),
    "dataset.update": N_("Sửa thông tin"), "dataset.purge": N_("Xoá hẳn bộ dữ liệu"),
    "privacy.override": N_("Công bố dù có cảnh báo dữ liệu cá nhân"), "harvest.invalid": N_("Thu thập lỗi"),
    "harvest": N_("Thu thập"), "push": N_("Đẩy sang cổng khác"),
}
FIELD_LABELS = {
    "title": N_("tiêu đề"), "title_en": N_("tiêu đề tiếng Anh"), "description": N_("mô tả"),
    "description_en": N_("mô tả tiếng Anh"), "tags": N_("từ khoá"), "license": N_("giấy phép"),
    "frequency": N_("tần suất"), "source": N_("nguồn"), "contact": N_("liên hệ"),
    "temporal_coverage": N_("phạm vi thời gian"), "spatial_coverage": N_("phạm vi không gian"),
    "org": N_("tổ chức"), "private": N_("chế độ riêng tư"), "schema_name": N_("lược đồ chuẩn"),
    "extras": N_("thông tin thêm"), "deleted": N_("xoá"), "name": N_("tên"),
}


def action_label(action: str) -> str:
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else action


def audit_summary(entry: dict) -> str:
    """One line for the publishing history; never the origin (addresses stay out of public pages)."""
    detail = entry.get("detail") or {}
    if entry["action"] == "publish":
        parts = []
        if detail.get("rows") is not None:
            parts.append(_("{rows} dòng", rows=i18n.format_number(detail["rows"])))
        if detail.get("source"):
            parts.append(str(detail["source"]))
        return " · ".join(parts)
    if entry["action"] in ("dataset.update", "dataset.create"):
        return ", ".join(sorted(_(FIELD_LABELS[k]) if k in FIELD_LABELS else k for k in detail if k != "schema"))
    return ""


def version_entry(name: str, version: dict, previous: dict | None) -> dict:
    changes = version.get("changes") or {}
    return {
        "number": version["number"], "published_at": version["published_at"], "rows": version["rows"],
        "bytes": version["bytes"], "sha256": version["sha256"], "publisher": version.get("publisher"),
        "note": version.get("note") or "", "source_format": version.get("source_format"),
        "first": previous is None,
        "changes": {"rows_added": changes.get("rows_added", 0), "rows_removed": changes.get("rows_removed", 0),
                    "fields_added": changes.get("fields_added") or [],
                    "fields_removed": changes.get("fields_removed") or [],
                    "fields_changed": changes.get("fields_changed") or []},
        "downloads": {ext: download_url(name, ext, version["number"]) for ext, _label in DOWNLOAD_FORMATS},
    }


def snippets(name: str, number: int) -> list[dict]:
    """Copy-paste code that works as written: absolute, immutable URLs of the latest version."""
    csv_url = download_url(name, "csv", number, absolute=True)
    parquet_url = download_url(name, "parquet", number, absolute=True)
    return [
        {"id": "curl", "label": "curl",
         "code": f'curl -fL -o {name}-v{number}.csv "{csv_url}"'},
        {"id": "pandas", "label": "Python · pandas",
         "code": f'import pandas as pd\n\ndf = pd.read_parquet("{parquet_url}")\n'
                 f'# CSV: df = pd.read_csv("{csv_url}")\nprint(df.head())'},
        {"id": "duckdb", "label": "Python · DuckDB",
         "code": f'import duckdb\n\nduckdb.sql("SELECT * FROM \'{parquet_url}\' LIMIT 10").show()'},
        {"id": "r", "label": "R",
         "code": f'df <- read.csv("{csv_url}", encoding = "UTF-8")\nhead(df)'},
    ]


def preview_rows(version: dict) -> dict:
    catalog = get_catalog()
    try:
        result = rows.query_rows(catalog.version_files(version), version["schema"], limit=PREVIEW_ROWS,
                                 with_total=False)
    except UserError as error:  # a version the engine cannot read is shown as such, not as a broken page
        return {"columns": [], "rows": [], "error": str(error)}
    return {"columns": result["columns"], "rows": result["rows"]}


@bp.get("/datasets/<name>")
def dataset(name: str) -> Response:
    catalog = get_catalog()
    ds = visible_dataset(name)
    versions = catalog.list_versions(name)
    latest = versions[0] if versions else None
    entries = [version_entry(name, v, versions[i + 1] if i + 1 < len(versions) else None)
               for i, v in enumerate(versions)]
    audit = [{"at": a["at"], "actor": a["actor"], "action": a["action"],
              "action_label": action_label(a["action"]), "target": a.get("target") or "",
              "summary": audit_summary(a)} for a in catalog.list_audit(dataset=name, limit=AUDIT_LIMIT)]
    data: dict[str, Any] = {
        "dataset": {k: v for k, v in ds.items() if k not in ("id", "org_id")},
        "dictionary": data_dictionary((latest or {}).get("schema") or ds.get("schema") or {}),
        "source_description": source_description((latest or {}).get("source_description")),
        "versions": entries,
        "validation": latest.get("validation") if latest else None,
        "preview": preview_rows(latest) if latest else None,
        "downloads": None,
        "snippets": [],
        "history": audit,
        "suppression": (ds.get("extras") or {}).get("suppression"),
        "quality": quality_panel(ds),
    }
    data["dataset"]["extras"] = {k: v for k, v in (ds.get("extras") or {}).items() if not k.startswith("_")}
    data["dataset"]["tag_details"] = bilingual.tag_details(ds.get("tags") or [])
    if latest:
        formats = [(ext, label) for ext, label in DOWNLOAD_FORMATS
                   if ext != "xlsx" or (latest["rows"] or 0) <= EXCEL_MAX_ROWS]
        data["downloads"] = {
            "version": latest["number"],
            "files": [{"format": ext, "label": label, "url": download_url(name, ext, latest["number"], True),
                       "latest_url": download_url(name, ext, absolute=True)} for ext, label in formats]
            + [{"format": "csv-excel", "label": "CSV (Excel)", "url": download_url(name, "csv", latest["number"], True)
                + "?excel=1", "latest_url": download_url(name, "csv", absolute=True) + "?excel=1"}],
            "zip": f"{base_url()}/datasets/{name}/download.zip",
        }
        data["snippets"] = snippets(name, latest["number"])
    description, only_vietnamese = bilingual.pick(ds, "description")
    return page("dataset.html", data, description_html=render_markdown(description),
                description_only_vi=only_vietnamese)
