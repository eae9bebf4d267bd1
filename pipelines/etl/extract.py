"""Extract: bring a pipeline's source into DuckDB as the first table, and fingerprint what was read.

Sources: a local file or glob (the newest file, all files in name order, or only the files no earlier run has
taken), an HTTP(S) URL, a CKAN resource (through ``ckanapi``), a SQL query against a department's database (any
SQLAlchemy URL), or a dataset already in the catalogue. Files are read with every column as text, because
departments' files are text (``1.234,5``, ``05/09/2024``) and reading them is exactly what the cast step makes
explicit; Parquet and catalogue datasets keep their types. Column names and text values are NFC. URLs and CKAN
portals are fetched through ``pipelines/outbound.py``, so a pipeline cannot reach private addresses unless
``OPENDATA_ALLOW_PRIVATE_URLS=true``.

The fingerprint (sha256 over the bytes or rows read) is what makes runs idempotent: same fingerprint and same
pipeline definition as the last successful run, nothing to publish.
"""

from __future__ import annotations

import codecs
import glob
import hashlib
import os
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import duckdb
import pyarrow as pa
import requests
from requests_hardened.ip_filter import InvalidIPAddress

from catalog.errors import UserError
from catalog.i18n import _, format_number
from catalog.metadata import Catalog
from catalog.sqltext import sql_list, sql_string
from catalog.storage import sha256_file
from catalog.text import nfc
from pipelines import outbound
from pipelines.etl.database import query_database
from pipelines.etl.definition import Pipeline, SourceError
from pipelines.etl.steps.base import first_line, ident, literal, unique_names

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".json": "json",
           ".jsonl": "ndjson", ".ndjson": "ndjson", ".parquet": "parquet"}
CONTENT_TYPES = {"text/csv": "csv", "application/json": "json", "application/vnd.apache.parquet": "parquet",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
                 "text/tab-separated-values": "tsv", "application/x-ndjson": "ndjson"}
XLSX_MAX_UNCOMPRESSED = 1 << 30  # a spreadsheet inflating past 1 GB is refused (zip bomb)
DISTINCT_CHECK = 100_000  # a text column with at most this many distinct values is NFC-checked in Python
USER_AGENT = "hanoi-opendata-etl/0.1"


@dataclass
class Extracted:
    """What extraction produced: the table, the inputs read (for history and ``pick: new``), a fingerprint."""

    table: str | None
    columns: dict[str, str] = field(default_factory=dict)
    inputs: list[dict] = field(default_factory=list)
    fingerprint: str = ""
    bytes: int = 0
    format: str = ""
    nothing_new: bool = False


def fingerprint_of(inputs: list[dict]) -> str:
    return hashlib.sha256("\n".join(i["sha256"] for i in inputs).encode()).hexdigest()


def extract(pipeline: Pipeline, con: duckdb.DuckDBPyConnection, work_dir: Path, *, catalog: Catalog | None,
            consumed: set[str] = frozenset(), table: str = "step_0") -> Extracted:
    """Load the source into ``table``; ``consumed`` lists input hashes already taken (``pick: new``)."""
    source = pipeline.source
    kind = pipeline.source_kind
    final, table = table, f"{table}_raw"
    if kind == "path":
        files = pick_files(pipeline, consumed)
        if not files:
            return Extracted(None, nothing_new=True)
        inputs = [{"name": f.name, "sha256": sha256_file(f), "bytes": f.stat().st_size} for f in files]
        if source.get("pick") == "new":  # the same bytes under two names are taken once
            seen: set[str] = set(consumed)
            kept = []
            for f, info in zip(files, inputs, strict=True):
                if info["sha256"] not in seen:
                    seen.add(info["sha256"])
                    kept.append((f, info))
            if not kept:
                return Extracted(None, nothing_new=True)
            files, inputs = [f for f, _ in kept], [i for _, i in kept]
        fmt = load_files(con, files, source, table, work_dir)
    elif kind in ("url", "ckan"):
        url, headers, fmt_hint = (source["url"], {}, None) if kind == "url" else ckan_resource(source)
        file = download(url, work_dir, source, headers=headers, fmt_hint=fmt_hint)
        inputs = [{"name": url, "sha256": sha256_file(file), "bytes": file.stat().st_size}]
        fmt = load_files(con, [file], {**source, "format": source.get("format") or fmt_hint}, table, work_dir,
                         display=url)
    elif kind == "database":
        file, digest, rows = query_database(source, pipeline.base_dir, work_dir)
        inputs = [{"name": "query", "sha256": digest, "bytes": file.stat().st_size, "rows": rows}]
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet({sql_string(file)})")
        fmt = "sql"
    else:
        inputs, fmt = load_dataset(con, catalog, source, table)
    columns = normalise_table(con, table, final)
    check_columns(pipeline, columns)
    return Extracted(final, columns, inputs, fingerprint_of(inputs), sum(i.get("bytes", 0) for i in inputs), fmt)


