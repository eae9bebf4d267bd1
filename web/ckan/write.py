"""The Action API's write actions: datasets, resources (links, and uploads through the publish pipeline),
organisation members. Every write needs a token of an editor or admin of the dataset's organisation."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import Any

from flask import current_app, request

from catalog.ckan.shapes import (
    DOWNLOAD_FORMATS,
    INTERNAL,
    TABULAR,
    derived_resource_id,
    format_of,
    internal,
    is_tabular,
    meta_from_package,
    parse_json_value,
    resource_dicts,
)
from catalog.ckan.state import save_state
from catalog.errors import Conflict, InvalidInput, InvalidSchema, NotFound, TooLarge, UserError
from catalog.exports import MEDIA_TYPES
from catalog.i18n import gettext as _
from catalog.links import check_link
from catalog.metadata import check_name
from catalog.storage import WorkDir, place, temp_path
from pipelines import bounded
from pipelines.report import for_client
from web.auth import current_user, current_viewer
from web.ckan.api import (
    action,
    base_url,
    catalog,
    find_package,
    find_resource,
    origin,
    require_write,
    required,
    show,
)
from web.ckan.errors import ActionError, validation

UPLOADS_DIR = "uploads"  # originals of files uploaded through resource_create, by sha256 (under the home)
# The media type of a kept original, from its stored suffix (never the type the client declared).
UPLOAD_MEDIA_TYPES = {".csv": MEDIA_TYPES["csv"], ".txt": MEDIA_TYPES["csv"],
                      ".tsv": "text/tab-separated-values; charset=utf-8", ".json": MEDIA_TYPES["json"],
                      ".jsonl": MEDIA_TYPES["jsonl"], ".xlsx": MEDIA_TYPES["xlsx"], ".parquet": MEDIA_TYPES["parquet"]}


# -- writes -----------------------------------------------------------------------------------------------------------
def field_error(error: ValueError) -> ActionError:
    text = str(error)
    return validation(**{re.split(r"[\s:]", text, maxsplit=1)[0] or "message": text})


def package_meta(data: dict, *, replace: bool) -> tuple[dict, dict]:
    try:
        meta, ckan_only = meta_from_package(data, replace=replace)
    except ValueError as error:
        raise field_error(error) from None
    if ckan_only.get("url"):  # the package's own link (CKAN's "Source")
        ckan_only["url"] = checked_link(ckan_only["url"], "url")
    schema = dataset_schema(data, meta.get("extras") or {})
    if schema is not None:
        meta["schema"], meta["schema_name"] = schema
    return meta, ckan_only


def dataset_schema(data: dict, extras: dict) -> tuple[dict, str] | None:
    """A Table Schema given with the package: ``schema`` (JSON or a standard name) or ``schema_name``."""
    value = data.get("schema") or extras.pop("schema", None) or data.get("schema_name")
    if not value:
        return None
    return resolve_schema_value(value, "schema")


def resolve_schema_value(value: Any, field: str) -> tuple[dict, str]:
    from schemas import load_standard_schema

    try:
        value = parse_json_value(value, field)
    except ValueError as error:
        raise validation(**{field: str(error)}) from None
    if isinstance(value, dict):
        if not isinstance(value.get("fields"), list):
            raise validation(**{field: _("một Table Schema cần danh sách 'fields'")})
        return value, ""
    name = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", name):
        raise validation(**{field: _("không có lược đồ chuẩn {name!r}", name=name)})
    try:
        return load_standard_schema(name), name.replace("-", "_")
    except NotFound as error:
        raise validation(**{field: str(error)}) from None


def now() -> str:
    from catalog.db import utcnow

    return utcnow()


def checked_link(url: Any, field: str) -> str:
    """A URL given to store as a link: http, https or ftp (``catalog/links.py``), else a 400."""
    try:
        return check_link(str(url), field)
    except InvalidInput as error:
        raise ActionError("Validation Error", 400, str(error), fields={field: [str(error)]}) from None


def taken_resource_ids() -> set[str]:
    """Every resource id in the catalogue: private and deleted datasets, and the downloads' derived ids."""
    taken: set[str] = set()
    for dataset in catalog().list_datasets(include_deleted=True):
        taken.update(str(e.get("id")) for e in internal(dataset).get("resources") or [] if isinstance(e, dict))
        taken.update(derived_resource_id(dataset["id"], ext) for _, ext in DOWNLOAD_FORMATS)
    return taken


