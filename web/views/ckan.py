"""The CKAN Action API: the catalogue as a CKAN site, for ``ckanapi``, harvesters and aggregators.

``/api/3/action/<name>`` and ``/api/action/<name>`` (what ``ckanapi`` calls), GET and POST, with a JSON body, a
form or a multipart upload; never a redirect. Every answer is CKAN's envelope, ``{"help", "success", "result"}``
or ``{"help", "success": false, "error": {"__type", ...}}``, with CKAN's status codes (ckanapi reads only the
body; curl and browsers read the status). Parameters may arrive as strings (GET, multipart, the ckanapi CLI's
``KEY=VALUE``) and are coerced. The shapes come from ``pipelines/ckan_shapes.py``, shared with push and harvest.

Writes need a token (``Authorization: <token>`` as CKAN sends it, or ``X-CKAN-API-Key``) of a user who is an
editor or admin of the dataset's organisation; an upload goes through the same validation and publish pipeline
as ``opendata publish``.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, redirect, request, send_file
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from catalog.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidSchema,
    NotFound,
    TooLarge,
    Unauthorized,
    UserError,
)
from catalog.metadata import Catalog, check_name
from catalog.search import get_index
from catalog.storage import WorkDir, place, temp_path
from pipelines.ckan_shapes import (
    CKAN_VERSION,
    INTERNAL,
    LICENSES,
    TABULAR,
    as_bool,
    format_of,
    internal,
    is_tabular,
    license_dict,
    meta_from_package,
    organization_dict,
    package_dict,
    parse_json_value,
    resource_dicts,
    save_state,
    tag_dict,
)
from web import ckan_search
from web.auth import client_origin, current_user, get_accounts
from web.ckan_datastore import datastore_search as run_datastore_search
from web.ckan_datastore import quote_ident
from web.ckan_errors import ActionError, bad_request, not_authorized, not_found, validation
from web.context import get_catalog

bp = Blueprint("ckan", __name__)
log = logging.getLogger(__name__)

Action = Callable[[dict], Any]
ACTIONS: dict[str, Action] = {}
WRITE_ACTIONS: set[str] = set()
DEFAULT_MAX_UPLOAD = 512 * 1024 * 1024
ORG_LIST_MAX = 1000
ORG_LIST_ALL_FIELDS_MAX = 25
UPLOADS_DIR = "uploads"  # originals of files uploaded through resource_create, by sha256 (under the home)


def action(name: str, *, write: bool = False) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[name] = fn
        if write:
            WRITE_ACTIONS.add(name)
        return fn

    return register


# -- transport ----------------------------------------------------------------------------------------------------
def help_url(name: str) -> str:
    return f"{request.host_url}api/3/action/help_show?name={name}"


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
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ActionError("Validation Error", 400, fields={
            "body": [f"the request body is not valid JSON{where}: send a JSON object"]}) from None
    if not isinstance(data, dict):
        raise ActionError("Validation Error", 400, fields={"body": ["the request body must be a JSON object"]})
    return data


def too_large(limit: int) -> ActionError:
    size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
    message = (f"Upload too large: the limit is {size}; split the file or ask the catalogue's administrators "
               "to raise MAX_UPLOAD_BYTES")
    return ActionError("Validation Error", 413, message, fields={"upload": [message]})


def user_error(error: UserError) -> ActionError:
    """Catalogue errors in CKAN's vocabulary."""
    if isinstance(error, NotFound):
        return not_found(str(error))
    if isinstance(error, Unauthorized | Forbidden):
        return not_authorized(str(error))
    if isinstance(error, TooLarge):
        return too_large(max_upload())
    if isinstance(error, Conflict):
        return validation(name=str(error))
    return validation(message=str(error))


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
            raise bad_request(f"Action name not known: {name}")
        if request.method == "GET" and name in WRITE_ACTIONS:
            raise bad_request(f"Please use POST method for the {name} action")
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
        failure = ActionError("Bad Request", error.code or 400, error.description or error.name)
    except Exception:
        log.exception("CKAN action %s failed", name)
        failure = ActionError("Internal Server Error", 500, "Internal Server Error: the action failed")
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


# -- who is asking ------------------------------------------------------------------------------------------------
def catalog() -> Catalog:
    return get_catalog()


