"""Dataset downloads: a whole version, or the rows a filter selects, in every format.

The rows are selected in DuckDB straight from the Parquet parts and handed, as a relation, to the one writer of
each format (``catalog/writers/``), the same writers that SQL results use; memory stays bounded whatever the
size. What this module adds is the dataset's view of its rows: timestamps in CSV as ISO 8601 (with the ``T``),
as the Table Schema reads them back, so a downloaded CSV republishes to the very same data.

A whole version's derived files never change (the version is immutable), so each is produced once and kept
under ``cache/<dataset>/<sha256>.<variant>``; concurrent producers race harmlessly: the first hard link wins
and the file is never replaced, so a client resuming with ``Range`` always reads the bytes it started with.
The folder is bounded (``OPENDATA_EXPORT_CACHE_MB``, default 4096): the least recently used files are evicted
(catalog/filecache.py), never one used within ``EVICT_GRACE`` seconds, so a file being served stays. An evicted
file is made again on demand, byte for byte the same (the writers are deterministic), so its strong ETag holds.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from catalog import filecache, published_schema, rows, writers
from catalog.ckan.shapes import license_info
from catalog.errors import InvalidInput
from catalog.i18n import format_number
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from catalog.spreadsheet import EXCEL_MAX_ROWS
from catalog.storage import WorkDir, fsync_dir, fsync_file, sha256_file
from catalog.writers import FORMATS, MEDIA_TYPES
from catalog.writers.xlsx import TooManyRows

__all__ = ["EXCEL_MAX_ROWS", "FORMATS", "MEDIA_TYPES", "TooManyRows", "check_format", "variant_name",
           "write_export", "version_export", "zip_stream", "cache_path", "datapackage", "version_datapackage",
           "file_facts", "FileFacts"]


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(_("không có định dạng tải về {fmt!r}", fmt=fmt),
                           hint=_("dùng một trong: {ops}", ops=", ".join(FORMATS)))
    return fmt


def variant_name(fmt: str, *, bom: bool = False, excel: bool = False) -> str:
    """The cache file's suffix: ``csv``, ``bom.csv`` (BOM) or ``excel.csv`` (BOM + formula protection)."""
    if fmt != "csv":
        return fmt
    return "excel.csv" if excel else "bom.csv" if bom else "csv"


def schema_text(types: dict[str, str]) -> dict[str, str]:
    """Column expressions for CSV: timestamps as ISO 8601 with the ``T``, as the Table Schema reads them back."""
    return {name: "replace(CAST({col} AS VARCHAR), ' ', 'T')" for name, kind in types.items()
            if kind.upper().startswith("TIMESTAMP")}


def write_export(files: Sequence[Path | str], schema: dict, fmt: str, out: Path, *,
                 filters: Sequence[rows.Filter] = (), sort: str | None = None, fields: Any = None,
                 bom: bool = False, excel: bool = False) -> Path:
    """Write the rows that ``filters`` select (all rows without filters) to ``out`` in ``fmt``."""
    check_format(fmt)
    if fmt == "xlsx":
        total = rows.count_rows(files, schema, filters)
        if total > EXCEL_MAX_ROWS:
            raise TooManyRows(_("{total} dòng là nhiều hơn Excel mở được ({limit} dòng dữ liệu mỗi trang tính)",
                                total=format_number(total), limit=format_number(EXCEL_MAX_ROWS)),
                              hint=_("hãy tải CSV hoặc Parquet, hoặc thêm bộ lọc để chọn ít dòng hơn"))
    projection = schema_text(rows.duckdb_types(files)) if fmt == "csv" else {}
    sql, params, _columns = rows.select_sql(files, schema, filters=filters, sort=sort, fields=fields,
                                     projection=projection)
    with rows.connect(heavy=True) as con:
        try:
            writers.write(con.sql(sql, params=params), fmt, out, bom=bom, excel=excel,
                          table_schema=published_schema.published(schema) if fmt == "parquet" else None)
        except duckdb.ConversionException as exc:
            raise InvalidInput(_("một giá trị lọc hoặc con trỏ trang không hợp với kiểu của cột"),
                               hint=str(exc).splitlines()[0]) from None
    return out


# -- whole versions, cached -------------------------------------------------------------------------------------
CACHE_SETTING, DEFAULT_CACHE_MB = "OPENDATA_EXPORT_CACHE_MB", 4096
EVICT_GRACE = filecache.EVICT_GRACE
DIGEST = ".sha256"  # the suffix of a derived file's cached hash, which goes with it


def cache_path(catalog: Catalog, version: dict, variant: str) -> Path:
    return catalog.home.cache_dir / version["dataset"] / f"{version['sha256']}.{variant}"


