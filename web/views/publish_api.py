"""Publishing over HTTP: the same pipeline as ``opendata publish``, for people without a shell on the server.

``POST /api/v1/datasets/<name>/versions`` takes the file as one part of a multipart form (other parts are the
metadata fields) or as the raw request body (fields in the query string). The body is streamed into a private
work folder in chunks, never held in memory, and refused past the upload limit. Only then does the file go
through ``pipelines.publish.publish`` with the token's user as publisher and the client address as origin.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import IO, Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.wsgi import LimitedStream

from catalog import jsonlimits
from catalog.accounts import WRITE_ROLES
from catalog.errors import Forbidden, InvalidInput, InvalidSchema, TooLarge, UserError
from catalog.i18n import format_bytes, format_number
from catalog.i18n import gettext as _
from catalog.metadata import check_name
from catalog.storage import WorkDir
from pipelines.report import for_client
from pipelines.validation.explain import explain_report
from web.auth import client_origin, current_user, current_viewer, get_accounts, require_user
from web.context import get_catalog
from web.errors import page_message, public_message
from web.security import upload_endpoint

bp = Blueprint("publish_api", __name__, url_prefix="/api/v1")

CHUNK = 1 << 20
MAX_FIELD_BYTES = 1 << 20  # metadata fields (a long Markdown description fits)
DEFAULT_MAX_UPLOAD = 512 * 1024 * 1024
DEFAULT_MAX_ANON_VALIDATE = 50 * 1024 * 1024
FILE_FIELDS = ("file", "upload")  # ours, and the name CKAN clients use
SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".json", ".jsonl", ".parquet", ".geojson"}
MIME_SUFFIX = {"text/csv": ".csv", "text/tab-separated-values": ".tsv", "application/json": ".json",
               "application/geo+json": ".geojson",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
               "application/vnd.apache.parquet": ".parquet", "application/x-parquet": ".parquet"}
META_FIELDS = {"title": "title", "description": "description", "license": "license", "frequency": "frequency",
               "source": "source", "source_name": "source", "contact": "contact",
               "temporal_coverage": "temporal_coverage", "spatial_coverage": "spatial_coverage",
               "title_en": "title_en", "description_en": "description_en"}


def max_upload() -> int:
    return int(current_app.config.get("MAX_UPLOAD_BYTES") or DEFAULT_MAX_UPLOAD)


# -- receiving the body -----------------------------------------------------------------------------------------
def _suffix(filename: str | None, mimetype: str | None = None) -> str:
    suffix = Path(filename or "").suffix.lower()
    return suffix if suffix in SUFFIXES else MIME_SUFFIX.get((mimetype or "").lower(), ".csv")


def _too_large(limit: int) -> TooLarge:
    size = format_bytes(limit) if limit >= 1024 * 1024 else _("{count} byte", count=format_number(limit))
    return TooLarge(_("tệp tải lên lớn hơn giới hạn {size} của máy chủ", size=size),
                    hint=_("hãy chia nhỏ tệp, hoặc đề nghị quản trị viên danh mục tăng MAX_UPLOAD_BYTES"))


def receive_upload(work: WorkDir, limit: int) -> tuple[Path, str, MultiDict]:
    """Stream the request's file into ``work``; returns (path, original filename, metadata fields)."""
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    stream = LimitedStream(request.stream, limit + 1, is_max=True)
    try:
        if request.mimetype == "multipart/form-data":
            return _receive_multipart(work, stream, limit)
        if request.mimetype == "application/x-www-form-urlencoded":
            raise InvalidInput(_("biểu mẫu không có tệp"),
                               hint=_("gửi tệp dạng multipart/form-data (phần 'file') hoặc làm nội dung thô với "
                                      "?filename=TEN.csv"))
        filename = request.args.get("filename") or ""
        target = work.file("upload" + _suffix(filename, request.mimetype))
        with open(target, "wb") as out:
            while chunk := stream.read(CHUNK):
                out.write(chunk)
        return target, filename or target.name, MultiDict(request.args)
    except RequestEntityTooLarge:
        raise _too_large(limit) from None


def _receive_multipart(work: WorkDir, stream: IO[bytes], limit: int) -> tuple[Path, str, MultiDict]:
    opened: list[IO[bytes]] = []

    def to_work_folder(total_content_length: Any, content_type: str | None, filename: str | None = None,
                       content_length: Any = None) -> IO[bytes]:
        handle = open(work.file(f"part{len(opened)}{_suffix(filename, content_type)}"), "wb+")  # noqa: SIM115
        opened.append(handle)
        return handle

    parser = FormDataParser(stream_factory=to_work_folder, max_form_memory_size=MAX_FIELD_BYTES,
                            max_content_length=limit, silent=False, max_form_parts=100)
    try:
        _stream, form, files = parser.parse(stream, request.mimetype, request.content_length, request.mimetype_params)
    except ValueError as exc:
        raise InvalidInput(_("không đọc được phần tải lên multipart: {error}", error=exc)) from None
    finally:
        for handle in opened:
            handle.close()
    upload = next((files[name] for name in FILE_FIELDS if name in files), None)
    if upload is None:
        raise InvalidInput(_("không có tệp trong phần tải lên"), hint=_("gửi tệp trong phần multipart tên là 'file'"))
    return Path(upload.stream.name), upload.filename or "", form