# -- files ----------------------------------------------------------------------------------------------------------
def pick_files(pipeline: Pipeline, consumed: set[str]) -> list[Path]:
    pattern = pipeline.source["path"]
    full = pattern if os.path.isabs(pattern) else str(pipeline.base_dir / pattern)
    if not glob.has_magic(pattern):
        path = Path(full)
        if not path.is_file():
            raise SourceError(_("không tìm thấy tệp nguồn: {path}", path=pattern), hint=_relative(pipeline))
        return [path]
    matches = [Path(p) for p in glob.glob(full, recursive=True) if Path(p).is_file()]
    pick = pipeline.source.get("pick", "newest")
    if not matches:
        if pick == "new":
            return []
        raise SourceError(_("không có tệp nào khớp mẫu đường dẫn nguồn {pattern}", pattern=pattern),
                          hint=_relative(pipeline))
    if pick == "newest":
        return [max(matches, key=lambda p: (p.stat().st_mtime_ns, p.name))]
    return sorted(matches, key=lambda p: p.name)


def _relative(pipeline: Pipeline) -> str:
    return _("đường dẫn được tính từ {folder}", folder=pipeline.base_dir)


def file_format(path: Path, declared: str | None) -> str:
    if declared:
        return declared
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(_("không nhận ra định dạng của {name}", name=path.name),
                          hint=_("hãy đặt source.format (csv, tsv, xlsx, json, ndjson, parquet)"))
    return fmt


def load_files(con: duckdb.DuckDBPyConnection, files: list[Path], source: dict, table: str, work_dir: Path,
               *, display: str | None = None) -> str:
    """Load one or more files of one layout into ``table`` (several files: appended in order)."""
    first_columns: list[str] | None = None
    fmt = ""
    for n, path in enumerate(files):
        fmt = file_format(path, source.get("format"))
        part = f"{table}_part{n}"
        try:
            load_one(con, path, fmt, source, part, work_dir)
        except duckdb.Error as error:
            raise read_error(display or path.name, fmt, error, source) from None
        if source.get("filename_column"):
            con.execute(f"ALTER TABLE {part} ADD COLUMN {ident(source['filename_column'])} VARCHAR "
                        f"DEFAULT {literal(path.name)}")
        columns = [r[0] for r in con.execute(f"DESCRIBE {part}").fetchall()]
        if first_columns is None:
            first_columns = columns
            con.execute(f"ALTER TABLE {part} RENAME TO {table}")
            continue
        if columns != first_columns:
            raise SourceError(_("{name} có các cột {columns} nhưng {first} có {first_columns}", name=path.name,
                                columns=columns, first=files[0].name, first_columns=first_columns),
                              hint=_("các tệp được lấy cùng nhau phải có chung một bố cục cột"))
        con.execute(f"INSERT INTO {table} SELECT * FROM {part}")
        con.execute(f"DROP TABLE {part}")
    return fmt


def read_error(name: str, fmt: str, error: duckdb.Error, source: dict) -> SourceError:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if any("unicode" in line.lower() for line in lines[:4]):
        return SourceError(_("không đọc được {name}: đây không phải văn bản UTF-8", name=name),
                           hint=_("hãy đặt source.encoding (ví dụ cp1258 cho Windows-1258, utf-16)"))
    # DuckDB's CSV errors: "CSV Error on Line: N", the raw line, then the reason.
    reason = next((line for line in lines[1:4] if not line.startswith("Original Line")), "")
    text = first_line(error) + (f": {reason}" if reason and "CSV Error" in lines[0] else "")
    return SourceError(_("không đọc được {name} dưới dạng {format}: {error}", name=name, format=fmt, error=text),
                       hint=_("hãy kiểm tra source.format, delimiter và header_row"))


