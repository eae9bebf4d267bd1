"""The ``string`` type: text, with the formats email, uri, binary, uuid and wkt.

Why here: default strings are the common case and SQL keeps them as they are; the other formats are checked
by the same libraries frictionless uses (validators, rfc3986, base64), in Python once per distinct value.
``wkt`` strings are not parsed (VALIDATION.md).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from pipelines.validation.fields.base import OK, FieldType, Reader

STRING_FORMATS = ("default", "email", "uri", "binary", "uuid", "wkt")


def _uri_check() -> Callable[[str], bool]:
    import rfc3986
    from rfc3986 import exceptions
    from rfc3986 import validators as uri_validators

    def check(text: str) -> bool:
        validator = uri_validators.Validator().require_presence_of("scheme")
        try:
            validator.validate(rfc3986.uri_reference(text))
        except exceptions.ValidationError:
            return False
        return True

    return check


def _binary_check(text: str) -> bool:
    try:
        base64.b64decode(text)
    except Exception:
        return False
    return True


def _format_check(fmt: str) -> Callable[[str], bool]:
    if fmt == "email":
        import validators

        return lambda text: bool(validators.email(text))
    if fmt == "uuid":
        import validators

        return lambda text: bool(validators.uuid(text))
    if fmt == "uri":
        return _uri_check()
    if fmt == "binary":
        return _binary_check
    return lambda text: True


class StringType(FieldType):
    name = "string"
    constraints = ("required", "minLength", "maxLength", "pattern", "enum")
    duck = "VARCHAR"
    formats = STRING_FORMATS

    def decided_in_python(self, field: dict) -> bool:
        return field.get("format", "default") != "default"

    def reader(self, field: dict) -> Reader:
        check = _format_check(field.get("format", "default"))

        def read(cell: Any) -> Any:
            return cell if isinstance(cell, str) and check(cell) else None

        return read

    def exact_sql(self, plan, c: str) -> tuple[str, str]:
        return c, str(OK)

    def fast_sql(self, plan, c: str) -> tuple[str, str] | None:
        return (c, "true") if plan.field.get("format", "default") == "default" else None

    def str_sql(self, v: str) -> str | None:
        return v


TYPE = StringType()
