"""Organisation membership through CKAN: ``member_create``, ``member_delete``, ``organization_member_create``
and ``organization_member_delete``, with CKAN's three capacities.

``member`` reads the organisation's private datasets and writes nothing; ``editor`` also publishes and edits;
``admin`` also manages members (``catalog/accounts.py`` ROLES, ``catalog/visibility.py`` for who reads what).
Groups are topics derived from each dataset's themes (``catalog/ckan/groups.py``), so adding a package to a group
is refused with the rule that decides it.
"""

from __future__ import annotations

import uuid

from catalog.accounts import ROLES
from catalog.errors import NotFound
from catalog.i18n import gettext as _
from catalog.i18n import pgettext
from web.auth import current_user, get_accounts
from web.ckan.api import action, catalog, origin, required
from web.ckan.errors import not_authorized, not_found, validation


def admin_of(org_ident: str) -> tuple[dict, dict]:
    """(organisation, acting user) when the token's user may manage the organisation's members."""
    org = catalog().find_org(org_ident)
    if org is None:
        raise not_found(pgettext("ckan", "Tổ chức"))
    user = current_user()
    if user is None or not get_accounts().can_admin(user, org["name"]):
        raise not_authorized(_("chỉ quản trị viên của {org!r} mới được đổi thành viên của nó", org=org["name"]))
    return org, user


def member_dict(org: dict, user_id: str, role: str) -> dict:
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"member:{org['id']}:{user_id}")), "table_name": "user",
            "table_id": user_id, "capacity": role, "group_id": org["id"], "state": "active"}


def check_object_type(data: dict) -> None:
    kind = str(data.get("object_type") or "user").strip()
    if kind == "package":
        raise validation(object_type=_("bộ dữ liệu thuộc các chủ đề (nhóm) qua lĩnh vực của nó, lấy từ lược đồ chuẩn "
                                       "và các thẻ: hãy sửa thẻ của bộ dữ liệu"))
    if kind != "user":
        raise validation(object_type=_("dùng 'user'"))


def add(org_ident: str, username: str, role: str) -> dict:
    org, user = admin_of(org_ident)
    if role not in ROLES:
        raise validation(capacity=_("vai trò {role!r} không phải một trong: {roles}", role=role, roles=", ".join(ROLES)))
    try:
        get_accounts().add_member(org["name"], username, role, actor=user["name"], origin=origin())
    except NotFound as error:
        raise not_found(str(error)) from None
    return member_dict(org, get_accounts().get_user(username)["id"], role)


def remove(org_ident: str, username: str) -> None:
    org, user = admin_of(org_ident)
    try:
        get_accounts().remove_member(org["name"], username, actor=user["name"], origin=origin())
    except NotFound as error:
        raise not_found(str(error)) from None


@action("member_create", write=True)
def member_create(data: dict) -> dict:
    """Give a user (``object``) a ``capacity`` (member, editor or admin) in an organisation (``id``)."""
    check_object_type(data)
    return add(required(data, "id"), required(data, "object"), str(data.get("capacity") or "member").strip())


@action("member_delete", write=True)
def member_delete(data: dict) -> None:
    """Remove a user (``object``) from an organisation (``id``)."""
    check_object_type(data)
    remove(required(data, "id"), required(data, "object"))


@action("organization_member_create", write=True)
def organization_member_create(data: dict) -> dict:
    """Give a user (``username``) a ``role`` (member, editor or admin) in an organisation; needs an admin of it."""
    return add(required(data, "id"), required(data, "username"), str(data.get("role") or "member").strip())


@action("organization_member_delete", write=True)
def organization_member_delete(data: dict) -> None:
    """Remove a user (``username``) from an organisation."""
    remove(required(data, "id"), required(data, "username"))