def new_resource_id(requested: Any, taken: set[str] | None = None) -> str:
    """The id of a new resource: the server's, or the caller's when it is well-formed and used nowhere (an id
    that exists would make two resources answer to it, and lookups return the first: another's resource)."""
    if requested in (None, ""):
        return str(uuid.uuid4())
    rid = str(requested).strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", rid):
        raise validation(id=_("mã tài nguyên gồm 1 đến 100 chữ cái, chữ số, '-' hoặc '_'; bỏ trống để được cấp một mã"))
    taken = taken_resource_ids() if taken is None else taken
    if rid in taken:
        message = _("mã tài nguyên {rid!r} đã được dùng: bỏ 'id' đi và máy chủ sẽ cấp một mã", rid=rid)
        raise ActionError("Validation Error", 409, message, fields={"id": [message]})
    taken.add(rid)
    return rid


def link_entry(res: Any, previous: dict | None = None, taken: set[str] | None = None) -> dict:
    """A resource given as a URL (kept as a link: the catalogue stores tabular data only as versions)."""
    if not isinstance(res, dict):
        raise validation(resources=_("mỗi tài nguyên phải là một đối tượng"))
    url = str(res.get("url") or (previous or {}).get("url") or "").strip()
    if not url:
        raise validation(url=_("Thiếu giá trị"))
    url = checked_link(url, "url")
    stamp = now()
    entry = {"id": (previous or {}).get("id") or new_resource_id(res.get("id"), taken), "kind": "link",
             "name": str(res.get("name") or ""), "description": str(res.get("description") or ""),
             "url": url, "format": format_of({**res, "url": url}), "mimetype": res.get("mimetype") or None,
             "size": res.get("size") or None, "hash": str(res.get("hash") or ""),
             "created": (previous or {}).get("created") or stamp, "last_modified": stamp}
    schema = res.get("schema") if "schema" in res else (previous or {}).get("schema")
    if schema:  # a Table Schema declared for the linked file (ckanext-validation's convention)
        entry["schema"] = resolve_schema_value(schema, "schema")[0]
    if previous and all(previous.get(k) == entry.get(k) for k in ("name", "description", "url", "format", "schema")):
        entry["last_modified"] = previous.get("last_modified") or stamp
    return entry


def merge_resources(dataset: dict, given: Any) -> list[dict]:
    """package_update's ``resources``: the stored ones given (by id) are updated, new URLs are added, stored ones
    left out are removed; the downloads of the latest version are always there and ignore edits."""
    given = parse_json_value(given, "resources")
    if not isinstance(given, list):
        raise validation(resources=_("phải là một danh sách tài nguyên"))
    stored = {e["id"]: e for e in internal(dataset).get("resources") or []}
    derived = {r["id"] for r in resource_dicts(dataset, "") if r["id"] not in stored}
    taken = taken_resource_ids() - set(stored)  # new ids must be new everywhere, and once in this list
    out = []
    for res in given:
        rid = res.get("id") if isinstance(res, dict) else None
        if rid in derived:
            continue
        previous = stored.get(rid)
        if previous and previous.get("kind") == "upload":
            updated = dict(previous)
            for key in ("name", "description"):
                if key in res:
                    updated[key] = str(res.get(key) or "")
            out.append(updated)
        else:
            out.append(link_entry(res, previous, taken))
    return out