def check_upload_limits(path: Path) -> None:
    """This server's upload limits (columns, header bytes, cells, nesting: ``pipelines/limits.py``) apply to
    this request's reading of ``path``; the readers count them once the format and dialect are known."""
    from flask import after_this_request

    from pipelines import limits

    restore = limits.activate(limits.from_config(current_app.config))

    @after_this_request
    def _restore(response: Response) -> Response:
        restore()
        return response


# -- reading the fields -----------------------------------------------------------------------------------------
def _json_field(fields: MultiDict, name: str) -> dict | None:
    text = (fields.get(name) or "").strip()
    return jsonlimits.loads_object(text, _("trường {name!r}", name=name)) if text else None


def schema_field(fields: MultiDict) -> dict | str | None:
    """A standard schema name or an inline JSON Table Schema; never a path on the server."""
    text = (fields.get("schema") or "").strip()
    if not text:
        return None
    if text.startswith("{"):
        return _json_field(fields, "schema")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", text):
        raise InvalidSchema(_("không có lược đồ chuẩn {name!r}", name=text),
                            hint=_("gửi tên một lược đồ chuẩn (GET /api/v1/schemas) hoặc JSON của lược đồ"))
    from schemas import load_standard_schema

    load_standard_schema(text)  # NotFound with the list of known names
    return text


def meta_fields(fields: MultiDict) -> dict:
    meta: dict[str, Any] = {}
    for field, key in META_FIELDS.items():
        if fields.get(field):
            meta[key] = fields[field]
    tags = fields.getlist("tag") + fields.getlist("tags")
    if tags:
        # "a,b" is two tags; "slug=Nhãn|Label" is one tag with its labels (a label may hold a comma)
        meta["tags"] = [t.strip() for tag in tags for t in ([tag] if "=" in tag else tag.split(",")) if t.strip()]
    return meta


def _read_options(fields: MultiDict) -> dict:
    return {"dialect": _json_field(fields, "dialect"), "checklist": _json_field(fields, "checklist"),
            "encoding": fields.get("encoding") or None, "format": fields.get("format") or None}


def _with_user_filename(path: Path, filename: str) -> Path:
    """Rename the received file to the client's file name, so reports and the audit log name it."""
    name = Path(filename.replace("\\", "/")).name
    if Path(name).suffix.lower() not in SUFFIXES or not re.fullmatch(r"[\w.() -]{1,200}", name):
        return path
    target = path.with_name(name)
    return path if target.exists() else path.rename(target)


# -- endpoints --------------------------------------------------------------------------------------------------
@bp.post("/datasets/<name>/versions")
@upload_endpoint
def publish_version(name: str) -> tuple[Response, int]:
    """Publish the uploaded file as a new version of ``name`` (created when new: needs the ``org`` field).

    With ``?check=1`` nothing is read or written: the answer says whether this token may publish here and
    whether ``?size=N`` bytes fit, so a client finds out before sending a large file.
    """
    catalog, accounts = get_catalog(), get_accounts()
    user = require_user()
    check_name(name)
    existing = catalog.find_dataset(name)
    # Permission is checked before the body is read, so a refused client wastes no upload: the org of an
    # existing dataset, or the one named in the query string (a multipart form's 'org' field comes too late).
    org = existing["org"] if existing else request.args.get("org")
    if org:
        accounts.require_write(user, org)
    elif not user["sysadmin"] and not any(role in WRITE_ROLES for role in user["memberships"].values()):
        raise Forbidden(_("người dùng {user!r} không được công bố cho tổ chức nào", user=user["name"]),
                        hint=_("quản trị viên một tổ chức có thể chạy 'opendata member add ORG USER --role editor'"))
    limit = max_upload()
    if request.args.get("check"):
        size = request.args.get("size", type=int)
        if size is not None and size > limit:
            raise _too_large(limit)
        return jsonify({"ok": True, "user": user["name"], "org": org, "exists": existing is not None,
                        "max_upload_bytes": limit}), 200
    with WorkDir(catalog.home) as work:
        path, filename, fields = receive_upload(work, limit)
        if not existing and not org:
            org = fields.get("org")
            if not org:
                raise InvalidInput(_("bộ dữ liệu {name!r} là mới: hãy cho biết tổ chức nào công bố nó", name=name),
                                   hint=_("gửi trường 'org'"))
            accounts.require_write(user, org)
        if path.stat().st_size == 0:
            raise InvalidInput(_("tệp tải lên đang trống"))
        path = _with_user_filename(path, filename)
        check_upload_limits(path)
        from pipelines import bounded  # validation and the write run in a bounded worker process

        result = bounded.publish(catalog, path, limits=bounded.UploadLimits.from_config(current_app.config),
                                 dataset=name, org=org, schema=schema_field(fields),
                                 meta=meta_fields(fields), publisher=user["name"], origin=client_origin(),
                                 note=fields.get("note") or "", viewer=current_viewer(), **_read_options(fields))
    body = for_client(result.to_dict(), path, filename, hide=[catalog.home.root])  # no server paths
    if body.get("report"):  # the explanations in the request's language (the worker wrote the default's)
        explain_report(body["report"])
    if result.status == "invalid":
        body["error"] = {"code": "invalid", "message": " ".join(result.messages)}
        return jsonify(body), 422
    if result.status == "unchanged":
        return jsonify(body), 200
    response = jsonify(body)
    response.headers["Location"] = url_for("publish_api.publish_version", name=name) + f"/{result.version['number']}"
    return response, 201


