"""``organization_create``, ``organization_update``/``patch`` and ``organization_delete``: site admins only.

Why site admins: an organisation is a publishing department of the city, and its datasets' permissions hang on
it; CKAN lets any logged-in user create one by default, the catalogue does not. ``organization_create`` keeps a
given ``id`` (a UUID not in use), as CKAN does for site admins, so ``ckanapi load organizations`` followed by
``ckanapi load datasets`` finds each dataset's ``owner_org`` in the copy.
"""

from __future__ import annotations

import uuid

from catalog.ckan.shapes import nfc, organization_dict
from catalog.errors import Conflict
from catalog.i18n import N_, pgettext
from catalog.i18n import gettext as _
from catalog.metadata import check_name
from catalog.purge import delete_org
from web.ckan.api import action, catalog, origin, package_counts, require_sysadmin, required
from web.ckan.errors import not_found, validation


def given_id(data: dict) -> str | None:
    value = data.get("id")
    if value in (None, ""):
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise validation(id=_("mã tổ chức là một UUID; bỏ trống để máy chủ tự cấp")) from None


def shown(name: str) -> dict:
    org = catalog().get_org(name)
    return {**organization_dict(org, package_count=package_counts(True).get(org["name"], 0)),
            "users": [], "extras": [], "groups": [], "tags": []}


@action("organization_create", write=True)
def organization_create(data: dict) -> dict:
    """Create an organisation: name, title, description (and id, to keep another catalogue's)."""
    user = require_sysadmin(N_("tạo tổ chức"))
    name = required(data, "name")
    try:
        check_name(name, "organisation")
    except Exception as error:  # InvalidInput: the name rule, in CKAN's field vocabulary
        raise validation(name=str(error)) from None
    org_id = given_id(data)
    if catalog().find_org(name) is not None:
        raise validation(name=_("Tên nhóm đã có trong cơ sở dữ liệu"))
    if org_id and catalog().find_org(org_id) is not None:
        raise validation(id=_("Mã này đã được dùng"))
    try:
        catalog().add_org(name, nfc(data.get("title") or name), nfc(data.get("description") or ""),
                          actor=user["name"], origin=origin(), org_id=org_id,
                          title_en=str(data.get("title_en") or ""), description_en=str(data.get("description_en") or ""))
    except Conflict:
        raise validation(name=_("Tên nhóm đã có trong cơ sở dữ liệu")) from None
    return shown(name)


def change_org(data: dict, *, replace: bool) -> dict:
    user = require_sysadmin(N_("sửa tổ chức"))
    org = catalog().find_org(str(data.get("id") or data.get("name") or ""))
    if org is None:
        raise not_found(pgettext("ckan", "Tổ chức"))
    if data.get("name") and data["name"] != org["name"]:
        raise validation(name=_("Không đổi tên tổ chức được: tên của nó là một phần trong các địa chỉ URL"))
    fields = {}
    for key in ("title", "description", "title_en", "description_en"):
        if key in data or replace:
            fields[key] = nfc(data.get(key) or (org["name"] if key == "title" else ""))
    catalog().update_org(org["name"], actor=user["name"], origin=origin(), **fields)
    return shown(org["name"])


@action("organization_update", write=True)
def organization_update(data: dict) -> dict:
    """Replace an organisation's title and description (its members stay)."""
    return change_org(data, replace=True)


@action("organization_patch", write=True)
def organization_patch(data: dict) -> dict:
    """Change only the given fields of an organisation."""
    return change_org(data, replace=False)


@action("organization_delete", write=True)
def organization_delete(data: dict) -> None:
    """Delete an organisation without datasets (purge or move them first)."""
    user = require_sysadmin(N_("xoá tổ chức"))
    org = catalog().find_org(required(data, "id"))
    if org is None:
        raise not_found(pgettext("ckan", "Tổ chức"))
    try:
        delete_org(catalog(), org["id"], actor=user["name"], origin=origin())
    except Conflict as error:
        raise validation(id=str(error)) from None
    return None


action("organization_purge", write=True)(organization_delete)
