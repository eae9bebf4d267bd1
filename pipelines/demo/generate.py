"""Deterministic demo data for the catalogue: one dataset per standard schema, written as source files.

`opendata demo` publishes these files through the real publish pipeline, so they are ordinary CSV/XLSX
files a department could have sent. Totals come from the city's public reporting (September 2018,
``data/report-2018.yaml``) where it gives one; everything finer grained (per district, per month, per station)
is synthetic ("mô phỏng") and each description says so.

Why this module: it joins each dataset's metadata (``data/datasets.yaml``, in publishing order) to the
generator that writes its files. Every generator is seeded from a fixed string and never reads the clock, so
the same call writes the same bytes (XLSX timestamps included) on every run. Values are canonical (``1234.5``,
ISO dates) because the standard schemas describe the published form; one CSV uses the Vietnamese Excel export
habits that need no dialect (UTF-8 BOM, ``;`` delimiter, CRLF line ends) and one dataset is an XLSX workbook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.demo import admin_units, environment, services
from pipelines.demo.content import DISTRICTS, load_yaml
from pipelines.demo.environment import Generated
from pipelines.demo.files import write_csv

DISTRICT_COLUMNS = ["code", "name", "name_ascii", "type", "wards_communes", "area_km2", "population", "latitude",
                    "longitude"]


@dataclass
class DemoDataset:
    """What `opendata demo` publishes for one dataset: its metadata and its source files."""

    name: str
    org: str
    schema: str
    title: str
    title_en: str
    description: str
    license: str
    tags: list[str]
    frequency: str
    source: str
    temporal_coverage: str
    spatial_coverage: str = "Hà Nội"
    files: list[Path] = field(default_factory=list)  # one per version, oldest first
    description_en: str = ""
    tag_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # slug -> {"vi", "en"}


def hanoi_districts(out: Path) -> Generated:
    """The reference table the other datasets' ``district`` columns point at."""
    rows = ([d[c] for c in DISTRICT_COLUMNS] for d in DISTRICTS)
    return [write_csv(out / "hanoi-districts.csv", DISTRICT_COLUMNS, rows)], {}


def generators(air_rows: int) -> dict[str, Callable[[Path], Generated]]:
    """Dataset name -> the function that writes its files into a folder."""
    return {
        "hanoi-districts": hanoi_districts,
        "air-quality": lambda out: environment.air_quality(out, air_rows),
        "water-quality": environment.water_quality,
        "rainfall": environment.rainfall,
        "flood-points": environment.flood_points,
        "schools": services.schools,
        "online-services": services.online_services,
        "ehealth-records": services.ehealth_records,
        "cancer-screening": services.cancer_screening,
        "tourism-arrivals": services.tourism_arrivals,
        admin_units.NEW_UNITS: admin_units.communes_2025,
        admin_units.OLD_UNITS: admin_units.communes_before_2025,
    }


def dataset(meta: dict, files: list[Path], facts: dict, synthetic: str, declared: dict | None = None) -> DemoDataset:
    """A dataset's declared metadata with its descriptions' placeholders filled from the generated facts
    (``declared``: the whole datasets.yaml, for the English synthetic note and the tags' labels)."""
    declared = declared or {}
    values = {**meta, **{k: v for k, v in facts.items() if k == "temporal_coverage"}}
    values["description"] = meta["description"].format(synthetic=synthetic, **facts)
    if meta.get("description_en"):
        values["description_en"] = meta["description_en"].format(synthetic=declared.get("synthetic_note_en", ""),
                                                                 **facts)
    values["tags"] = list(meta["tags"])
    labels = declared.get("tag_labels") or {}
    values["tag_labels"] = {tag: labels[tag] for tag in values["tags"] if tag in labels}
    return DemoDataset(**admin_units.label_old_units(values), files=files)


def build_demo_files(out_dir: Path, *, air_rows: int = 20000) -> list[DemoDataset]:
    """Write every demo dataset's files into ``out_dir``, in the order of ``data/datasets.yaml``.

    The same arguments always give byte-identical files. ``air_rows`` sizes the air-quality series,
    published as three versions that each extend the previous one.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    declared = load_yaml("datasets.yaml")
    write = generators(air_rows)
    datasets = []
    for meta in declared["datasets"]:
        files, facts = write[meta["name"]](out)
        datasets.append(dataset(meta, files, facts, declared["synthetic_note"], declared))
    return datasets
