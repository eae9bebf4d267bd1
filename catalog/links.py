"""The one rule for URLs that people give us to store and show as links (resource and package URLs).

Why: a stored link is shown on the official site and handed to every API client. ``javascript:`` and ``data:``
URLs run script in whoever follows them, ``file:`` and other schemes reach things a link should not, and
browsers ignore control characters inside a scheme (``java\\tscript:``). So a link is http, https or ftp with a
host, or it is refused with a message that says so. Every write that accepts a URL calls ``check_link`` (the
CKAN API in ``web/ckan/write.py``; harvest keeps only links that pass ``is_safe_link``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from catalog.errors import InvalidInput
from catalog.i18n import format_number
from catalog.i18n import gettext as _

SCHEMES = ("http", "https", "ftp")
MAX_LENGTH = 2000
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?!\d+(?:[/?#]|$))")  # "host:8080/x" is a host and port
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def check_link(url: str, field: str = "url") -> str:
    """``url`` as it is stored (``http://`` added when it has no scheme), or ``InvalidInput`` saying why not."""
    text = str(url).strip()
    if _CONTROL.search(text):
        raise InvalidInput(_("{field}: địa chỉ URL không được chứa dấu cách hay ký tự điều khiển", field=field),
                           hint=_("viết dấu cách thành %20"))
    if len(text) > MAX_LENGTH:
        raise InvalidInput(_("{field}: địa chỉ URL dài hơn {limit} ký tự", field=field, limit=format_number(MAX_LENGTH)))
    scheme = _SCHEME.match(text)
    if scheme is None:
        text = "http://" + text
    elif scheme[1].lower() not in SCHEMES:
        raise InvalidInput(_("{field}: không nhận địa chỉ {scheme}:; liên kết phải bắt đầu bằng {schemes}", field=field,
                             scheme=scheme[1], schemes=", ".join(s + "://" for s in SCHEMES)))
    try:
        host = urlsplit(text).hostname
    except ValueError:
        host = None
    if not host:
        raise InvalidInput(_("{field}: {url!r} không có tên máy chủ", field=field, url=text),
                           hint=_("ghi đầy đủ địa chỉ như https://example.org/file.csv"))
    return text


def is_safe_link(url: str) -> bool:
    try:
        check_link(url)
    except InvalidInput:
        return False
    return True
