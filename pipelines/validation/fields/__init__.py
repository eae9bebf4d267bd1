"""Table Schema field types, one module each, and the registry that maps a type name to its module.

Why frictionless's ``fields/`` layout: everything about one type (descriptor check, reference reader, exact
SQL, fast-pass cast, DuckDB type) sits in one file, so a fix to dates is made in ``date.py`` alone. The
engine never branches on a type name; it asks ``field_type(name)``.
"""

from __future__ import annotations

from typing import Any

from pipelines.validation.fields import (
    any,
    array,
    boolean,
    date,
    datetime,
    duration,
    geojson,
    geopoint,
    integer,
    number,
    object,
    string,
    time,
    year,
    yearmonth,
)
from pipelines.validation.fields import list as list_
from pipelines.validation.fields.base import FieldType, Reader

REGISTRY: dict[str, FieldType] = {module.TYPE.name: module.TYPE for module in (
    string, number, integer, boolean, object, array, list_, date, time, datetime, year, yearmonth, duration,
    geopoint, geojson, any)}
TYPES = tuple(REGISTRY)


def field_type(name: str) -> FieldType:
    """The type's module object (``any`` for a name the registry does not know)."""
    return REGISTRY.get(name, any.TYPE)


def make_reader(field: dict) -> Reader:
    """The reference reader of a field: a cell (text or native value) -> typed value, or None if invalid."""
    return field_type(field.get("type", "string")).reader(field)


def duckdb_type(field: dict) -> str:
    """The DuckDB (and Parquet) column type of a field (see each type's module for why)."""
    return field_type(field.get("type", "string")).duckdb_type(field)


def canonical_text(field: dict, value: Any) -> str:
    """Text DuckDB casts to ``duckdb_type(field)`` giving ``value`` (used for cells Python decided)."""
    return field_type(field.get("type", "string")).canonical(field, value)
