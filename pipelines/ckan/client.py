"""What harvest and push share: the ckanapi client on the guarded outbound session, and the run's tally.

Why one module: both directions reach a portal the same way (``pipelines/outbound.py``: private addresses refused
unless allowed, redirects checked, a named user agent) and both report a run the same way: one progress line
per dataset as it is done, then the counts by status and a "not done" line for each failure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import requests
from ckanapi import RemoteCKAN

from catalog.i18n import N_, _
from pipelines import outbound

STATUSES = {  # an item's status (a stable code in JSON) as people read it, translated where it is shown
    "created": N_("đã tạo"), "updated": N_("đã cập nhật"), "unchanged": N_("không đổi"),
    "skipped": N_("bỏ qua"), "invalid": N_("không hợp lệ"), "failed": N_("thất bại"),
}


def status_text(status: str) -> str:
    return _(STATUSES[status]) if status in STATUSES else status


def connect(url: str, user_agent: str, *, apikey: str | None = None,
            session: requests.Session | None = None) -> RemoteCKAN:
    """A ckanapi client for the portal at ``url`` (refused when outbound requests may not go there); its
    ``session`` is the outbound one, shared with any download from the same portal."""
    outbound.check_url(url)
    session = session or outbound.session()
    session.headers["User-Agent"] = user_agent
    return RemoteCKAN(url.rstrip("/"), apikey=apikey, user_agent=user_agent, session=session)


def progress(log: Callable[[str], None] | None, status: str, name: str) -> None:
    """One line per dataset as it is done (``created   air-quality``), when the caller wants them."""
    if log:
        log(f"{status_text(status):13} {name}")


class Tally:
    """Counts of a run whose ``items`` each have a ``status`` and an ``ok`` (the mixin of both results)."""

    items: list[Any]

    def counts(self) -> dict[str, int]:
        return dict(Counter(item.status for item in self.items))

    def counted(self, nothing: str) -> str:
        """``2 đã tạo, 1 thất bại`` (or ``nothing`` when there were no items)."""
        return ", ".join(f"{n} {status_text(status)}" for status, n in sorted(self.counts().items())) or nothing