def base_url() -> str:
    return request.host_url


def is_member(user: dict | None, org: str) -> bool:
    return bool(user and (user.get("sysadmin") or org in (user.get("memberships") or {})))


def can_read(user: dict | None, dataset: dict) -> bool:
    return not dataset.get("private") or is_member(user, dataset["org"])


def require_write(org: str) -> dict:
    user = current_user()
    if user is None:
        raise not_authorized("this action needs an API token (send 'Authorization: <token>')")
    if not get_accounts().can_write(user, org):
        raise not_authorized(f"user {user['name']!r} may not edit datasets of organization {org!r}")
    return user


def origin() -> str:
    return f"ckan:{client_origin()}"


# -- parameters ---------------------------------------------------------------------------------------------------
def int_param(data: dict, name: str, default: int | None, *, minimum: int = 0) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return default
    try:
        number = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value).strip())
    except ValueError:
        raise validation(**{name: "Invalid integer"}) from None
    if number < minimum:
        raise validation(**{name: "Must be a natural number"})
    return number


def bool_param(data: dict, name: str, default: bool = False) -> bool:
    if name not in data:
        return default
    try:
        return as_bool(data[name], name)
    except ValueError:
        raise validation(**{name: "Invalid boolean"}) from None


def required(data: dict, name: str, field: str | None = None) -> str:
    value = data.get(name)
    if value in (None, "") or isinstance(value, list | dict):
        raise validation(**{field or name: "Missing value"})
    return str(value).strip()


# -- datasets -----------------------------------------------------------------------------------------------------
def org_cache() -> dict[str, dict]:
    return {org["id"]: org for org in catalog().list_orgs()}


def show(dataset: dict, orgs: dict[str, dict] | None = None) -> dict:
    org = (orgs or {}).get(dataset["org_id"]) or catalog().find_org(dataset["org_id"])
    return package_dict(dataset, base_url(), org=org)


def find_package(ident: str, *, for_edit: bool = False) -> dict:
    """A dataset by id or name that the caller may see (deleted ones only to its editors)."""
    dataset = catalog().find_dataset(ident, include_deleted=True)
    if dataset is None:
        raise not_found("Dataset")
    user = current_user()
    if dataset.get("state") == "deleted" and not get_accounts().can_write(user, dataset["org"]):
        raise not_found("Dataset")
    if not can_read(user, dataset):
        raise not_authorized(f"user {user['name'] if user else 'anonymous'!r} may not read dataset {ident!r}")
    if for_edit:
        require_write(dataset["org"])
    return dataset


def visible_datasets(include_private: bool) -> list[dict]:
    """Active datasets in the search index: public, plus (when asked) the private ones the user may read."""
    user = current_user()
    return [d for d in get_index(catalog()).datasets
            if not d.get("private") or (include_private and is_member(user, d["org"]))]


def package_counts(include_private: bool = False) -> dict[str, int]:
    counts: dict[str, int] = {}
    for dataset in visible_datasets(include_private):
        counts[dataset["org"]] = counts.get(dataset["org"], 0) + 1
    return counts


@action("status_show")
def status_show(data: dict) -> dict:
    """The site and the CKAN version it emulates."""
    return {"site_title": "Dữ liệu mở Hà Nội", "site_description": "Hanoi Open Data Catalogue",
            "site_url": request.host_url.rstrip("/"), "locale_default": "vi", "error_emails_to": None,
            "extensions": ["datastore", "hanoi_opendata"], "ckan_version": CKAN_VERSION}


@action("site_read")
def site_read(data: dict) -> bool:
    return True


@action("help_show")
def help_show(data: dict) -> str:
    name = required(data, "name")
    fn = ACTIONS.get(name)
    if fn is None:
        raise not_found(f"Action function {name}")
    return (fn.__doc__ or name).strip()


@action("package_list")
def package_list(data: dict) -> list[str]:
    """Names of the active public datasets, sorted."""
    limit = int_param(data, "limit", None)
    offset = int_param(data, "offset", 0) or 0
    names = sorted(d["name"] for d in visible_datasets(False))
    return names[offset:offset + limit] if limit is not None else names[offset:]


