"""``datastore_create``, ``datastore_upsert`` and ``datastore_delete`` on datasets created through the CKAN API.

CKAN's DataStore is a mutable table; the catalogue's data is a sequence of immutable versions. So each write here
reads the rows of the resource's current version, applies the change (insert, upsert or update by the primary
key, or delete by filters) and publishes the result as a new version, through the same validation and publish
transaction as every upload (``pipelines.bounded.publish`` → ``catalog/unit_of_work.py``): records are checked
against the table's Table Schema (types, constraints, the primary key's uniqueness) and a bad record changes
nothing. Only datasets created with ``package_create`` take these writes; a dataset published from files keeps
its history of published files (publish a new file instead). Tables are small by nature here: a write that
would hold more than ``MAX_ROWS`` rows is refused with that figure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from catalog.ckan.shapes import INTERNAL, internal
from catalog.ckan.state import save_state
from catalog.errors import InvalidInput, InvalidSchema
from catalog.i18n import format_number
from catalog.i18n import gettext as _
from catalog.rows import jsonable
from catalog.sqltext import sql_list
from catalog.storage import WorkDir
from pipelines import bounded
from pipelines.report import for_client
from web.auth import current_user, current_viewer
from web.ckan.api import action, catalog, find_package, find_resource, json_param, origin, require_write
from web.ckan.errors import not_found, validation
from web.ckan.write import bound_error, new_resource_id, now, upload_limits

MAX_ROWS = 100_000
METHODS = ("upsert", "insert", "update")
TYPES = {"int": "integer", "int2": "integer", "int4": "integer", "int8": "integer", "integer": "integer",
         "bigint": "integer", "smallint": "integer", "numeric": "number", "number": "number", "float": "number",
         "float4": "number", "float8": "number", "double": "number", "real": "number", "text": "string",
         "string": "string", "varchar": "string", "char": "string", "bool": "boolean", "boolean": "boolean",
         "date": "date", "timestamp": "datetime", "datetime": "datetime", "time": "time", "json": "object"}
CKAN_TYPES = {"integer": "int", "number": "numeric", "string": "text", "boolean": "bool", "date": "date",
              "datetime": "timestamp", "time": "time", "object": "json", "array": "json"}


# -- the table's schema -------------------------------------------------------------------------------------------
def key_list(value: Any) -> list[str]:
    if value in (None, "", []):
        return []
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise validation(primary_key=_("một tên trường hoặc một danh sách tên trường"))
    return [n.strip() for n in names]


def schema_of(fields: Any, primary_key: list[str]) -> dict:
    """CKAN ``fields`` ([{id, type, info: {label, notes}}]) → a Table Schema with the primary key."""
    if not isinstance(fields, list) or not fields:
        raise validation(fields=_("một danh sách đối tượng {id, type}, mỗi cột một đối tượng"))
    out = []
    for field in fields:
        if not isinstance(field, dict) or not str(field.get("id") or "").strip():
            raise validation(fields=_("mỗi trường cần một 'id' (tên cột)"))
        kind = str(field.get("type") or "text").strip().lower()
        if kind not in TYPES:
            raise validation(fields=_("kiểu {kind!r} của {field!r} không phải một trong: {types}", kind=kind,
                                      field=field["id"], types=", ".join(sorted(TYPES))))
        entry = {"name": str(field["id"]).strip(), "type": TYPES[kind]}
        info = field.get("info") if isinstance(field.get("info"), dict) else {}
        if info.get("label"):
            entry["title"] = str(info["label"])
        if info.get("notes"):
            entry["description"] = str(info["notes"])
        out.append(entry)
    names = [f["name"] for f in out]
    unknown = [k for k in primary_key if k not in names]
    if unknown:
        raise validation(primary_key=_("không phải trường: {names}", names=", ".join(unknown)))
    schema: dict[str, Any] = {"fields": out}
    if primary_key:
        schema["primaryKey"] = primary_key
        for field in out:
            if field["name"] in primary_key:
                field["constraints"] = {"required": True}
    return schema


def primary_key_of(schema: dict) -> list[str]:
    key = schema.get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


# -- the table's rows ---------------------------------------------------------------------------------------------
def current_rows(dataset: dict, version_number: int | None) -> list[dict]:
    if version_number is None:
        return []
    version = catalog().get_version(dataset["name"], version_number)
    if (version.get("rows") or 0) > MAX_ROWS:
        raise validation(resource_id=_("bảng này có {rows} dòng; ghi qua datastore giữ tối đa {limit}: hãy công bố "
                                       "một tệp", rows=format_number(version["rows"]), limit=format_number(MAX_ROWS)))
    con = duckdb.connect(":memory:")
    try:
        result = con.execute(f"SELECT * FROM read_parquet({sql_list(catalog().version_files(version))})")
        names = [d[0] for d in result.description]
        return [{n: jsonable(v) for n, v in zip(names, row, strict=True)} for row in result.fetchall()]
    finally:
        con.close()


def check_records(records: Any, schema: dict) -> list[dict]:
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise validation(records=_("một danh sách đối tượng, mỗi dòng một đối tượng"))
    names = {f["name"] for f in schema["fields"]}
    for position, record in enumerate(records):
        unknown = sorted(set(record) - names)
        if unknown:
            raise validation(records=_("dòng {row}: không có trường {unknown}; bảng có {names}", row=position + 1,
                                       unknown=", ".join(unknown), names=", ".join(sorted(names))))
    return records


def key_of(record: dict, key: list[str]) -> tuple:
    return tuple(json.dumps(record.get(k), sort_keys=True) for k in key)


def merged(rows: list[dict], records: list[dict], key: list[str], method: str) -> list[dict]:
    """``rows`` after ``records`` (by primary key; without a key every record is a new row)."""
    if method in ("upsert", "update") and not key:
        raise validation(method=_("{method} cần primary_key của bảng (đặt bằng datastore_create)", method=method))
    out = list(rows)
    where = {key_of(r, key): i for i, r in enumerate(out)} if key else {}
    for position, record in enumerate(records):
        if key and any(record.get(k) in (None, "") for k in key):
            raise validation(records=_("dòng {row}: khoá chính {key} cần có giá trị", row=position + 1, key=", ".join(key)))
        found = where.get(key_of(record, key)) if key else None
        if found is None and method == "update":
            raise validation(records=_("dòng {row}: không dòng nào có khoá chính này; hãy dùng method 'upsert'",
                                       row=position + 1))
        if found is not None and method == "insert":
            raise validation(records=_("dòng {row}: đã có một dòng với khoá chính này; hãy dùng 'upsert'", row=position + 1))
        if found is None:
            if key:
                where[key_of(record, key)] = len(out)
            out.append(dict(record))
        else:
            out[found] = {**out[found], **record}
    return out


def matches(row: dict, filters: dict) -> bool:
    for name, wanted in filters.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        if str(row.get(name)) not in {str(v) for v in values}:
            return False
    return True


# -- the resource and its versions ----------------------------------------------------------------------------------
def target(data: dict) -> tuple[dict, dict | None]:
    """(dataset, its resource entry, or None for a new one) named by ``resource_id`` or ``resource``."""
    if data.get("resource_id") or data.get("id"):
        dataset, _resource = find_resource(str(data.get("resource_id") or data.get("id")))
        rid = str(data.get("resource_id") or data.get("id"))
        entry = next((e for e in internal(dataset).get("resources") or [] if e.get("id") == rid), None)
        if entry is None:
            raise validation(resource_id=_("tài nguyên này là tệp tải về của một phiên bản đã công bố: hãy công bố "
                                           "một phiên bản mới của bộ dữ liệu thay vì ghi vào nó"))
    else:
        resource = json_param(data, "resource", None)
        if not isinstance(resource, dict) or not resource.get("package_id"):
            raise validation(resource_id=_("hãy cho resource_id, hoặc resource: {package_id, name} cho một tài nguyên mới"))
        dataset, entry = find_package(str(resource["package_id"])), None
    require_write(dataset["org"])
    if INTERNAL not in (dataset.get("extras") or {}):
        raise validation(resource_id=_("bộ dữ liệu {name!r} được công bố từ tệp: ghi qua datastore dành cho bộ dữ "
                                       "liệu tạo bằng package_create; hãy công bố một tệp mới", name=dataset["name"]))
    return dataset, entry


def publish_rows(dataset: dict, rows: list[dict], schema: dict, note: str) -> int | None:
    """Publish ``rows`` as the dataset's next version (None when there are no rows to publish)."""
    if len(rows) > MAX_ROWS:
        raise validation(records=_("bảng sẽ có {rows} dòng; ghi qua datastore giữ tối đa {limit}: hãy công bố một "
                                   "tệp", rows=format_number(len(rows)), limit=format_number(MAX_ROWS)))
    if not rows:
        return None
    with WorkDir(catalog().home) as work:
        path = Path(work.file("datastore.json"))
        path.write_text(json.dumps(rows, ensure_ascii=False, default=str), encoding="utf-8")
        try:
            result = bounded.publish(catalog(), path, limits=upload_limits(), dataset=dataset["name"],
                                     schema=schema, publisher=current_user()["name"], origin=origin(), note=note,
                                     viewer=current_viewer())
        except (bounded.BoundExceeded, InvalidInput, InvalidSchema) as error:
            if isinstance(error, bounded.BoundExceeded):
                raise bound_error(error) from None
            raise validation(records=for_client(str(error), path, "records", hide=[catalog().home.root])) from None
        if result.status == "invalid":
            raise validation(records=for_client(result.messages, path, "records", hide=[catalog().home.root]))
        return result.version["number"]


