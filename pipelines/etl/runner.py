"""Run a pipeline: extract → transform (DuckDB) → conform to the schema → privacy gate → validate → publish.

Every run is recorded in the history (``catalog.runs``) except dry runs, which write nothing anywhere. A run
publishes only when every check passed; any failure (a bad pipeline file, an unreachable source, a drifted layout,
a step that cannot run, zero rows, invalid data, personal data) is a failed run with a message naming the pipeline
and the step, and the catalogue stays exactly as it was. A run whose source and definition are unchanged since
the last successful run publishes nothing.

The transform runs in a private DuckDB instance inside the run's work folder (it spills there when the data is
bigger than its memory limit). Once the source and any reference datasets are loaded, the instance is locked to
that folder: an expression in a pipeline file can compute, not read or write files elsewhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import inspect
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from catalog import runs
from catalog.errors import InvalidInput, NotFound, UserError
from catalog.metadata import Catalog
from catalog.storage import WorkDir
from pipelines import privacy
from pipelines.etl import schedule as schedules
from pipelines.etl.append import append
from pipelines.etl.conform import conform
from pipelines.etl.definition import (
    Pipeline,
    PipelineError,
    StepSpec,
    find_pipelines,
    load_pipeline,
    pipeline_name_of,
)
from pipelines.etl.extract import SourceError, extract, raise_drift
from pipelines.etl.steps import STEPS, apply, is_table
from pipelines.etl.steps.base import StepError, first_line, literal
from pipelines.publish import PublishResult, catalog_references, publish, resolve_dataset_schema

MEMORY_ENV = "OPENDATA_ETL_MEMORY"  # DuckDB memory_limit for a run, e.g. "2GB" (default 1GB)
SAMPLE_ROWS = 3
META_KEYS = ("title", "description", "license", "tags", "frequency", "source", "contact", "temporal_coverage",
             "spatial_coverage")


class StepFailed(InvalidInput):
    """A step could not run; the message names the pipeline, the step and its line."""


@dataclass
class StepReport:
    index: int
    type: str
    rows: int
    ms: int
    columns: list[str] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"index": self.index, "type": self.type, "rows": self.rows, "ms": self.ms, "columns": self.columns,
                "sample": self.sample, "notes": self.notes}


@dataclass
class RunResult:
    """What a run did. ``status``: published, unchanged, failed or dry-run."""

    pipeline: str
    status: str
    dataset: str = ""
    version: dict | None = None
    rows: int | None = None
    steps: list[StepReport] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    error: str = ""
    report: dict | None = None
    findings: list[privacy.Finding] = field(default_factory=list)
    run_id: int | None = None
    duration_ms: int = 0
    valid: bool | None = None
    # for the history only
    fingerprint: str | None = field(default=None, repr=False)
    inputs: list[dict] | None = field(default=None, repr=False)
    source_columns: list[str] | None = field(default=None, repr=False)
    recorded: bool = field(default=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def to_dict(self) -> dict:
        return {"pipeline": self.pipeline, "status": self.status, "dataset": self.dataset,
                "version": (self.version or {}).get("number"), "rows": self.rows, "run_id": self.run_id,
                "duration_ms": self.duration_ms, "steps": [s.to_dict() for s in self.steps],
                "messages": self.messages, "error": self.error, "valid": self.valid,
                "findings": [f.to_dict() for f in self.findings], "report": self.report}


class _Outcome(Exception):
    """Internal: ends a run early with a result (unchanged, nothing new)."""

    def __init__(self, result: RunResult) -> None:
        super().__init__(result.status)
        self.result = result


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
    con.execute(f"SET allowed_directories = [{literal(str(work_dir))}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def drop_upstream(con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
    """Once a step's result is a table, what it was computed from is no longer needed: free the memory."""
    objects = con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall()
    for name, kind in sorted(objects, key=lambda o: o[1] != "VIEW"):  # views first: they read the tables
        if name not in keep:
            con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {name}")


# -- helpers ---------------------------------------------------------------------------------------------------------
def target_schema(catalog: Catalog, pipeline: Pipeline, existing: dict | None) -> tuple[dict, str]:
    schema = pipeline.target.get("schema")
    if isinstance(schema, str) and (schema.endswith(".json") or "/" in schema):
        candidate = Path(schema)
        schema = str(candidate if candidate.is_absolute() else pipeline.base_dir / candidate)
    return resolve_dataset_schema(catalog, existing, schema)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def sample(con: duckdb.DuckDBPyConnection, table: str, n: int) -> tuple[list[str], list[dict]]:
    cursor = con.execute(f"SELECT * FROM {table} LIMIT {int(n)}")
    names = [d[0] for d in cursor.description]
    return names, [{k: _jsonable(v) for k, v in zip(names, row, strict=True)} for row in cursor.fetchall()]