@action("package_create", write=True)
def package_create(data: dict) -> dict:
    """Create a dataset: name, owner_org (id or name), title, notes, license_id, tags, extras, private,
    resources (links); ``schema`` (a standard schema name or a Table Schema) for later uploads."""
    name = required(data, "name")
    owner = required(data, "owner_org")
    org = catalog().find_org(owner, count=False)  # its dataset count would read all of its datasets
    if org is None:
        raise validation(owner_org=_("Tổ chức không tồn tại"))
    user = require_write(org["name"])
    try:
        check_name(name)
    except InvalidInput as error:
        raise validation(name=str(error)) from None
    meta, ckan_only = package_meta(data, replace=True)
    resources = []
    if data.get("resources"):
        given = parse_json_value(data["resources"], "resources")
        if not isinstance(given, list):
            raise validation(resources=_("phải là một danh sách tài nguyên"))
        taken = taken_resource_ids()
        resources = [link_entry(r, taken=taken) for r in given]
    extras = meta.pop("extras", {})
    extras[INTERNAL] = {**{k: v for k, v in ckan_only.items() if v}, "resources": resources}
    try:
        created = catalog().create_dataset(name, org["id"], actor=user["name"], origin=origin(), extras=extras,
                                           **{k: v for k, v in meta.items() if v is not None})
    except Conflict:  # the name is taken (by a deleted dataset too): create_dataset checks in its transaction
        raise validation(name=_("Địa chỉ URL đó đã được dùng.")) from None
    return show(created, {org["id"]: org})  # create_dataset read it back after its commit


def update_package(data: dict, *, replace: bool) -> dict:
    ident = data.get("id") or data.get("name")
    if ident in (None, "") or isinstance(ident, list | dict):
        raise validation(id=_("Thiếu giá trị"))
    dataset = find_package(str(ident), for_edit=True)
    user = current_user()
    if data.get("name") and data.get("id") and data["name"] != dataset["name"]:
        raise validation(name=_("Không đổi tên bộ dữ liệu được: tên của nó là một phần trong các địa chỉ tải về"))
    org_change = None
    if data.get("owner_org") and data["owner_org"] not in (dataset["org"], dataset["org_id"]):
        target = catalog().find_org(str(data["owner_org"]))
        if target is None:
            raise validation(owner_org=_("Tổ chức không tồn tại"))
        require_write(target["name"])
        org_change = target["id"]
    meta, ckan_only = package_meta(data, replace=replace)
    resources = merge_resources(dataset, data["resources"]) if "resources" in data else None
    extras = meta.pop("extras", None)

    def change(state: dict) -> dict:
        state.update(ckan_only)
        if resources is not None:
            state["resources"] = resources
        return state

    save_state(catalog(), dataset["name"], change, actor=user["name"], origin=origin(), visible_extras=extras,
               org=org_change, **meta)
    return show(catalog().get_dataset(dataset["name"], include_deleted=True))


@action("package_update", write=True)
def package_update(data: dict) -> dict:
    """Replace a dataset's metadata (fields left out are cleared; resources left out are kept)."""
    return update_package(data, replace=True)


@action("package_patch", write=True)
def package_patch(data: dict) -> dict:
    """Change only the given fields of a dataset."""
    return update_package(data, replace=False)


@action("package_delete", write=True)
def package_delete(data: dict) -> None:
    """Soft delete: the dataset leaves listings and search; its immutable files stay for existing links."""
    ident = data.get("id") or data.get("name")
    if not ident:
        raise validation(id=_("Thiếu giá trị"))
    dataset = find_package(str(ident), for_edit=True)
    catalog().delete_dataset(dataset["name"], actor=current_user()["name"], origin=origin())
    return None


