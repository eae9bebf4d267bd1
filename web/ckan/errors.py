"""CKAN's error vocabulary: the ``__type`` strings ``ckanapi`` turns back into exceptions, with CKAN's statuses.

The ``__type`` is the stable code clients match on; the messages are in the request's language."""

from __future__ import annotations

from typing import Any

from catalog.i18n import gettext as _


class ActionError(Exception):
    """An Action API error: ``{"__type": kind, "message": ...}`` (or field errors for a Validation Error)."""

    def __init__(self, kind: str, status: int, message: str | None = None, *,
                 fields: dict[str, Any] | None = None) -> None:
        super().__init__(message or kind)
        self.kind = kind
        self.status = status
        self.message = message
        self.fields = fields or {}

    def to_dict(self) -> dict:
        error: dict[str, Any] = {"__type": self.kind}
        if self.message is not None:
            error["message"] = self.message
        error.update(self.fields)
        return error


def validation(**fields: Any) -> ActionError:
    """A 409 Validation Error; each field maps to a list of messages, as CKAN sends them."""
    return ActionError("Validation Error", 409,
                       fields={k: v if isinstance(v, list | dict) else [v] for k, v in fields.items()})


def not_found(what: str) -> ActionError:
    return ActionError("Not Found Error", 404, _("Không tìm thấy: {what}", what=what))


def not_authorized(why: str) -> ActionError:
    return ActionError("Authorization Error", 403, _("Không được phép: {why}", why=why))


def search_query(why: str) -> ActionError:
    return ActionError("Search Query Error", 400, _("Lỗi truy vấn tìm kiếm: {why}", why=why))


def bad_request(why: str) -> ActionError:
    return ActionError("Bad Request", 400, _("Yêu cầu không hợp lệ - {why}", why=why))