def _where(pipeline: Pipeline, spec: StepSpec | None = None) -> str:
    if spec is None:
        return f"pipeline {pipeline.label}"
    line = f", line {spec.line}" if spec.line else ""
    return f"pipeline {pipeline.label}, {spec.label}{line}"


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
            raise StepFailed(f"{_where(pipeline, spec)}: {error}") from None
        files = ", ".join(literal(str(p)) for p in catalog.version_files(version))
        name = f"ref_{len(loaded)}"
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet([{files}])")
        loaded[key] = name
    return loaded


def publish_accepts_override() -> bool:
    return "privacy_override" in inspect.signature(publish).parameters


# -- the run -----------------------------------------------------------------------------------------------------------
def run_pipeline(catalog: Catalog, source: str | Path | Pipeline, *, dry_run: bool = False, trigger: str = "cli",
                 actor: str = "cli", privacy_override: str | None = None, sample_rows: int = SAMPLE_ROWS,
                 log: Callable[[str], None] | None = None) -> RunResult:
    """Run one pipeline file (or loaded ``Pipeline``); never raises for user mistakes: see ``RunResult``."""
    started = time.monotonic()
    catalog.ensure_ready()
    name = source.name if isinstance(source, Pipeline) else pipeline_name_of(source)
    with pipeline_lock(catalog, name) as locked:
        if not locked:
            return RunResult(name, "failed", error=f"pipeline {name!r} is already running in another process: "
                                                   "this run did nothing (not recorded)")
        return _run_locked(catalog, source, name, started, dry_run=dry_run, trigger=trigger, actor=actor,
                           privacy_override=privacy_override, sample_rows=sample_rows, log=log)


@contextlib.contextmanager
def pipeline_lock(catalog: Catalog, name: str) -> Iterator[bool]:
    """One run of a pipeline at a time (a timer may fire again while a long run goes on); the kernel frees the
    lock if the process dies. Lock files live in ``locks/``, outside ``tmp/`` which fsck cleans."""
    folder = catalog.home.root / "locks"
    folder.mkdir(exist_ok=True)
    with open(folder / f"pipeline-{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _run_locked(catalog: Catalog, source: str | Path | Pipeline, name: str, started: float, *, dry_run: bool,
                trigger: str, actor: str, privacy_override: str | None, sample_rows: int,
                log: Callable[[str], None] | None) -> RunResult:
    run_id = None if dry_run else runs.start_run(catalog, name, trigger=trigger, actor=actor)
    result = RunResult(name, "failed", run_id=run_id)
    try:
        pipeline = source if isinstance(source, Pipeline) else load_pipeline(source)
        result.dataset = pipeline.target["dataset"]
        _execute(catalog, pipeline, result, dry_run=dry_run, actor=actor, privacy_override=privacy_override,
                 sample_rows=sample_rows, log=log or (lambda _line: None))
    except _Outcome as outcome:
        result = outcome.result
    except privacy.PersonalDataRefused as refused:
        result.status, result.error, result.findings = "failed", str(refused), refused.findings
    except PipelineError as error:
        result.status, result.error = "failed", str(error)
    except UserError as error:
        result.status = "failed"
        text = str(error)
        result.error = text if text.startswith("pipeline ") else f"pipeline {name!r}: {text}"
    except BaseException as error:
        result.status, result.error = "failed", f"internal error: {type(error).__name__}: {first_line(error)}"
        result.duration_ms = int((time.monotonic() - started) * 1000)
        _record(catalog, result)
        raise
    result.duration_ms = int((time.monotonic() - started) * 1000)
    _record(catalog, result)
    return result


def _record(catalog: Catalog, result: RunResult) -> None:
    if result.run_id is None or result.recorded:
        return
    runs.finish_run(catalog, result.run_id, status=result.status, **_run_fields(result))


def _run_fields(result: RunResult) -> dict:
    return {"dataset": result.dataset, "rows": result.rows, "version": (result.version or {}).get("number"),
            "error": result.error, "steps": [{"index": s.index, "type": s.type, "rows": s.rows, "ms": s.ms}
                                             for s in result.steps],
            "fingerprint": result.fingerprint, "inputs": result.inputs, "source_columns": result.source_columns}


