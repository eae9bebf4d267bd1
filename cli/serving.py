"""Commands that serve a catalogue over HTTP: ``serve`` and ``demo``.

Why together: both end in the same production server (``web/server.py``); ``demo`` first builds the demo
catalogue through the real publish pipeline (``pipelines/demo``), then serves it exactly as ``serve`` does.
"""

from __future__ import annotations

from typing import Any

import click

from catalog.home import Home
from catalog.metadata import Catalog
from cli.common import pass_catalog, stderr_log


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="TCP port.")
@click.option("--workers", type=int, help="Worker processes [default: 2-4 by CPU count].")
@click.option("--access-log", is_flag=True, help="Log every request to stdout.")
@click.option("--header-timeout", type=click.FloatRange(min=1), default=30, show_default=True,
              envvar="OPENDATA_SERVE_HEADER_TIMEOUT",
              help="Seconds a client has to send a request's line and headers [env OPENDATA_SERVE_HEADER_TIMEOUT].")
@click.option("--body-timeout", type=click.FloatRange(min=1), default=900, show_default=True,
              envvar="OPENDATA_SERVE_BODY_TIMEOUT",
              help="Seconds a client has to send a request's body after its headers [env OPENDATA_SERVE_BODY_TIMEOUT].")
@click.option("--trusted-proxy", metavar="ADDRESS", envvar="OPENDATA_SERVE_TRUSTED_PROXY",
              help="Address of your reverse proxy: its X-Forwarded-For/-Proto headers are believed "
                   "[env OPENDATA_SERVE_TRUSTED_PROXY].")
@pass_catalog
def serve(catalog: Catalog, host: str, port: int, workers: int | None, access_log: bool, header_timeout: float,
          body_timeout: float, trusted_proxy: str | None) -> None:
    """Serve the catalogue over HTTP (pages, REST API, CKAN API, SQL, downloads).

    Requests are read whole before a worker thread sees them, so slow clients hold connections, not workers.
    Runs until Ctrl+C.

    \b
    Example:
      opendata serve --port 5000 --workers 4
      opendata serve --host 0.0.0.0 --trusted-proxy 10.0.0.2 --access-log
    """
    serve_home(catalog, host=host, port=port, workers=workers, access_log=access_log,
               header_timeout=header_timeout, body_timeout=body_timeout, trusted_proxy=trusted_proxy)


@click.command()
@click.option("--home", "demo_home", type=click.Path(file_okay=False), help="Build the demo here instead.")
@click.option("--no-serve", is_flag=True, help="Only build the demo catalogue; do not serve it.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="TCP port.")
@click.option("--workers", type=int, help="Worker processes for the server.")
@click.option("--air-rows", default=20000, show_default=True, type=int, help="Rows in the demo air-quality data.")
@click.pass_context
def demo(ctx: click.Context, demo_home: str | None, no_serve: bool, host: str, port: int, workers: int | None,
         air_rows: int) -> None:
    """Build the demo catalogue (Hanoi's departments, one dataset per standard schema) and serve it.

    Every dataset goes through the real publish pipeline; three ETL pipelines run over messy generated
    sources. A demo editor token is written to HOME/demo-token.txt.

    \b
    Example:
      opendata demo
      opendata demo --home /tmp/demo --no-serve --air-rows 1000
    """
    from pipelines.demo import build_demo

    catalog = Catalog(Home.resolve(demo_home)) if demo_home else ctx.obj
    click.echo(f"building the demo catalogue in {catalog.home.root} …", err=True)
    summary = build_demo(catalog, air_rows=air_rows, log=stderr_log("  "))
    stats = catalog.stats()
    click.echo(f"demo ready: {stats['organizations']} organisations, {stats['datasets']} datasets, "
               f"{stats['versions']} versions", err=True)
    for note in summary.notes:
        click.echo(note, err=True)
    if not no_serve:
        serve_home(catalog, host=host, port=port, workers=workers)


def serve_home(catalog: Catalog, *, host: str, port: int, workers: int | None, access_log: bool = False,
               **settings: Any) -> None:
    """``settings``: header_timeout, body_timeout, trusted_proxy (web/server.py)."""
    from web.server import serve as run_server

    catalog.ensure_ready()
    catalog.dispose()  # the worker processes open their own connections
    click.echo(f"serving {catalog.home.root} on http://{host}:{port}/  (Ctrl+C to stop)", err=True)
    run_server(catalog.home, host=host, port=port, workers=workers, access_log=access_log, **settings)


COMMANDS = (serve, demo)
