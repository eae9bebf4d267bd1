"""Webhooks: an organisation's subscriptions, and the outbox of signed deliveries they receive.

Why an outbox: a delivery row (and the job that sends it) is written by ``record_event`` inside the very
transaction that publishes, updates or deletes the dataset (``catalog/unit_of_work.py``, ``catalog/metadata.py``).
Either both commit or neither does, so a crash between the commit and the sending loses nothing: the worker
(``pipelines/worker.py``) finds the delivery queued whenever it next runs. The body is fixed at that moment (the
dataset as it was when the event happened) and stored, so every attempt and every redelivery sends the same bytes
under the same delivery id, and receivers can dedupe.

The secret has to be kept in a form that can sign, so it is stored as given; it is shown once, when the
subscription is made, and afterwards only as a hint (its last four characters). This module depends on
``catalog.db`` and ``catalog.jobs`` only, so the metadata module can call it without an import cycle.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog import db, jobs
from catalog.errors import InvalidInput, NotFound
from catalog.i18n import gettext as _
from catalog.jobs import Database

EVENTS = ("dataset.version_published", "dataset.updated", "dataset.deleted")
JOB_KIND = "webhook.deliver"
MAX_ATTEMPTS = 6
MAX_URL = 2000
MAX_SECRET = 256
DATASET_FIELDS = ("name", "title", "description", "license", "tags", "frequency", "source", "temporal_coverage",
                  "spatial_coverage", "private", "state", "created_at", "updated_at")
VERSION_FIELDS = ("number", "rows", "bytes", "sha256", "source_format", "note", "published_at")


def signature(secret: str, body: bytes) -> str:
    """The ``X-Opendata-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def secret_hint(secret: str) -> str:
    return "…" + secret[-4:] if len(secret) >= 12 else "…"


def _check_events(events: list[str] | tuple[str, ...]) -> list[str]:
    chosen = list(dict.fromkeys(e.strip() for e in events if e and e.strip()))
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown or not chosen:
        raise InvalidInput(_("không có sự kiện webhook {event!r}", event=unknown[0]) if unknown
                           else _("webhook cần ít nhất một sự kiện"),
                           hint=_("dùng một hoặc nhiều trong: {events}", events=", ".join(EVENTS)))
    return chosen


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_("không phải địa chỉ http(s): {url!r}", url=url[:100]),
                           hint=_("ví dụ https://example.org/hooks/opendata"))
    return url


def _public(row: Any, org: str) -> dict:
    hook = dict(row._mapping)
    secret = hook.pop("secret")
    hook.pop("org_id", None)
    return {**hook, "org": org, "events": list(hook["events"] or []), "active": bool(hook["active"]),
            "secret_hint": secret_hint(secret)}


def _select() -> sa.Select:
    w, o = db.webhooks, db.organizations
    return sa.select(w, o.c.name.label("org_name")).join(o, o.c.id == w.c.org_id)


def add(database: Database, org: str, url: str, events: list[str], *, secret: str | None = None,
        actor: str = "cli") -> tuple[dict, str]:
    """Subscribe ``url`` to ``events`` of ``org``'s datasets; returns (the subscription, the secret, shown once).

    The caller checks the target address (``pipelines.webhooks.add``): this layer does no network look-ups."""
    url, chosen = _check_url(url), _check_events(events)
    secret = secret if secret is not None else secrets.token_urlsafe(32)
    if not 16 <= len(secret) <= MAX_SECRET:
        raise InvalidInput(_("khoá bí mật của webhook phải có từ 16 đến {high} ký tự", high=MAX_SECRET),
                           hint=_("bỏ trống để nhận một khoá ngẫu nhiên"))
    o = db.organizations
    with database.writer.begin() as conn:
        org_row = conn.execute(sa.select(o.c.id, o.c.name).where((o.c.name == org) | (o.c.id == org))).first()
        if org_row is None:
            raise NotFound(_("không tìm thấy tổ chức {org!r}", org=org), hint=_("'opendata org list' liệt kê các tổ chức"))
        hook_id = secrets.token_hex(6)
        conn.execute(db.webhooks.insert().values(id=hook_id, org_id=org_row.id, url=url, events=chosen,
                                                 secret=secret, active=True, created_by=actor,
                                                 created_at=db.utcnow()))
        conn.execute(db.audit_log.insert().values(at=db.utcnow(), actor=actor, action="webhook.add", target=hook_id,
                                                  detail={"org": org_row.name, "url": url, "events": chosen},
                                                  origin=""))
    return get(database, hook_id), secret