def save(dataset: dict, entry: dict, schema: dict) -> None:
    def change(state: dict) -> dict:
        resources = [e for e in state.get("resources") or [] if e.get("id") != entry["id"]]
        old = next((i for i, e in enumerate(state.get("resources") or []) if e.get("id") == entry["id"]), None)
        resources.insert(len(resources) if old is None else old, entry)
        return {**state, "resources": resources}

    save_state(catalog(), dataset["name"], change, actor=current_user()["name"], origin=origin(), schema=schema)


def answer(entry: dict, schema: dict, records: list[dict] | None = None, **more: Any) -> dict:
    fields = [{"id": f["name"], "type": CKAN_TYPES.get(f.get("type", "string"), "text")} for f in schema["fields"]]
    out = {"resource_id": entry["id"], "fields": fields, "primary_key": primary_key_of(schema),
           "version": entry.get("version"), **more}
    if records is not None:
        out["records"] = records
    return out


def write_version(dataset: dict, entry: dict, rows: list[dict], schema: dict, note: str) -> dict:
    number = publish_rows(dataset, rows, schema, note)
    stamp = now()
    entry = {**entry, "version": number, "last_modified": stamp, "size": None, "hash": ""}
    save(dataset, entry, schema)
    return entry


@action("datastore_create", write=True)
def datastore_create(data: dict) -> dict:
    """Create a resource's table (``fields``, ``primary_key``) with optional ``records``: a new version."""
    dataset, entry = target(data)
    key = key_list(json_param(data, "primary_key", []))
    given = json_param(data, "fields", None)
    schema = schema_of(given, key) if given is not None else dict(dataset.get("schema") or {})
    if not schema.get("fields"):
        raise validation(fields=_("một danh sách đối tượng {id, type}, mỗi cột một đối tượng"))
    records = check_records(json_param(data, "records", []), schema)
    if entry is None:
        resource = json_param(data, "resource", {})
        name = str(resource.get("name") or dataset["name"])
        entry = {"id": new_resource_id(resource.get("id")), "kind": "upload", "name": name,
                 "description": str(resource.get("description") or ""), "format": "CSV",
                 "filename": f"{name}.csv", "mimetype": "text/csv", "created": now(), "version": None}
    same_table = entry.get("version") is not None and schema["fields"] == (dataset.get("schema") or {}).get("fields")
    rows = current_rows(dataset, entry["version"]) if same_table else []
    rows = merged(rows, records, primary_key_of(schema), "insert")
    entry = write_version(dataset, entry, rows, schema, f"CKAN datastore_create: {len(records)} record(s)")
    return answer(entry, schema, records, method="insert")


