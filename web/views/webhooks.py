"""The webhooks API: an organisation's editors manage its subscriptions and read their delivery log.

Why apart from the publish API: webhooks are a concept of their own (``catalog/webhooks.py``), with their own
permission rule: every call needs a token (401 without one) and the right to edit the subscription's organisation
(403 otherwise), since a subscription receives that organisation's private datasets' events too. The secret is
returned once, when the server chose it; afterwards only its hint is shown.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from catalog import webhooks
from catalog.errors import InvalidInput
from catalog.i18n import gettext as _
from pipelines import webhooks as sending
from web.auth import get_accounts, require_user
from web.context import get_catalog, int_arg

bp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks")


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput(_("hãy gửi một đối tượng JSON"),
                           hint=_('ví dụ {"url": "https://example.org/hook", "org": "so-tnmt", '
                                  '"events": ["dataset.version_published"]}'))
    return data


def _text(data: dict, name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(_("trường {name!r} phải là một chuỗi không rỗng", name=name))
    return value.strip()


def _editable(hook_id: str) -> dict:
    """The subscription, when the token's user may edit its organisation (401/403/404 otherwise)."""
    user = require_user()
    hook = webhooks.get(get_catalog(), hook_id)
    get_accounts().require_write(user, hook["org"])
    return hook


@bp.post("")
def add():
    user = require_user()
    data = _body()
    org, url, secret = _text(data, "org"), _text(data, "url"), _text(data, "secret", required=False)
    events = data.get("events")
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise InvalidInput(_("trường 'events' phải là một danh sách tên sự kiện"), hint=", ".join(webhooks.EVENTS))
    get_accounts().require_write(user, get_catalog().get_org(org)["name"])
    hook, plain = sending.add(get_catalog(), org, url, events, secret=secret, actor=user["name"])
    return jsonify({"webhook": hook, **({"secret": plain} if secret is None else {})}), 201


@bp.get("")
def list_hooks():
    user = require_user()
    writable = None if user.get("sysadmin") else [org for org, role in user["memberships"].items()
                                                  if get_accounts().can_write(user, org)]
    return jsonify({"webhooks": webhooks.list_hooks(get_catalog(), request.args.get("org"), orgs=writable)})


@bp.get("/<hook_id>")
def show(hook_id: str):
    return jsonify({"webhook": _editable(hook_id)})


@bp.delete("/<hook_id>")
def remove(hook_id: str):
    hook = _editable(hook_id)
    return jsonify({"webhook": webhooks.remove(get_catalog(), hook["id"], actor=require_user()["name"])})


@bp.get("/<hook_id>/deliveries")
def deliveries(hook_id: str):
    hook = _editable(hook_id)
    limit = int_arg("limit", 50, 1, 1000)
    return jsonify({"deliveries": webhooks.deliveries(get_catalog(), hook["id"], limit=limit)})


@bp.get("/<hook_id>/deliveries/<delivery_id>")
def delivery(hook_id: str, delivery_id: str):
    hook = _editable(hook_id)
    return jsonify({"delivery": webhooks.get_delivery(get_catalog(), delivery_id, hook_id=hook["id"])})


@bp.post("/<hook_id>/deliveries/<delivery_id>/redeliver")
def redeliver(hook_id: str, delivery_id: str):
    hook = _editable(hook_id)
    return jsonify({"delivery": webhooks.redeliver(get_catalog(), delivery_id, hook_id=hook["id"])}), 202
