"""The validation engine: one DuckDB connection per table, the fast pass first, the exact pass when needed.

Why a class made of parts: the passes share state (the connection, the staged and typed tables, the plans),
so ``Engine`` holds it and each concern is a part in its own module: ``FastPass`` (``fast.py``), ``ExactPass``
(``exact.py``), ``ErrorQueries`` (``errors.py``), ``KeyQueries`` (``keys.py``) and ``Lookups``
(``lookups.py``). ``run`` returns the task dict that ``pipelines/report.py`` wraps into the report; after a
valid run ``write_parquet`` writes the typed table.

State the parts share: ``con``, ``tmpdir``, ``source``, ``schema``, ``dialect``, ``checks``, ``limit``,
``progress``, ``references``, ``lookups``, ``prefix``; ``layout``/``scan`` (CSV only), ``staged``, ``plans``,
``base`` (the typed table) and ``typed`` (the name reads go through), ``fast_parquet`` (a fast-pass result).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import duckdb

from catalog.errors import InvalidInput
from catalog.sqltext import quote_ident, sql_string
from pipelines import read as readers
from pipelines.read import Staged
from pipelines.report import make_error
from pipelines.source import Dialect, Source
from pipelines.validation.checklist import filter_errors
from pipelines.validation.effective import period_of
from pipelines.validation.errors import ErrorQueries
from pipelines.validation.exact import ExactPass
from pipelines.validation.fast import PARQUET_OPTIONS, FastPass
from pipelines.validation.fields import duckdb_type
from pipelines.validation.header import Plan, header_plans
from pipelines.validation.keys import KeyQueries
from pipelines.validation.lookups import Lookups
from pipelines.validation.progress import query_bar

MEMORY_LIMIT = os.environ.get("OPENDATA_DUCKDB_MEMORY", "600MB")


def new_task(name: str, place: str, size: int) -> dict:
    """The task dict a run fills in (frictionless's report task)."""
    return {"name": name, "type": "table", "valid": True, "place": place, "labels": [],
            "stats": {"errors": 0, "warnings": 0, "seconds": 0, "bytes": size}, "warnings": [], "errors": []}


def _finish(task: dict, started: float) -> dict:
    task["stats"]["errors"] = len(task["errors"])
    task["stats"]["warnings"] = len(task["warnings"])
    task["stats"]["seconds"] = round(time.perf_counter() - started, 3)
    task["valid"] = not task["errors"]
    return task


class Engine(FastPass, ExactPass, ErrorQueries, KeyQueries, Lookups):
    """Validates one table; see the module docstring for the parts and their shared state."""

    def __init__(self, source: Source, schema: dict, dialect: Dialect, checks: dict, *, limit_errors: int,
                 progress: bool, references, lookups: dict, prefix: str = "t"):
        self.source, self.schema, self.dialect, self.checks = source, schema, dialect, checks
        self.limit = limit_errors
        self.progress = progress
        self.references = references
        self.lookups = lookups
        self.prefix = prefix
        # removed by close(), else when garbage collected or at interpreter exit (a finalizer)
        self._tmp = tempfile.TemporaryDirectory(prefix="opendata-validate-", ignore_cleanup_errors=True)
        self.tmpdir = self._tmp.name
        self.con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": self.tmpdir,
                                          "preserve_insertion_order": True})
        # DuckDB's own progress bar prints to stdout, which must stay clean for --json; we poll it instead
        self.con.execute("SET enable_progress_bar_print = false")
        self.con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")
        self.con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
        self.fast_parquet: Path | None = None
        self.layout = self.scan = None
        self.plans: list[Plan] = []
        self.staged: Staged | None = None
        self.base = self.typed = f"{prefix}_typed"  # the typed table; reads go through ``typed``

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.con.close()
        self._tmp.cleanup()

    def _bar(self, desc: str):
        """A tqdm bar over the source's bytes while DuckDB runs a long statement (terminal only)."""
        return query_bar(self.con, self.source.size, self.progress, desc)

    # --- run ------------------------------------------------------------------------------------

    def run(self, *, name: str, place: str) -> dict:
        task = new_task(name, place, self.source.size)
        started = time.perf_counter()
        problem = self._unresolvable_reference()
        if problem:
            task["errors"] = [make_error("resource-error", note=problem)]
            return _finish(task, started)
        layout = scan = None
        if self.source.format in ("csv", "tsv"):
            layout, note = readers.read_csv_layout(self.source, self.dialect)
            if layout is None:
                task["errors"] = [make_error("encoding-error", note=note)]
                task["valid"] = False
                return _finish(task, started)
            fast, scan = self._try_fast(layout, task)
            if fast:
                return _finish(task, started)
        self.layout, self.scan = layout, scan
        self.staged = self._stage(layout, scan)
        return _finish(self._run_exact(task), started)

    def _try_fast(self, layout, task: dict):
        """The fast pass, with the byte scan (blank lines, NUL, decomposed text) running beside its COPY."""
        source = self.source
        scanned: dict = {}

        def scan_file() -> None:
            try:
                scanned["scan"] = readers.scan_bytes(source.path, delimiter=layout.fmt.delimiter)
            except BaseException as exc:  # re-raised in the main thread
                scanned["error"] = exc

        thread = threading.Thread(target=scan_file, daemon=True)
        thread.start()
        width = len(layout.labels) if layout.labels else len(self.schema["fields"])
        fast = self._fast(layout, thread, scanned, width, task)
        thread.join()
        if "error" in scanned:
            raise scanned["error"]
        scan = scanned["scan"]
        if scan.has_nul and not (source.encoding or "").startswith("utf-16"):
            raise InvalidInput(f"{source.path.name} contains NUL bytes: it is a binary file, not CSV text",
                               hint="for UTF-16 text without a byte order mark pass --encoding utf-16")
        return fast, scan

    def _run_exact(self, task: dict) -> dict:
        """Type the staged cells and collect every error class."""
        staged = self.staged
        task["labels"] = list(staged.labels)
        if not staged.opened:
            task["errors"] = [make_error("encoding-error", note=staged.encoding_error)]
            task["valid"] = False
            return task
        self.plans, header_errors = header_plans(self.schema, staged.labels, self.dialect, staged.header_rows,
                                                 staged.width)
        self._type()
        staged = self.staged
        if staged.rows == 0 and not staged.encoding_error:
            what = "a header but no data rows" if staged.labels and self.source.format in ("csv", "tsv", "xlsx") \
                else "no data rows"
            raise InvalidInput(f"{self.source.path.name} has {what}: there is nothing to validate or publish")
        errors, rows_read, limited = self._errors(header_errors)
        if staged.encoding_error and not limited:
            errors.append(make_error("encoding-error", note=staged.encoding_error))
        errors = filter_errors(self.checks, errors)
        task["errors"] = errors
        task["valid"] = not errors
        task["stats"].update({"fields": len(self.schema["fields"]), "rows": rows_read})
        if limited:
            task["warnings"].append(f"reached error limit: {self.limit}")
        return task

    def _unresolvable_reference(self) -> str | None:
        """frictionless fails a table whose foreign key points at a resource it cannot see; so do we."""
        stack = self.lookups.get("stack", [])
        package = self.lookups.get("package")
        for fk in self.schema.get("foreignKeys", []):
            resource = fk["reference"]["resource"]
            if not resource or (stack and resource == stack[-1]) or period_of(fk):
                continue  # a key with a period needs its dataset only for rows in the period (effective.py)
            if package is not None:
                names = [r.get("name") for r in package[1] if isinstance(r, dict)]
                if resource not in names:
                    return (f'failed to handle a foreign key for resource "{stack[-1] if stack else ""}" as '
                            f'resource "{resource}" does not exist')
            elif self.references is not None:
                found = self.references(resource)
                if found is None or not Path(found).exists():
                    return f'foreign key: no dataset "{resource}" in the catalogue to check references against'
            else:
                return (f'package is required for foreign keys to other resources: "{resource}" '
                        "(validate the datapackage.json, or publish the referenced dataset first)")
        return None

    # --- output ---------------------------------------------------------------------------------

    def write_parquet(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.fast_parquet is not None and self.fast_parquet.exists():
            shutil.copyfile(self.fast_parquet, path)
            return
        # schema order; a field the header lacks (allowed by fieldsMatch superset/partial) is an empty column
        by_name = {p.name: p for p in self.plans if p.schema_field}
        cols = ", ".join(
            f"{'v' + str(by_name[f['name']].j) if f['name'] in by_name else 'NULL'}::{duckdb_type(f)} AS {quote_ident(f['name'])}"
            for f in self.schema["fields"])
        with self._bar("writing parquet"):  # the staged table keeps the file's row order
            self.con.execute(f"COPY (SELECT {cols} FROM {self.typed}) TO {sql_string(str(path))} "
                             f"(FORMAT parquet, {PARQUET_OPTIONS})")
