"""Commands that exchange datasets with CKAN portals: ``harvest ckan`` and ``push ckan``.

Why together: they are the two directions of one feature (``pipelines/ckan/harvest.py`` and ``pipelines/ckan/push.py``),
share the same result shape (what was done, what was not and why), and print and exit the same way. Both
refuse portal URLs on private addresses unless ``OPENDATA_ALLOW_PRIVATE_URLS=true`` (``pipelines/outbound.py``).
"""

from __future__ import annotations

from typing import Any

import click

from catalog.metadata import Catalog
from cli.common import emit_json, exit_with, pass_catalog, stderr_log


@click.group()
def harvest() -> None:
    """Import datasets from other portals.

    \b
    Example:
      opendata harvest ckan https://data.gov.vn --org so-gtvt
    """


@harvest.command("ckan")
@click.argument("url")
@click.option("--org", help="Only the datasets of this organisation on the portal.")
@click.option("--into", help="Put every dataset in this local organisation (default: the portal's, created).")
@click.option("--query", help="Only datasets matching this search (package_search q).")
@click.option("--since", help="Only datasets modified since this date (YYYY-MM-DD or ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="Print the full result (with validation reports) as JSON.")
@pass_catalog
def harvest_ckan_cmd(catalog: Catalog, url: str, org: str | None, into: str | None, query: str | None,
                     since: str | None, as_json: bool) -> None:
    """Harvest a CKAN portal at URL: metadata mapped, tabular resources validated and published.

    Re-running imports only what changed; a run stopped half-way is finished by the next one. Progress goes
    to stderr, the summary to stdout.

    \b
    Example:
      opendata harvest ckan https://data.gov.vn --org so-gtvt --into so-gtvt
      opendata harvest ckan https://demo.ckan.org --query "air quality" --since 2025-01-01 --json

    Exit status: 0 everything harvested, 1 some datasets or resources not imported (listed), 2 a usage mistake.
    """
    from pipelines.ckan.harvest import harvest_ckan

    catalog.ensure_ready()
    log = None if as_json else stderr_log("  ")
    result = harvest_ckan(catalog, url, org=org, into=into, query=query, since=since, log=log)
    finish_sync(result, as_json)


@click.group()
def push() -> None:
    """Publish the catalogue's datasets to other portals.

    \b
    Example:
      CKAN_API_TOKEN=… opendata push ckan https://ckan.hanoi.example --site-url https://data.hanoi.example
    """


@push.command("ckan")
@click.argument("url")
@click.option("--token", envvar="CKAN_API_TOKEN", required=True, help="API token on the portal [env CKAN_API_TOKEN].")
@click.option("--org", help="Organisation on the portal (default: each dataset's own organisation name).")
@click.option("--dataset", help="Push only this dataset (private ones only this way).")
@click.option("--site-url", envvar="OPENDATA_SITE_URL", default="http://127.0.0.1:5000", show_default=True,
              help="This catalogue's public address, for the resource links [env OPENDATA_SITE_URL].")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_catalog
def push_ckan_cmd(catalog: Catalog, url: str, token: str, org: str | None, dataset: str | None, site_url: str,
                  as_json: bool) -> None:
    """Create or update the matching packages on the CKAN portal at URL (a second push changes nothing).

    Each public dataset becomes a package (metadata mapped as our own CKAN API serves it) whose resources
    link to this catalogue's stable download URLs (--site-url).

    \b
    Example:
      opendata push ckan https://ckan.hanoi.example --token "$CKAN_TOKEN" --site-url https://data.hanoi.example
      opendata push ckan https://ckan.hanoi.example --dataset air-quality --org so-tnmt

    Exit status: 0 everything pushed, 1 some datasets not pushed (listed), 2 a usage mistake.
    """
    from pipelines.ckan.push import push_ckan

    catalog.ensure_ready()
    log = None if as_json else stderr_log("  ")
    result = push_ckan(catalog, url, token, site_url=site_url, org=org, dataset=dataset, log=log)
    finish_sync(result, as_json)


def finish_sync(result: Any, as_json: bool) -> None:
    """Print a harvest or push result (what was not done on stderr) and exit 1 unless all of it was done."""
    if as_json:
        emit_json(result.to_dict())
    else:
        for line in result.not_done():
            click.echo(line, err=True)
        click.echo(result.summary())
    exit_with(result.ok)


COMMANDS = (harvest, push)
