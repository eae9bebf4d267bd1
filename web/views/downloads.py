"""Downloads: a version's files (immutable, cacheable, range-readable), the whole dataset as a zip, and the
rows an explorer view selects.

``/datasets/<name>/versions/<n>/data.<ext>`` never changes once published, so it is served as an immutable
object: a strong ``ETag`` from the content hash, a year of ``Cache-Control``, ``Last-Modified``, conditional
requests and byte ranges. Remote Parquet readers (DuckDB's httpfs, pyarrow, DuckDB-WASM in a browser) read a
file's footer and then the column chunks they need with ``Range`` requests, sometimes several ranges in one
request: Werkzeug's ``send_file`` answers those with 416, so werkzeug parses the ranges and the
``multipart/byteranges`` answer is written here.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, redirect, request
from werkzeug.datastructures import Range
from werkzeug.http import http_date, parse_date, parse_etags, parse_range_header, quote_etag
from werkzeug.wsgi import wrap_file

from catalog import exports
from catalog.errors import InvalidInput, NotFound
from catalog.i18n import gettext as _
from catalog.storage import Storage, WorkDir, read_range
from web import row_params
from web.auth import current_viewer, personal_cache
from web.context import get_catalog
from web.urls import base_url

bp = Blueprint("downloads", __name__)

FORMAT_RULE = "any(parquet, csv, json, jsonl, xlsx)"
IMMUTABLE = "public, max-age=31536000, immutable"
CHUNK = 256 * 1024
MAX_RANGES = 64
FLAGS = {"1": True, "true": True, "0": False, "false": False}


# CORS for these reads (and none for writes) is set for every response in web/security.py.
bp.after_request(personal_cache)


# -- helpers ----------------------------------------------------------------------------------------------------
def flag(name: str) -> bool:
    """A yes/no query parameter: absent, 0 or false is no; 1 or true is yes; anything else is a mistake."""
    value = request.args.get(name)
    if value is None:
        return False
    if value.strip().lower() not in FLAGS:
        raise InvalidInput(_("{name} phải là 1 hoặc 0, không phải {value!r}", name=name, value=value))
    return FLAGS[value.strip().lower()]


def published_dataset(name: str, *, include_deleted: bool = False) -> dict:
    """The dataset if this viewer may download it (private ones exist only for their organisation).

    Versioned links keep working after a dataset is deleted: its files are immutable and were published.
    """
    dataset = get_catalog().find_dataset(name, include_deleted=include_deleted, viewer=current_viewer())
    if dataset is None:
        raise NotFound(_("không tìm thấy bộ dữ liệu {name!r}", name=name), hint=_("danh sách ở /datasets có mọi bộ dữ liệu"))
    return dataset


# Version records never change once written, so each process keeps the ones it has read. The key holds what
# the dataset row says about its latest version (id, number, publication time, read in the same request), so a
# publish is seen at once and a stale record can never be returned.
_versions: OrderedDict[tuple, dict] = OrderedDict()
_versions_lock = threading.Lock()
VERSION_CACHE_SIZE = 512


def latest_of(dataset: dict | str) -> dict:
    """The dataset's latest version (a dataset dict saves looking the dataset up again)."""
    if isinstance(dataset, str):
        dataset = published_dataset(dataset)
    if dataset.get("latest_version") is None:
        raise NotFound(_("bộ dữ liệu {name!r} chưa có phiên bản nào được công bố", name=dataset["name"]),
                       hint=_("xem /datasets/{name}", name=dataset["name"]))
    key = (dataset["id"], dataset["latest_version"], dataset.get("last_published_at"))
    with _versions_lock:
        found = _versions.get(key)
        if found is not None:
            _versions.move_to_end(key)
            return found
    version = get_catalog().get_version(dataset["name"], dataset["latest_version"])
    if version["published_at"] == key[2]:
        with _versions_lock:
            _versions[key] = version
            while len(_versions) > VERSION_CACHE_SIZE:
                _versions.popitem(last=False)
    return version


