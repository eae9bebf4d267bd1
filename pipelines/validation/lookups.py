"""The tables a foreign key looks up: this resource, another resource of the package, or a catalogue dataset.

Why its own module: a reference may point at this file's own rows, at a sibling resource (typed here, as
frictionless's lookup reads it, by a second engine), or at a published dataset's Parquet; each becomes one
table of distinct key tuples ``r0..rn`` plus their DuckDB types, which both passes join against.

``Lookups`` is a part of ``Engine``.
"""

from __future__ import annotations

from pathlib import Path

from catalog.errors import InvalidInput, InvalidSchema, NotFound
from catalog.sqltext import quote_ident, sql_string
from pipelines import read as readers
from pipelines.source import open_source, parse_dialect
from pipelines.validation.checklist import parse_checklist
from pipelines.validation.fields import duckdb_type
from pipelines.validation.header import header_plans
from pipelines.validation.package import package_resource
from pipelines.validation.schema import check_schema

NUMBER_TYPES = ("BIGINT", "INTEGER", "DOUBLE", "FLOAT", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER")


def category(duck_type: str) -> str:
    """Column types that compare as equal values (any number with any number, any timestamp with any)."""
    t = duck_type.upper()
    if t in NUMBER_TYPES or t.startswith("DECIMAL"):
        return "number"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    return t


def _resource_schema(chosen: dict) -> dict:
    """The referenced resource's schema (described from its data when it has none), without its own keys."""
    schema = chosen["schema"]
    if schema is None:
        from pipelines.describe import describe_file

        schema = describe_file(chosen["path"], encoding=chosen["encoding"], dialect=chosen["dialect"],
                               format=chosen["format"], keep_labels=True)
    schema = check_schema(schema)
    schema["foreignKeys"] = []
    return schema


class Lookups:
    """Referenced key tables (a part of ``Engine``)."""

    def _lookup(self, resource: str, fields: list[str], index: int) -> tuple[str, list[str]] | None:
        """A table r0..rn of the referenced key tuples (not all-null), and their DuckDB types."""
        name = f"{self.prefix}_lookup{index}"
        package = self.lookups.get("package")
        stack = self.lookups.get("stack", [])
        if not resource or (stack and resource == stack[-1]):
            source, cols, types = self._self_lookup(fields)
        elif package is not None:
            package_path, resources = package
            if resource in stack:
                raise InvalidSchema(f"foreignKeys: circular reference through resource {resource!r}")
            chosen = package_resource(package_path, resources, resource)
            parquet = self._typed_resource(chosen, resource, stack)
            source, cols, types = self._parquet_lookup(parquet, fields, resource)
        elif self.references is not None:
            parquet = self.references(resource)
            if parquet is None:
                raise NotFound(f"foreign key: no dataset {resource!r} in the catalogue to check references against")
            source, cols, types = self._parquet_lookup(Path(parquet), fields, resource)
        else:
            raise InvalidInput(f"foreign key to resource {resource!r}: a single file cannot see other resources",
                               hint="validate the datapackage.json with --resource, or publish the referenced dataset")
        allnull = " AND ".join(f"r{i} IS NULL" for i in range(len(fields)))
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT DISTINCT * FROM "
                         f"(SELECT {', '.join(cols)} FROM {source}) WHERE NOT ({allnull})")
        return name, types

    def _self_lookup(self, fields: list[str]) -> tuple[str, list[str], list[str]]:
        plans = {p.name: p for p in self.plans if p.schema_field}
        if not all(f in plans for f in fields):
            raise InvalidSchema(f"foreignKeys: {fields} are not fields of this resource")
        cols = [f"v{plans[f].j} AS r{i}" for i, f in enumerate(fields)]
        return self.typed, cols, [duckdb_type(plans[f].field) for f in fields]

    def _parquet_lookup(self, parquet: Path, fields: list[str], resource: str) -> tuple[str, list[str], list[str]]:
        source = f"read_parquet({sql_string(str(parquet))})"
        described = {row[0]: row[1] for row in self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        missing = [f for f in fields if f not in described]
        if missing:
            raise InvalidSchema(f"foreign key: resource {resource!r} has no field {missing[0]!r}")
        return source, [f"{quote_ident(f)} AS r{i}" for i, f in enumerate(fields)], [described[f] for f in fields]

    def _typed_resource(self, chosen: dict, resource: str, stack: list[str]) -> Path:
        """Type another resource of the package (its rows as frictionless's lookup reads them)."""
        schema = _resource_schema(chosen)
        source = open_source(chosen["path"], format=chosen["format"], encoding=chosen["encoding"])
        engine = type(self)(source, schema, parse_dialect(chosen["dialect"]), parse_checklist(None), limit_errors=0,
                            progress=False, references=None,
                            lookups={"package": self.lookups["package"], "stack": [*stack, resource]},
                            prefix=f"ref{len(stack)}")
        try:
            engine._type_for_lookup(resource)
            out = Path(self.tmpdir) / f"lookup-{resource}-{len(stack)}.parquet"
            by_name = {p.name: p for p in engine.plans if p.schema_field}
            cols = ", ".join(f"v{p.j} AS {quote_ident(p.name)}" for p in by_name.values())
            engine.con.execute(f"COPY (SELECT {cols} FROM {engine.typed}) TO {sql_string(str(out))} (FORMAT parquet)")
            return out
        finally:
            engine.close()

    def _type_for_lookup(self, resource: str) -> None:
        """Stage and type this (referenced) resource, without checking it."""
        source, layout, scan = self.source, None, None
        if source.format in ("csv", "tsv"):
            layout, note = readers.read_csv_layout(source, self.dialect)
            if layout is None:
                raise InvalidInput(f"resource {resource!r}: cannot decode {source.path.name} ({note})")
            scan = readers.scan_bytes(source.path, delimiter=layout.fmt.delimiter)
        self.layout, self.scan = layout, scan
        self.staged = self._stage(layout, scan)
        self.plans, _ = header_plans(self.schema, self.staged.labels, self.dialect, self.staged.header_rows,
                                     self.staged.width)
        self._type()