@action("resource_create", write=True)
def resource_create(data: dict) -> dict:
    """Add a resource: a link (``url``), or a tabular file (multipart ``upload``) that is validated and
    published as a new version of the dataset, exactly as ``opendata publish`` does."""
    dataset = find_package(required(data, "package_id"), for_edit=True)
    user = current_user()
    rid = new_resource_id(data.get("id"))  # refused before any upload is published
    upload = request.files.get("upload") if request.method == "POST" else None
    if upload is not None and upload.filename is not None:
        entry = {**publish_upload(dataset, user, upload, data), "id": rid}
    else:
        entry = {**link_entry({**data, "id": None}), "id": rid}
    save_state(catalog(), dataset["name"],
               lambda state: {**state, "resources": [*(state.get("resources") or []), entry]},
               actor=user["name"], origin=origin())
    fresh = catalog().get_dataset(dataset["name"])
    return next(r for r in resource_dicts(fresh, base_url()) if r["id"] == entry["id"])


def publish_upload(dataset: dict, user: dict, upload: Any, data: dict) -> dict:
    filename = Path((upload.filename or "data").replace("\\", "/")).name or "data"
    fmt = str(data.get("format") or "").strip().upper() or format_of({"url": filename})
    suffix = Path(filename).suffix.lower() or TABULAR.get(fmt.upper(), "")
    if not is_tabular(fmt) or suffix not in set(TABULAR.values()) | {".txt", ".jsonl"}:
        raise validation(upload=_("{name}: chỉ tải lên được tệp dạng bảng (CSV, TSV, XLSX, JSON, Parquet); các tệp "
                                  "khác hãy gắn liên kết bằng 'url'", name=filename))
    safe_name = re.sub(r"[^\w.() -]", "_", filename)[:200] or "data" + suffix
    with WorkDir(catalog().home) as work:
        path = work.file(safe_name)
        upload.save(path)
        if path.stat().st_size == 0:
            raise validation(upload=_("tệp tải lên đang trống"))
        from web.views.publish_api import check_upload_limits  # the same limits as the REST API

        check_upload_limits(path)
        schema: dict | str | None = None
        if data.get("schema"):
            schema = resolve_schema_value(data["schema"], "schema")[0]
        elif not dataset.get("schema"):
            schema = infer_schema(path)
        try:
            result = bounded.publish(catalog(), path, limits=upload_limits(), dataset=dataset["name"],
                                     schema=schema, publisher=user["name"], origin=origin(),
                                     note=f"CKAN resource_create: {filename}", viewer=current_viewer())
        except (bounded.BoundExceeded, TooLarge) as error:  # TooLarge: a reading limit (pipelines/limits.py)
            raise bound_error(error) from None
        except (InvalidInput, InvalidSchema) as error:
            raise validation(upload=for_client(str(error), path, filename, hide=[catalog().home.root])) from None
        if result.status == "invalid":
            hide = [catalog().home.root]
            raise validation(upload=for_client(result.messages, path, filename, hide=hide),
                             report=for_client(result.report, path, filename, hide=hide))
        version = result.version
        keep_original(path, version["source_sha256"], suffix)
    stamp = now()
    return {"id": str(uuid.uuid4()), "kind": "upload", "name": str(data.get("name") or filename),
            "description": str(data.get("description") or ""), "format": fmt if fmt != "PARQUET" else "Parquet",
            "filename": filename, "version": version["number"], "size": version["source_bytes"],
            "hash": version["source_sha256"], "mimetype": upload_media_type(f"data{suffix}"), "created": stamp,
            "last_modified": stamp}


def infer_schema(path: Path) -> dict:
    """A dataset without a schema gets one drafted from the file (as harvest does)."""
    try:
        return bounded.describe(path, limits=upload_limits())
    except (bounded.BoundExceeded, TooLarge) as error:  # TooLarge: a reading limit (pipelines/limits.py)
        raise bound_error(error) from None
    except UserError as error:
        raise validation(upload=_("không đọc được {name} thành một bảng: {error}", name=path.name, error=error)) from None


def upload_limits() -> bounded.UploadLimits:
    return bounded.UploadLimits.from_config(current_app.config)


