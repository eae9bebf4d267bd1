"""Commands for people and their rights: ``user``, ``member``, ``token``, ``login``, ``logout``, ``audit``.

Why together: they are one concern, who may publish for which department and what they did. The server-side
commands wrap ``catalog.accounts.Accounts`` one method each (every change is written to the audit log with the
shell user as actor); ``login``/``logout`` keep the laptop side's server and token for ``--remote`` commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from catalog.i18n import format_date, lazy_gettext
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from cli.common import cli_actor, emit_json, json_option, option, pass_catalog, print_table

if TYPE_CHECKING:
    from catalog.accounts import Accounts


def accounts(catalog: Catalog) -> Accounts:
    """The accounts service of a ready catalogue."""
    from catalog.accounts import Accounts

    catalog.ensure_ready()
    return Accounts(catalog)


@click.group(help=lazy_gettext("""Người dùng (những người công bố dữ liệu bằng mã API).

    \b
    Ví dụ:
      opendata user add lan --fullname "Nguyễn Thị Lan"
      opendata member add so-tnmt lan --role editor
      opendata token create lan --expires 90d --name laptop
    """))
def user() -> None:
    """Users (people who publish with an API token).

    \b
    Example:
      opendata user add lan --fullname "Nguyễn Thị Lan"
      opendata member add so-tnmt lan --role editor
      opendata token create lan --expires 90d --name laptop
    """


@user.command("add", help=lazy_gettext("""Thêm người dùng NAME (một tên ngắn như nguyen-van-an).

    \b
    Ví dụ:
      opendata user add nguyen-van-an --fullname "Nguyễn Văn An" --email an@hanoi.gov.vn

    Mã thoát: 0 đã tạo, 2 tên sai hoặc đã có.
    """))
@click.argument("name")
@option("--fullname", default="", help=lazy_gettext("Họ và tên, ví dụ \"Nguyễn Văn An\"."))
@option("--email", default="", help=lazy_gettext("Địa chỉ thư điện tử."))
@option("--sysadmin", is_flag=True, help=lazy_gettext("Quản trị trang: được công bố cho mọi tổ chức."))
@pass_catalog
def user_add(catalog: Catalog, name: str, fullname: str, email: str, sysadmin: bool) -> None:
    """Add a user NAME (a slug such as nguyen-van-an).

    \b
    Example:
      opendata user add nguyen-van-an --fullname "Nguyễn Văn An" --email an@hanoi.gov.vn

    Exit status: 0 created, 2 a bad or taken name.
    """
    created = accounts(catalog).add_user(name, fullname=fullname, email=email, sysadmin=sysadmin,
                                         actor=cli_actor(), origin="cli")
    if created["sysadmin"]:
        click.echo(_("đã tạo người dùng {name} (quản trị trang)", name=created["name"]))
    else:
        click.echo(_("đã tạo người dùng {name}", name=created["name"]))


@user.command("list", help=lazy_gettext("""Liệt kê người dùng cùng tổ chức và vai trò của họ.

    \b
    Ví dụ:
      opendata user list --json
    """))
@json_option
@pass_catalog
def user_list(catalog: Catalog, as_json: bool) -> None:
    """List users with their organisations and roles.

    \b
    Example:
      opendata user list --json
    """
    found = accounts(catalog).list_users()
    if as_json:
        emit_json(found)
        return
    for u in found:
        u["orgs"] = ", ".join(f"{o}:{r}" for o, r in u["memberships"].items())
        u["admin"] = _("có") if u["sysadmin"] else ""
    print_table(found, [("name", _("TÊN")), ("fullname", _("HỌ VÀ TÊN")), ("email", _("THƯ ĐIỆN TỬ")),
                        ("admin", _("QUẢN TRỊ TRANG")), ("orgs", _("TỔ CHỨC"))])


@click.group(help=lazy_gettext("""Ai được công bố dữ liệu cho một tổ chức (admin hoặc editor).

    \b
    Ví dụ:
      opendata member add so-tnmt lan --role editor
      opendata member remove so-tnmt lan
    """))
def member() -> None:
    """Who may publish for an organisation (admin or editor).

    \b
    Example:
      opendata member add so-tnmt lan --role editor
      opendata member remove so-tnmt lan
    """


@member.command("add", help=lazy_gettext("""Cho USER làm editor (hoặc admin, hoặc thành viên chỉ đọc) của ORG; đổi vai trò nếu đã là thành viên.

    \b
    Ví dụ:
      opendata member add so-tnmt lan --role admin

    Mã thoát: 0 xong, 2 không có người dùng hoặc tổ chức này.
    """))
@click.argument("org_name", metavar="ORG")
@click.argument("user_name", metavar="USER")
@option("--role", type=click.Choice(["editor", "admin", "member"]), default="editor", show_default=True)
@pass_catalog
def member_add(catalog: Catalog, org_name: str, user_name: str, role: str) -> None:
    """Make USER an editor (or admin, or a read-only member) of ORG; changes the role of an existing member.

    \b
    Example:
      opendata member add so-tnmt lan --role admin

    Exit status: 0 done, 2 no such user or organisation.
    """
    accounts(catalog).add_member(org_name, user_name, role, actor=cli_actor(), origin="cli")
    click.echo(_("{user} là {role} của {org}", user=user_name, role=role, org=org_name))


@member.command("remove", help=lazy_gettext("""Đưa USER ra khỏi ORG.

    \b
    Ví dụ:
      opendata member remove so-tnmt lan

    Mã thoát: 0 xong, 2 không phải thành viên.
    """))
@click.argument("org_name", metavar="ORG")
@click.argument("user_name", metavar="USER")
@pass_catalog
def member_remove(catalog: Catalog, org_name: str, user_name: str) -> None:
    """Remove USER from ORG.

    \b
    Example:
      opendata member remove so-tnmt lan

    Exit status: 0 done, 2 not a member.
    """
    accounts(catalog).remove_member(org_name, user_name, actor=cli_actor(), origin="cli")
    click.echo(_("đã đưa {user} ra khỏi {org}", user=user_name, org=org_name))


@click.group(help=lazy_gettext("""Mã API (token) để công bố từ xa và dùng API ghi.

    \b
    Ví dụ:
      opendata token create lan --expires 90d --name laptop
      opendata token list --user lan
      opendata token revoke 3
    """))
def token() -> None:
    """API tokens (for remote publishing and the write API).

    \b
    Example:
      opendata token create lan --expires 90d --name laptop
      opendata token list --user lan
      opendata token revoke 3
    """


@token.command("create", help=lazy_gettext("""Tạo mã cho USER. Mã chỉ được in một lần: không thể xem lại.

    Chỉ lưu mã băm. Mã được in ra stdout, lời nhắc về nó ra stderr, nên có thể chuyển tiếp bằng ống dẫn.

    \b
    Ví dụ:
      opendata token create lan --expires 90d --name laptop > lan.token
    """))
@click.argument("user_name", metavar="USER")
@option("--name", "token_name", default="", help=lazy_gettext("Nhãn của mã, ví dụ laptop."))
@option("--expires", help=lazy_gettext("Thời hạn: 90d, 12w, 6m, 1y hoặc never [mặc định: never]."))
@option("--json", "as_json", is_flag=True, help=lazy_gettext("In ra JSON (có cả mã)."))
@pass_catalog
def token_create(catalog: Catalog, user_name: str, token_name: str, expires: str | None, as_json: bool) -> None:
    """Create a token for USER. It is printed once: it cannot be shown again.

    Only a hash is stored. The token goes to stdout, the note about it to stderr, so it can be piped.

    \b
    Example:
      opendata token create lan --expires 90d --name laptop > lan.token
    """
    from catalog.accounts import parse_expires

    plaintext, info = accounts(catalog).create_token(user_name, name=token_name,
                                                     expires_days=parse_expires(expires), actor=cli_actor(),
                                                     origin="cli")
    if as_json:
        emit_json({**info, "token": plaintext})
        return
    click.echo(plaintext)
    if info["expires_at"]:
        click.echo(_("mã {id} của {user}, hết hạn {expires}: hãy lưu lại ngay, mã sẽ không hiện lại", id=info["id"],
                     user=user_name, expires=format_date(info["expires_at"])), err=True)
    else:
        click.echo(_("mã {id} của {user}: hãy lưu lại ngay, mã sẽ không hiện lại", id=info["id"], user=user_name),
                   err=True)


@token.command("list", help=lazy_gettext("""Liệt kê các mã (số, tiền tố, trạng thái; không bao giờ in chính mã).

    \b
    Ví dụ:
      opendata token list --user lan
    """))
@option("--user", "user_name", help=lazy_gettext("Chỉ các mã của người dùng này."))
@json_option
@pass_catalog
def token_list(catalog: Catalog, user_name: str | None, as_json: bool) -> None:
    """List tokens (id, prefix, status; never the token itself).

    \b
    Example:
      opendata token list --user lan
    """
    found = accounts(catalog).list_tokens(user_name)
    if as_json:
        emit_json(found)
        return
    for t in found:
        t["created"] = format_date(t["created_at"])
        t["expires"] = format_date(t["expires_at"]) if t["expires_at"] else _("không bao giờ")
        t["prefix"] = t["prefix"] + "…"
    print_table(found, [("id", "ID"), ("user", _("NGƯỜI DÙNG")), ("name", _("TÊN")), ("prefix", _("TIỀN TỐ")),
                        ("created", _("TẠO NGÀY")), ("expires", _("HẾT HẠN")), ("status", _("TRẠNG THÁI"))])


@token.command("revoke", help=lazy_gettext("""Thu hồi một mã theo ID (hoặc tiền tố đã liệt kê); mã hết hiệu lực ngay.

    \b
    Ví dụ:
      opendata token revoke odp_3f9a

    Mã thoát: 0 đã thu hồi, 2 không có mã này.
    """))
@click.argument("token_id", metavar="ID")
@pass_catalog
def token_revoke(catalog: Catalog, token_id: str) -> None:
    """Revoke a token by its ID (or its listed prefix); it stops working at once.

    \b
    Example:
      opendata token revoke odp_3f9a

    Exit status: 0 revoked, 2 no such token.
    """
    info = accounts(catalog).revoke_token(token_id, actor=cli_actor(), origin="cli")
    click.echo(_("đã thu hồi mã {id} của {user}", id=info["id"], user=info["user"]))


@click.command(help=lazy_gettext("""Ghi nhớ một máy chủ danh mục và mã của bạn cho các lệnh sau.

    Các lệnh sau (không có --home) sẽ làm việc với máy chủ đó thay cho danh mục cục bộ. Mã được kiểm tra
    trước, rồi lưu trong ~/.config/opendata/config.json, chỉ bạn đọc được.

    \b
    Ví dụ:
      opendata login https://data.hanoi.example --token odp_…
      opendata publish air.csv --dataset air-quality

    Mã thoát: 0 đã đăng nhập, 2 máy chủ từ chối mã hoặc không kết nối được.
    """))
@click.argument("url")
@option("--token", prompt=True, hide_input=True, help=lazy_gettext("Mã API của bạn (sẽ được hỏi nếu không cho)."))
def login(url: str, token: str) -> None:
    """Remember a catalogue server and your token for later commands.

    Later commands (without --home) then work on that server instead of a local catalogue. The token is
    checked first, then stored in ~/.config/opendata/config.json, readable by you only.

    \b
    Example:
      opendata login https://data.hanoi.example --token odp_…
      opendata publish air.csv --dataset air-quality

    Exit status: 0 logged in, 2 the server refused the token or cannot be reached.
    """
    from pipelines.remote import Remote, save_config

    user_info = Remote(url, token.strip()).whoami()
    path = save_config(url.rstrip("/"), token.strip())
    orgs = ", ".join(f"{o} ({r})" for o, r in (user_info.get("memberships") or {}).items()) or _("không có")
    click.echo(_("đã đăng nhập {url} với tên {name}; tổ chức: {orgs}; đã lưu trong {path}", url=url,
                 name=user_info.get("name"), orgs=orgs, path=path))


@click.command(help=lazy_gettext("""Quên máy chủ và mã đã lưu bởi 'opendata login'.

    \b
    Ví dụ:
      opendata logout
    """))
def logout() -> None:
    """Forget the server and token saved by 'opendata login'.

    \b
    Example:
      opendata logout
    """
    from pipelines.remote import remove_config

    click.echo(_("đã đăng xuất") if remove_config() else _("chưa đăng nhập"))


@click.command("audit", help=lazy_gettext("""Xem nhật ký kiểm toán, mới nhất trước: ai làm gì, khi nào, từ đâu.

    \b
    Ví dụ:
      opendata audit --dataset air-quality --since 7d
    """))
@option("--dataset", help=lazy_gettext("Chỉ các mục về bộ dữ liệu này."))
@option("--since", help=lazy_gettext("Từ ngày hoặc giờ này (2025-01-31, 2025-01-31T08:00) hoặc khoảng thời gian (7d, 12h)."))
@option("--limit", default=1000, show_default=True, type=int, help=lazy_gettext("Nhiều nhất ngần này mục."))
@json_option
@pass_catalog
def audit_cmd(catalog: Catalog, dataset: str | None, since: str | None, limit: int, as_json: bool) -> None:
    """Show the audit log, newest first: who did what, when, from where.

    \b
    Example:
      opendata audit --dataset air-quality --since 7d
    """
    from catalog.accounts import parse_since

    catalog.ensure_ready()
    entries = catalog.list_audit(dataset=dataset, since=parse_since(since), limit=limit)
    if as_json:
        emit_json(entries)
        return
    for e in entries:
        e["when"] = format_date(e["at"], with_time=True)
        scalars = {k: v for k, v in (e["detail"] or {}).items() if isinstance(v, str | int | float) and v != ""}
        e["what"] = ", ".join(f"{k}={v}" for k, v in scalars.items() if k != "sha256")[:70]
    print_table(entries, [("when", _("LÚC (giờ Hà Nội)")), ("actor", _("AI")), ("action", _("VIỆC")),
                          ("target", _("ĐỐI TƯỢNG")), ("origin", _("TỪ")), ("what", _("CHI TIẾT"))])


COMMANDS = (user, member, token, login, logout, audit_cmd)