@action("current_package_list_with_resources")
def current_package_list_with_resources(data: dict) -> list[dict]:
    """Public datasets with their resources, most recently modified first."""
    limit = int_param(data, "limit", 10) or 0
    offset = int_param(data, "offset", 0) or 0
    found = sorted(visible_datasets(False), key=lambda d: (d.get("updated_at") or "", d["name"]), reverse=True)
    orgs = org_cache()
    return [show(d, orgs) for d in found[offset:offset + limit]]


@action("package_show")
def package_show(data: dict) -> dict:
    """One dataset by id or name."""
    ident = data.get("id") or data.get("name_or_id") or data.get("name")
    if ident in (None, "") or isinstance(ident, list | dict):
        raise validation(name_or_id="Missing value")
    return show(find_package(str(ident)))


@action("package_search")
def package_search(data: dict) -> dict:
    """Search datasets: q, fq (Solr syntax), sort, rows (≤ 1000), start, facet.field, include_private."""
    include_private = bool_param(data, "include_private")
    user = current_user()

    def visible(dataset: dict) -> bool:
        return not dataset.get("private") or (include_private and is_member(user, dataset["org"]))

    found = ckan_search.search(catalog(), data, visible)
    orgs = org_cache()
    results = [show(d, orgs) for d in found["datasets"]]
    fl = data.get("fl")
    if fl and str(fl).strip() not in ("*", ""):
        keys = [k for k in re.split(r"[\s,]+", str(fl)) if k]
        results = [{k: pkg.get(k) for k in keys} for pkg in results]
    return {"count": found["count"], "results": results, "facets": found["facets"],
            "search_facets": found["search_facets"], "sort": found["sort"]}


@action("resource_show")
def resource_show(data: dict) -> dict:
    """One resource by id (as its dataset shows it)."""
    _, resource = find_resource(required(data, "id"))
    return resource


def find_resource(resource_id: str) -> tuple[dict, dict]:
    user = current_user()
    for dataset in get_index(catalog()).datasets:
        for resource in resource_dicts(dataset, base_url()):
            if resource["id"] == resource_id:
                if not can_read(user, dataset):
                    raise not_authorized("this resource belongs to a private dataset")
                return dataset, resource
    raise not_found("Resource")


# -- organisations, groups, tags, licences ----------------------------------------------------------------------------
@action("organization_list")
def organization_list(data: dict) -> list:
    """Organisation names (or dicts with all_fields), sorted by title by default."""
    all_fields = bool_param(data, "all_fields")
    counts = package_counts()
    orgs = catalog().list_orgs()
    wanted = parse_json_value(data.get("organizations"), "organizations")
    if wanted:
        wanted = [wanted] if isinstance(wanted, str) else wanted
        orgs = [o for o in orgs if o["name"] in wanted]
    q = str(data.get("q") or "").strip().lower()
    if q:
        orgs = [o for o in orgs if q in o["name"] or q in (o.get("title") or "").lower()]
    sort = str(data.get("sort") or "title asc").strip().split()
    key = sort[0] if sort and sort[0] in ("name", "title", "package_count") else "title"
    orgs.sort(key=lambda o: (counts.get(o["name"], 0) if key == "package_count" else (o.get(key) or "").lower(),
                             o["name"]), reverse=len(sort) > 1 and sort[1].lower() == "desc")
    default_limit = ORG_LIST_ALL_FIELDS_MAX if all_fields else ORG_LIST_MAX
    limit = min(int_param(data, "limit", default_limit) or 0, default_limit) if "limit" in data else default_limit
    offset = int_param(data, "offset", 0) or 0
    orgs = orgs[offset:offset + limit]
    if not all_fields:
        return [o["name"] for o in orgs]
    return [organization_dict(o, package_count=counts.get(o["name"], 0)) for o in orgs]


@action("organization_show")
def organization_show(data: dict) -> dict:
    """One organisation by id or name, with its package_count (and packages with include_datasets)."""
    org = catalog().find_org(required(data, "id"))
    if org is None:
        raise not_found("Organization")
    include_private = is_member(current_user(), org["name"])
    mine = [d for d in visible_datasets(include_private) if d["org"] == org["name"]]
    result = organization_dict(org, package_count=len(mine))
    result.update(extras=[], users=[], groups=[], tags=[], num_followers=0)
    if bool_param(data, "include_datasets"):
        orgs = {org["id"]: org}
        result["packages"] = [show(d, orgs) for d in sorted(mine, key=lambda d: d["name"])]
    return result


