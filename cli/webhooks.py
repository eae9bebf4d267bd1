"""``opendata webhook ...``: subscribe a receiver to an organisation's dataset events, and read its delivery log.

Why on the command line as well as the API: the operator sets up the city's own integrations from the server's
shell, and needs the delivery log (and ``redeliver``) when a receiver was down. Each command wraps one function
of ``catalog/webhooks.py`` (``add`` goes through ``pipelines/webhooks.py``, which checks the target address).
"""

from __future__ import annotations

import click

from catalog import webhooks
from catalog.metadata import Catalog
from cli.common import cli_actor, emit_json, json_option, pass_catalog, print_table
from pipelines import webhooks as sending


@click.group("webhook")
def webhook() -> None:
    """Webhooks: signed POSTs to a receiver when an organisation's datasets change (sent by 'opendata worker')."""


@webhook.command("add")
@click.argument("url")
@click.option("--org", required=True, help="The organisation whose datasets are followed.")
@click.option("--event", "events", multiple=True, required=True, type=click.Choice(webhooks.EVENTS),
              help="An event to send (repeat for several).")
@click.option("--secret", help="The signing secret, at least 16 characters [default: a random one, printed once].")
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
    click.echo(f"webhook {hook['id']} added: {hook['url']} ({', '.join(hook['events'])})")
    if secret is None:
        click.echo(f"secret (shown once, keep it with the receiver): {plain}")


@webhook.command("list")
@click.option("--org", help="Only this organisation's webhooks.")
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
    print_table(rows, [("id", "ID"), ("org", "ORG"), ("url", "URL"), ("events", "EVENTS"),
                       ("secret_hint", "SECRET"), ("created_at", "CREATED")])


@webhook.command("remove")
@click.argument("hook_id", metavar="ID")
@pass_catalog
def remove_cmd(catalog: Catalog, hook_id: str) -> None:
    """Stop a webhook; its pending deliveries are not sent."""
    catalog.ensure_ready()
    hook = webhooks.remove(catalog, hook_id, actor=cli_actor())
    click.echo(f"webhook {hook['id']} removed ({hook['url']})")


@webhook.command("deliveries")
@click.argument("hook_id", metavar="ID")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
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
    print_table(rows, [("id", "DELIVERY"), ("event", "EVENT"), ("dataset", "DATASET"), ("status", "STATUS"),
                       ("attempts", "ATTEMPTS"), ("last", "LAST ATTEMPT"), ("created_at", "CREATED")])


def _last(delivery: dict) -> str:
    if not delivery["log"]:
        return ""
    entry = delivery["log"][-1]
    return entry["error"] or f"HTTP {entry['status_code']} in {entry['ms']} ms"


@webhook.command("redeliver")
@click.argument("delivery_id", metavar="DELIVERY")
@pass_catalog
def redeliver_cmd(catalog: Catalog, delivery_id: str) -> None:
    """Queue a delivery again (same id and body); the worker sends it."""
    catalog.ensure_ready()
    delivery = webhooks.redeliver(catalog, delivery_id)
    click.echo(f"delivery {delivery['id']} queued again")


COMMANDS = (webhook,)