def published_time(version: dict) -> datetime:
    return datetime.strptime(version["published_at"][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def attachment(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f'attachment; filename="{ascii_name}"'


def version_etag(version: dict, fmt: str, *, bom: bool, excel: bool) -> str:
    """Strong: the Parquet's own hash, or that hash plus the variant for files derived from it
    (derived files are made once per version and never replaced, so the same tag always means the same bytes)."""
    variant = exports.variant_name(fmt, bom=bom, excel=excel)
    return version["sha256"] if fmt == "parquet" else f"{version['sha256']}.{variant}"


# -- conditional requests and ranges ----------------------------------------------------------------------------
def _not_modified(etag: str, modified: datetime) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return parse_etags(if_none_match).contains_weak(etag)
    since = parse_date(request.headers.get("If-Modified-Since"))
    return since is not None and modified.replace(microsecond=0) <= since


def _precondition_failed(etag: str, modified: datetime) -> bool:
    if_match = request.headers.get("If-Match")
    if if_match is not None:
        return not parse_etags(if_match).contains(etag)
    since = parse_date(request.headers.get("If-Unmodified-Since"))
    return since is not None and modified.replace(microsecond=0) > since


def _if_range_holds(etag: str, modified: datetime) -> bool:
    value = request.headers.get("If-Range")
    if not value:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == quote_etag(etag)  # strong comparison only
    date = parse_date(value)
    return date is not None and date == modified.replace(microsecond=0)


def parse_ranges(header: str | None, size: int) -> list[tuple[int, int]] | None:
    """Byte ranges (start, end-exclusive) from a ``Range`` header, as RFC 9110 reads it.

    None means "ignore the header and send the whole file" (absent, not bytes, malformed, too many);
    an empty list means no range is satisfiable (416). Werkzeug parses each range; it refuses a whole header
    whose ranges overlap or come out of order, which RFC 9110 allows, so the ranges are parsed one at a time
    and overlapping or adjacent ones merged here.
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    items = [item for item in spec.split(",") if item.strip(" \t")]
    if not items or len(items) > MAX_RANGES:
        return None
    wanted: list[tuple[int, int]] = []
    for item in items:
        parsed = parse_range_header(f"{unit}={item}")
        if parsed is None or parsed.units != "bytes":
            return None
        start, end = parsed.ranges[0]
        if start < 0:  # a suffix longer than the file asks for the whole file
            start = max(start, -size)
        span = Range("bytes", [(start, end)]).range_for_length(size)
        if span is not None:
            wanted.append(span)
    return _merged(sorted(wanted))


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class Blob:
    """Immutable bytes to serve: a local file, or an object read through the storage (``storage.open``)."""

    size: int
    read: Callable[[int, int], Iterator[bytes]]  # (start, end-exclusive) → chunks
    path: Path | None = None  # a local file can be handed to the WSGI server's file wrapper

    @classmethod
    def file(cls, path: Path) -> Blob:
        return cls(path.stat().st_size, functools.partial(read_range, path), path)

    @classmethod
    def stored(cls, storage: Storage, key: str) -> Blob:
        return cls(storage.size(key), functools.partial(storage.open, key))


def _file_slices(blob: Blob, pieces: list[tuple[bytes, int, int]], tail: bytes = b"") -> Iterator[bytes]:
    """Stream (prefix, start, end) pieces of one blob, a chunk at a time, then ``tail``."""
    for prefix, start, end in pieces:
        if prefix:
            yield prefix
        yield from blob.read(start, end)
    if tail:
        yield tail


def send_immutable(source: Path | Blob, *, etag: str, modified: datetime, mimetype: str,
                   filename: str) -> Response:
    """Serve a file that never changes: conditional GET/HEAD, single and multiple byte ranges."""
    blob = source if isinstance(source, Blob) else Blob.file(source)
    size = blob.size
    headers = {
        "ETag": quote_etag(etag),
        "Last-Modified": http_date(modified),
        "Cache-Control": IMMUTABLE,
        "Accept-Ranges": "bytes",
    }
    if _precondition_failed(etag, modified):
        return Response(status=412, headers=headers)
    if _not_modified(etag, modified):
        return Response(status=304, headers=headers)
    headers["Content-Disposition"] = attachment(filename)
    ranges = parse_ranges(request.headers.get("Range"), size) if _if_range_holds(etag, modified) else None
    head = request.method == "HEAD"

    if ranges is None:
        if head:
            response = Response(status=200, headers=headers, content_type=mimetype)
        else:
            body = blob.read(0, size) if blob.path is None else \
                wrap_file(request.environ, open(blob.path, "rb"), CHUNK)  # noqa: SIM115
            response = Response(body, status=200, headers=headers, content_type=mimetype, direct_passthrough=True)
        response.headers["Content-Length"] = str(size)
        return response
    if not ranges:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status=416, headers=headers)
    if len(ranges) == 1:
        start, end = ranges[0]
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        body = [] if head else _file_slices(blob, [(b"", start, end)])
        response = Response(body, status=206, headers=headers, content_type=mimetype, direct_passthrough=True)
        response.headers["Content-Length"] = str(end - start)
        return response
    boundary = uuid.uuid4().hex
    pieces = [(f"--{boundary}\r\nContent-Type: {mimetype}\r\nContent-Range: bytes {start}-{end - 1}/{size}"
               f"\r\n\r\n".encode(), start, end) for start, end in ranges]
    # Each part's bytes are followed by CRLF, which the next part's prefix or the closing line starts with.
    pieces = [(((b"\r\n" if i else b"") + prefix), start, end) for i, (prefix, start, end) in enumerate(pieces)]
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = sum(len(prefix) + end - start for prefix, start, end in pieces) + len(tail)
    body = [] if head else _file_slices(blob, pieces, tail)
    response = Response(body, status=206, headers=headers, direct_passthrough=True,
                        content_type=f"multipart/byteranges; boundary={boundary}")
    response.headers["Content-Length"] = str(length)
    return response


# -- routes -----------------------------------------------------------------------------------------------------
@bp.get(f"/datasets/<name>/versions/<int:number>/data.<{FORMAT_RULE}:fmt>")
def version_data(name: str, number: int, fmt: str) -> Response:
    """One version in one format; ``?bom=1`` (CSV with a BOM) or ``?excel=1`` (BOM and formula protection)."""
    catalog = get_catalog()
    dataset = published_dataset(name, include_deleted=True)
    version = catalog.get_version(dataset["name"], number)
    return _send_version(version, fmt)


def _send_version(version: dict, fmt: str) -> Response:
    bom, excel = flag("bom"), flag("excel")
    etag = version_etag(version, fmt, bom=bom, excel=excel)
    modified = published_time(version)
    headers = {"ETag": quote_etag(etag), "Last-Modified": http_date(modified), "Cache-Control": IMMUTABLE}
    if request.method in ("GET", "HEAD") and not _precondition_failed(etag, modified) \
            and _not_modified(etag, modified):
        return Response(status=304, headers=headers)  # answered without making the file
    filename = f"{version['dataset']}-v{version['number']}.{fmt}"
    storage = get_catalog().storage
    if fmt == "parquet" and version.get("path") and storage.remote:  # the object itself (S3): no local copy
        if getattr(storage, "redirects", False):
            response = redirect(storage.presigned_url(version["path"], filename=filename), code=302)
            response.headers.update(headers)  # the version's ETag: a later If-None-Match gets a 304 here
            response.headers["Cache-Control"] = "no-store"  # the signature expires; the version URL does not
            return response
        source: Path | Blob = Blob.stored(storage, version["path"])
    else:
        source = exports.version_export(get_catalog(), version, fmt, bom=bom, excel=excel)
    return send_immutable(source, etag=etag, modified=modified, mimetype=exports.MEDIA_TYPES[fmt],
                          filename=filename)


@bp.get(f"/datasets/<name>/latest/data.<{FORMAT_RULE}:fmt>")
def latest_data(name: str, fmt: str) -> Response:
    """Where the current version lives (302): links to 'the latest data' keep working after a publish."""
    version = latest_of(published_dataset(name))
    flag("bom"), flag("excel")  # refuse a bad value here rather than after the redirect
    query = request.query_string.decode()
    target = f"/datasets/{name}/versions/{version['number']}/data.{fmt}" + (f"?{query}" if query else "")
    response = redirect(target, code=302)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/datasets/<name>/download.zip")
def dataset_zip(name: str) -> Response:
    """The latest version's CSV and Parquet with a ``datapackage.json`` (schema, license, title), streamed."""
    dataset = published_dataset(name)
    version = latest_of(dataset)
    chunks = exports.zip_stream(get_catalog(), dataset, version, base_url())
    response = Response(chunks, content_type=exports.MEDIA_TYPES["zip"], direct_passthrough=True)
    response.headers["Content-Disposition"] = attachment(f"{name}-v{version['number']}.zip")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get(f"/datasets/<name>/explore.<{FORMAT_RULE}:fmt>")
def explore_data(name: str, fmt: str) -> Response:
    """"Download this view": the latest version's rows that the explorer's filters select, in its sort order
    (``?_version=N``: version N's, as the pinned URL below)."""
    number = row_params.pinned_version(request.args)
    if number is not None:
        return explore_data_pinned(name, number, fmt)
    return _view_download(name, latest_of(published_dataset(name)), fmt, pinned=False)


@bp.get(f"/datasets/<name>/versions/<int:number>/explore.<{FORMAT_RULE}:fmt>")
def explore_data_pinned(name: str, number: int, fmt: str) -> Response:
    """"Download this view" of the explorer pinned to version ``number`` (the file name carries the version)."""
    published_dataset(name)
    return _view_download(name, get_catalog().get_version(name, number), fmt, pinned=True)


def _view_download(name: str, version: dict, fmt: str, *, pinned: bool) -> Response:
    catalog = get_catalog()
    schema = version["schema"]
    filters = row_params.parse_filters(request.args, schema)
    sort = request.args.get("_sort") or request.args.get("sort") or None
    fields = request.args.get("_fields") or request.args.get("fields") or None
    if not filters and not sort and not fields:
        # The whole version: its cached file, with its ETag. Not "immutable" here, though: this URL follows
        # the latest version, so clients must revalidate (a 304 while nothing new is published).
        response = _send_version(version, fmt)
        if not pinned:
            response.headers["Cache-Control"] = "no-cache"
        return response
    files = catalog.version_files(version)
    work = WorkDir(catalog.home)
    try:
        out = exports.write_export(files, schema, fmt, work.file(f"view.{fmt}"), filters=filters, sort=sort,
                                   fields=fields, bom=flag("bom"), excel=flag("excel"))
        size = out.stat().st_size
        body = [] if request.method == "HEAD" else read_range(out)
        # Not direct_passthrough: Werkzeug then wraps the body so that closing the response (which every WSGI
        # server does, also when the client goes away) runs call_on_close and removes the work folder.
        response = Response(body, content_type=exports.MEDIA_TYPES[fmt])
    except BaseException:
        work.close()
        raise
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = attachment(f"{name}-v{version['number']}-filtered.{fmt}")
    response.headers["Cache-Control"] = "no-store"
    response.call_on_close(work.close)
    return response
