"""Accounts: users, their roles in organisations, and API tokens.

Publishing over HTTP needs to know who is asking and where they may write. A user is an editor or admin of some
organisations (or a site admin of all of them); a token stands for a user. Tokens are shown once and stored only
as a SHA-256 hash plus a short prefix for listing, so a copy of the database gives nobody a working token.
Every change here is written to the audit log in the same transaction as the change itself.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from catalog import db
from catalog.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from catalog.i18n import gettext as _
from catalog.metadata import Catalog, check_name, nfc

# ``member`` reads the organisation's private datasets (catalog/visibility.py: any membership) but writes nothing.
ROLES = ("admin", "editor", "member")
WRITE_ROLES = ("admin", "editor")
TOKEN_PREFIX = "odp_"  # recognisable in logs and by secret scanners
PREFIX_LEN = db.TOKEN_PREFIX_LEN  # characters of the plaintext kept for listing ("odp_" + 8)

# The tables live with every other table in catalog/db.py (one place for definitions and migrations).
users, memberships, api_tokens = db.users, db.memberships, db.api_tokens


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


DURATION_RE = re.compile(r"(\d+)\s*([hdwmy]?)")
DURATION_UNITS = {"h": timedelta(hours=1), "": timedelta(days=1), "d": timedelta(days=1), "w": timedelta(weeks=1),
                  "m": timedelta(days=30), "y": timedelta(days=365)}


def parse_duration(text: str) -> timedelta | None:
    """``12h``, ``90d`` (or ``90``), ``12w``, ``6m`` (30-day months), ``1y``; None when ``text`` is not one."""
    match = DURATION_RE.fullmatch(text.strip().lower())
    return int(match.group(1)) * DURATION_UNITS[match.group(2)] if match else None


def parse_expires(value: str | int | None) -> int | None:
    """A token lifetime in whole days (None for ``never``): ``90d``, ``12w``, ``6m``, ``1y`` or a number of days."""
    if value is None or value == "" or (isinstance(value, str) and value.strip().lower() in ("never", "none")):
        return None
    duration = timedelta(days=value) if isinstance(value, int) else parse_duration(value)
    if duration is None:
        raise InvalidInput(_("không đọc được thời hạn {value!r}", value=value),
                           hint=_("dùng ví dụ 90d, 12w, 6m, 1y hoặc 'never'"))
    if duration.days <= 0:
        raise InvalidInput(_("token phải có hạn ít nhất một ngày, không phải {value!r}", value=value),
                           hint=_("dùng ví dụ 90d hoặc 'never'"))
    return duration.days


def parse_since(value: str | None) -> str | None:
    """An audit-log lower bound as an ISO UTC string: a date, a date-time, or an age such as ``7d`` or ``12h``."""
    if not value:
        return None
    age = parse_duration(value) if value.strip()[-1:].isalpha() else None  # '2025' is a year, not days
    if age is not None:
        return _iso(datetime.now(UTC) - age)
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(_("không đọc được ngày {value!r}", value=value),
                           hint=_("dùng 2025-01-31, 2025-01-31T08:00 hoặc một khoảng như 7d")) from None
    return _iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


class Accounts:
    """Users, memberships and tokens of one catalogue (all methods return plain dicts)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    # -- users -------------------------------------------------------------------------------------------
    def add_user(self, name: str, *, fullname: str = "", email: str = "", sysadmin: bool = False,
                 actor: str = "cli", origin: str = "") -> dict:
        check_name(name, "user")
        with self.catalog.writer.begin() as conn:
            if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
                raise Conflict(_("người dùng {name!r} đã có", name=name), hint=_("'opendata user list' liệt kê người dùng"))
            row = {"id": str(uuid.uuid4()), "name": name, "fullname": nfc(fullname or ""),
                   "email": (email or "").strip(), "sysadmin": bool(sysadmin), "state": "active",
                   "created_at": db.utcnow()}
            conn.execute(users.insert().values(**row))
            self.catalog.audit(actor, "user.create", target=name, origin=origin, conn=conn,
                               detail={"fullname": row["fullname"], "email": row["email"],
                                       "sysadmin": row["sysadmin"]})
        return self.get_user(name)

    def _user_dict(self, conn: Connection, row: Any) -> dict:
        user = {column.name: row._mapping[column.name] for column in users.columns}  # the user's columns only
        user["sysadmin"] = bool(user["sysadmin"])
        o = db.organizations
        found = conn.execute(sa.select(o.c.name, memberships.c.role).join(o, o.c.id == memberships.c.org_id)
                             .where(memberships.c.user_id == user["id"]).order_by(o.c.name))
        user["memberships"] = {r.name: r.role for r in found}
        return user

    def find_user(self, name_or_id: str) -> dict | None:
        with self.catalog.reader.connect() as conn:
            row = conn.execute(sa.select(users).where((users.c.name == name_or_id) | (users.c.id == name_or_id))).first()
            return self._user_dict(conn, row) if row else None

    def get_user(self, name: str) -> dict:
        user = self.find_user(name)
        if user is None:
            raise NotFound(_("không tìm thấy người dùng {name!r}", name=name),
                           hint=_("'opendata user list' liệt kê người dùng"))
        return user

    def list_users(self) -> list[dict]:
        with self.catalog.reader.connect() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.name)).all()
            return [self._user_dict(conn, r) for r in rows]

    # -- memberships -------------------------------------------------------------------------------------
    def _ids(self, conn: Connection, org: str, user: str) -> tuple[str, str]:
        o = db.organizations
        org_id = conn.execute(sa.select(o.c.id).where((o.c.name == org) | (o.c.id == org))).scalar()
        if org_id is None:
            raise NotFound(_("không tìm thấy tổ chức {org!r}", org=org), hint=_("'opendata org list' liệt kê các tổ chức"))
        user_id = conn.execute(sa.select(users.c.id).where((users.c.name == user) | (users.c.id == user))).scalar()
        if user_id is None:
            raise NotFound(_("không tìm thấy người dùng {name!r}", name=user),
                           hint=_("tạo bằng 'opendata user add {name}'", name=user))
        return org_id, user_id

    def add_member(self, org: str, user: str, role: str, *, actor: str, origin: str = "") -> None:
        """Give ``user`` a ``role`` in ``org`` (changing the role when already a member)."""
        if role not in ROLES:
            raise InvalidInput(_("không có vai trò {role!r}", role=role), hint=_("dùng một trong: {ops}", ops=", ".join(ROLES)))
        m = memberships
        with self.catalog.writer.begin() as conn:
            org_id, user_id = self._ids(conn, org, user)
            where = (m.c.org_id == org_id) & (m.c.user_id == user_id)
            previous = conn.execute(sa.select(m.c.role).where(where)).scalar()
            if previous == role:
                return
            if previous is None:
                conn.execute(m.insert().values(org_id=org_id, user_id=user_id, role=role, created_at=db.utcnow()))
            else:
                conn.execute(m.update().where(where).values(role=role))
            self.catalog.audit(actor, "member.add" if previous is None else "member.update", target=f"{org}/{user}",
                               detail={"org": org, "user": user, "role": role, "previous": previous},
                               origin=origin, conn=conn)

    def remove_member(self, org: str, user: str, *, actor: str, origin: str = "") -> None:
        m = memberships
        with self.catalog.writer.begin() as conn:
            org_id, user_id = self._ids(conn, org, user)
            where = (m.c.org_id == org_id) & (m.c.user_id == user_id)
            previous = conn.execute(sa.select(m.c.role).where(where)).scalar()
            if previous is None:
                raise NotFound(_("người dùng {user!r} không phải thành viên của {org!r}", user=user, org=org))
            conn.execute(m.delete().where(where))
            self.catalog.audit(actor, "member.remove", target=f"{org}/{user}",
                               detail={"org": org, "user": user, "role": previous}, origin=origin, conn=conn)

    # -- tokens ------------------------------------------------------------------------------------------
    def create_token(self, user: str, *, name: str = "", expires_days: int | None = None, actor: str = "cli",
                     origin: str = "") -> tuple[str, dict]:
        """A new token for ``user``: returns the plaintext (shown once, never stored) and its listing."""
        if expires_days is not None and expires_days <= 0:
            raise InvalidInput(_("thời hạn token phải là một số ngày dương"))
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.catalog.writer.begin() as conn:
            user_row = conn.execute(sa.select(users.c.id, users.c.name).where(
                (users.c.name == user) | (users.c.id == user))).first()
            if user_row is None:
                raise NotFound(_("không tìm thấy người dùng {name!r}", name=user),
                               hint=_("tạo bằng 'opendata user add {name}'", name=user))
            row = {"id": secrets.token_hex(6), "user_id": user_row.id, "name": nfc(name or ""),
                   "prefix": plaintext[:PREFIX_LEN], "token_hash": hash_token(plaintext), "created_at": _iso(now),
                   "expires_at": _iso(now + timedelta(days=expires_days)) if expires_days else None,
                   "revoked_at": None}
            conn.execute(api_tokens.insert().values(**row))
            self.catalog.audit(actor, "token.create", target=user_row.name, origin=origin, conn=conn,
                               detail={"id": row["id"], "name": row["name"], "prefix": row["prefix"],
                                       "expires_at": row["expires_at"]})
        return plaintext, self._token_dict({**row, "user": user_row.name})

    @staticmethod
    def _token_dict(row: dict) -> dict:
        info = {k: v for k, v in row.items() if k not in ("token_hash", "user_id")}
        now = db.utcnow()
        if info.get("revoked_at"):
            info["status"] = "revoked"
        elif info.get("expires_at") and info["expires_at"] <= now:
            info["status"] = "expired"
        else:
            info["status"] = "active"
        return info

    def list_tokens(self, user: str | None = None) -> list[dict]:
        t = api_tokens
        query = (sa.select(t, users.c.name.label("user")).join(users, users.c.id == t.c.user_id)
                 .order_by(users.c.name, t.c.created_at))
        if user:
            self.get_user(user)
            query = query.where((users.c.name == user) | (users.c.id == user))
        with self.catalog.reader.connect() as conn:
            return [self._token_dict(dict(r._mapping)) for r in conn.execute(query)]

    def revoke_token(self, token_id_or_prefix: str, *, actor: str, origin: str = "") -> dict:
        """Revoke by id or by the listed prefix (which must match exactly one token)."""
        t = api_tokens
        key = (token_id_or_prefix or "").strip()
        if not key:
            raise InvalidInput(_("token nào? hãy cho id hoặc tiền tố của nó"), hint=_("'opendata token list' liệt kê các token"))
        with self.catalog.writer.begin() as conn:
            match = t.c.id == key
            if len(key) > PREFIX_LEN:  # the whole token
                match = match | (t.c.token_hash == hash_token(key))
            elif len(key) >= 8:  # the listed prefix, or enough of it
                match = match | t.c.prefix.startswith(key, autoescape=True)
            query = sa.select(t, users.c.name.label("user")).join(users, users.c.id == t.c.user_id).where(match)
            rows = conn.execute(query).all()
            if not rows:
                raise NotFound(_("không có token nào có id hoặc tiền tố {key!r}", key=key),
                               hint=_("'opendata token list' liệt kê các token"))
            if len(rows) > 1:
                raise Conflict(_("{count} token khớp với {key!r}", count=len(rows), key=key), hint=_("hãy cho id của token"))
            row = dict(rows[0]._mapping)
            if row["revoked_at"] is None:
                row["revoked_at"] = db.utcnow()
                conn.execute(t.update().where(t.c.id == row["id"]).values(revoked_at=row["revoked_at"]))
                self.catalog.audit(actor, "token.revoke", target=row["user"], origin=origin, conn=conn,
                                   detail={"id": row["id"], "name": row["name"], "prefix": row["prefix"]})
        return self._token_dict(row)

    def check_token(self, token: str | None) -> tuple[dict | None, str]:
        """(user, "ok") for a valid token; otherwise (None, why) with why one of:
        "missing", "unknown" (never issued), "revoked", "expired", "disabled" (the user is not active).
        ``token_message`` turns the reason into a sentence for people."""
        token = (token or "").strip()
        if not token:
            return None, "missing"
        t = api_tokens
        with self.catalog.reader.connect() as conn:  # the token and its user in one query: asked on every write
            row = conn.execute(sa.select(t.c.expires_at, t.c.revoked_at, users).select_from(
                t.outerjoin(users, users.c.id == t.c.user_id)).where(t.c.token_hash == hash_token(token))).first()
            if row is None:
                return None, "unknown"
            if row.revoked_at:
                return None, "revoked"
            if row.expires_at and row.expires_at <= db.utcnow():
                return None, "expired"
            if row.id is None or row.state != "active":
                return None, "disabled"
            return self._user_dict(conn, row), "ok"

    def token_message(self, token: str | None, reason: str) -> str:
        """A sentence saying why ``token`` was refused (the expiry date when it expired)."""
        if reason == "expired":
            with self.catalog.reader.connect() as conn:
                expires = conn.execute(sa.select(api_tokens.c.expires_at)
                                       .where(api_tokens.c.token_hash == hash_token(token or ""))).scalar()
            return _("token đã hết hạn ngày {date}", date=(expires or "")[:10])
        if reason == "missing":
            return _("chưa gửi token API")
        if reason == "disabled":
            return _("người dùng của token đã bị khoá")
        return _("token không đúng hoặc đã bị thu hồi")

    def authenticate(self, token: str | None) -> dict | None:
        """The token's user (with memberships), or None when the token is missing, unknown, revoked or expired."""
        return self.check_token(token)[0]

    # -- permissions -------------------------------------------------------------------------------------
    @staticmethod
    def can_write(user: dict | None, org: str) -> bool:
        """May ``user`` publish or edit datasets of ``org``? Site admins, and the org's admins and editors."""
        if not user:
            return False
        return bool(user.get("sysadmin")) or user.get("memberships", {}).get(org) in WRITE_ROLES

    @staticmethod
    def can_admin(user: dict | None, org: str) -> bool:
        """May ``user`` manage the members of ``org``? Site admins and the org's admins."""
        if not user:
            return False
        return bool(user.get("sysadmin")) or user.get("memberships", {}).get(org) == "admin"

    def require_write(self, user: dict | None, org: str) -> None:
        if user is None:
            raise Unauthorized(_("việc này cần một token API"),
                               hint=_("gửi 'Authorization: <token>'; lệnh 'opendata token create USER' tạo token"))
        if not self.can_write(user, org):
            raise Forbidden(_("người dùng {user!r} không được công bố cho tổ chức {org!r}", user=user["name"], org=org),
                            hint=_("quản trị viên của {org!r} có thể chạy 'opendata member add {org} {user} "
                                   "--role editor'", org=org, user=user["name"]))
