"""The CKAN Action API: the catalogue as a CKAN site, for ``ckanapi``, harvesters and aggregators.

``/api/3/action/<name>`` and ``/api/action/<name>`` (what ``ckanapi`` calls), GET and POST, with a JSON body, a
form or a multipart upload; never a redirect. Every answer is CKAN's envelope, ``{"help", "success", "result"}``
or ``{"help", "success": false, "error": {"__type", ...}}``, with CKAN's status codes (ckanapi reads only the
body; curl and browsers read the status). Parameters may arrive as strings (GET, multipart, the ckanapi CLI's
``KEY=VALUE``) and are coerced. The shapes come from ``catalog/ckan/shapes.py``, shared with push and harvest.

Writes need a token (``Authorization: <token>`` as CKAN sends it, or ``X-CKAN-API-Key``) of a user who is an
editor or admin of the dataset's organisation; an upload goes through the same validation and publish pipeline
as ``opendata publish``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, redirect, request, send_file
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from catalog import jsonlimits
from catalog.ckan.shapes import internal
from catalog.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge, Unauthorized, UserError
from catalog.i18n import format_bytes, format_number
from catalog.i18n import gettext as _
from web.auth import current_user
from web.ckan import (  # noqa: F401 - importing them registers their actions
    activity,
    autocomplete,
    datastore_write,
    groups,
    members,
    orgs,
    read,
    revise,
    write,
)
from web.ckan.api import ACTIONS, WRITE_ACTIONS, can_read, catalog
from web.ckan.errors import ActionError, bad_request, not_authorized, not_found, validation
from web.ckan.write import upload_media_type, uploads_dir
from web.errors import page_message, public_message
from web.security import ATTACHMENT_HEADERS
from web.urls import base_url

bp = Blueprint("ckan", __name__)
log = logging.getLogger(__name__)
DEFAULT_MAX_UPLOAD = 512 * 1024 * 1024


# -- transport ----------------------------------------------------------------------------------------------------
def help_url(name: str) -> str:
    return f"{base_url()}/api/3/action/help_show?name={name}"


def envelope(name: str, body: dict, status: int = 200) -> Response:
    payload = {"help": help_url(name), **body}
    return Response(json.dumps(payload, ensure_ascii=False, default=str), status=status,
                    mimetype="application/json")


def max_upload() -> int:
    return int(current_app.config.get("MAX_UPLOAD_BYTES") or DEFAULT_MAX_UPLOAD)


def _flatten(pairs: dict[str, list[str]]) -> dict[str, Any]:
    return {key: values[0] if len(values) == 1 else values for key, values in pairs.items()}


def read_params() -> dict:
    """The action's parameters from the query string (GET), a JSON body, or a form / multipart body.

    Body size limits are the app's (``web/security.py``: uploads on resource_create/update/patch)."""
    if request.method == "GET":
        return _flatten(request.args.to_dict(flat=False))
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return _flatten(request.form.to_dict(flat=False))
    body = request.get_data(cache=True)
    if not body.strip():
        return {}
    try:
        data = jsonlimits.loads(body, _("Nội dung yêu cầu"))
    except InvalidInput as exc:
        raise ActionError("Validation Error", 400, fields={"body": [_("{error}: hãy gửi một đối tượng JSON", error=exc)]}) from None
    if not isinstance(data, dict):
        raise ActionError("Validation Error", 400, fields={"body": [_("nội dung yêu cầu phải là một đối tượng JSON")]})
    return data


def too_large(limit: int) -> ActionError:
    size = format_bytes(limit) if limit >= 1024 * 1024 else _("{count} byte", count=format_number(limit))
    message = _("Tệp tải lên quá lớn: giới hạn là {size}; hãy chia nhỏ tệp hoặc đề nghị quản trị viên danh mục tăng "
                "MAX_UPLOAD_BYTES", size=size)
    return ActionError("Validation Error", 413, message, fields={"upload": [message]})


def user_error(error: UserError) -> ActionError:
    """Catalogue errors in CKAN's vocabulary (messages without the server's folders)."""
    message = public_message(error)
    if isinstance(error, NotFound):
        return not_found(message)
    if isinstance(error, Unauthorized | Forbidden):
        return not_authorized(message)
    if isinstance(error, TooLarge):
        return too_large(max_upload())
    if isinstance(error, Conflict):
        return validation(name=message)
    return validation(message=message)