def load_one(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, source: dict, table: str, work_dir: Path) -> None:
    header_row = int(source.get("header_row", 1))
    if fmt in ("csv", "tsv"):
        path = to_utf8(path, source.get("encoding"), work_dir)
        options = ["all_varchar = true", "header = true", f"skip = {header_row - 1}"]
        delimiter = source.get("delimiter") or ("\t" if fmt == "tsv" else None)
        if delimiter:
            options.append(f"delim = {literal(delimiter)}")
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv({sql_string(path)}, {', '.join(options)})")
    elif fmt == "xlsx":
        load_xlsx(con, path, source, table)
    elif fmt in ("json", "ndjson"):
        shape = "newline_delimited" if fmt == "ndjson" else "auto"
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_json({sql_string(path)}, format = '{shape}')")
        columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        texts = ", ".join(f"{ident(c)}::VARCHAR AS {ident(c)}" for c in columns)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {texts} FROM {table}")
    elif fmt == "parquet":
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet({sql_string(path)})")
    else:
        raise SourceError(_("định dạng nguồn {format} không được hỗ trợ", format=repr(fmt)))


def to_utf8(path: Path, encoding: str | None, work_dir: Path) -> Path:
    """DuckDB reads UTF-8; anything else declared (cp1258, utf-16) is transcoded in a stream into the work folder."""
    if not encoding or codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        return path
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    except LookupError:
        raise SourceError(_("không biết bảng mã {encoding}", encoding=repr(encoding)),
                          hint=_("ví dụ utf-8, utf-16, cp1258")) from None
    target = work_dir / f"utf8-{path.stem}.csv"
    try:
        with open(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 20):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as error:
        raise SourceError(_("{name} không phải {encoding} hợp lệ (byte {byte} của một khối)", name=path.name,
                            encoding=encoding, byte=error.start), hint=_("hãy kiểm tra source.encoding")) from None
    return target