def place_once(tmp: Path, final: Path) -> None:
    """Publish ``tmp`` at ``final`` unless a file is already there (atomic: a hard link never overwrites)."""
    fsync_file(tmp)
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(tmp, final)
    except FileExistsError:
        return
    fsync_dir(final.parent)


def version_export(catalog: Catalog, version: dict, fmt: str, *, bom: bool = False, excel: bool = False) -> Path:
    """The whole version as ``fmt``: the Parquet itself, or a derived file made once and cached."""
    check_format(fmt)
    if fmt == "parquet" and version.get("path"):
        return catalog.version_file(version)  # an appended version (no single file) is consolidated below
    if fmt == "xlsx" and version.get("rows", 0) > EXCEL_MAX_ROWS:
        raise TooManyRows(
            _("phiên bản {number} của {dataset} có {rows} dòng, nhiều hơn Excel mở được ({limit} dòng dữ liệu mỗi "
              "trang tính)", number=version["number"], dataset=version["dataset"],
              rows=format_number(version["rows"]), limit=format_number(EXCEL_MAX_ROWS)),
            hint=_("hãy tải CSV hoặc Parquet"))
    final = cache_path(catalog, version, variant_name(fmt, bom=bom, excel=excel))
    if final.exists():
        filecache.touch(final)  # the last use, which eviction goes by
        return final
    with WorkDir(catalog.home) as work:
        staged = work.file(f"export.{fmt}")
        write_export(catalog.version_files(version), version["schema"], fmt, staged, bom=bom, excel=excel)
        place_once(staged, final)
    evict_exports(catalog)
    return final


def evict_exports(catalog: Catalog) -> list[Path]:
    """Keep the derived files within ``OPENDATA_EXPORT_CACHE_MB``: least recently used first, each with its hash.
    Folders whose name starts with "_" are not datasets' (the S3 read cache, bounded on its own)."""
    root = catalog.home.cache_dir

    def derived(path: Path) -> bool:
        return not path.relative_to(root).parts[0].startswith("_") and not path.name.endswith(DIGEST)

    limit = filecache.megabytes_setting(CACHE_SETTING, DEFAULT_CACHE_MB)
    return filecache.evict(filecache.files_in(root, derived), limit, grace=EVICT_GRACE,
                           companions=lambda path: [path.with_name(path.name + DIGEST)])


# -- Data Package v2 descriptor of a version --------------------------------------------------------------------
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
PACKAGE_FORMATS = ("csv", "parquet")  # the files a version's data package lists


@dataclass(frozen=True)
class FileFacts:
    """A served file's size and sha256, as a descriptor states them."""

    bytes: int
    sha256: str


def file_facts(catalog: Catalog, version: dict, fmt: str) -> FileFacts:
    """Size and sha256 of the whole version in ``fmt``; the hash of a derived file is computed once and cached
    beside it (the file never changes)."""
    if fmt == "parquet" and version.get("path"):
        return FileFacts(version["bytes"], version["sha256"])  # the stored file itself
    path = version_export(catalog, version, fmt)
    digest = cache_path(catalog, version, variant_name(fmt) + DIGEST)
    if not digest.exists():
        with WorkDir(catalog.home) as work:
            staged = work.file("digest")
            staged.write_text(sha256_file(path), encoding="ascii")
            place_once(staged, digest)
    return FileFacts(path.stat().st_size, digest.read_text(encoding="ascii").strip())


def version_url(base_url: str, name: str, number: int, leaf: str) -> str:
    return f"{base_url}/datasets/{name}/versions/{number}/{leaf}"


def package_schema(schema: dict, names: set[str]) -> tuple[dict, list[dict]]:
    """The schema for a resource of a package holding ``names``: foreign keys to a dataset outside the package
    cannot be checked inside it, so they are set apart (returned second) instead of failing validation."""
    inside, outside = [], []
    for fk in schema.get("foreignKeys") or []:
        target = (fk.get("reference") or {}).get("resource") or ""
        (inside if target in names or not target else outside).append(fk)
    out = {k: v for k, v in schema.items() if k != "foreignKeys"}
    if inside:
        out["foreignKeys"] = inside
    return out, outside


def _licenses(license_id: str) -> list[dict]:
    if not license_id:
        return []
    known = license_info(license_id) or {}
    entry = {"name": known.get("id") or license_id, "title": known.get("title") or license_id}
    if known.get("url"):
        entry["path"] = known["url"]
    return [entry]


def _contributors(dataset: dict, base_url: str) -> list[dict]:
    publisher: dict[str, Any] = {"title": dataset.get("org_title") or dataset.get("org"), "roles": ["publisher"]}
    if base_url and dataset.get("org"):
        publisher["path"] = f"{base_url}/organizations/{dataset['org']}"
    out = [publisher]
    contact = str(dataset.get("contact") or "").strip()
    if contact:
        out.append({"title": contact, "roles": ["contact"], **({"email": contact} if "@" in contact
                                                               and " " not in contact else {})})
    return out


