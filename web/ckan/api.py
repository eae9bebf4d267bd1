"""The Action API's machinery shared by its read and write actions: the registry of actions, who is asking,
parameter coercion (values may arrive as strings) and the lookups every action needs (a dataset or resource the
caller may see, its package dict)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catalog.ckan.shapes import as_bool, package_dict, parse_json_value, resource_dicts
from catalog.i18n import gettext as _
from catalog.i18n import pgettext
from catalog.metadata import Catalog
from catalog.search import get_index, listing
from catalog.visibility import ANONYMOUS, Viewer, visible
from web.auth import client_origin, current_user, get_accounts
from web.ckan.errors import not_authorized, not_found, validation
from web.context import MAX_INT64, get_catalog
from web.urls import base_url  # noqa: F401 - also used by the actions through this module

Action = Callable[[dict], Any]
ACTIONS: dict[str, Action] = {}
WRITE_ACTIONS: set[str] = set()


def action(name: str, *, write: bool = False) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[name] = fn
        if write:
            WRITE_ACTIONS.add(name)
        return fn

    return register


# -- who is asking ------------------------------------------------------------------------------------------------
def catalog() -> Catalog:
    return get_catalog()


def can_read(user: dict | None, dataset: dict) -> bool:
    return visible(dataset, Viewer.of(user))


def require_write(org: str) -> dict:
    user = current_user()
    if user is None:
        raise not_authorized(_("việc này cần một token API (gửi 'Authorization: <token>')"))
    if not get_accounts().can_write(user, org):
        raise not_authorized(_("người dùng {user!r} không được sửa bộ dữ liệu của tổ chức {org!r}", user=user["name"],
                                org=org))
    return user


def require_sysadmin(what: str) -> dict:
    """The token's user when a site admin (organisations and purges are the site's, as in CKAN)."""
    user = current_user()
    if user is None:
        raise not_authorized(_("{what} cần token API của một quản trị viên trang (gửi 'Authorization: <token>')",
                                what=_(what)))
    if not user.get("sysadmin"):
        raise not_authorized(_("chỉ quản trị viên trang mới được {what}; người dùng {user!r} không phải", what=_(what),
                                user=user["name"]))
    return user


def origin() -> str:
    return f"ckan:{client_origin()}"


# -- parameters ---------------------------------------------------------------------------------------------------
def json_param(data: dict, name: str, default: Any) -> Any:
    """A parameter that CKAN clients send as JSON text or as a JSON value; ``default`` when absent or empty."""
    try:
        value = parse_json_value(data.get(name), name)
    except ValueError as error:
        raise validation(**{name: str(error)}) from None
    return default if value in (None, "") else value


def int_param(data: dict, name: str, default: int | None, *, minimum: int = 0) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return default
    try:
        number = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value).strip())
    except ValueError:
        raise validation(**{name: _("Không phải số nguyên hợp lệ")}) from None
    if number > MAX_INT64:
        raise validation(**{name: _("Tối đa là {high}", high=MAX_INT64)})
    if number < minimum:
        raise validation(**{name: _("Phải là một số tự nhiên")})
    return number


def bool_param(data: dict, name: str, default: bool = False) -> bool:
    if name not in data:
        return default
    try:
        return as_bool(data[name], name)
    except ValueError:
        raise validation(**{name: _("Không phải giá trị đúng/sai hợp lệ")}) from None


def required(data: dict, name: str, field: str | None = None) -> str:
    value = data.get(name)
    if value in (None, "") or isinstance(value, list | dict):
        raise validation(**{field or name: _("Thiếu giá trị")})
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
        raise not_found(pgettext("ckan", "Bộ dữ liệu"))
    user = current_user()
    if dataset.get("state") == "deleted" and not get_accounts().can_write(user, dataset["org"]):
        raise not_found(pgettext("ckan", "Bộ dữ liệu"))
    if not can_read(user, dataset):  # a private dataset does not exist for outsiders (catalog.visibility)
        raise not_found(pgettext("ckan", "Bộ dữ liệu"))
    if for_edit:
        require_write(dataset["org"])
    return dataset


def list_viewer(include_private: bool) -> Viewer:
    """Who a list is for: anyone, or (when asked) the token's user, who may also read some private datasets."""
    return Viewer.of(current_user()) if include_private else ANONYMOUS


def visible_datasets(include_private: bool) -> list[dict]:
    """Active datasets in the search index: public, plus (when asked) the private ones the user may read."""
    viewer = list_viewer(include_private)
    return [d for d in get_index(catalog()).datasets if visible(d, viewer)]


def package_counts(include_private: bool = False) -> dict[str, int]:
    """{organisation name: its datasets the caller may see}: one grouped query (catalog/search/listing.py)."""
    return listing.org_counts(catalog(), list_viewer(include_private))


def find_resource(resource_id: str) -> tuple[dict, dict]:
    user = current_user()
    for dataset in listing.resource_owners(catalog(), resource_id):
        for resource in resource_dicts(dataset, base_url()):
            if resource["id"] == resource_id:
                if not can_read(user, dataset):
                    break  # a private dataset's resource does not exist for outsiders
                return dataset, resource
    raise not_found(pgettext("ckan", "Tài nguyên"))



def datastore_table(resource_id: str) -> tuple[dict, dict, dict]:
    """(dataset, resource, version) of a resource with a datastore table."""
    dataset, resource = find_resource(resource_id)
    if not resource.get("datastore_active") or resource.get("dataset_version") is None:
        raise not_found(_("Tài nguyên \"{resource}\" không có trong datastore", resource=resource_id))
    version = catalog().get_version(dataset["name"], resource["dataset_version"])
    return dataset, resource, version