@action("organization_list_for_user")
def organization_list_for_user(data: dict) -> list[dict]:
    """The organisations where the token's user may create datasets (all of them for a site admin)."""
    user = current_user()
    if user is None:
        return []
    counts = package_counts(True)
    admin_only = str(data.get("permission") or "manage_group") in ("manage_group", "delete_member")
    out = []
    for org in catalog().list_orgs():
        role = "admin" if user.get("sysadmin") else (user.get("memberships") or {}).get(org["name"])
        if role is None or (admin_only and role != "admin"):
            continue
        out.append({**organization_dict(org, package_count=counts.get(org["name"], 0)), "capacity": role})
    return out


@action("group_list")
def group_list(data: dict) -> list:
    """The catalogue has no groups (themes are tags)."""
    return []


@action("group_show")
def group_show(data: dict) -> dict:
    required(data, "id")
    raise not_found("Group")


@action("tag_list")
def tag_list(data: dict) -> list:
    """Tags of the public datasets (``query`` filters by substring; ``all_fields`` gives dicts)."""
    names = sorted({t for d in visible_datasets(False) for t in d.get("tags") or []})
    query = str(data.get("query") or data.get("q") or "").strip().lower()
    if query:
        names = [n for n in names if query in n.lower()]
    return [tag_dict(n) for n in names] if bool_param(data, "all_fields") else names


@action("license_list")
def license_list(data: dict) -> list[dict]:
    return [license_dict(lic) for lic in LICENSES]


# -- the datastore --------------------------------------------------------------------------------------------------
def datastore_table(resource_id: str) -> tuple[dict, dict, dict]:
    """(dataset, resource, version) of a resource with a datastore table."""
    dataset, resource = find_resource(resource_id)
    if not resource.get("datastore_active") or resource.get("dataset_version") is None:
        raise not_found(f'Resource "{resource_id}" was not found in the datastore')
    version = catalog().get_version(dataset["name"], resource["dataset_version"])
    return dataset, resource, version


@action("datastore_search")
def datastore_search(data: dict) -> dict:
    """Rows of a resource: filters, q, fields, sort, limit (default 100, ≤ 32000), offset; ``_id`` first."""
    params = dict(data)
    if "id" in params and "resource_id" not in params:
        params["resource_id"] = params.pop("id")
    resource_id = required(params, "resource_id")
    _, _, version = datastore_table(resource_id)
    return run_datastore_search(catalog().version_files(version), version.get("schema"), resource_id, params)


@action("datastore_search_sql")
def datastore_search_sql(data: dict) -> dict:
    """One read-only SELECT over resources named ``"<resource id>"`` (public datasets' latest versions), run in
    the catalogue's SQL sandbox."""
    from catalog.query import QueryError
    from catalog.query_worker import sql_string

    sql = required(data, "sql")
    check_select(sql)
    data_dir = catalog().home.data_dir.resolve()
    tables = []
    for resource_id in dict.fromkeys(re.findall(r'"([0-9a-fA-F-]{36})"', sql)):
        try:
            dataset, resource, version = datastore_table(resource_id)
        except ActionError as error:
            if error.status != 404:
                raise
            continue
        if dataset.get("private") or version["number"] != dataset["latest_version"]:
            raise not_authorized(f"resource {resource_id} cannot be queried with SQL; use datastore_search")
        files = [p.relative_to(data_dir).as_posix() for p in catalog().version_files(version)]
        offsets, start = [], 0
        if len(files) > 1:
            import pyarrow.parquet as pq

            for index, path in enumerate(catalog().version_files(version)):
                offsets.append(f"WHEN {index} THEN {start}")
                start += pq.ParquetFile(path).metadata.num_rows
        number = f"(CASE file_index {' '.join(offsets)} END) + " if offsets else ""
        tables.append(f"{quote_ident(resource_id)} AS (SELECT {number}file_row_number + 1 AS \"_id\", * "
                      f"FROM read_parquet([{', '.join(sql_string(f) for f in files)}]))")
    body = sql.strip().rstrip(";").strip()
    wrapped = f"WITH {', '.join(tables)} SELECT * FROM (\n{body}\n)" if tables else body
    try:
        result = query_engine().query(wrapped)
    except QueryError as error:
        if error.code == "forbidden":
            raise not_authorized(error.message) from None
        if error.code == "busy":
            raise ActionError("Search Error", 409, f"Search Error: {error.message}") from None
        raise validation(query=error.message) from None
    from web.ckan_datastore import ckan_type

    names = [c["name"] for c in result.columns]
    out = {"sql": sql, "records": [dict(zip(names, row, strict=True)) for row in result.rows],
           "fields": [{"id": c["name"], "type": ckan_type(c["type"])} for c in result.columns]}
    if result.truncated:
        out["records_truncated"] = True
    return out