def _execute(catalog: Catalog, pipeline: Pipeline, result: RunResult, *, dry_run: bool, actor: str,
             privacy_override: str | None, sample_rows: int, log: Callable[[str], None]) -> None:
    dataset = pipeline.target["dataset"]
    existing = catalog.find_dataset(dataset)
    if existing is None and not pipeline.target.get("org") and not dry_run:
        raise InvalidInput(f"pipeline {pipeline.label}: dataset {dataset!r} is new: set target.org")
    schema, schema_name = target_schema(catalog, pipeline, existing)
    definition = pipeline.definition_sha256(schema)
    last_ok = runs.last_success(catalog, pipeline.name)
    consumed = runs.consumed_inputs(catalog, pipeline.name) if pipeline.source.get("pick") == "new" else set()
    override = privacy_override or pipeline.publish.get("privacy_override")

    with WorkDir(catalog.home) as work:
        con = open_engine(work.path)
        try:
            t0 = time.monotonic()
            try:
                extracted = extract(pipeline, con, work.path, catalog=catalog, consumed=consumed)
            except SourceError as error:
                raise SourceError(f"{_where(pipeline)}, source: {error.message}", hint=error.hint) from None
            if extracted.nothing_new:
                result.status = "unchanged"
                result.version = catalog.latest_version(dataset) if existing else None
                result.messages.append("no new source files since the last successful run: nothing to publish")
                raise _Outcome(result)
            fingerprint = hashlib.sha256(f"{extracted.fingerprint}\n{definition}".encode()).hexdigest()
            result.fingerprint, result.inputs = fingerprint, extracted.inputs
            result.source_columns = list(extracted.columns)
            if last_ok and last_ok.get("source_columns") and pipeline.source.get("columns") is None:
                try:
                    raise_drift(last_ok["source_columns"], list(extracted.columns),
                                f"the last successful run (#{last_ok['id']}) had")
                except SourceError as error:
                    raise SourceError(f"{_where(pipeline)}, source: {error.message}", hint=error.hint) from None
            unchanged = _unchanged(catalog, pipeline, last_ok, fingerprint, existing)
            if unchanged and not dry_run:
                result.status, result.version = "unchanged", unchanged
                result.rows = unchanged["rows"]
                result.messages.append(f"source and pipeline unchanged since run #{last_ok['id']}: "
                                       f"{dataset} stays at version {unchanged['number']}")
                raise _Outcome(result)
            if unchanged:
                result.messages.append("the source and the pipeline are unchanged since the last successful run: "
                                       "a real run would publish nothing")
            table = extracted.table
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            cols, rows_sample = sample(con, table, sample_rows)
            result.steps.append(StepReport(0, f"extract ({pipeline.source_kind}: {extracted.format})", rows,
                                           int((time.monotonic() - t0) * 1000), cols, rows_sample))
            log(f"  0 extract      {rows:>10,} rows")
            references = load_references(con, catalog, pipeline)
            lock_down(con, work.path)
            meta_facts: dict[str, Any] = {}
            for spec in pipeline.steps:
                t0 = time.monotonic()
                out = f"step_{spec.index}"
                try:
                    inp = apply(con, table, out, spec.type, spec.options, work.path, references)
                    count = con.execute(f"SELECT count(*) FROM {out}").fetchone()[0]
                    cols, rows_sample = sample(con, out, sample_rows)
                except StepError as error:
                    raise StepFailed(f"{_where(pipeline, spec)}: {error.message}", hint=error.hint) from None
                except duckdb.Error as error:
                    culprit = _culprit(con, pipeline, before=spec.index) or spec
                    raise StepFailed(f"{_where(pipeline, culprit)}: {first_line(error)}") from None
                result.steps.append(StepReport(spec.index, spec.type, count, int((time.monotonic() - t0) * 1000),
                                               cols, rows_sample, list(inp.notes)))
                meta_facts.update(inp.meta)
                log(f"{spec.index:>3} {spec.type:<12} {count:>10,} rows")
                if count == 0 and rows and not pipeline.publish.get("allow_empty"):
                    raise StepFailed(f"{_where(pipeline, spec)}: produced no rows (its input had {rows:,})",
                                     hint="check the step's condition; set publish.allow_empty: true if an empty "
                                          "dataset is right")
                if is_table(con, out):
                    drop_upstream(con, keep={out, *references.values()})
                table, rows = out, count
            if rows == 0 and not pipeline.publish.get("allow_empty"):
                raise StepFailed(f"{_where(pipeline)}: the source has no rows",
                                 hint="set publish.allow_empty: true if an empty dataset is right")
            last = pipeline.steps[-1].label if pipeline.steps else "of the source"
            output = work.file("output.parquet")
            try:
                result.rows = conform(con, table, schema, "final", f"after {last}")
                # The one pass that evaluates the chain of views: every step's expressions run here.
                con.execute(f"COPY final TO {literal(str(output))} (FORMAT parquet, COMPRESSION snappy)")
            except UserError as error:
                raise StepFailed(f"{_where(pipeline)}: {error.message}", hint=error.hint) from None
            except duckdb.Error as error:
                culprit = _culprit(con, pipeline, before=len(pipeline.steps) + 1)
                raise StepFailed(f"{_where(pipeline, culprit)}: {first_line(error)}") from None
            written = f"SELECT * FROM read_parquet({literal(str(output))})"
            findings = privacy.check_schema(schema) + privacy.scan(con, written)
            result.findings = findings
            overridden = privacy.enforce(findings, override=override, what=f"pipeline {pipeline.label}: the output")
        finally:
            con.close()
        if dry_run:
            _dry_run(catalog, pipeline, result, output, schema, existing, unchanged=bool(unchanged))
            return
        meta = _dataset_meta(pipeline, existing, meta_facts)
        origin = f"pipeline:{pipeline.name}"
        note = pipeline.publish.get("note") or f"pipeline {pipeline.name}"
        if pipeline.mode == "append":
            def record(conn: Any, number: int) -> None:
                fields = {**_run_fields(result), "version": number}
                runs.finish_run(catalog, result.run_id, status="published", conn=conn, **fields)

            published = append(catalog, output, dataset=dataset, schema=schema, schema_name=schema_name,
                               org=pipeline.target.get("org"), key=pipeline.publish.get("key"), meta=meta,
                               publisher=actor, origin=origin, note=note, source_sha256=extracted.fingerprint,
                               source_bytes=extracted.bytes, source_format=extracted.format,
                               privacy_override=override, findings=findings,
                               in_transaction=record if result.run_id else None)
            result.recorded = published.status == "published" and result.run_id is not None
        else:
            extra = {"privacy_override": override} if override and publish_accepts_override() else {}
            # A standard schema is passed by name, so the dataset records which standard it follows.
            published = publish(catalog, output, dataset=dataset, org=pipeline.target.get("org"),
                                schema=schema_name or schema,
                                format="parquet", meta=meta, publisher=actor, origin=origin, note=note, **extra)
            if published.status == "published" and overridden and not extra:
                catalog.audit(actor, "privacy.override", dataset=dataset,
                              target=f"{dataset}@{published.version['number']}", origin=origin,
                              detail=privacy.audit_detail(overridden, override or ""))
        _finish_publish(pipeline, result, published)