def get(database: Database, hook_id: str) -> dict:
    with database.reader.connect() as conn:
        row = conn.execute(_select().where(db.webhooks.c.id == str(hook_id))).first()
    if row is None or not row.active:
        raise NotFound(_("không tìm thấy webhook {hook!r}", hook=hook_id),
                       hint=_("'opendata webhook list' liệt kê các webhook"))
    return _public(row, row.org_name)


def list_hooks(database: Database, org: str | None = None, *, orgs: list[str] | None = None) -> list[dict]:
    """Active subscriptions, of one organisation, of a list of them (``orgs``), or all."""
    o, w = db.organizations, db.webhooks
    query = _select().where(w.c.active.is_(True)).order_by(o.c.name, w.c.created_at)
    if org:
        query = query.where((o.c.name == org) | (o.c.id == org))
    if orgs is not None:
        query = query.where(o.c.name.in_(orgs))
    with database.reader.connect() as conn:
        return [_public(r, r.org_name) for r in conn.execute(query)]


def remove(database: Database, hook_id: str, *, actor: str = "cli") -> dict:
    """Stop a subscription; its delivery log stays readable by id, pending deliveries are not sent."""
    hook = get(database, hook_id)
    with database.writer.begin() as conn:
        conn.execute(db.webhooks.update().where(db.webhooks.c.id == hook["id"]).values(active=False))
        conn.execute(db.audit_log.insert().values(at=db.utcnow(), actor=actor, action="webhook.remove",
                                                  target=hook["id"], detail={"org": hook["org"]}, origin=""))
    return hook


# -- the outbox ----------------------------------------------------------------------------------------------------
def _dataset_and_version(conn: Connection, dataset: str, number: int | None) -> tuple[dict, dict | None, str]:
    d, o, v = db.datasets, db.organizations, db.versions
    row = conn.execute(sa.select(d, o.c.name.label("org_name"), o.c.title.label("org_title"))
                       .join(o, o.c.id == d.c.org_id).where(d.c.name == dataset)).one()
    public = {k: row._mapping[k] for k in DATASET_FIELDS}
    public.update(private=bool(public["private"]), tags=list(public["tags"] or []), org=row.org_name,
                  org_title=row.org_title)
    query = sa.select(v).where(v.c.dataset_id == row.id)
    query = query.where(v.c.number == number) if number is not None else query.order_by(v.c.number.desc()).limit(1)
    found = conn.execute(query).first()
    version = {k: found._mapping[k] for k in VERSION_FIELDS} if found else None
    base = os.environ.get("OPENDATA_BASE_URL", "").strip().rstrip("/")
    if base:
        public["url"] = f"{base}/datasets/{dataset}"
        if version:
            version["url"] = f"{base}/api/v1/datasets/{dataset}/versions/{version['number']}"
    return public, version, row.org_id


def record_event(conn: Connection, event: str, dataset: str, number: int | None = None) -> int:
    """Queue one delivery per subscription of the dataset's organisation to ``event``, in the caller's
    transaction (``number``: the version; None, the latest). Returns how many were queued."""
    w = db.webhooks
    public, version, org_id = _dataset_and_version(conn, dataset, number)
    hooks = [h for h in conn.execute(sa.select(w.c.id, w.c.events).where((w.c.org_id == org_id) & w.c.active.is_(True)))
             if event in (h.events or [])]
    occurred_at = db.utcnow()
    for hook in hooks:
        delivery_id = str(uuid.uuid4())
        body = json.dumps({"event": event, "id": delivery_id, "occurred_at": occurred_at, "dataset": public,
                           "version": version}, ensure_ascii=False, separators=(",", ":"), default=str)
        job_id = jobs.enqueue(conn, JOB_KIND, {"delivery": delivery_id}, max_attempts=MAX_ATTEMPTS)
        conn.execute(db.webhook_deliveries.insert().values(
            id=delivery_id, webhook_id=hook.id, event=event, dataset=dataset, body=body, status="pending",
            attempts=0, log=[], job_id=job_id, created_at=occurred_at))
    return len(hooks)


