"""Accounts: users, roles, tokens stored as hashes, permissions, the audit trail, the CLI and request auth."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from catalog import db
from catalog.accounts import Accounts, api_tokens, hash_token, parse_expires, parse_since
from catalog.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from catalog.i18n import language
from cli import main
from web import create_app
from web.auth import current_user, require_user


@pytest.fixture
def accounts(catalog):
    catalog.add_org("so-yte", "Sở Y tế")
    acc = Accounts(catalog)
    acc.add_user("an", fullname="Nguyễn Văn An", email="an@hanoi.gov.vn", actor="root", origin="cli")
    return acc


def test_migration_creates_tables(catalog):
    with catalog.reader.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        assert {"users", "memberships", "api_tokens"} <= names
        assert db.current_version(conn) >= 10


def test_users_and_memberships(accounts):
    with pytest.raises(Conflict):
        accounts.add_user("an")
    with pytest.raises(InvalidInput):
        accounts.add_user("Bad Name")
    accounts.add_member("so-tnmt", "an", "editor", actor="root")
    accounts.add_member("so-yte", "an", "editor", actor="root")
    accounts.add_member("so-yte", "an", "admin", actor="root")  # updates the role
    user = accounts.get_user("an")
    assert user["fullname"] == "Nguyễn Văn An"
    assert user["memberships"] == {"so-tnmt": "editor", "so-yte": "admin"}
    accounts.remove_member("so-tnmt", "an", actor="root")
    assert accounts.get_user("an")["memberships"] == {"so-yte": "admin"}
    with pytest.raises(NotFound):
        accounts.remove_member("so-tnmt", "an", actor="root")
    with pytest.raises(InvalidInput):
        accounts.add_member("so-yte", "an", "owner", actor="root")
    with pytest.raises(NotFound):
        accounts.add_member("no-such-org", "an", "editor", actor="root")
    with pytest.raises(NotFound):
        accounts.add_member("so-yte", "nobody", "editor", actor="root")
    assert [u["name"] for u in accounts.list_users()] == ["an"]


def test_token_is_stored_only_as_hash_and_authenticates(accounts):
    accounts.add_member("so-yte", "an", "editor", actor="root")
    plaintext, info = accounts.create_token("an", name="laptop", expires_days=90, actor="root")
    assert plaintext.startswith("odp_") and len(plaintext) > 40
    assert info["prefix"] == plaintext[:12] and info["status"] == "active" and "token_hash" not in info
    with accounts.catalog.reader.connect() as conn:
        stored = [dict(r._mapping) for r in conn.execute(sa.select(api_tokens))]
    assert stored[0]["token_hash"] == hash_token(plaintext)
    assert plaintext not in json.dumps(stored)
    if accounts.catalog.url.startswith("sqlite"):  # the file itself, not only what queries show
        assert plaintext.encode() not in accounts.catalog.home.db_path.read_bytes()

    user = accounts.authenticate(plaintext)
    assert user["name"] == "an" and user["memberships"] == {"so-yte": "editor"}
    assert accounts.check_token(plaintext)[1] == "ok"
    assert accounts.check_token("odp_wrong") == (None, "unknown")
    assert accounts.check_token("") == (None, "missing")
    listed = accounts.list_tokens("an")
    assert [t["id"] for t in listed] == [info["id"]] and listed[0]["user"] == "an"


def test_expired_and_revoked_tokens_are_refused_distinguishably(accounts):
    expired, expired_info = accounts.create_token("an", expires_days=1, actor="root")
    with accounts.catalog.writer.begin() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.id == expired_info["id"])
                     .values(expires_at="2024-01-02T00:00:00.000000Z"))
    assert accounts.authenticate(expired) is None
    assert accounts.check_token(expired) == (None, "expired")
    assert accounts.token_message(expired, "expired") == "token đã hết hạn ngày 2024-01-02"
    with language("en"):
        assert accounts.token_message(expired, "expired") == "token expired on 2024-01-02"

    revoked, info = accounts.create_token("an", actor="root")
    assert accounts.authenticate(revoked) is not None
    assert accounts.revoke_token(info["prefix"], actor="root")["status"] == "revoked"
    assert accounts.check_token(revoked) == (None, "revoked")
    assert accounts.token_message(revoked, "revoked") == "token không đúng hoặc đã bị thu hồi"
    statuses = {t["id"]: t["status"] for t in accounts.list_tokens()}
    assert statuses == {expired_info["id"]: "expired", info["id"]: "revoked"}
    with pytest.raises(NotFound):
        accounts.revoke_token("nothing-like-it", actor="root")


def test_permissions(accounts):
    accounts.add_user("admin", sysadmin=True)
    accounts.add_member("so-yte", "an", "editor", actor="root")
    an, admin = accounts.get_user("an"), accounts.get_user("admin")
    assert accounts.can_write(an, "so-yte") and not accounts.can_write(an, "so-tnmt")
    assert accounts.can_write(admin, "so-tnmt") and not accounts.can_write(None, "so-yte")
    assert not accounts.can_admin(an, "so-yte") and accounts.can_admin(admin, "so-yte")
    accounts.require_write(an, "so-yte")
    with pytest.raises(Forbidden, match="so-tnmt"):
        accounts.require_write(an, "so-tnmt")
    with pytest.raises(Unauthorized):
        accounts.require_write(None, "so-yte")


def test_every_account_write_is_audited(accounts):
    accounts.add_member("so-yte", "an", "editor", actor="root", origin="10.0.0.7")
    _, info = accounts.create_token("an", name="laptop", actor="root", origin="10.0.0.7")
    accounts.revoke_token(info["id"], actor="root", origin="10.0.0.7")
    accounts.remove_member("so-yte", "an", actor="root", origin="10.0.0.7")
    entries = accounts.catalog.list_audit()
    actions = [e["action"] for e in reversed(entries) if e["action"].split(".")[0] in ("user", "member", "token")]
    assert actions == ["user.create", "member.add", "token.create", "token.revoke", "member.remove"]
    token_entry = next(e for e in entries if e["action"] == "token.create")
    assert token_entry["actor"] == "root" and token_entry["origin"] == "10.0.0.7" and token_entry["at"]
    assert token_entry["detail"]["name"] == "laptop" and token_entry["target"] == "an"


def test_duration_parsing():
    assert parse_expires("90d") == 90 and parse_expires("2w") == 14 and parse_expires("1y") == 365
    assert parse_expires("never") is None and parse_expires(None) is None and parse_expires("30") == 30
    for bad in ("soon", "12h", "-3d"):
        with pytest.raises(InvalidInput):
            parse_expires(bad)
    assert parse_since("2025-01-31") == "2025-01-31T00:00:00.000000Z"
    assert parse_since("2025-01-31T08:00+07:00") == "2025-01-31T01:00:00.000000Z"
    assert parse_since("7d") < db.utcnow()
    with pytest.raises(InvalidInput):
        parse_since("last tuesday")


def test_cli_accounts_flow(catalog):
    home = str(catalog.home.root)
    run = CliRunner().invoke

    def ok(*args):
        result = run(main, ["--home", home, *args])
        assert result.exit_code == 0, result.output
        return result

    ok("user", "add", "binh", "--fullname", "Trần Thị Bình", "--email", "binh@hanoi.gov.vn")
    ok("member", "add", "so-tnmt", "binh", "--role", "editor")
    created = ok("token", "create", "binh", "--name", "laptop", "--expires", "90d")
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("odp_")
    assert "mã sẽ không hiện lại" in created.stderr  # Vietnamese by default
    assert Accounts(catalog).authenticate(token)["name"] == "binh"
    listing = ok("token", "list", "--user", "binh").output
    assert token[:12] in listing and token not in listing and "active" in listing and "HẾT HẠN" in listing
    users = json.loads(ok("user", "list", "--json").output)
    assert users[0]["memberships"] == {"so-tnmt": "editor"}
    token_id = json.loads(ok("token", "list", "--json").output)[0]["id"]
    ok("token", "revoke", token_id)
    assert Accounts(catalog).authenticate(token) is None
    ok("member", "remove", "so-tnmt", "binh")
    audit = json.loads(ok("audit", "--since", "1d", "--json").output)
    assert {"user.create", "member.add", "token.create", "token.revoke", "member.remove"} <= {
        e["action"] for e in audit}
    assert all(e["origin"] == "cli" for e in audit if e["action"].startswith(("user", "member", "token")))
    assert "token.revoke" in ok("audit").output and "(ICT)" in ok("audit").output  # Hanoi time

    # mistakes: one line, non-zero exit, no traceback
    for args in (["member", "add", "so-tnmt", "ghost"], ["token", "create", "binh", "--expires", "soon"],
                 ["user", "add", "binh"], ["audit", "--since", "yesterday-ish"]):
        result = run(main, ["--home", home, *args])
        assert result.exit_code != 0 and result.output.startswith("Lỗi:"), result.output
        assert "Traceback" not in result.output


def test_web_auth_reads_ckan_and_bearer_headers(accounts):
    token, _ = accounts.create_token("an", actor="root")
    expired, info = accounts.create_token("an", expires_days=1, actor="root")
    with accounts.catalog.writer.begin() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.id == info["id"])
                     .values(expires_at="2024-03-01T00:00:00.000000Z"))
    app = create_app(accounts.catalog.home)
    for headers in ({"Authorization": token}, {"Authorization": f"Bearer {token}"}, {"X-CKAN-API-Key": token},
                    {"Authorization": "Basic dXNlcjpwdw==", "X-CKAN-API-Key": token}):
        with app.test_request_context("/", headers=headers):
            assert current_user()["name"] == "an"
            assert require_user()["name"] == "an"
    cases = [({}, "chưa gửi token API"), ({"Authorization": "odp_nope"}, "token không đúng hoặc đã bị thu hồi"),
             ({"Authorization": expired}, "token đã hết hạn ngày 2024-03-01")]
    for headers, message in cases:
        with app.test_request_context("/", headers=headers):
            assert current_user() is None
            with pytest.raises(Unauthorized, match=message):
                require_user()
