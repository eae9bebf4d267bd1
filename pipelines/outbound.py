"""The one rule for requests this catalogue sends to other servers: no private, loopback or reserved addresses.

Why: a harvest follows URLs that another portal chose (its API, its resources, their redirects), and a push talks
to a portal that may redirect. Without a rule, those URLs can reach the machine's own services (a database admin
page on 127.0.0.1, a cloud metadata service on 169.254.169.254, the city's intranet). Every outbound session comes
from ``session()`` here: it resolves each host, refuses private, loopback, link-local, multicast and reserved
addresses, and then connects to the very address it checked (requests-hardened pins it, so a DNS answer cannot
change between check and connect); redirects pass through the same check.

``OPENDATA_ALLOW_PRIVATE_URLS=true`` lifts the rule, for a portal on the city's own network (and for tests).
Remote publishing (``opendata login``/``publish --remote``) talks to the catalogue server the user named
themselves, usually their own department's internal server, so it is allowed private addresses.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import requests
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress, filter_host

from catalog.errors import Forbidden, InvalidInput
from catalog.i18n import _

ALLOW_ENV = "OPENDATA_ALLOW_PRIVATE_URLS"
TRUE = frozenset({"1", "true", "yes", "on"})
DEFAULT_TIMEOUT = (10, 120)  # connect, read: for calls that do not give their own


def private_hint() -> str:
    """How to reach a server on the city's own network (in the current language)."""
    return _("để kết nối tới một máy chủ trong mạng nội bộ của bạn, hãy đặt {setting}=true",
             setting=ALLOW_ENV)


def private_allowed() -> bool:
    return os.environ.get(ALLOW_ENV, "").strip().lower() in TRUE


def session(*, allow_private: bool | None = None) -> requests.Session:
    """A requests session that refuses private addresses (unless allowed), on every request and redirect."""
    allowed = private_allowed() if allow_private is None else allow_private
    return HTTPSession(Config(ip_filter_enable=not allowed, ip_filter_allow_loopback_ips=False,
                              never_redirect=False, default_timeout=DEFAULT_TIMEOUT))


def check_url(url: str, *, allow_private: bool | None = None, hint: str | None = None) -> None:
    """Refuse, with a clear message, a URL whose host resolves to a private address (unless allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_("không phải một URL http(s): {url}", url=repr(url)),
                           hint=_("hãy nhập địa chỉ của cổng dữ liệu, ví dụ https://data.example.org"))
    if private_allowed() if allow_private is None else allow_private:
        return
    try:
        filter_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), allow_loopback=False)
    except InvalidIPAddress as refused:
        raise Forbidden(_("{url} trỏ tới {address}, một địa chỉ riêng, loopback hoặc dành riêng: bị từ chối",
                          url=url, address=refused), hint=hint or private_hint()) from None
    except OSError:  # requests.RequestException is one too
        return  # the host does not resolve: the request itself reports that, in its place


def describe_error(error: BaseException) -> str:
    """One line for a failed outbound request (or a failure while handling its answer), for a run's report."""
    if isinstance(error, InvalidIPAddress):
        return _("từ chối kết nối tới {address}, một địa chỉ riêng, loopback hoặc dành riêng ({hint})",
                 address=error, hint=private_hint())
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__
