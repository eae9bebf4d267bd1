"""The demo's content, read from the package data files in ``data/``.

Why files and not Python literals: the organisations, districts, stations, procedures, the city's reported
figures, the datasets' metadata and the pipeline definitions are content, which an editor should be able to
correct without reading code (and a reviewer should be able to diff as a table). The generators keep only the
logic. Files ship with the package (``setup.cfg`` ``[options.package_data]``) and are read through
``importlib.resources``, so a plain, non-editable install finds them too.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from catalog.metadata import nfc

DATA = files(__package__) / "data"


def text(name: str) -> str:
    """A data file's text (UTF-8), e.g. ``text("pipelines/tourism-monthly.yaml")``."""
    return (DATA / name).read_text(encoding="utf-8")


@cache
def load_yaml(name: str) -> Any:
    return yaml.safe_load(text(name))


def load_json(name: str) -> Any:
    return json.loads(text(name))


def load_table(name: str, **types: Callable[[str], Any]) -> list[dict[str, Any]]:
    """The rows of a CSV data file as dicts; ``types`` converts the named columns (the others stay text, NFC)."""
    rows = csv.DictReader(io.StringIO(text(name)))
    return [{key: types[key](value) if key in types else nfc(value)
             for key, value in row.items()} for row in rows]


def day(value: str | date) -> date:
    """A date from a data file (YAML may already have parsed it)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


REPORT: dict[str, Any] = load_yaml("report-2018.yaml")
REPORT_DATE = day(REPORT["report_date"])
DEPARTMENTS: list[dict[str, str]] = load_table("departments.csv")
SYNTHETIC_DISTRICT_FIELDS = ("area_km2", "population", "latitude", "longitude")
DISTRICTS: list[dict[str, Any]] = [
    {**row, "synthetic": list(SYNTHETIC_DISTRICT_FIELDS)}
    for row in load_table("districts.csv", wards_communes=int, area_km2=float, population=int, latitude=float,
                          longitude=float)
]
DISTRICT: dict[str, dict[str, Any]] = {d["name"]: d for d in DISTRICTS}
