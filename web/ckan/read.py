"""The Action API's read actions: site, datasets and search, organisations, tags, licences, the datastore."""

from __future__ import annotations

import re

from catalog.ckan.shapes import (
    CKAN_VERSION,
    LICENSES,
    license_dict,
    organization_dict,
    parse_json_value,
    tag_dict,
)
from catalog.i18n import collate, format_number, pgettext
from catalog.i18n import gettext as _
from catalog.search import listing
from catalog.sqltext import quote_ident
from catalog.visibility import ANONYMOUS, visible
from web.auth import current_user, current_viewer
from web.ckan import search as ckan_search
from web.ckan.api import (
    ACTIONS,
    action,
    bool_param,
    catalog,
    datastore_table,
    find_package,
    find_resource,
    int_param,
    list_viewer,
    org_cache,
    package_counts,
    required,
    show,
)
from web.ckan.datastore import ckan_type, part_offsets
from web.ckan.datastore import datastore_search as run_datastore_search
from web.ckan.errors import ActionError, not_authorized, not_found, validation
from web.urls import base_url

ORG_LIST_MAX = 1000  # names; CKAN caps organization_list the same way
ORG_LIST_ALL_FIELDS_MAX = 25  # dicts with all_fields


@action("status_show")
def status_show(data: dict) -> dict:
    """The site and the CKAN version it emulates."""
    return {"site_title": "Dữ liệu mở Hà Nội", "site_description": "Hanoi Open Data Catalogue",
            "site_url": base_url(), "locale_default": "vi", "error_emails_to": None,
            "extensions": ["datastore", "hanoi_opendata"], "ckan_version": CKAN_VERSION}


@action("site_read")
def site_read(data: dict) -> bool:
    return True


@action("help_show")
def help_show(data: dict) -> str:
    name = required(data, "name")
    fn = ACTIONS.get(name)
    if fn is None:
        raise not_found(_("Hàm action {name}", name=name))
    return (fn.__doc__ or name).strip()


@action("package_list")
def package_list(data: dict) -> list[str]:
    """Names of the active public datasets, sorted."""
    limit = int_param(data, "limit", None)
    offset = int_param(data, "offset", 0) or 0
    return listing.names(catalog(), ANONYMOUS, limit, offset)


@action("current_package_list_with_resources")
def current_package_list_with_resources(data: dict) -> list[dict]:
    """Public datasets with their resources, most recently modified first."""
    limit = int_param(data, "limit", 10) or 0
    offset = int_param(data, "offset", 0) or 0
    orgs = org_cache()
    return [show(d, orgs) for d in listing.newest(catalog(), ANONYMOUS, limit, offset)]


@action("package_show")
def package_show(data: dict) -> dict:
    """One dataset by id or name."""
    ident = data.get("id") or data.get("name_or_id") or data.get("name")
    if ident in (None, "") or isinstance(ident, list | dict):
        raise validation(name_or_id=_("Thiếu giá trị"))
    return show(find_package(str(ident)))


@action("package_search")
def package_search(data: dict) -> dict:
    """Search datasets: q, fq (Solr syntax), sort, rows (≤ 1000), start, facet.field, include_private."""
    viewer = current_viewer() if bool_param(data, "include_private") else ANONYMOUS

    found = ckan_search.search(catalog(), data, lambda dataset: visible(dataset, viewer), viewer)
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


