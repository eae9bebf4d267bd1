"""``opendata webhook ...``: subscribe a receiver to an organisation's dataset events, and read its delivery log.

Why on the command line as well as the API: the operator sets up the city's own integrations from the server's
shell, and needs the delivery log (and ``redeliver``) when a receiver was down. Each command wraps one function
of ``catalog/webhooks.py`` (``add`` goes through ``pipelines/webhooks.py``, which checks the target address).
"""

from __future__ import annotations

import click

from catalog import webhooks
from catalog.i18n import format_number, lazy_gettext
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from cli.common import cli_actor, emit_json, human_time, json_option, option, pass_catalog, print_table
from pipelines import webhooks as sending


@click.group("webhook", help=lazy_gettext("""Webhook: yêu cầu POST có chữ ký gửi tới bên nhận khi bộ dữ liệu của một tổ chức thay đổi (do 'opendata worker' gửi)."""))
def webhook() -> None:
    """Webhooks: signed POSTs to a receiver when an organisation's datasets change (sent by 'opendata worker')."""


@webhook.command("add", help=lazy_gettext("""Đăng ký URL nhận các sự kiện về bộ dữ liệu của một tổ chức.

    Địa chỉ riêng, loopback và link-local bị từ chối, trừ khi OPENDATA_WEBHOOK_ALLOW_PRIVATE=true.

    \b
    Ví dụ:
      opendata webhook add https://example.org/hook --org so-tnmt --event dataset.version_published --secret S
    """))
@click.argument("url")
@option("--org", required=True, help=lazy_gettext("Tổ chức có các bộ dữ liệu được theo dõi."))
@option("--event", "events", multiple=True, required=True, type=click.Choice(webhooks.EVENTS),
              help=lazy_gettext("Một sự kiện cần gửi (lặp lại cho nhiều sự kiện)."))
@option("--secret", help=lazy_gettext("Khóa bí mật để ký, ít nhất 16 ký tự [mặc định: một khóa ngẫu nhiên, in ra một lần]."))
@json_option
@pass_catalog
def add_cmd(catalog: Catalog, url: str, org: str, events: tuple[str, ...], secret: str | None, as_json: bool) -> None:
    """Subscribe URL to events of the datasets of an organisation.

    Targets on private, loopback and link-local addresses are refused unless OPENDATA_WEBHOOK_ALLOW_PRIVATE=true.

    \b
    Example:
      opendata webhook add https://example.org/hook --org so-tnmt --event dataset.version_published --secret S
    """
    catalog.ensure_ready()
    hook, plain = sending.add(catalog, org, url, list(events), secret=secret, actor=cli_actor())
    if as_json:
        emit_json({**hook, "secret": plain})
        return
    click.echo(_("đã thêm webhook {id}: {url} ({events})", id=hook["id"], url=hook["url"],
                 events=", ".join(hook["events"])))
    if secret is None:
        click.echo(_("khóa bí mật (chỉ hiện một lần, hãy giao cho bên nhận giữ): {secret}", secret=plain))


@webhook.command("list", help=lazy_gettext("""Liệt kê các webhook (khóa bí mật chỉ hiện gợi ý)."""))
@option("--org", help=lazy_gettext("Chỉ các webhook của tổ chức này."))
@json_option
@pass_catalog
def list_cmd(catalog: Catalog, org: str | None, as_json: bool) -> None:
    """List the webhooks (the secret only as a hint)."""
    catalog.ensure_ready()
    hooks = webhooks.list_hooks(catalog, org)
    if as_json:
        emit_json(hooks)
        return
    rows = [{**h, "events": ",".join(h["events"])} for h in hooks]
    rows = [{**row, "created": human_time(row.get("created_at"))} for row in rows]
    print_table(rows, [("id", "ID"), ("org", _("TỔ CHỨC")), ("url", "URL"), ("events", _("SỰ KIỆN")),
                       ("secret_hint", _("KHÓA BÍ MẬT")), ("created", _("TẠO LÚC"))])


@webhook.command("remove", help=lazy_gettext("""Dừng một webhook; các lần gửi đang chờ sẽ không được gửi."""))
@click.argument("hook_id", metavar="ID")
@pass_catalog
def remove_cmd(catalog: Catalog, hook_id: str) -> None:
    """Stop a webhook; its pending deliveries are not sent."""
    catalog.ensure_ready()
    hook = webhooks.remove(catalog, hook_id, actor=cli_actor())
    click.echo(_("đã gỡ webhook {id} ({url})", id=hook["id"], url=hook["url"]))


@webhook.command("deliveries", help=lazy_gettext("""Nhật ký gửi của một webhook, mới nhất trước: trạng thái, số lần thử, câu trả lời cuối."""))
@click.argument("hook_id", metavar="ID")
@option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@json_option
@pass_catalog
def deliveries_cmd(catalog: Catalog, hook_id: str, limit: int, as_json: bool) -> None:
    """The delivery log of a webhook, newest first: status, attempts, last answer."""
    catalog.ensure_ready()
    found = webhooks.deliveries(catalog, hook_id, limit=limit)
    if as_json:
        emit_json(found)
        return
    rows = [{**d, "last": _last(d)} for d in found]
    rows = [{**row, "created": human_time(row.get("created_at"))} for row in rows]
    print_table(rows, [("id", _("LẦN GỬI")), ("event", _("SỰ KIỆN")), ("dataset", _("BỘ DỮ LIỆU")),
                       ("status", _("TRẠNG THÁI")), ("attempts", _("SỐ LẦN THỬ")), ("last", _("LẦN THỬ CUỐI")),
                       ("created", _("TẠO LÚC"))])


def _last(delivery: dict) -> str:
    if not delivery["log"]:
        return ""
    entry = delivery["log"][-1]
    return entry["error"] or _("HTTP {status} sau {ms} ms", status=entry["status_code"], ms=format_number(entry["ms"]))


@webhook.command("redeliver", help=lazy_gettext("""Xếp lại một lần gửi vào hàng đợi (cùng số và nội dung); tiến trình worker sẽ gửi nó."""))
@click.argument("delivery_id", metavar="DELIVERY")
@pass_catalog
def redeliver_cmd(catalog: Catalog, delivery_id: str) -> None:
    """Queue a delivery again (same id and body); the worker sends it."""
    catalog.ensure_ready()
    delivery = webhooks.redeliver(catalog, delivery_id)
    click.echo(_("đã xếp lại lần gửi {id} vào hàng đợi", id=delivery["id"]))


COMMANDS = (webhook,)
