"""``GET /api/v1/activity``: what changed in the catalogue, newest first, for programs that follow it.

Why its own blueprint: the stream is a concept of its own (``catalog/activity.py`` decides what of the audit log is
public and who sees which dataset's activity); this module only reads the query string, checks that a named
dataset or organisation exists for the asker, and writes the page with a ``next`` link built on the cursor.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, request

from catalog.accounts import parse_since
from catalog.activity import MAX_LIMIT, Filters, list_activity
from catalog.errors import NotFound
from catalog.i18n import gettext as _
from web.auth import current_viewer, personal_cache
from web.context import MAX_ID, get_catalog, int_arg
from web.urls import base_url

bp = Blueprint("activity", __name__, url_prefix="/api/v1")
bp.after_request(personal_cache)


def _known(name: str | None, kind: str) -> str | None:
    """``name`` when the asker may see that dataset or organisation; a 404 otherwise (a private one included)."""
    if not name:
        return None
    catalog = get_catalog()
    found = (catalog.find_dataset(name, include_deleted=True, viewer=current_viewer()) if kind == "dataset"
             else catalog.find_org(name))
    if found is None:
        message = _("không tìm thấy bộ dữ liệu {name!r}", name=name) if kind == "dataset" \
            else _("không tìm thấy tổ chức {org!r}", org=name)
        raise NotFound(message, hint=_("bỏ tham số này để xem mọi hoạt động bạn được xem"))
    return found["name"]


@bp.get("/activity")
def activity():
    """?since= (date, date-time or age like 7d), org=, dataset=, cursor= (from ``next``), limit= (1-500)."""
    filters = Filters(since=parse_since(request.args.get("since")), org=_known(request.args.get("org"), "org"),
                      dataset=_known(request.args.get("dataset"), "dataset"),
                      before=int_arg("cursor", 0, 1, MAX_ID) or None, limit=int_arg("limit", 50, 1, MAX_LIMIT))
    entries, cursor = list_activity(get_catalog(), current_viewer(), filters)
    next_url = None
    if cursor is not None:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
        next_url = f"{base_url()}{request.path}?{urlencode([*args, ('cursor', cursor)])}"
    return jsonify({"activity": entries, "next": cursor, "next_url": next_url})