def cell_text(value: Any) -> str | None:
    """An Excel cell as the text a department would have typed (1200.0 → '1200', dates ISO)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def load_xlsx(con: duckdb.DuckDBPyConnection, path: Path, source: dict, table: str) -> None:
    from python_calamine import CalamineWorkbook

    try:
        with zipfile.ZipFile(path) as archive:
            inflated = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile:
        raise SourceError(_("{name} không phải tệp xlsx (không phải tệp nén zip)", name=path.name)) from None
    if inflated > XLSX_MAX_UNCOMPRESSED:
        raise SourceError(_("{name} bung ra {size} GB khi giải nén: bị từ chối", name=path.name,
                            size=format_number(inflated / 1e9, 1)))
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet_opt = source.get("sheet")
        names = book.sheet_names
        if sheet_opt is None:
            sheet = book.get_sheet_by_index(0)
        elif isinstance(sheet_opt, int):
            if not 1 <= sheet_opt <= len(names):
                raise SourceError(_("{name} có {count} trang tính; không có trang tính số {sheet}", name=path.name,
                                    count=len(names), sheet=sheet_opt))
            sheet = book.get_sheet_by_index(sheet_opt - 1)
        else:
            wanted = nfc(str(sheet_opt))
            match = [n for n in names if nfc(n) == wanted]
            if not match:
                raise SourceError(_("{name} không có trang tính {sheet}", name=path.name, sheet=repr(sheet_opt)),
                                  hint=_("các trang tính: {sheets}", sheets=", ".join(names)))
            sheet = book.get_sheet_by_name(match[0])
        rows = sheet.to_python(skip_empty_area=False)
    except SourceError:
        raise
    except Exception as error:  # calamine raises its own error types for damaged files
        raise SourceError(_("không đọc được {name} dưới dạng {format}: {error}", name=path.name, format="xlsx",
                            error=first_line(error))) from None
    header_row = int(source.get("header_row", 1))
    if len(rows) < header_row:
        raise SourceError(_("{name} có {count} dòng: không có dòng tiêu đề ở dòng {row}", name=path.name,
                            count=len(rows), row=header_row))
    names = unique_names([cell_text(v) for v in rows[header_row - 1]])
    width = len(names)
    body = [[cell_text(v) for v in (list(r) + [None] * width)[:width]] for r in rows[header_row:]]
    body = [r for r in body if any(v is not None for v in r)]
    columns = {name: [r[i] for r in body] for i, name in enumerate(names)}
    arrow = pa.table({n: pa.array(v, type=pa.string()) for n, v in columns.items()})
    con.register(f"{table}_arrow", arrow)
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM {table}_arrow")
    con.unregister(f"{table}_arrow")


# -- HTTP and CKAN --------------------------------------------------------------------------------------------------
def check_source_url(url: str) -> None:
    """The outbound rule for a pipeline's URL: the server fetches it, so it must not reach the server's own
    services (127.0.0.1, the cloud metadata address) and publish what they answer."""
    try:
        outbound.check_url(url)
    except UserError as refused:
        raise SourceError(refused.message, hint=refused.hint) from None


def unreachable(what: str, error: Exception) -> SourceError:
    """A failed request as one line; a redirect to a private address says so and how to allow it."""
    if isinstance(error, InvalidIPAddress):
        return SourceError(_("nguồn bị từ chối: {what}: {error}", what=what, error=outbound.describe_error(error)))
    reason = type(error).__name__.replace("Error", " error").strip()
    return SourceError(_("không truy cập được nguồn: {what} ({reason})", what=what, reason=reason),
                       hint=_("hãy kiểm tra URL và kết nối mạng"))


def download(url: str, work_dir: Path, source: dict, *, headers: dict | None = None,
             fmt_hint: str | None = None) -> Path:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        raise SourceError(_("URL nguồn phải là http hoặc https: {url}", url=url))
    check_source_url(url)
    limit = int(source.get("max_mb", 2048)) * 1024 * 1024
    suffix = Path(parsed.path).suffix.lower()
    try:
        with outbound.session() as http, http.get(url, stream=True, timeout=(10, int(source.get("timeout", 60))),
                                                   headers={"User-Agent": USER_AGENT, **(headers or {})}) as response:
            if response.status_code != 200:
                raise SourceError(_("không truy cập được nguồn: {url} trả lời HTTP {status}", url=url,
                                    status=response.status_code))
            fmt = source.get("format") or fmt_hint or FORMATS.get(suffix) or CONTENT_TYPES.get(
                response.headers.get("Content-Type", "").split(";")[0].strip().lower(), "csv")
            target = work_dir / f"download.{'csv' if fmt == 'tsv' else fmt}"
            size = 0
            with open(target, "wb") as out:
                for chunk in response.iter_content(1 << 20):
                    size += len(chunk)
                    if size > limit:
                        raise SourceError(_("{url} lớn hơn {size} MB", url=url, size=source.get("max_mb", 2048)),
                                          hint=_("hãy nâng source.max_mb"))
                    out.write(chunk)
    except requests.RequestException as error:
        raise unreachable(url, error) from None
    return target


def ckan_resource(source: dict) -> tuple[str, dict, str | None]:
    """The download URL (and auth header) of a CKAN resource, asked through the portal's Action API."""
    import ckanapi

    token = os.environ.get(source["api_key_env"], "") if source.get("api_key_env") else ""
    if source.get("api_key_env") and not token:
        raise SourceError(_("biến môi trường {variable} ({option}) chưa được đặt", variable=source["api_key_env"],
                            option="source.api_key_env"))
    check_source_url(source["ckan"])
    portal = ckanapi.RemoteCKAN(source["ckan"].rstrip("/"), apikey=token or None, user_agent=USER_AGENT,
                                session=outbound.session())
    try:
        with portal:
            resource = portal.action.resource_show(id=source["resource"])
    except ckanapi.NotFound:
        raise SourceError(_("không tìm thấy tài nguyên CKAN {resource} trên {portal}",
                            resource=repr(source["resource"]), portal=source["ckan"])) from None
    except ckanapi.NotAuthorized:
        raise SourceError(_("không có quyền đọc tài nguyên CKAN {resource}", resource=repr(source["resource"])),
                          hint=_("hãy đặt source.api_key_env là tên một biến môi trường chứa token")) from None
    except requests.RequestException as error:
        raise unreachable(_("cổng CKAN {portal}", portal=source["ckan"]), error) from None
    except (ckanapi.CKANAPIError, ValueError) as error:
        raise SourceError(_("không truy cập được nguồn: {what} ({reason})", what=_("cổng CKAN {portal}",
                            portal=source["ckan"]), reason=type(error).__name__)) from None
    url = resource.get("url") or ""
    if not url:
        raise SourceError(_("tài nguyên CKAN {resource} không có URL", resource=repr(source["resource"])))
    fmt = (resource.get("format") or "").strip().lower() or None
    fmt = {"xls": "xlsx", "jsonl": "ndjson"}.get(fmt, fmt)
    if fmt not in ("csv", "tsv", "xlsx", "json", "ndjson", "parquet"):
        fmt = None
    return url, ({"Authorization": token} if token else {}), fmt


