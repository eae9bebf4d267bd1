"""The whole catalogue as files: datasets, resources and organisations as CSV, and the datasets as CKAN JSON Lines.

Why: harvesters, journalists and the national portal take a catalogue in bulk rather than page by page through
an API. data.gouv.fr publishes ``datasets.csv``, ``resources.csv`` and ``organizations.csv``; CKAN users move
catalogues with ``ckanapi dump``/``load``, whose format is one ``package_show`` dict a line. Each CSV has a Table
Schema (served beside it) that ``frictionless validate`` checks it against; the JSON Lines use the one CKAN shape
(``catalog/ckan/shapes.py``), so ``ckanapi load datasets`` reads them back.

Only what anyone may see is dumped: the listing goes through ``catalog/visibility.py`` as an anonymous viewer,
so a private dataset (and its files) never appears, whoever asks. The datasets dump ends with a ``quality``
column (``OPTIONAL_COLUMNS``): data.gouv.fr's score, as its own dump has, computed by ``catalog/quality``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from catalog import quality
from catalog.ckan.shapes import package_dict
from catalog.metadata import Catalog
from catalog.visibility import ANONYMOUS
from catalog.writers import MEDIA_TYPES

DUMPS = ("datasets", "resources", "organizations")
LIST_SEPARATOR = ";"  # tags in one CSV cell


def _field(name: str, kind: str, title: str, description: str = "", **extra: Any) -> dict:
    out = {"name": name, "type": kind, "title": title, **extra}
    if description:
        out["description"] = description
    return out


_REQUIRED = {"constraints": {"required": True}}
SCHEMAS: dict[str, dict] = {
    "datasets": {"fields": [
        _field("id", "string", "Mã định danh", **_REQUIRED),
        _field("name", "string", "Tên (slug)", "Phần của địa chỉ /datasets/<name>", constraints={
            "required": True, "unique": True}),
        _field("title", "string", "Tiêu đề"),
        _field("description", "string", "Mô tả (Markdown)"),
        _field("url", "string", "Trang bộ dữ liệu", format="uri"),
        _field("organization", "string", "Tổ chức (slug)", **_REQUIRED),
        _field("organization_title", "string", "Tên tổ chức"),
        _field("license", "string", "Giấy phép"),
        _field("tags", "string", "Từ khoá", f"Cách nhau bởi '{LIST_SEPARATOR}'"),
        _field("frequency", "string", "Tần suất cập nhật"),
        _field("temporal_coverage", "string", "Phạm vi thời gian"),
        _field("spatial_coverage", "string", "Phạm vi không gian"),
        _field("schema_name", "string", "Lược đồ chuẩn"),
        _field("latest_version", "integer", "Phiên bản mới nhất"),
        _field("rows", "integer", "Số dòng (phiên bản mới nhất)"),
        _field("created_at", "datetime", "Ngày tạo", **_REQUIRED),
        _field("updated_at", "datetime", "Ngày cập nhật", **_REQUIRED),
        _field("last_published_at", "datetime", "Ngày công bố phiên bản mới nhất"),
        _field("datapackage_url", "string", "Data Package của phiên bản mới nhất", format="uri"),
    ], "primaryKey": ["id"]},
    "resources": {"fields": [
        _field("dataset_id", "string", "Mã bộ dữ liệu", **_REQUIRED),
        _field("dataset", "string", "Bộ dữ liệu (slug)", **_REQUIRED),
        _field("version", "integer", "Phiên bản", constraints={"required": True, "minimum": 1}),
        _field("format", "string", "Định dạng", **_REQUIRED),
        _field("url", "string", "Địa chỉ tải (không đổi)", format="uri", **_REQUIRED),
        _field("mediatype", "string", "Kiểu MIME"),
        _field("bytes", "integer", "Dung lượng (byte)", constraints={"minimum": 0}),
        _field("sha256", "string", "SHA-256 của tệp",
               "Trống với phiên bản ghép từ nhiều phần (tệp tải về được ghép khi tải)",
               constraints={"pattern": "[0-9a-f]{64}"}),
        _field("rows", "integer", "Số dòng", constraints={"minimum": 0}),
        _field("published_at", "datetime", "Ngày công bố", **_REQUIRED),
        _field("datapackage_url", "string", "Data Package của phiên bản", format="uri"),
    ], "primaryKey": ["dataset_id", "version", "format"]},
    "organizations": {"fields": [
        _field("id", "string", "Mã định danh", **_REQUIRED),
        _field("name", "string", "Tên (slug)", constraints={"required": True, "unique": True}),
        _field("title", "string", "Tên tổ chức"),
        _field("description", "string", "Giới thiệu"),
        _field("url", "string", "Trang tổ chức", format="uri"),
        _field("datasets", "integer", "Số bộ dữ liệu công khai", constraints={"minimum": 0}),
        _field("created_at", "datetime", "Ngày tạo", **_REQUIRED),
    ], "primaryKey": ["id"]},
}
# Columns added when the module behind them exists (the quality score is computed elsewhere).
OPTIONAL_COLUMNS = {"datasets": [_field("quality", "number", "Điểm chất lượng (0–1)",
                                        constraints={"minimum": 0, "maximum": 1})]}


def extra_columns(dump: str, catalog: Catalog) -> dict[str, dict]:
    """The optional columns' values by row id: each public dataset's quality score (``catalog/quality``)."""
    if dump != "datasets":
        return {}
    return {"quality": {key: item["score"] for key, item in quality.scores(catalog, public_datasets(catalog)).items()}}


def public_datasets(catalog: Catalog) -> list[dict]:
    """Every active dataset anyone may see, by name (stable order: dumps of an unchanged catalogue are equal)."""
    return sorted(catalog.list_datasets(viewer=ANONYMOUS), key=lambda d: d["name"])


def _version_url(base_url: str, name: str, number: int, leaf: str) -> str:
    return f"{base_url}/datasets/{name}/versions/{number}/{leaf}"


def dataset_rows(catalog: Catalog, base_url: str) -> Iterator[dict]:
    for d in public_datasets(catalog):
        latest = d.get("latest_version")
        yield {
            "id": d["id"], "name": d["name"], "title": d.get("title"), "description": d.get("description"),
            "url": f"{base_url}/datasets/{d['name']}", "organization": d["org"], "organization_title": d["org_title"],
            "license": d.get("license"), "tags": LIST_SEPARATOR.join(d.get("tags") or []),
            "frequency": d.get("frequency"), "temporal_coverage": d.get("temporal_coverage"),
            "spatial_coverage": d.get("spatial_coverage"), "schema_name": d.get("schema_name"),
            "latest_version": latest, "rows": d.get("rows"), "created_at": d["created_at"],
            "updated_at": d["updated_at"], "last_published_at": d.get("last_published_at"),
            "datapackage_url": _version_url(base_url, d["name"], latest, "datapackage.json") if latest else "",
        }


def resource_rows(catalog: Catalog, base_url: str) -> Iterator[dict]:
    """One row per version file (the stored Parquet of every version of every public dataset)."""
    for d in public_datasets(catalog):
        for v in sorted(catalog.list_versions(d["name"]), key=lambda v: v["number"]):
            single = bool(v.get("path"))  # an appended version's parts are consolidated when downloaded
            yield {
                "dataset_id": d["id"], "dataset": d["name"], "version": v["number"], "format": "parquet",
                "url": _version_url(base_url, d["name"], v["number"], "data.parquet"),
                "mediatype": MEDIA_TYPES["parquet"], "bytes": v["bytes"] if single else None,
                "sha256": v["sha256"] if single else "", "rows": v["rows"], "published_at": v["published_at"],
                "datapackage_url": _version_url(base_url, d["name"], v["number"], "datapackage.json"),
            }


def organization_rows(catalog: Catalog, base_url: str) -> Iterator[dict]:
    for org in catalog.list_orgs(viewer=ANONYMOUS):
        yield {"id": org["id"], "name": org["name"], "title": org["title"], "description": org["description"],
               "url": f"{base_url}/organizations/{org['name']}", "datasets": org["dataset_count"],
               "created_at": org["created_at"]}


ROWS = {"datasets": dataset_rows, "resources": resource_rows, "organizations": organization_rows}


def table_schema(dump: str, extra: Iterable[str] = ()) -> dict:
    """The Table Schema of ``dump``, with the optional columns named in ``extra`` that exist."""
    schema = json.loads(json.dumps(SCHEMAS[dump]))
    schema["fields"] += [f for f in OPTIONAL_COLUMNS.get(dump, []) if f["name"] in extra]
    return schema


def csv_text(dump: str, catalog: Catalog, base_url: str, extra: dict[str, dict] | None = None) -> str:
    """The dump as CSV (UTF-8, comma, header). ``extra[column][id]``: values of optional columns by row id."""
    extra = extra or {}
    names = [f["name"] for f in table_schema(dump, extra)["fields"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in ROWS[dump](catalog, base_url):
        for column, values in extra.items():
            row[column] = values.get(row.get("id"))
        writer.writerow(["" if row.get(n) is None else row[n] for n in names])
    return out.getvalue()


def datasets_jsonl_gz(catalog: Catalog, base_url: str) -> bytes:
    """Every public dataset as CKAN's ``package_show`` dict, one a line, gzipped (``ckanapi load datasets -z``).
    No timestamp in the gzip header: the same catalogue gives the same bytes."""
    lines = (json.dumps(package_dict(d, base_url), ensure_ascii=False, sort_keys=True) + "\n"
             for d in public_datasets(catalog))
    return gzip.compress("".join(lines).encode("utf-8"), mtime=0)
