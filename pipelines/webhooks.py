"""Sending webhook deliveries, and the address check that guards a new subscription.

Why here and not in ``catalog/webhooks.py``: sending is an outbound request and goes through
``pipelines/outbound.py`` (the one place that refuses private, loopback and link-local addresses); the catalog
layer makes no network calls. The check runs twice: when a subscription is added (a clear refusal for the
person adding it) and at every send (DNS may have changed since; the hardened session also pins the address it
checked). ``OPENDATA_WEBHOOK_ALLOW_PRIVATE=true`` lifts it, for receivers on the city's own network and for tests.

A delivery is one POST of the stored body with a 10 s timeout. A 2xx answer delivers it; anything else (another
status, a timeout, a refused address) is an attempt that failed: the worker retries it with exponential backoff
(``backoff``) until ``catalog.webhooks.MAX_ATTEMPTS``, then the delivery is marked failed. Redirects are not
followed: a receiver answers where it was subscribed.
"""

from __future__ import annotations

import os
import time

import requests

from catalog import webhooks
from catalog.errors import UserError
from catalog.i18n import _
from catalog.jobs import Database
from pipelines import outbound

ALLOW_ENV = "OPENDATA_WEBHOOK_ALLOW_PRIVATE"
BACKOFF_ENV = "OPENDATA_WEBHOOK_BACKOFF"  # seconds before the second attempt (doubles each time); tests set it low
DEFAULT_BACKOFF = 30.0  # 30 s, 1, 2, 4, 8 min: six attempts over about a quarter of an hour
TIMEOUT = 10.0
USER_AGENT = "hanoi-opendata-webhooks/1"


class AttemptFailed(Exception):
    """A delivery attempt that did not reach a 2xx answer; the worker decides whether to retry."""


def private_allowed() -> bool:
    return os.environ.get(ALLOW_ENV, "").strip().lower() in outbound.TRUE


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): base, 2 x base, 4 x base, ..."""
    try:
        base = float(os.environ.get(BACKOFF_ENV) or DEFAULT_BACKOFF)
    except ValueError:
        base = DEFAULT_BACKOFF
    return base * 2 ** (attempt - 1)


def check_target(url: str) -> None:
    outbound.check_url(url, allow_private=private_allowed(),
                       hint=_("để gửi tới một máy chủ trong mạng nội bộ của bạn, hãy đặt {setting}=true",
                              setting=ALLOW_ENV))


def add(database: Database, org: str, url: str, events: list[str], *, secret: str | None = None,
        actor: str = "cli") -> tuple[dict, str]:
    """``catalog.webhooks.add`` after refusing targets on private, loopback and link-local addresses."""
    check_target(url)
    return webhooks.add(database, org, url, events, secret=secret, actor=actor)


def deliver(database: Database, delivery_id: str, *, attempt: int, last: bool) -> None:
    """Send one delivery; log the attempt. Raises ``AttemptFailed`` when it must be tried again."""
    delivery, body, hook = webhooks.to_send(database, delivery_id)
    if delivery["status"] == "delivered" and attempt > 1:
        return  # delivered by an earlier attempt whose worker died before closing the job
    if hook is None:
        webhooks.record_attempt(database, delivery_id, status_code=None, error=_("webhook đã bị xoá"), ms=0,
                                final="failed")
        return
    started = time.monotonic()
    status, error = _post(hook, delivery, body)
    ms = int((time.monotonic() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    final = "delivered" if ok else ("failed" if last else None)
    webhooks.record_attempt(database, delivery_id, status_code=status, error=error, ms=ms, final=final)
    if not ok:
        raise AttemptFailed(error or _answered(status))


def _post(hook: dict, delivery: dict, body: bytes) -> tuple[int | None, str]:
    """(HTTP status or None, error text) of one POST of ``body`` to the subscription's URL."""
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "X-Opendata-Event": delivery["event"], "X-Opendata-Delivery": delivery["id"],
               "X-Opendata-Signature": webhooks.signature(hook["secret"], body)}
    try:
        check_target(hook["url"])
        with outbound.session(allow_private=private_allowed()) as http:
            answer = http.post(hook["url"], data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False,
                               stream=True)
            answer.close()
    except UserError as refused:
        return None, str(refused)
    except (requests.RequestException, OSError) as failed:
        return None, outbound.describe_error(failed)
    return answer.status_code, "" if 200 <= answer.status_code < 300 else _answered(answer.status_code)


def _answered(status: int | None) -> str:
    return _("máy nhận trả lời {status}", status=status)