# -- organisations, groups, tags, licences ----------------------------------------------------------------------------
@action("organization_list")
def organization_list(data: dict) -> list:
    """Organisation names (or dicts with all_fields), sorted by title by default."""
    all_fields = bool_param(data, "all_fields")
    counts = package_counts()
    orgs = catalog().list_orgs()
    try:
        wanted = parse_json_value(data.get("organizations"), "organizations")
    except ValueError as error:
        raise validation(organizations=str(error)) from None
    if wanted:
        wanted = [wanted] if isinstance(wanted, str) else wanted
        if not isinstance(wanted, list) or not all(isinstance(name, str) for name in wanted):
            raise validation(organizations=_("Phải là một danh sách tên tổ chức"))
        orgs = [o for o in orgs if o["name"] in wanted]
    q = str(data.get("q") or "").strip().lower()
    if q:
        orgs = [o for o in orgs if q in o["name"] or q in (o.get("title") or "").lower()]
    sort = str(data.get("sort") or "title asc").strip().split()
    key = sort[0] if sort and sort[0] in ("name", "title", "package_count") else "title"
    descending = len(sort) > 1 and sort[1].lower() == "desc"
    if key == "package_count":
        orgs.sort(key=lambda o: (counts.get(o["name"], 0), o["name"]), reverse=descending)
    else:  # names and titles in Vietnamese order (ICU vi), ties by name
        orgs = collate(sorted(orgs, key=lambda o: o["name"]), key=lambda o: o.get(key) or "", reverse=descending)
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
        raise not_found(pgettext("ckan", "Tổ chức"))
    count = package_counts(True).get(org["name"], 0)
    result = organization_dict(org, package_count=count)
    result.update(extras=[], users=[], groups=[], tags=[], num_followers=0)
    if bool_param(data, "include_datasets"):
        orgs = {org["id"]: org}
        mine = listing.newest(catalog(), list_viewer(True), count, org_id=org["id"])
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


@action("tag_list")
def tag_list(data: dict) -> list:
    """Tags of the public datasets (``query`` filters by substring; ``all_fields`` gives dicts)."""
    names = collate(sorted(listing.facet_values(catalog(), ANONYMOUS, "tag")))  # Vietnamese order
    query = str(data.get("query") or data.get("q") or "").strip().lower()
    if query:
        names = [n for n in names if query in n.lower()]
    return [tag_dict(n) for n in names] if bool_param(data, "all_fields") else names


@action("license_list")
def license_list(data: dict) -> list[dict]:
    return [license_dict(lic) for lic in LICENSES]


# -- the datastore --------------------------------------------------------------------------------------------------
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
    from catalog.sql.guard import statement_text
    from catalog.sql.messages import QueryError
    from catalog.sqltext import sql_list

    sql = required(data, "sql")
    check_select(sql)
    tables = []
    for resource_id in dict.fromkeys(re.findall(r'"([0-9a-fA-F-]{36})"', sql)):
        dataset, resource, version = datastore_table(resource_id)  # 404 when unknown or not visible
        if not visible(dataset, ANONYMOUS) or version["number"] != dataset["latest_version"]:  # SQL is public
            raise not_authorized(_("tài nguyên {resource} không truy vấn bằng SQL được; hãy dùng datastore_search",
                                    resource=resource_id))
        files = catalog().version_keys(version)
        offsets = []
        if len(files) > 1:
            starts = part_offsets(catalog().version_files(version))
            offsets = [f"WHEN {index} THEN {start}" for index, start in enumerate(starts)]
        number = f"(CASE file_index {' '.join(offsets)} END) + " if offsets else ""
        tables.append(f"{quote_ident(resource_id)} AS (SELECT {number}file_row_number + 1 AS \"_id\", * "
                      f"FROM read_parquet({sql_list(files)}))")
    body = statement_text(sql)  # "SELECT …; -- hết" is one statement: the wrapper must not see ";" or "--"
    wrapped = f"WITH {', '.join(tables)} SELECT * FROM (\n{body}\n)" if tables else body
    try:
        result = query_engine().query(wrapped)
    except QueryError as error:
        if error.code == "forbidden":
            raise not_authorized(error.message) from None
        if error.code == "busy":
            raise ActionError("Search Error", 409, _("Lỗi tìm kiếm: {error}", error=error.message)) from None
        raise validation(query=error.message) from None
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

    from catalog.sql.guard import check_statement
    from catalog.sql.messages import Refused

    if len(sql) > query_engine().limits.max_sql_length:
        raise validation(query=_("câu truy vấn quá dài (tối đa {limit} ký tự)",
                                 limit=format_number(query_engine().limits.max_sql_length)))
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