def _resource(dataset: dict, version: dict, fmt: str, facts: FileFacts, path: str, schema: dict) -> dict:
    name = dataset["name"]
    resource: dict[str, Any] = {
        "name": name if fmt == "csv" else f"{name}-{fmt}", "type": "table" if fmt == "csv" else "file",
        "path": path, "title": f"{dataset.get('title') or name} ({fmt.upper()})", "format": fmt,
        "mediatype": MEDIA_TYPES[fmt].split(";")[0], "bytes": facts.bytes, "hash": f"sha256:{facts.sha256}",
        "schema": schema,
    }
    if fmt == "csv":
        resource["encoding"] = "utf-8"
    return resource


def datapackage(dataset: dict, version: dict, files: dict[str, FileFacts], base_url: str = "", *,
                absolute: bool = True) -> dict:
    """A Data Package v2 descriptor of ``version``: its CSV and Parquet with the published Table Schema.

    ``absolute``: resources point at the version's immutable URLs (the descriptor served on the web); else at
    the files beside it (the zip). ``files``: the size and sha256 of each file (:func:`file_facts`)."""
    name, number = dataset["name"], version["number"]
    schema, outside = package_schema(version["schema"], {name})
    resources = []
    for fmt in PACKAGE_FORMATS:
        path = version_url(base_url, name, number, f"data.{fmt}") if absolute else f"{name}.{fmt}"
        resources.append(_resource(dataset, version, fmt, files[fmt], path, schema))
    if outside:  # documented, not checked: the referenced datasets have their own packages
        for resource in resources:
            resource["externalForeignKeys"] = outside
    package: dict[str, Any] = {
        "$schema": DATAPACKAGE_PROFILE, "name": name, "title": dataset.get("title") or name,
        "description": dataset.get("description") or "", "version": str(number), "created": version["published_at"],
        "keywords": list(dataset.get("tags") or []), "licenses": _licenses(dataset.get("license") or ""),
        "contributors": _contributors(dataset, base_url),
        "sources": [{"title": dataset["source"]}] if dataset.get("source") else [],
        "resources": resources,
    }
    for key in ("title_en", "description_en"):  # custom properties: "title"/"description" stay Vietnamese
        if dataset.get(key):
            package[key] = dataset[key]
    if base_url:
        package["id"] = version_url(base_url, name, number, "datapackage.json")
        package["homepage"] = f"{base_url}/datasets/{name}"
    return package


def version_datapackage(catalog: Catalog, dataset: dict, version: dict, base_url: str, *,
                        absolute: bool = True) -> dict:
    """:func:`datapackage` with the facts of the version's files (made once and cached)."""
    files = {fmt: file_facts(catalog, version, fmt) for fmt in PACKAGE_FORMATS}
    return datapackage(dataset, version, files, base_url, absolute=absolute)


# -- the whole dataset as one zip -------------------------------------------------------------------------------
class _Pipe:
    """A write-only file whose bytes are collected for a generator to hand out (zipfile needs a file)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        if data:
            self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


def zip_stream(catalog: Catalog, dataset: dict, version: dict, base_url: str = "") -> Iterator[bytes]:
    """A version as CSV + Parquet + ``datapackage.json``, zipped as it is sent.

    The files are made (or found in the cache) before this returns, so a failure is an error response, not a
    cut-off download. Memory stays bounded: files go through in 1 MiB pieces, each sent before the next read.
    """
    csv_path = version_export(catalog, version, "csv")
    parquet_path = version_export(catalog, version, "parquet")
    descriptor = version_datapackage(catalog, dataset, version, base_url, absolute=False)
    return _zip_chunks(dataset["name"], version, descriptor, csv_path, parquet_path)


def _zip_chunks(name: str, version: dict, descriptor: dict, csv_path: Path, parquet_path: Path) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        info = zipfile.ZipInfo("datapackage.json", date_time=_zip_time(version))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, json.dumps(descriptor, ensure_ascii=False, indent=2))
        yield from pipe.drain()
        for path, arcname, method in ((csv_path, f"{name}.csv", zipfile.ZIP_DEFLATED),
                                      (parquet_path, f"{name}.parquet", zipfile.ZIP_STORED)):
            info = zipfile.ZipInfo(arcname, date_time=_zip_time(version))
            info.compress_type = method
            with open(path, "rb") as src, archive.open(info, "w", force_zip64=True) as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                    yield from pipe.drain()
            yield from pipe.drain()
    yield from pipe.drain()


def _zip_time(version: dict) -> tuple[int, int, int, int, int, int]:
    stamp = version["published_at"]
    return (int(stamp[0:4]), int(stamp[5:7]), int(stamp[8:10]), int(stamp[11:13]), int(stamp[14:16]),
            int(stamp[17:19]))