@bp.get("/schemas")
def list_schemas() -> Response:
    """The server's standard schemas (names usable as the ``schema`` field), with their full descriptors."""
    from schemas import list_standard_schemas, load_standard_schema

    found = []
    for schema_name in list_standard_schemas():
        descriptor = load_standard_schema(schema_name)
        found.append({"name": schema_name, "title": descriptor.get("title", ""),
                      "fields": len(descriptor.get("fields", [])), "schema": descriptor})
    return jsonify({"schemas": found})


@bp.get("/schemas/<schema_name>")
def show_schema(schema_name: str) -> Response:
    from schemas import load_standard_schema

    return jsonify(load_standard_schema(schema_name))


@bp.post("/validate")
@upload_endpoint
def validate_upload() -> Response:
    """Validate an uploaded file with the server's schemas (or a dataset's schema); nothing is published.

    Anonymous clients may validate smaller files than token holders.
    """
    catalog = get_catalog()
    limit = max_upload() if current_user() else int(
        current_app.config.get("MAX_ANON_VALIDATE_BYTES") or DEFAULT_MAX_ANON_VALIDATE)
    with WorkDir(catalog.home) as work:
        path, filename, fields = receive_upload(work, limit)
        if path.stat().st_size == 0:
            raise InvalidInput(_("tệp tải lên đang trống"))
        path = _with_user_filename(path, filename)
        check_upload_limits(path)
        from pipelines import bounded  # reading and validating run in a bounded worker process
        from pipelines.publish import catalog_references, resolve_dataset_schema  # once a file is here

        viewer = current_viewer()  # a private dataset (its schema, its values as FK targets) only for its org
        dataset = catalog.get_dataset(fields["dataset"], viewer=viewer) if fields.get("dataset") else None
        schema = schema_field(fields)
        if schema is None and dataset is None:
            raise InvalidInput(_("chưa cho lược đồ"), hint=_("gửi trường 'schema' (tên lược đồ chuẩn hoặc JSON) hoặc 'dataset'"))
        schema_dict, _source = resolve_dataset_schema(catalog, dataset, schema)
        checked = bounded.validate(path, schema=schema_dict, references=catalog_references(catalog, viewer),
                                   limits=bounded.UploadLimits.from_config(current_app.config), **_read_options(fields))
        report = explain_report(checked["report"], schema_dict)  # in the request's language
        return jsonify({"valid": checked["valid"], "rows": checked["rows"],
                        "report": for_client(report, path, filename, hide=[catalog.home.root])})


@bp.get("/me")
def whoami() -> Response:
    """The token's user (``opendata login`` checks a token with this)."""
    return jsonify(require_user())


# -- errors as JSON ---------------------------------------------------------------------------------------------
def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


@bp.errorhandler(UserError)
def user_error(error: UserError) -> tuple[Response, int]:
    response, status = _error(error.status, error.code, public_message(error))
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="opendata"'
    if getattr(error, "retry_after", None):  # upload workers busy (pipelines.bounded)
        response.headers["Retry-After"] = str(error.retry_after)
    _drain()
    return response, status


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[Response, int]:
    if isinstance(error, RequestEntityTooLarge):
        return user_error(_too_large(max_upload()))
    status = error.code or 500
    return _error(status, re.sub(r"\W+", "_", (error.name or "error").lower()),
                  page_message(status, (error.description or "").strip()))  # werkzeug's stock English, translated


DRAIN_LIMIT = 8 * 1024 * 1024


def _drain() -> None:
    """Read what is left of a small refused body, so the client sees our answer instead of a reset connection.

    A large body is not drained (that would be the very work the refusal avoids): clients should ask first with
    ``?check=1``, as ``opendata publish --remote`` does.
    """
    length = request.content_length
    if length is not None and length <= DRAIN_LIMIT:
        try:
            shutil.copyfileobj(LimitedStream(request.stream, DRAIN_LIMIT), _Discard(), CHUNK)
        except (OSError, ValueError, HTTPException):
            pass


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)