# -- catalogue datasets -----------------------------------------------------------------------------------------------
def load_dataset(con: duckdb.DuckDBPyConnection, catalog: Catalog | None, source: dict,
                 table: str) -> tuple[list[dict], str]:
    if catalog is None:
        raise SourceError(_("một nguồn kiểu bộ dữ liệu (dataset) cần có danh mục"))
    version = resolve_version(catalog, source["dataset"], source.get("version"))
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet({sql_list(catalog.version_files(version))})")
    return [{"name": f"{source['dataset']}@{version['number']}", "sha256": version["sha256"],
             "bytes": version["bytes"]}], "parquet"


def resolve_version(catalog: Catalog, dataset: str, number: int | None) -> dict:
    found = catalog.find_dataset(dataset)
    if found is None:
        raise SourceError(_("bộ dữ liệu {dataset} không có trong danh mục", dataset=repr(dataset)),
                          hint=_("'opendata datasets' liệt kê các bộ dữ liệu"))
    if number is not None:
        return catalog.get_version(dataset, number)
    version = catalog.latest_version(dataset)
    if version is None:
        raise SourceError(_("bộ dữ liệu {dataset} chưa có phiên bản nào", dataset=repr(dataset)))
    return version


# -- layout ---------------------------------------------------------------------------------------------------------
def normalise_table(con: duckdb.DuckDBPyConnection, raw: str, view: str) -> dict[str, str]:
    """A view over ``raw`` with NFC column names and text (a decomposed 'Đống Đa' matches no enum, no join).

    NFC costs about 3 s per million non-ASCII values, so it is applied only where it changes something: ASCII
    columns are skipped, and a column with few distinct values (station and district names) is checked value by
    value in Python first. The view is lazy: the work happens once, when the rows are finally written.
    """
    described = con.execute(f"DESCRIBE {raw}").fetchall()
    names = unique_names([nfc(r[0]).strip() for r in described])
    texts = [r[0] for r in described if r[1] == "VARCHAR"]
    needs: set[str] = set()
    if texts:
        flags = con.execute("SELECT " + ", ".join(f"bool_or(strlen({ident(c)}) <> length({ident(c)}))"
                                                  for c in texts) + f" FROM {raw}").fetchone()
        for column, non_ascii in zip(texts, flags, strict=True):
            if not non_ascii:
                continue
            values = con.execute(f"SELECT DISTINCT {ident(column)} FROM {raw} LIMIT {DISTINCT_CHECK + 1}").fetchall()
            if len(values) > DISTINCT_CHECK or not all(v is None or unicodedata.is_normalized("NFC", v)
                                                       for (v,) in values):
                needs.add(column)
    items = []
    for (old, _kind, *_rest), new in zip(described, names, strict=True):
        value = f"nfc_normalize({ident(old)})" if old in needs else ident(old)
        items.append(f"{value} AS {ident(new)}")
    con.execute(f"CREATE VIEW {view} AS SELECT {', '.join(items)} FROM {raw}")
    return {new: kind for (_, kind, *_), new in zip(described, names, strict=True)}


def check_columns(pipeline: Pipeline, columns: dict[str, str]) -> None:
    """A declared layout (``source.columns``) must match exactly; a drift is a failed run, not a guess."""
    expected = pipeline.source.get("columns")
    if expected is None:
        return
    expected = [expected] if isinstance(expected, str) else list(expected)
    raise_drift(expected, list(columns), _("source.columns khai báo"))


def raise_drift(expected: list[str], found: list[str], what: str) -> None:
    missing = [c for c in expected if c not in found]
    new = [c for c in found if c not in expected]
    if missing or new:
        parts = []
        if missing:
            parts.append(_("thiếu: {columns}", columns=", ".join(map(repr, missing))))
        if new:
            parts.append(_("mới: {columns}", columns=", ".join(map(repr, new))))
        raise SourceError(_("các cột của nguồn đã thay đổi ({changes}); {what} {count} cột",
                            changes="; ".join(parts), what=what, count=len(expected)),
                          hint=_("nếu bố cục mới là đúng, hãy cập nhật quy trình (các bước và source.columns)"))