@bp.get("/api/3")
@bp.get("/api/3/")
def api_version() -> Response:
    return Response(json.dumps({"version": 3}), mimetype="application/json")


@bp.route("/api/action/<name>", methods=["GET", "POST"])
@bp.route("/api/action/<name>/", methods=["GET", "POST"])
@bp.route("/api/3/action/<name>", methods=["GET", "POST"])
@bp.route("/api/3/action/<name>/", methods=["GET", "POST"])
def dispatch(name: str) -> Response:
    try:
        fn = ACTIONS.get(name)
        if fn is None:
            raise bad_request(_("Không có action tên là: {name}", name=name))
        if request.method == "GET" and name in WRITE_ACTIONS:
            raise bad_request(_("Hãy dùng phương thức POST cho action {name}", name=name))
        params = read_params()
        result = fn(params)
        return envelope(name, {"success": True, "result": result})
    except ActionError as error:
        failure = error
    except RequestEntityTooLarge:
        failure = too_large(request.max_content_length or max_upload())
    except UserError as error:
        failure = user_error(error)
    except HTTPException as error:
        failure = ActionError("Bad Request", error.code or 400, page_message(error.code or 400,
                                                                       (error.description or error.name).strip()))
    except Exception:
        log.exception("CKAN action %s failed", name)
        failure = ActionError("Internal Server Error", 500, _("Lỗi máy chủ nội bộ: action không chạy được"))
    return envelope(name, {"success": False, "error": failure.to_dict()}, failure.status)


# Errors answered before the action runs (body limits, rate limits, cross-site forms in web/security.py) in
# CKAN's envelope, so ckanapi and CKAN's JavaScript clients read them like any other error.
EARLY_ERRORS = {401: "Authorization Error", 403: "Authorization Error", 413: "Validation Error"}


@bp.after_request
def early_errors_as_envelope(response: Response) -> Response:
    if request.endpoint != "ckan.dispatch" or response.status_code < 400 or not response.is_json:
        return response
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or "success" in body:
        return response
    message = str((body.get("error") or {}).get("message") or response.status)
    kind = EARLY_ERRORS.get(response.status_code, "Bad Request")
    fields = {"upload": [message]} if response.status_code == 413 else None
    error = ActionError(kind, response.status_code, message, fields=fields)
    name = (request.view_args or {}).get("name", "")
    answer = envelope(name, {"success": False, "error": error.to_dict()}, response.status_code)
    for header, value in response.headers.items():
        if header.lower() not in ("content-type", "content-length"):
            answer.headers[header] = value
    return answer


@bp.get("/dataset/<package_id>/resource/<resource_id>/download/<path:filename>")
def download_upload(package_id: str, resource_id: str, filename: str) -> Response:
    """An uploaded resource's original file (as CKAN serves uploads)."""
    dataset = catalog().find_dataset(package_id)
    if dataset is None or not can_read(current_user(), dataset):
        raise NotFound(_("không tìm thấy tài nguyên"))
    entry = next((e for e in internal(dataset).get("resources") or []
                  if e.get("id") == resource_id and e.get("kind") == "upload"), None)
    if entry is None:
        raise NotFound(_("không tìm thấy tài nguyên"))
    version = catalog().get_version(dataset["name"], entry["version"])
    suffix = Path(entry.get("filename") or "").suffix.lower()
    original = uploads_dir() / f"{version['source_sha256']}{suffix}"
    if not original.is_file():  # e.g. restored from a backup without uploads: the same table as CSV
        from catalog.ckan.shapes import download_url

        return redirect(download_url(base_url(), dataset["name"], version["number"], "csv"))
    # Never inline, never the type the uploader declared: a file that is both CSV and JavaScript must not run
    # as a script of this site (web/security.py adds the sandbox CSP to every attachment).
    response = send_file(original, mimetype=upload_media_type(original.name), as_attachment=True,
                         download_name=entry.get("filename") or original.name, conditional=True)
    response.headers.update(ATTACHMENT_HEADERS)
    response.headers["Cache-Control"] = "private, max-age=3600" if dataset.get("private") else "public, max-age=86400"
    return response