def _culprit(con: duckdb.DuckDBPyConnection, pipeline: Pipeline, *, before: int) -> StepSpec | None:
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


def _unchanged(catalog: Catalog, pipeline: Pipeline, last_ok: dict | None, fingerprint: str,
               existing: dict | None) -> dict | None:
    """The current version when the last successful run had this fingerprint and its output is still current."""
    if not last_ok or last_ok.get("fingerprint") != fingerprint or existing is None:
        return None
    latest = catalog.latest_version(pipeline.target["dataset"])
    if latest is None:
        return None
    if pipeline.mode == "replace" and latest["number"] != last_ok.get("version"):
        return None  # someone published another version since: bring the pipeline's output back
    return latest


def _dataset_meta(pipeline: Pipeline, existing: dict | None, facts: dict) -> dict:
    meta = {k: pipeline.target[k] for k in META_KEYS if k in pipeline.target}
    extras = dict((existing or {}).get("extras") or {})
    extras.pop("suppression", None)
    extras["pipeline"] = pipeline.name
    extras.update(facts)
    meta["extras"] = extras
    return meta


def _finish_publish(pipeline: Pipeline, result: RunResult, published: PublishResult) -> None:
    if published.status != "published":  # a published version is described by the run's own summary
        result.messages.extend(published.messages)
    result.report = published.report if published.status == "invalid" else None
    if published.status == "invalid":
        result.status, result.valid = "failed", False
        result.error = (f"pipeline {pipeline.label}: the output is not valid against the target schema: "
                        + "; ".join(_report_errors(published.report)))
        return
    result.valid = True
    result.status = published.status  # published or unchanged
    result.version = published.version