def bound_error(error: bounded.BoundExceeded | TooLarge) -> ActionError:
    """An upload job stopped at a bound (too much memory 413, time 422, workers busy 503), in CKAN's envelope."""
    return ActionError("Validation Error", error.status, str(error), fields={"upload": [str(error)]})


def upload_media_type(filename: str) -> str:
    return UPLOAD_MEDIA_TYPES.get(Path(filename).suffix.lower(), "application/octet-stream")


def uploads_dir() -> Path:
    return catalog().home.root / UPLOADS_DIR


def keep_original(path: Path, sha256: str, suffix: str) -> None:
    """Keep the uploaded bytes (content-addressed) so the resource URL returns exactly what was uploaded."""
    final = uploads_dir() / f"{sha256}{suffix}"
    if final.exists():
        return
    tmp = temp_path(catalog().home, suffix)
    shutil.copyfile(path, tmp)
    place(tmp, final)


def change_resource(data: dict, *, replace: bool) -> dict:
    """resource_update / resource_patch of a resource created through the API (the downloads of a version are
    derived from it and cannot be edited); a new ``upload`` is published as a new version."""
    resource_id = required(data, "id")
    dataset, _resource = find_resource(resource_id)
    require_write(dataset["org"])
    user = current_user()
    entries = internal(dataset).get("resources") or []
    index = next((i for i, e in enumerate(entries) if e.get("id") == resource_id), None)
    if index is None:
        raise validation(id=_("tài nguyên này là tệp tải về của phiên bản mới nhất: hãy công bố một phiên bản mới "
                              "(resource_create kèm tệp tải lên) thay vì sửa nó"))
    entry = dict(entries[index])
    upload = request.files.get("upload") if request.method == "POST" else None
    if upload is not None and upload.filename is not None:
        fresh = publish_upload(dataset, user, upload, {**entry, **data})
        entry.update({k: fresh[k] for k in ("kind", "filename", "version", "size", "hash", "mimetype",
                                            "last_modified")})
        entry.pop("url", None)
    elif entry.get("kind") == "link" and (replace or "url" in data):
        entry = link_entry({**({} if replace else entry), **data}, entry)
    for key in ("name", "description"):
        if key in data or replace:
            entry[key] = str(data.get(key) or "")
    if "format" in data and data.get("format"):
        entry["format"] = str(data["format"]).strip().upper()

    def change(state: dict) -> dict:
        state["resources"] = [entry if e.get("id") == resource_id else e for e in state.get("resources") or []]
        return state

    save_state(catalog(), dataset["name"], change, actor=user["name"], origin=origin())
    fresh_dataset = catalog().get_dataset(dataset["name"])
    return next(r for r in resource_dicts(fresh_dataset, base_url()) if r["id"] == resource_id)


@action("resource_update", write=True)
def resource_update(data: dict) -> dict:
    """Replace a resource's fields (a new ``upload`` becomes a new version of the dataset)."""
    return change_resource(data, replace=True)


@action("resource_patch", write=True)
def resource_patch(data: dict) -> dict:
    """Change only the given fields of a resource (``ckanapi load --upload-resources`` sends the file here)."""
    return change_resource(data, replace=False)


@action("resource_delete", write=True)
def resource_delete(data: dict) -> None:
    """Remove a resource created through the API (the dataset's versions themselves are immutable)."""
    resource_id = required(data, "id")
    dataset, _resource = find_resource(resource_id)
    user = require_write(dataset["org"])
    if not any(e.get("id") == resource_id for e in internal(dataset).get("resources") or []):
        raise validation(id=_("không xoá được các tệp tải về của một phiên bản; hãy xoá bộ dữ liệu"))
    save_state(catalog(), dataset["name"],
               lambda state: {**state, "resources": [e for e in state.get("resources") or []
                                                     if e.get("id") != resource_id]},
               actor=user["name"], origin=origin())
    return None