@action("datastore_upsert", write=True)
def datastore_upsert(data: dict) -> dict:
    """Add or change ``records`` by the primary key (``method``: upsert, insert or update): a new version."""
    dataset, entry = target(data)
    if entry is None or not dataset.get("schema"):
        raise not_found(_("tài nguyên chưa có bảng datastore: hãy tạo bằng datastore_create"))
    method = str(data.get("method") or "upsert").strip()
    if method not in METHODS:
        raise validation(method=_("dùng một trong: {ops}", ops=", ".join(METHODS)))
    schema = dataset["schema"]
    records = check_records(json_param(data, "records", []), schema)
    rows = merged(current_rows(dataset, entry.get("version")), records, primary_key_of(schema), method)
    entry = write_version(dataset, entry, rows, schema, f"CKAN datastore_upsert ({method}): {len(records)} record(s)")
    return answer(entry, schema, records, method=method)


@action("datastore_delete", write=True)
def datastore_delete(data: dict) -> dict:
    """Delete the rows matching ``filters`` (all rows without filters): a new version, or no table at all."""
    dataset, entry = target(data)
    if entry is None or not dataset.get("schema"):
        raise not_found(_("tài nguyên chưa có bảng datastore"))
    schema = dataset["schema"]
    filters = json_param(data, "filters", {})
    if not isinstance(filters, dict):
        raise validation(filters=_("một đối tượng trường: giá trị (một danh sách nghĩa là bất kỳ giá trị nào trong đó)"))
    unknown = sorted(set(filters) - {f["name"] for f in schema["fields"]})
    if unknown:
        raise validation(filters=_("không có trường {names}", names=", ".join(unknown)))
    rows = current_rows(dataset, entry.get("version"))
    kept = [r for r in rows if not matches(r, filters)] if filters else []
    entry = write_version(dataset, entry, kept, schema, f"CKAN datastore_delete: {len(rows) - len(kept)} row(s)")
    return answer(entry, schema, filters=filters, deleted=len(rows) - len(kept))
