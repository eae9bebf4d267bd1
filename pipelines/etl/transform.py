"""Running a pipeline's steps in the run's own DuckDB instance, and writing their result as one Parquet file.

Why apart from the runner: the runner decides *whether* and *where* a run publishes (history, locks, unchanged
sources, the privacy gate, publish or append); this module only computes. The transform runs in a private DuckDB
instance inside the run's work folder (it spills there when the data is bigger than its memory limit). Once the
source and any reference datasets are loaded, the instance is locked to that folder: an expression in a pipeline
file can compute, not read or write files elsewhere. Steps are views evaluated lazily, so an error may surface
in a later step or in the final write; ``culprit`` finds the step it belongs to.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from catalog.errors import InvalidInput, UserError
from catalog.i18n import _, format_number
from catalog.jsonvalues import jsonable
from catalog.metadata import Catalog
from catalog.sqltext import sql_list, sql_string
from pipelines.etl.conform import conform
from pipelines.etl.definition import Pipeline, StepSpec, pipeline_named
from pipelines.etl.results import StepReport
from pipelines.etl.steps import STEPS, apply, is_table
from pipelines.etl.steps.base import StepError, first_line

MEMORY_ENV = "OPENDATA_ETL_MEMORY"  # DuckDB memory_limit for a run, e.g. "2GB" (default 1GB)


class StepFailed(InvalidInput):
    """A step could not run; the message names the pipeline, the step and its line."""


def where(pipeline: Pipeline, spec: StepSpec | None = None) -> str:
    """``pipeline NAME, step N (TYPE), line L``: the start of every message about a run."""
    if spec is None:
        return pipeline_named(pipeline.label)
    if spec.line:
        return _("{pipeline}, {step}, dòng {line}", pipeline=pipeline_named(pipeline.label), step=spec.label,
                 line=spec.line)
    return f"{pipeline_named(pipeline.label)}, {spec.label}"


# -- the DuckDB instance of a run ----------------------------------------------------------------------------------
def open_engine(work_dir: Path) -> duckdb.DuckDBPyConnection:
    spill = work_dir / "spill"
    spill.mkdir(exist_ok=True)
    con = duckdb.connect(":memory:", config={
        "memory_limit": os.environ.get(MEMORY_ENV, "1GB"),
        "temp_directory": str(spill),
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
    })
    con.execute("SET enable_progress_bar = false")
    return con


def lock_down(con: duckdb.DuckDBPyConnection, work_dir: Path) -> None:
    """From here on the instance reads and writes only the run's work folder."""
    con.execute(f"SET allowed_directories = {sql_list([work_dir])}")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def drop_upstream(con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
    """Once a step's result is a table, what it was computed from is no longer needed: free the memory."""
    objects = con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall()
    for name, kind in sorted(objects, key=lambda o: o[1] != "VIEW"):  # views first: they read the tables
        if name not in keep:
            con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {name}")


def sample(con: duckdb.DuckDBPyConnection, table: str, n: int) -> tuple[list[str], list[dict]]:
    cursor = con.execute(f"SELECT * FROM {table} LIMIT {int(n)}")
    names = [d[0] for d in cursor.description]
    return names, [{k: jsonable(v) for k, v in zip(names, row, strict=True)} for row in cursor.fetchall()]


def load_references(con: duckdb.DuckDBPyConnection, catalog: Catalog, pipeline: Pipeline) -> dict[str, str]:
    """Load the catalogue datasets that join steps read, before the instance is locked down."""
    from pipelines.etl.extract import resolve_version
    from pipelines.etl.steps import join

    loaded: dict[str, str] = {}
    for spec in pipeline.steps:
        module = STEPS[spec.type]
        if not hasattr(module, "reference"):
            continue
        dataset, number = module.reference(spec.options)
        key = join.reference_key(dataset, number)
        if key in loaded:
            continue
        try:
            version = resolve_version(catalog, dataset, number)
        except UserError as error:
            raise StepFailed(f"{where(pipeline, spec)}: {error}") from None
        name = f"ref_{len(loaded)}"
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet({sql_list(catalog.version_files(version))})")
        loaded[key] = name
    return loaded


def culprit(con: duckdb.DuckDBPyConnection, pipeline: Pipeline, *, before: int) -> StepSpec | None:
    """Which step's expression fails on the data: steps are views evaluated lazily, so an error raised while a
    later step (or the final write) reads them belongs to the first one that fails when evaluated on its own."""
    for spec in pipeline.steps:
        if spec.index >= before:
            break
        name = f"step_{spec.index}"
        if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = ?", [name]).fetchone():
            continue  # computed into a later table: it ran fine
        try:
            con.execute(f"SELECT count(COLUMNS(*)) FROM {name}").fetchall()
        except duckdb.Error:
            return spec
    return None


# -- the steps ---------------------------------------------------------------------------------------------------------
@dataclass
class Transform:
    """One run's transform: the steps in order, each reported (rows, time, a sample) as it finishes."""

    con: duckdb.DuckDBPyConnection
    pipeline: Pipeline
    work_dir: Path
    steps: list[StepReport]
    sample_rows: int
    log: Callable[[str], None]
    references: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)  # facts the steps found for the dataset's extras

    def report_source(self, table: str, label: str, started: float) -> int:
        """Step 0: the extracted source, as the first line of the report."""
        rows = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        cols, rows_sample = sample(self.con, table, self.sample_rows)
        self.steps.append(StepReport(0, label, rows, int((time.monotonic() - started) * 1000), cols, rows_sample))
        self.log(f"  0 extract      {format_number(rows):>10} " + _("dòng"))
        return rows

    def run(self, catalog: Catalog, table: str, rows: int) -> tuple[str, int]:
        """Every step after the source; returns the last table and its row count."""
        self.references = load_references(self.con, catalog, self.pipeline)
        lock_down(self.con, self.work_dir)
        for spec in self.pipeline.steps:
            count = self._step(spec, table, rows)
            table, rows = f"step_{spec.index}", count
        if rows == 0 and not self.pipeline.publish.get("allow_empty"):
            raise StepFailed(_("{where}: nguồn không có dòng nào", where=where(self.pipeline)),
                             hint=_("hãy đặt publish.allow_empty: true nếu một bộ dữ liệu rỗng là đúng"))
        return table, rows

    def _step(self, spec: StepSpec, table: str, rows: int) -> int:
        started, out = time.monotonic(), f"step_{spec.index}"
        try:
            inp = apply(self.con, table, out, spec.type, spec.options, self.work_dir, self.references)
            count = self.con.execute(f"SELECT count(*) FROM {out}").fetchone()[0]
            cols, rows_sample = sample(self.con, out, self.sample_rows)
        except StepError as error:
            raise StepFailed(f"{where(self.pipeline, spec)}: {error.message}", hint=error.hint) from None
        except duckdb.Error as error:
            blamed = culprit(self.con, self.pipeline, before=spec.index) or spec
            raise StepFailed(f"{where(self.pipeline, blamed)}: {first_line(error)}") from None
        self.steps.append(StepReport(spec.index, spec.type, count, int((time.monotonic() - started) * 1000),
                                     cols, rows_sample, list(inp.notes)))
        self.meta.update(inp.meta)
        self.log(f"{spec.index:>3} {spec.type:<12} {format_number(count):>10} " + _("dòng"))
        if count == 0 and rows and not self.pipeline.publish.get("allow_empty"):
            raise StepFailed(_("{where}: không tạo ra dòng nào (đầu vào của bước có {rows} dòng)",
                               where=where(self.pipeline, spec), rows=format_number(rows)),
                             hint=_("hãy kiểm tra điều kiện của bước; đặt publish.allow_empty: true nếu một bộ dữ "
                                    "liệu rỗng là đúng"))
        if is_table(self.con, out):
            drop_upstream(self.con, keep={out, *self.references.values()})
        return count

    def write(self, table: str, schema: dict, output: Path) -> int:
        """Type the last table by the schema and write it to ``output``; returns its row count."""
        if self.pipeline.steps:
            after = _("sau {step}", step=self.pipeline.steps[-1].label)
        else:
            after = _("của nguồn")
        try:
            rows = conform(self.con, table, schema, "final", after)
            # The one pass that evaluates the chain of views: every step's expressions run here.
            self.con.execute(f"COPY final TO {sql_string(output)} (FORMAT parquet, COMPRESSION snappy)")
        except UserError as error:
            raise StepFailed(f"{where(self.pipeline)}: {error.message}", hint=error.hint) from None
        except duckdb.Error as error:
            blamed = culprit(self.con, self.pipeline, before=len(self.pipeline.steps) + 1)
            raise StepFailed(f"{where(self.pipeline, blamed)}: {first_line(error)}") from None
        return rows