def check_select(sql: str) -> None:
    """Exactly one SELECT (checked with the sandbox's own parser-based guard) before it is wrapped with the
    resource tables, so a refused statement is refused as such, not as a syntax error of the wrapper."""
    import duckdb

    from catalog.query_worker import Refused, check_statement

    if len(sql) > query_engine().limits.max_sql_length:
        raise validation(query=f"the query text is too long (at most {query_engine().limits.max_sql_length:,} "
                               "characters)")
    con = duckdb.connect(":memory:", config={"enable_external_access": False})
    try:
        check_statement(con, sql)
    except Refused as refused:
        if refused.code == "forbidden":
            raise not_authorized(refused.message) from None
        raise validation(query=refused.message) from None
    finally:
        con.close()


def query_engine():
    """The app's SQL engine, shared with the SQL page (``web/views/sql.py`` makes one per process)."""
    from web.views.sql import get_engine

    return get_engine()


# -- writes -----------------------------------------------------------------------------------------------------------
def field_error(error: ValueError) -> ActionError:
    text = str(error)
    return validation(**{re.split(r"[\s:]", text, maxsplit=1)[0] or "message": text})


def package_meta(data: dict, *, replace: bool) -> tuple[dict, dict]:
    try:
        meta, ckan_only = meta_from_package(data, replace=replace)
    except ValueError as error:
        raise field_error(error) from None
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
            raise validation(**{field: "a Table Schema needs a 'fields' list"})
        return value, ""
    name = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", name):
        raise validation(**{field: f"unknown standard schema {name!r}"})
    try:
        return load_standard_schema(name), name.replace("-", "_")
    except NotFound as error:
        raise validation(**{field: str(error)}) from None


def now() -> str:
    from catalog.db import utcnow

    return utcnow()


def link_entry(res: Any, previous: dict | None = None) -> dict:
    """A resource given as a URL (kept as a link: the catalogue stores tabular data only as versions)."""
    if not isinstance(res, dict):
        raise validation(resources="each resource must be an object")
    url = str(res.get("url") or (previous or {}).get("url") or "").strip()
    if not url:
        raise validation(url="Missing value")
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE):
        url = "http://" + url
    stamp = now()
    entry = {"id": (previous or {}).get("id") or str(res.get("id") or uuid.uuid4()), "kind": "link",
             "name": str(res.get("name") or ""), "description": str(res.get("description") or ""),
             "url": url, "format": format_of({**res, "url": url}), "mimetype": res.get("mimetype") or None,
             "size": res.get("size") or None, "hash": str(res.get("hash") or ""),
             "created": (previous or {}).get("created") or stamp, "last_modified": stamp}
    if previous and all(previous.get(k) == entry[k] for k in ("name", "description", "url", "format")):
        entry["last_modified"] = previous.get("last_modified") or stamp
    return entry


def merge_resources(dataset: dict, given: Any) -> list[dict]:
    """package_update's ``resources``: the stored ones given (by id) are updated, new URLs are added, stored ones
    left out are removed; the downloads of the latest version are always there and ignore edits."""
    given = parse_json_value(given, "resources")
    if not isinstance(given, list):
        raise validation(resources="must be a list of resources")
    stored = {e["id"]: e for e in internal(dataset).get("resources") or []}
    derived = {r["id"] for r in resource_dicts(dataset, "") if r["id"] not in stored}
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
            out.append(link_entry(res, previous))
    return out


