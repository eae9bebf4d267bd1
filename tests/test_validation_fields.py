"""The field-type modules (``pipelines/validation/fields/``): one module per Table Schema type, and their
exact SQL agrees with their reference reader.

The reader is the reference (it reproduces frictionless's parsing; the differential test checks it against
frictionless itself); the SQL of the exact pass must accept exactly the cells the reader accepts, and give
the same value, or leave the cell to Python (state 2).
"""

from __future__ import annotations

import importlib

import duckdb
import pytest

from pipelines.tableschema import check_schema
from pipelines.validation.cells import cell_sql
from pipelines.validation.fields import REGISTRY, canonical_text, duckdb_type, make_reader
from pipelines.validation.fields.base import ODD, OK
from pipelines.validation.header import Plan, field_missing_values

CELLS = ["1", "-12", " 7 ", "+3", "1_000", "1.5", "7.5", "1.234.567", "12,5", "1e3", "nan", "abc", "", "٣",
         "2024", "0123", "true", "FALSE", "0", "2024-02-29", "2023-02-29", "29/02/2024", "2024-01-05T10:00:00",
         "2024-01-05T10:00:00+07:00", "23:59:59", "24:00:00"]
FIELDS = [
    {"type": "integer"}, {"type": "integer", "bareNumber": False}, {"type": "number"},
    {"type": "number", "groupChar": ".", "decimalChar": ","}, {"type": "boolean"}, {"type": "year"},
    {"type": "date"}, {"type": "date", "format": "%d/%m/%Y"}, {"type": "datetime"}, {"type": "time"},
    {"type": "string"},
]


def test_every_table_schema_type_has_its_own_module_in_the_registry():
    for name, ftype in REGISTRY.items():
        module = importlib.import_module(type(ftype).__module__)
        assert module.__name__.endswith(f".{name}"), name
        assert module.__doc__, f"{module.__name__} says why it exists"
        assert duckdb_type({"name": "x", "type": name, "format": "default"}) == ftype.duckdb_type({"format": "default"})


@pytest.mark.parametrize("descriptor", FIELDS, ids=lambda d: "-".join(str(v) for v in d.values()))
def test_the_exact_sql_of_a_field_accepts_the_cells_its_reference_reader_accepts(descriptor):
    schema = check_schema({"fields": [{"name": "x", **descriptor}]})
    field = schema["fields"][0]
    plan = Plan(1, field, 1, field_missing_values(schema, field), True)
    value_sql, state_sql = cell_sql(plan, "c", None)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
    reader = make_reader(field)
    for cell in CELLS:
        state, value = con.execute(f"SELECT {state_sql}, ({value_sql})::VARCHAR FROM (SELECT ? AS c)",
                                   [cell]).fetchone()
        expected = reader(cell)
        if state == ODD:
            continue  # left to the reader itself
        assert (state == OK) == (expected is not None), (descriptor, cell)
        if expected is not None:
            canonical = con.execute(f"SELECT (?::{duckdb_type(field)})::VARCHAR",
                                    [canonical_text(field, expected)]).fetchone()[0]
            assert value == canonical, (descriptor, cell)
