"""Commands for people and their rights: ``user``, ``member``, ``token``, ``login``, ``logout``, ``audit``.

Why together: they are one concern, who may publish for which department and what they did. The server-side
commands wrap ``catalog.accounts.Accounts`` one method each (every change is written to the audit log with the
shell user as actor); ``login``/``logout`` keep the laptop side's server and token for ``--remote`` commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from catalog.metadata import Catalog
from cli.common import cli_actor, emit_json, json_option, pass_catalog, print_table

if TYPE_CHECKING:
    from catalog.accounts import Accounts


def accounts(catalog: Catalog) -> Accounts:
    """The accounts service of a ready catalogue."""
    from catalog.accounts import Accounts

    catalog.ensure_ready()
    return Accounts(catalog)


@click.group()
def user() -> None:
    """Users (people who publish with an API token).

    \b
    Example:
      opendata user add lan --fullname "Nguyễn Thị Lan"
      opendata member add so-tnmt lan --role editor
      opendata token create lan --expires 90d --name laptop
    """


@user.command("add")
@click.argument("name")
@click.option("--fullname", default="", help="Full name, e.g. \"Nguyễn Văn An\".")
@click.option("--email", default="", help="E-mail address.")
@click.option("--sysadmin", is_flag=True, help="Site admin: may publish for every organisation.")
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
    click.echo(f"user {created['name']} created" + (" (site admin)" if created["sysadmin"] else ""))


@user.command("list")
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
        u["admin"] = "yes" if u["sysadmin"] else ""
    print_table(found, [("name", "NAME"), ("fullname", "FULL NAME"), ("email", "EMAIL"), ("admin", "SITE ADMIN"),
                        ("orgs", "ORGANISATIONS")])


@click.group()
def member() -> None:
    """Who may publish for an organisation (admin or editor).

    \b
    Example:
      opendata member add so-tnmt lan --role editor
      opendata member remove so-tnmt lan
    """


@member.command("add")
@click.argument("org_name", metavar="ORG")
@click.argument("user_name", metavar="USER")
@click.option("--role", type=click.Choice(["editor", "admin", "member"]), default="editor", show_default=True)
@pass_catalog
def member_add(catalog: Catalog, org_name: str, user_name: str, role: str) -> None:
    """Make USER an editor (or admin, or a read-only member) of ORG; changes the role of an existing member.

    \b
    Example:
      opendata member add so-tnmt lan --role admin

    Exit status: 0 done, 2 no such user or organisation.
    """
    accounts(catalog).add_member(org_name, user_name, role, actor=cli_actor(), origin="cli")
    click.echo(f"{user_name} is {role} of {org_name}")


@member.command("remove")
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
    click.echo(f"{user_name} removed from {org_name}")


@click.group()
def token() -> None:
    """API tokens (for remote publishing and the write API).

    \b
    Example:
      opendata token create lan --expires 90d --name laptop
      opendata token list --user lan
      opendata token revoke 3
    """


@token.command("create")
@click.argument("user_name", metavar="USER")
@click.option("--name", "token_name", default="", help="A label, e.g. laptop.")
@click.option("--expires", help="Lifetime: 90d, 12w, 6m, 1y or never [default: never].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (includes the token).")
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
    expiry = f", expires {info['expires_at'][:10]}" if info["expires_at"] else ""
    click.echo(f"token {info['id']} for {user_name}{expiry}: store it now, it will not be shown again", err=True)


@token.command("list")
@click.option("--user", "user_name", help="Only this user's tokens.")
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
        t["created"] = t["created_at"][:10]
        t["expires"] = (t["expires_at"] or "never")[:10]
        t["prefix"] = t["prefix"] + "…"
    print_table(found, [("id", "ID"), ("user", "USER"), ("name", "NAME"), ("prefix", "PREFIX"),
                        ("created", "CREATED"), ("expires", "EXPIRES"), ("status", "STATUS")])


@token.command("revoke")
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
    click.echo(f"token {info['id']} of {info['user']} revoked")


@click.command()
@click.argument("url")
@click.option("--token", prompt=True, hide_input=True, help="Your API token (asked for when not given).")
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
    orgs = ", ".join(f"{o} ({r})" for o, r in (user_info.get("memberships") or {}).items()) or "none"
    click.echo(f"logged in to {url} as {user_info.get('name')}; organisations: {orgs}; saved in {path}")


@click.command()
def logout() -> None:
    """Forget the server and token saved by 'opendata login'.

    \b
    Example:
      opendata logout
    """
    from pipelines.remote import remove_config

    click.echo("logged out" if remove_config() else "not logged in")


@click.command("audit")
@click.option("--dataset", help="Only entries about this dataset.")
@click.option("--since", help="From this date or time (2025-01-31, 2025-01-31T08:00) or age (7d, 12h).")
@click.option("--limit", default=1000, show_default=True, type=int, help="At most this many entries.")
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
        e["when"] = e["at"][:19].replace("T", " ")
        scalars = {k: v for k, v in (e["detail"] or {}).items() if isinstance(v, str | int | float) and v != ""}
        e["what"] = ", ".join(f"{k}={v}" for k, v in scalars.items() if k != "sha256")[:70]
    print_table(entries, [("when", "WHEN (UTC)"), ("actor", "WHO"), ("action", "ACTION"), ("target", "TARGET"),
                          ("origin", "FROM"), ("what", "DETAIL")])


COMMANDS = (user, member, token, login, logout, audit_cmd)
