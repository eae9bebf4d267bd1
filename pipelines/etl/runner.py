"""Run a pipeline: extract → transform (DuckDB) → conform to the schema → privacy gate → validate → publish.

Every run is recorded in the history (``catalog.runs``) except dry runs, which write nothing anywhere. A run
publishes only when every check passed; any failure (a bad pipeline file, an unreachable source, a drifted layout,
a step that cannot run, zero rows, invalid data, personal data) is a failed run with a message naming the pipeline
and the step, and the catalogue stays exactly as it was. A run whose source and definition are unchanged since
the last successful run publishes nothing.

This module decides whether and where a run publishes; ``transform`` computes, ``results`` says what happened,
``due`` picks the scheduled runs and ``files`` finds pipeline files.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import inspect
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog import runs
from catalog.errors import InvalidInput, UserError
from catalog.i18n import _, format_number
from catalog.metadata import Catalog
from catalog.sqltext import sql_string
from catalog.storage import WorkDir
from pipelines import privacy
from pipelines.etl.append import append
from pipelines.etl.definition import Pipeline, PipelineError, load_pipeline, pipeline_name_of, pipeline_named
from pipelines.etl.extract import Extracted, SourceError, extract, raise_drift
from pipelines.etl.results import RunResult, record, record_in, report_errors
from pipelines.etl.steps.base import first_line
from pipelines.etl.transform import Transform, open_engine, where
from pipelines.publish import PublishResult, catalog_references, publish, resolve_dataset_schema

SAMPLE_ROWS = 3
META_KEYS = ("title", "description", "title_en", "description_en", "license", "tags", "frequency", "source", "contact", "temporal_coverage",
             "spatial_coverage")


class _Outcome(Exception):
    """Internal: ends a run early with a result (unchanged, nothing new)."""

    def __init__(self, result: RunResult) -> None:
        super().__init__(result.status)
        self.result = result


def target_schema(catalog: Catalog, pipeline: Pipeline, existing: dict | None) -> tuple[dict, str]:
    schema = pipeline.target.get("schema")
    if isinstance(schema, str) and (schema.endswith(".json") or "/" in schema):
        candidate = Path(schema)
        schema = str(candidate if candidate.is_absolute() else pipeline.base_dir / candidate)
    return resolve_dataset_schema(catalog, existing, schema)


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
            return RunResult(name, "failed", error=_("quy trình {name} đang chạy trong một tiến trình khác: lần chạy "
                                                     "này không làm gì (không được ghi lại)", name=repr(name)))
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
        _Run(catalog, pipeline, result, dry_run=dry_run, actor=actor, privacy_override=privacy_override,
             sample_rows=sample_rows, log=log or (lambda _line: None)).execute()
    except _Outcome as outcome:
        result = outcome.result
    except privacy.PersonalDataRefused as refused:
        result.status, result.error, result.findings = "failed", str(refused), refused.findings
    except PipelineError as error:
        result.status, result.error = "failed", str(error)
    except UserError as error:
        result.status = "failed"
        text = str(error)
        result.error = text if text.startswith(pipeline_named("")) else f"{pipeline_named(repr(name))}: {text}"
    except BaseException as error:
        result.status, result.error = "failed", _("lỗi nội bộ: {kind}: {error}", kind=type(error).__name__,
                                                  error=first_line(error))
        result.duration_ms = int((time.monotonic() - started) * 1000)
        record(catalog, result)
        raise
    result.duration_ms = int((time.monotonic() - started) * 1000)
    record(catalog, result)
    return result


@dataclass
class _Run:
    """One run of one pipeline, phase by phase: plan, extract, transform, gate, then publish or dry run."""

    catalog: Catalog
    pipeline: Pipeline
    result: RunResult
    dry_run: bool
    actor: str
    privacy_override: str | None
    sample_rows: int
    log: Callable[[str], None]
    extracted: Extracted | None = None
    unchanged: dict | None = None
    overridden: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    meta_facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        pipeline, catalog = self.pipeline, self.catalog
        self.dataset = pipeline.target["dataset"]
        self.existing = catalog.find_dataset(self.dataset)
        if self.existing is None and not pipeline.target.get("org") and not self.dry_run:
            raise InvalidInput(_("{pipeline}: bộ dữ liệu {dataset} là bộ mới: hãy đặt target.org",
                                 pipeline=pipeline_named(pipeline.label), dataset=repr(self.dataset)))
        self.schema, self.schema_name = target_schema(catalog, pipeline, self.existing)
        self.definition = pipeline.definition_sha256(self.schema)
        self.last_ok = runs.last_success(catalog, pipeline.name)
        self.consumed = runs.consumed_inputs(catalog, pipeline.name) if pipeline.source.get("pick") == "new" else set()
        self.override = self.privacy_override or pipeline.publish.get("privacy_override")

    def execute(self) -> None:
        with WorkDir(self.catalog.home) as work:
            output = work.file("output.parquet")
            con = open_engine(work.path)
            try:
                self._compute(con, work.path, output)
            finally:
                con.close()
            if self.dry_run:
                self._dry_run(output)
                return
            self._publish(output)

    def _compute(self, con: Any, work_dir: Path, output: Path) -> None:
        started = time.monotonic()
        table = self._extract(con, work_dir)
        transform = Transform(con, self.pipeline, work_dir, self.result.steps, self.sample_rows, self.log)
        rows = transform.report_source(table, f"extract ({self.pipeline.source_kind}: {self.extracted.format})",
                                       started)
        table, rows = transform.run(self.catalog, table, rows)
        self.meta_facts = transform.meta
        self.result.rows = transform.write(table, self.schema, output)
        written = f"SELECT * FROM read_parquet({sql_string(output)})"
        self.findings = self.result.findings = privacy.check_schema(self.schema) + privacy.scan(con, written)
        self.overridden = privacy.enforce(self.findings, override=self.override,
                                          what=_("{pipeline}: kết quả đầu ra", pipeline=pipeline_named(self.pipeline.label)))

    # -- extract, and the reasons to stop early --------------------------------------------------------------------
    def _extract(self, con: Any, work_dir: Path) -> str:
        pipeline, result = self.pipeline, self.result
        try:
            extracted = extract(pipeline, con, work_dir, catalog=self.catalog, consumed=self.consumed)
        except SourceError as error:
            raise SourceError(_("{where}, nguồn: {error}", where=where(pipeline), error=error.message),
                              hint=error.hint) from None
        self.extracted = extracted
        if extracted.nothing_new:
            result.status = "unchanged"
            result.version = self.catalog.latest_version(self.dataset) if self.existing else None
            result.messages.append(_("không có tệp nguồn mới kể từ lần chạy thành công gần nhất: không có gì để "
                                     "công bố"))
            raise _Outcome(result)
        fingerprint = hashlib.sha256(f"{extracted.fingerprint}\n{self.definition}".encode()).hexdigest()
        result.fingerprint, result.inputs = fingerprint, extracted.inputs
        result.source_columns = list(extracted.columns)
        self._check_drift()
        self._stop_if_unchanged(fingerprint)
        return extracted.table

    def _check_drift(self) -> None:
        last_ok = self.last_ok
        if not (last_ok and last_ok.get("source_columns") and self.pipeline.source.get("columns") is None):
            return
        try:
            raise_drift(last_ok["source_columns"], list(self.extracted.columns),
                        _("lần chạy thành công gần nhất (#{run}) có", run=last_ok["id"]))
        except SourceError as error:
            raise SourceError(_("{where}, nguồn: {error}", where=where(self.pipeline), error=error.message),
                              hint=error.hint) from None

    def _stop_if_unchanged(self, fingerprint: str) -> None:
        unchanged = self.unchanged = _unchanged(self.catalog, self.pipeline, self.last_ok, fingerprint,
                                                self.existing)
        if unchanged and not self.dry_run:
            self.result.status, self.result.version = "unchanged", unchanged
            self.result.rows = unchanged["rows"]
            self.result.messages.append(_("nguồn và quy trình không đổi kể từ lần chạy #{run}: {dataset} vẫn ở "
                                          "phiên bản {number}", run=self.last_ok["id"], dataset=self.dataset,
                                          number=unchanged["number"]))
            raise _Outcome(self.result)
        if unchanged:
            self.result.messages.append(_("nguồn và quy trình không đổi kể từ lần chạy thành công gần nhất: một lần "
                                          "chạy thật sẽ không công bố gì"))

    # -- publish, append, or only tell -----------------------------------------------------------------------------
    def _publish(self, output: Path) -> None:
        pipeline, result = self.pipeline, self.result
        meta = _dataset_meta(pipeline, self.existing, self.meta_facts)
        origin = f"pipeline:{pipeline.name}"
        note = pipeline.publish.get("note") or f"pipeline {pipeline.name}"
        if pipeline.mode == "append":
            extracted = self.extracted
            published = append(self.catalog, output, dataset=self.dataset, schema=self.schema,
                               schema_name=self.schema_name, org=pipeline.target.get("org"),
                               key=pipeline.publish.get("key"), meta=meta, publisher=self.actor, origin=origin,
                               note=note, source_sha256=extracted.fingerprint, source_bytes=extracted.bytes,
                               source_format=extracted.format, privacy_override=self.override,
                               findings=self.findings,
                               in_transaction=record_in(self.catalog, result) if result.run_id else None)
            result.recorded = published.status == "published" and result.run_id is not None
        else:
            published = self._replace(output, meta, origin, note)
        _finish_publish(pipeline, result, published)

    def _replace(self, output: Path, meta: dict, origin: str, note: str) -> PublishResult:
        extra = {"privacy_override": self.override} if self.override and publish_accepts_override() else {}
        # A standard schema is passed by name, so the dataset records which standard it follows.
        published = publish(self.catalog, output, dataset=self.dataset, org=self.pipeline.target.get("org"),
                            schema=self.schema_name or self.schema, format="parquet", meta=meta,
                            publisher=self.actor, origin=origin, note=note, **extra)
        if published.status == "published" and self.overridden and not extra:
            self.catalog.audit(self.actor, "privacy.override", dataset=self.dataset,
                               target=f"{self.dataset}@{published.version['number']}", origin=origin,
                               detail=privacy.audit_detail(self.overridden, self.override or ""))
        return published

    def _dry_run(self, output: Path) -> None:
        from pipelines.validate import validate_file

        result = self.result
        with validate_file(output, schema=self.schema, format="parquet",
                           references=catalog_references(self.catalog)) as validation:
            result.valid = validation.valid
            result.report = validation.report
        result.status = "dry-run"
        if not result.valid:
            result.messages.append(_("kết quả đầu ra KHÔNG hợp lệ theo lược đồ đích: một lần chạy thật sẽ thất bại: "
                                     "{errors}", errors="; ".join(report_errors(result.report))))
            return
        if self.unchanged:
            result.messages.append(_("hợp lệ: {rows} dòng (không ghi gì)", rows=format_number(result.rows)))
            return
        number = (self.existing or {}).get("latest_version")
        values = {"rows": format_number(result.rows), "dataset": self.dataset, "number": (number or 0) + 1}
        if self.pipeline.mode == "append":
            result.messages.append(_("hợp lệ: một lần chạy thật sẽ nối thêm {rows} dòng thành {dataset} phiên bản "
                                     "{number} (không ghi gì)", **values))
        else:
            result.messages.append(_("hợp lệ: một lần chạy thật sẽ công bố {rows} dòng thành {dataset} phiên bản "
                                     "{number} (không ghi gì)", **values))


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
        result.error = _("{pipeline}: kết quả đầu ra không hợp lệ theo lược đồ đích: {errors}",
                         pipeline=pipeline_named(pipeline.label), errors="; ".join(report_errors(published.report)))
        return
    result.valid = True
    result.status = published.status  # published or unchanged
    result.version = published.version


__all__ = ["RunResult", "run_pipeline", "pipeline_lock"]