# -- deliveries ----------------------------------------------------------------------------------------------------
def _delivery_dict(row: Any, *, body: bool = False) -> dict:
    data = dict(row._mapping)
    text = data.pop("body")
    data.pop("job_id", None)
    data["log"] = list(data.get("log") or [])
    if body:
        data["body"] = json.loads(text)
    return data


def deliveries(database: Database, hook_id: str, *, limit: int = 50) -> list[dict]:
    """The delivery log of a subscription, newest first: status, attempts, and each attempt's outcome."""
    wd = db.webhook_deliveries
    with database.reader.connect() as conn:
        rows = conn.execute(sa.select(wd).where(wd.c.webhook_id == str(hook_id))
                            .order_by(wd.c.created_at.desc(), wd.c.id).limit(limit))
        return [_delivery_dict(r) for r in rows]


def get_delivery(database: Database, delivery_id: str, *, hook_id: str | None = None) -> dict:
    wd = db.webhook_deliveries
    query = sa.select(wd).where(wd.c.id == str(delivery_id))
    if hook_id is not None:
        query = query.where(wd.c.webhook_id == str(hook_id))
    with database.reader.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFound(_("không tìm thấy lần gửi {delivery!r}", delivery=delivery_id),
                       hint=_("'opendata webhook deliveries ID' liệt kê các lần gửi"))
    return _delivery_dict(row, body=True)


def to_send(database: Database, delivery_id: str) -> tuple[dict, bytes, dict | None]:
    """(delivery, the exact body bytes, the subscription with its secret or None when it was removed)."""
    wd, w = db.webhook_deliveries, db.webhooks
    with database.reader.connect() as conn:
        row = conn.execute(sa.select(wd).where(wd.c.id == delivery_id)).one()
        hook = conn.execute(sa.select(w).where((w.c.id == row.webhook_id) & w.c.active.is_(True))).first()
    return _delivery_dict(row), row.body.encode("utf-8"), (dict(hook._mapping) if hook else None)


def record_attempt(database: Database, delivery_id: str, *, status_code: int | None, error: str, ms: int,
                   final: str | None) -> None:
    """Append an attempt to the delivery log; ``final`` ("delivered" or "failed") closes it."""
    wd = db.webhook_deliveries
    entry = {"at": db.utcnow(), "status_code": status_code, "error": error[:500], "ms": ms}
    with database.writer.begin() as conn:
        row = conn.execute(sa.select(wd.c.log, wd.c.attempts).where(wd.c.id == delivery_id)).one()
        values: dict[str, Any] = {"log": [*(row.log or []), entry], "attempts": row.attempts + 1}
        if final:
            values["status"] = final
            if final == "delivered":
                values["delivered_at"] = entry["at"]
        conn.execute(wd.update().where(wd.c.id == delivery_id).values(**values))


def redeliver(database: Database, delivery_id: str, *, hook_id: str | None = None) -> dict:
    """Send a delivery again (same id and body, so a receiver that has it can tell): queued for the worker."""
    delivery = get_delivery(database, delivery_id, hook_id=hook_id)
    get(database, delivery["webhook_id"])  # a removed subscription is not sent to
    wd = db.webhook_deliveries
    with database.writer.begin() as conn:
        job_id = conn.execute(sa.select(wd.c.job_id).where(wd.c.id == delivery["id"])).scalar()
        if job_id is None:
            job_id = jobs.enqueue(conn, JOB_KIND, {"delivery": delivery["id"]}, max_attempts=MAX_ATTEMPTS)
        else:
            jobs.requeue(conn, job_id, max_attempts=MAX_ATTEMPTS)
        conn.execute(wd.update().where(wd.c.id == delivery["id"]).values(status="pending", job_id=job_id))
    return get_delivery(database, delivery_id)
