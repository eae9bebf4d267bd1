"""Errors that are the user's to fix.

Every layer raises these for bad input; the CLI prints ``str(error)`` as one line and exits with
``exit_code``, the web layer answers ``status`` with ``{"error": {"code": code, "message": ...}}``.
Anything else that escapes is a bug and may show a traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix: the message says what, where and how."""

    code = "bad_request"
    status = 400
    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def to_dict(self) -> dict:
        return {"code": self.code, "message": str(self)}


class NotFound(UserError):
    """An organisation, dataset, version or schema that does not exist."""

    code = "not_found"
    status = 404


class InvalidInput(UserError):
    """A file or value that cannot be read as what it claims to be."""

    code = "invalid_input"
    status = 400


class InvalidSchema(UserError):
    """A Table Schema (or dialect, checklist, package) descriptor that is not valid."""

    code = "invalid_schema"
    status = 400


class Conflict(UserError):
    """The request clashes with the catalogue's state (already exists, concurrent publish)."""

    code = "conflict"
    status = 409


class TooLarge(UserError):
    """Input over a configured size limit."""

    code = "too_large"
    status = 413


class Unauthorized(UserError):
    """Missing, wrong, expired or revoked token."""

    code = "unauthorized"
    status = 401


class Forbidden(UserError):
    """Authenticated, but not allowed to do this."""

    code = "forbidden"
    status = 403