@action("package_create", write=True)
def package_create(data: dict) -> dict:
    """Create a dataset: name, owner_org (id or name), title, notes, license_id, tags, extras, private,
    resources (links); ``schema`` (a standard schema name or a Table Schema) for later uploads."""
    name = required(data, "name")
    owner = required(data, "owner_org")
    org = catalog().find_org(owner)
    if org is None:
        raise validation(owner_org="Organization does not exist")
    user = require_write(org["name"])
    try:
        check_name(name)
    except InvalidInput as error:
        raise validation(name=str(error)) from None
    if catalog().find_dataset(name, include_deleted=True):
        raise validation(name="That URL is already in use.")
    meta, ckan_only = package_meta(data, replace=True)
    resources = []
    if data.get("resources"):
        given = parse_json_value(data["resources"], "resources")
        if not isinstance(given, list):
            raise validation(resources="must be a list of resources")
        resources = [link_entry(r) for r in given]
    extras = meta.pop("extras", {})
    extras[INTERNAL] = {**{k: v for k, v in ckan_only.items() if v}, "resources": resources}
    try:
        catalog().create_dataset(name, org["id"], actor=user["name"], origin=origin(), extras=extras,
                                 **{k: v for k, v in meta.items() if v is not None})
    except Conflict:
        raise validation(name="That URL is already in use.") from None
    return show(catalog().get_dataset(name), {org["id"]: org})


def update_package(data: dict, *, replace: bool) -> dict:
    ident = data.get("id") or data.get("name")
    if ident in (None, "") or isinstance(ident, list | dict):
        raise validation(id="Missing value")
    dataset = find_package(str(ident), for_edit=True)
    user = current_user()
    if data.get("name") and data.get("id") and data["name"] != dataset["name"]:
        raise validation(name="Renaming a dataset is not supported: its name is part of its download URLs")
    org_change = None
    if data.get("owner_org") and data["owner_org"] not in (dataset["org"], dataset["org_id"]):
        target = catalog().find_org(str(data["owner_org"]))
        if target is None:
            raise validation(owner_org="Organization does not exist")
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
        raise validation(id="Missing value")
    dataset = find_package(str(ident), for_edit=True)
    catalog().delete_dataset(dataset["name"], actor=current_user()["name"], origin=origin())
    return None


@action("resource_create", write=True)
def resource_create(data: dict) -> dict:
    """Add a resource: a link (``url``), or a tabular file (multipart ``upload``) that is validated and
    published as a new version of the dataset, exactly as ``opendata publish`` does."""
    dataset = find_package(required(data, "package_id"), for_edit=True)
    user = current_user()
    upload = request.files.get("upload") if request.method == "POST" else None
    if upload is not None and upload.filename is not None:
        entry = publish_upload(dataset, user, upload, data)
    else:
        entry = link_entry(data)
    save_state(catalog(), dataset["name"],
               lambda state: {**state, "resources": [*(state.get("resources") or []), entry]},
               actor=user["name"], origin=origin())
    fresh = catalog().get_dataset(dataset["name"])
    return next(r for r in resource_dicts(fresh, base_url()) if r["id"] == entry["id"])


def publish_upload(dataset: dict, user: dict, upload: Any, data: dict) -> dict:
    from pipelines.publish import publish

    filename = Path((upload.filename or "data").replace("\\", "/")).name or "data"
    fmt = str(data.get("format") or "").strip().upper() or format_of({"url": filename})
    suffix = Path(filename).suffix.lower() or TABULAR.get(fmt.upper(), "")
    if not is_tabular(fmt) or suffix not in set(TABULAR.values()) | {".txt", ".jsonl"}:
        raise validation(upload=f"{filename}: only tabular files (CSV, TSV, XLSX, JSON, Parquet) can be "
                                "uploaded; link other files with 'url'")
    safe_name = re.sub(r"[^\w.() -]", "_", filename)[:200] or "data" + suffix
    with WorkDir(catalog().home) as work:
        path = work.file(safe_name)
        upload.save(path)
        if path.stat().st_size == 0:
            raise validation(upload="the uploaded file is empty")
        schema: dict | str | None = None
        if data.get("schema"):
            schema = resolve_schema_value(data["schema"], "schema")[0]
        elif not dataset.get("schema"):
            schema = infer_schema(path)
        try:
            result = publish(catalog(), path, dataset=dataset["name"], schema=schema, publisher=user["name"],
                             origin=origin(), note=f"CKAN resource_create: {filename}")
        except (InvalidInput, InvalidSchema) as error:
            raise validation(upload=str(error)) from None
        if result.status == "invalid":
            raise validation(upload=result.messages, report=result.report)
        version = result.version
        keep_original(path, version["source_sha256"], suffix)
    stamp = now()
    return {"id": str(uuid.uuid4()), "kind": "upload", "name": str(data.get("name") or filename),
            "description": str(data.get("description") or ""), "format": fmt if fmt != "PARQUET" else "Parquet",
            "filename": filename, "version": version["number"], "size": version["source_bytes"],
            "hash": version["source_sha256"], "mimetype": upload.mimetype or None, "created": stamp,
            "last_modified": stamp}