def _report_errors(report: dict | None, limit: int = 5) -> list[str]:
    """A few of a validation report's errors, as short text (type, row, field, note)."""
    errors: list[dict] = list((report or {}).get("errors") or [])
    for task in (report or {}).get("tasks") or []:
        errors += task.get("errors") or []
    lines = []
    for error in errors[:limit]:
        where = " ".join(p for p in (f"row {error['rowNumber']}" if error.get("rowNumber") else "",
                                     f"field {error['fieldName']!r}" if error.get("fieldName") else "") if p)
        lines.append(f"{error.get('type', 'error')}{' at ' + where if where else ''}: {error.get('note', '')}".strip())
    if len(errors) > limit:
        lines.append(f"… {len(errors) - limit} more")
    return lines or ["see the validation report"]


def _dry_run(catalog: Catalog, pipeline: Pipeline, result: RunResult, output: Path, schema: dict,
             existing: dict | None, *, unchanged: bool = False) -> None:
    from pipelines.validate import validate_file

    with validate_file(output, schema=schema, format="parquet", references=catalog_references(catalog)) as validation:
        result.valid = validation.valid
        result.report = validation.report
    result.status = "dry-run"
    dataset = pipeline.target["dataset"]
    if not result.valid:
        result.messages.append("the output is NOT valid against the target schema: a real run would fail: "
                               + "; ".join(_report_errors(result.report)))
        return
    if unchanged:
        result.messages.append(f"valid: {result.rows:,} row(s) (nothing was written)")
        return
    number = (existing or {}).get("latest_version")
    verb = "append" if pipeline.mode == "append" else "publish"
    result.messages.append(f"valid: a real run would {verb} {result.rows:,} row(s) as {dataset} version "
                           f"{(number or 0) + 1} (nothing was written)")


# -- schedules ---------------------------------------------------------------------------------------------------------
def due_pipelines(catalog: Catalog, folder: str | Path, now: dt.datetime | None = None) -> list[tuple[Path, str]]:
    """(file, why) for each pipeline in ``folder`` whose schedule is due; files without a schedule never are.

    A file that does not load is listed too (its schedule cannot be read), with the problem as the reason.
    """
    due = []
    for path in find_pipelines(folder):
        try:
            pipeline = load_pipeline(path)
        except PipelineError as error:
            due.append((path, f"broken: {error}"))
            continue
        if not pipeline.schedule:
            continue
        last = runs.last_run(catalog, pipeline.name)
        if schedules.is_due(pipeline.schedule, last["started_at"] if last else None, now):
            due.append((path, f"schedule {pipeline.schedule!r}" + ("" if last else ", never run")))
    return due


def run_due(catalog: Catalog, folder: str | Path, *, actor: str = "cli",
            log: Callable[[str], None] | None = None) -> list[RunResult]:
    """Run every due pipeline of ``folder``, one after the other.

    A broken file fails every time it is looked at; it is recorded once (again only when its problem changes),
    so a timer calling this every few minutes does not bury the history under copies of one failure.
    """
    results = []
    for path, why in due_pipelines(catalog, folder):
        if log:
            log(f"{path.name}: {why if why.startswith('broken') else 'due (' + why + ')'}")
        if why.startswith("broken: "):
            last = runs.last_run(catalog, pipeline_name_of(path))
            if last and last["status"] == "failed" and last["error"] == why[len("broken: "):]:
                results.append(RunResult(pipeline_name_of(path), "failed", error=last["error"]))
                continue
        results.append(run_pipeline(catalog, path, trigger="due", actor=actor, log=log))
    return results


def default_folder(catalog: Catalog) -> Path:
    """Where ``opendata run --due`` looks for pipeline files unless told (``$OPENDATA_PIPELINES``, ``--dir``)."""
    return catalog.home.root / "pipelines"


def resolve_pipeline_file(name_or_path: str | Path, folder: str | Path) -> Path:
    """A pipeline file given by path, or by its name among the files of ``folder``."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for candidate in find_pipelines(folder):
        if name_or_path in (candidate.stem, pipeline_name_of(candidate)):
            return candidate
    raise NotFound(f"pipeline {str(name_or_path)!r} not found: no such file, and no pipeline of that name in "
                   f"{folder}", hint="give the YAML file's path, or --dir FOLDER")


def validate_pipeline_file(path: str | Path) -> Pipeline:
    """Load and check a pipeline file without running it (``opendata pipeline validate``)."""
    return load_pipeline(path)


__all__ = ["RunResult", "StepReport", "run_pipeline", "run_due", "due_pipelines", "validate_pipeline_file",
           "PipelineError"]
