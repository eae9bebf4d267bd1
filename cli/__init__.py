"""The ``opendata`` command: parse, call ``catalog``/``pipelines``/``web``, print.

Why a package: the commands are grouped by concern, one module each (``catalogue``, ``publishing``,
``accounts``, ``maintenance``, ``etl``, ``ckan``, ``serving``), as ckanapi keeps one module per command; this
module only builds the root group and registers them, and ``cli.common`` holds what they share. Every command
is a thin wrapper over one call of the Python API, so the CLI and the API stay one to one.

Every command finds the catalogue in ``--home``, else ``$OPENDATA_HOME``, else ``./opendata-home``. User mistakes
come back as ``UserError`` and are printed as one line on stderr with a non-zero exit code.
"""

from __future__ import annotations

import click

from catalog.home import Home
from catalog.metadata import Catalog
from cli import accounts, catalogue, ckan, etl, maintenance, publishing, quality, serving, webhooks, worker
from cli.common import Group

CONCERNS = (catalogue, publishing, accounts, maintenance, etl, ckan, serving, webhooks, worker, quality)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--home", type=click.Path(file_okay=False), envvar="OPENDATA_HOME",
              help="Catalogue home folder [env OPENDATA_HOME; default ./opendata-home].")
@click.version_option(package_name="hanoi-opendata")
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """Hanoi Open Data Catalogue: validate, publish, browse and query the city's open data.

    \b
    Start here:
      opendata demo                      build the demo catalogue and serve it
      opendata init                      create an empty catalogue
      opendata validate FILE --schema S  check a file before publishing
      opendata publish FILE --dataset D --org O --schema S

    Every command has --help with an example; listing commands take --json.

    Exit status: 0 done, 1 refused (invalid data, personal data, a failed check), 2 a usage mistake.
    """
    ctx.obj = Catalog(Home.resolve(home))


for _concern in CONCERNS:
    for _command in _concern.COMMANDS:
        main.add_command(_command)