def infer_schema(path: Path) -> dict:
    """A dataset without a schema gets one drafted from the file (as harvest does)."""
    from pipelines.describe import describe_file

    try:
        return describe_file(path)
    except UserError as error:
        raise validation(upload=f"cannot read {path.name} as a table: {error}") from None


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


@bp.get("/dataset/<package_id>/resource/<resource_id>/download/<path:filename>")
def download_upload(package_id: str, resource_id: str, filename: str) -> Response:
    """An uploaded resource's original file (as CKAN serves uploads)."""
    dataset = catalog().find_dataset(package_id)
    if dataset is None or not can_read(current_user(), dataset):
        raise NotFound("resource not found")
    entry = next((e for e in internal(dataset).get("resources") or []
                  if e.get("id") == resource_id and e.get("kind") == "upload"), None)
    if entry is None:
        raise NotFound("resource not found")
    version = catalog().get_version(dataset["name"], entry["version"])
    suffix = Path(entry.get("filename") or "").suffix.lower()
    original = uploads_dir() / f"{version['source_sha256']}{suffix}"
    if not original.is_file():  # e.g. restored from a backup without uploads: the same table as CSV
        from pipelines.ckan_shapes import download_url

        return redirect(download_url(request.host_url, dataset["name"], version["number"], "csv"))
    response = send_file(original, mimetype=entry.get("mimetype") or "application/octet-stream",
                         download_name=entry.get("filename") or original.name, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=3600" if dataset.get("private") else "public, max-age=86400"
    return response


def change_resource(data: dict, *, replace: bool) -> dict:
    """resource_update / resource_patch of a resource created through the API (the downloads of a version are
    derived from it and cannot be edited); a new ``upload`` is published as a new version."""
    resource_id = required(data, "id")
    dataset, _ = find_resource(resource_id)
    require_write(dataset["org"])
    user = current_user()
    entries = internal(dataset).get("resources") or []
    index = next((i for i, e in enumerate(entries) if e.get("id") == resource_id), None)
    if index is None:
        raise validation(id="this resource is a download of the dataset's latest version: publish a new "
                            "version (resource_create with an upload) instead of editing it")
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
    dataset, _ = find_resource(resource_id)
    user = require_write(dataset["org"])
    if not any(e.get("id") == resource_id for e in internal(dataset).get("resources") or []):
        raise validation(id="the downloads of a version cannot be deleted; delete the dataset instead")
    save_state(catalog(), dataset["name"],
               lambda state: {**state, "resources": [e for e in state.get("resources") or []
                                                     if e.get("id") != resource_id]},
               actor=user["name"], origin=origin())
    return None


@action("organization_member_create", write=True)
def organization_member_create(data: dict) -> dict:
    """Give a user a role (editor or admin) in an organisation; needs an admin of it."""
    org = catalog().find_org(required(data, "id"))
    if org is None:
        raise not_found("Organization")
    username = required(data, "username")
    role = str(data.get("role") or "member").strip()
    user = current_user()
    accounts = get_accounts()
    if user is None or not accounts.can_admin(user, org["name"]):
        raise not_authorized(f"only an admin of {org['name']!r} may add members")
    if role not in ("editor", "admin"):
        raise validation(role=f"role {role!r} is not supported here: use 'editor' or 'admin'")
    accounts.add_member(org["name"], username, role, actor=user["name"], origin=origin())
    member = accounts.get_user(username)
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"member:{org['id']}:{member['id']}")), "table_name": "user",
            "table_id": member["id"], "capacity": role, "group_id": org["id"], "state": "active"}

