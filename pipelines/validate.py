"""Validate a table against a Table Schema, in DuckDB, with frictionless's answers: the public API.

Two passes (the engine is in ``pipelines/validation/``, one module per concept):

* the **fast pass** (valid CSV files, the common case): one ``COPY (SELECT typed columns FROM read_csv)
  TO parquet``; a cell SQL cannot prove valid aborts the statement, then constraints, keys and blank
  rows are counted over the Parquet. A valid file is done in one read and its Parquet is already written.
* the **exact pass** (anything else, or any error found): the cells are staged as text (DuckDB's reader,
  or Python's csv module where DuckDB would number rows differently), typed by SQL that emulates
  frictionless's parsers, the few cells SQL cannot decide (non-ASCII digits, rare types) are decided in
  Python once per distinct value, then each error class is one query. Errors come out in frictionless's
  order, cut at ``limit_errors`` like frictionless stops reading.

Why this module stays: the CLI, publishing, uploads and ETL import ``validate_file``, ``validate_package`` and
``Validation`` from here. Where we deliberately differ from frictionless (NFC, group chars), see VALIDATION.md.
Every error carries an ``explanation`` for people, in the current language (``pipelines/validation/explain.py``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from catalog import parquet_schema
from catalog.errors import InvalidInput, TooLarge
from pipelines.report import make_report
from pipelines.source import open_source, parse_dialect
from pipelines.validation.checklist import choose_policy, parse_checklist
from pipelines.validation.engine import Engine
from pipelines.validation.explain import explain_report
from pipelines.validation.package import package_resource, package_resources
from pipelines.validation.schema import check_schema

__all__ = ["Validation", "validate_file", "validate_package"]


@dataclass
class Validation:
    """The outcome of validating one table: the report, and the typed data staged in DuckDB."""

    valid: bool
    report: dict
    rows: int
    _engine: Engine | None = field(default=None, repr=False)

    def write_parquet(self, path: Path, *, table_schema: dict | None = None) -> None:
        """Write the typed table (schema order, zstd) to ``path``; only for a valid table. ``table_schema`` (the
        published schema) goes into the file's metadata (``catalog/parquet_schema.py``)."""
        if not self.valid or self._engine is None:
            raise InvalidInput("the table is not valid, so there is no typed Parquet to write",
                               hint="fix the errors in the report first")
        self._engine.write_parquet(Path(path))
        parquet_schema.annotate(Path(path), table_schema)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def __enter__(self) -> Validation:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - safety net for callers that forget close()
        with contextlib.suppress(Exception):
            self.close()


def validate_file(path, *, schema: dict, dialect: dict | None = None, encoding: str | None = None,
                  format: str | None = None, checklist: dict | None = None,
                  references: Callable[[str], Path | None] | None = None,
                  progress: bool = False, limit_errors: int = 1000, name: str | None = None,
                  policy: str | None = None, _lookups: dict | None = None) -> Validation:
    """Validate one data file (CSV/TSV, XLSX, JSON array of objects, Parquet) against ``schema``.

    ``references(resource_name)`` gives the Parquet file of a catalogue dataset for foreign keys.
    Raises ``UserError`` subclasses for input that is not a table (empty, binary, wrong format, not
    UTF-8 without ``encoding``...); a table with errors returns ``valid=False`` with the report.
    """
    started = time.perf_counter()
    schema = check_schema(schema)
    checks = parse_checklist(checklist)
    checks["policy"] = choose_policy(policy)
    source = open_source(path, format=format, encoding=encoding)
    engine = Engine(source, schema, parse_dialect(dialect), checks, limit_errors=limit_errors,
                    progress=progress, references=references, lookups=_lookups or {})
    try:
        task = engine.run(name=name or source.name, place=str(path))
    except duckdb.OutOfMemoryException as exc:  # DuckDB could not get memory: a refusal, never a crash
        engine.close()
        raise TooLarge(f"{source.path.name}: reading it needs more memory than this process may use ({exc})"
                       .split("\n")[0], hint="split the file into smaller ones, or try again later") from exc
    except BaseException:
        engine.close()
        raise
    report = explain_report(make_report(task, seconds=time.perf_counter() - started), schema)
    return Validation(valid=task["valid"], report=report, rows=task["stats"].get("rows", 0) or 0, _engine=engine)



def validate_package(package_path, resource: str | None = None, *, checklist: dict | None = None,
                     progress: bool = False, policy: str | None = None) -> Validation:
    """Validate one resource of a datapackage.json; foreign keys resolve against its other resources."""
    package_path = Path(package_path)
    resources = package_resources(package_path)
    names = [r.get("name") for r in resources if isinstance(r, dict)]
    if resource is None:
        if len(resources) != 1:
            raise InvalidInput(f"{package_path.name} has {len(resources)} resources ({', '.join(map(str, names))})",
                               hint="choose one with --resource NAME")
        resource = names[0]
    chosen = package_resource(package_path, resources, resource)
    lookups = {"package": (package_path, resources), "stack": [resource]}
    return validate_file(chosen["path"], schema=chosen["schema"], dialect=chosen["dialect"],
                         encoding=chosen["encoding"], format=chosen["format"], checklist=checklist,
                         progress=progress, name=resource, policy=policy, _lookups=lookups)
