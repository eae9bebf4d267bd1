"""The demo's ETL pipelines: write their sources and YAML files, then run them as a department would.

Three pipelines, whose definitions are package data (``data/pipelines/*.yaml``) written next to the sources they
read; only the mappings derived from other data files (the air export's header and district spellings, the
health database's district spellings) and the synthetic-data note are filled in (``$name`` placeholders):

- ``tourism-monthly.yaml`` (Sở Du lịch): yearly Excel reports, eight steps to the standard ``tourism_arrivals``
  long rows (one per month), published in replace mode.
- ``air-quality-hourly.yaml`` (Sở Tài nguyên và Môi trường): daily exports appended in several runs; each run
  takes only the export files no earlier run took, so ``air-quality-live`` has versions that grew, each adding
  one Parquet part.
- ``ehealth-by-district.yaml`` (Sở Y tế): record-level records aggregated to counts per district with small-cell
  suppression (k = 5). The same records published without the aggregate are refused by the privacy gate.

How to run them (the demo does this; by hand it is the same):

    build_demo_pipelines(catalog, folder)       # writes the sources, the schema and the YAML files
    run_demo_pipelines(catalog, folder)         # runs them, feeding the air exports one day at a time
    # or: opendata run folder/tourism-monthly.yaml; opendata run --due --dir folder; opendata runs
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from string import Template

from catalog.metadata import Catalog
from pipelines.demo import sources
from pipelines.demo.content import DEPARTMENTS, load_json, load_yaml, text
from pipelines.demo.generate import hanoi_districts

PIPELINE_FILES = ("tourism-monthly.yaml", "air-quality-hourly.yaml", "ehealth-by-district.yaml")


def _flow(mapping: dict[str, str]) -> str:
    """A YAML flow mapping of JSON strings (quoted, so Vietnamese spellings and dots stay text)."""
    return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                           for k, v in mapping.items()) + "}"


def render_pipelines() -> dict[str, str]:
    """File name -> the pipeline definition's text, placeholders filled."""
    export = sources.SOURCES["air_export"]
    values = {
        "synthetic": sources.SYNTHETIC,
        "header": ", ".join(json.dumps(h, ensure_ascii=False) for h in export["header"]),
        "rename": _flow(dict(zip(export["header"], export["columns"], strict=True))),
    }
    spellings = {"air-quality-hourly.yaml": sources.air_district_spellings(),
                 "ehealth-by-district.yaml": sources.ehealth_spellings()}
    return {name: Template(text(f"pipelines/{name}")).substitute(values, spellings=_flow(spellings.get(name, {})))
            for name in PIPELINE_FILES}


def _write_sources(folder: Path) -> None:
    """The source files, kept when they exist (a second build changes nothing)."""
    for year in sources.tourism_report_years():
        target = folder / "tourism" / f"bao-cao-du-lich-{year}.xlsx"
        if not target.exists():
            sources.write_tourism_report(target, year)
    for day in sources.air_export_days():
        name = f"air-export-{day.isoformat()}.csv"
        if not (folder / "air" / name).exists() and not (folder / "air-incoming" / name).exists():
            sources.write_air_export(folder / "air-incoming" / name, day)
    (folder / "air").mkdir(parents=True, exist_ok=True)
    database = folder / "ehealth" / "so-y-te.sqlite"
    if not database.exists():
        sources.write_ehealth_database(database)


def build_demo_pipelines(catalog: Catalog, work_dir: Path) -> list[Path]:
    """Write the demo sources, the custom schema and the three pipeline files into ``work_dir``.

    The air exports are written to ``sources/air-incoming/``; ``run_demo_pipelines`` moves them into
    ``sources/air/`` one day at a time, as the monitoring system would. Existing sources are kept, so a second
    build changes nothing and a second run publishes nothing new. ``catalog`` is accepted so the signature can
    grow (e.g. placing files in its home); nothing is written to the catalogue here.
    """
    del catalog
    work_dir = Path(work_dir)
    _write_sources(work_dir / "sources")
    schema_file = work_dir / "schemas" / "ehealth-by-district.json"
    schema_file.parent.mkdir(parents=True, exist_ok=True)
    schema = load_json("pipelines/ehealth-by-district.schema.json")
    schema_file.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths = []
    for name, definition in render_pipelines().items():
        path = work_dir / name
        path.write_text(definition, encoding="utf-8")
        paths.append(path)
    return paths


def ensure_departments(catalog: Catalog) -> None:
    """Every demo department as an organisation; existing ones are kept as they are."""
    for department in DEPARTMENTS:
        if catalog.find_org(department["name"]) is None:
            catalog.add_org(department["name"], department["title"], department.get("description", ""), actor="demo",
                            title_en=department.get("title_en", ""), description_en=department.get("description_en", ""))


def ensure_demo_references(catalog: Catalog, work_dir: Path) -> None:
    """The organisations and the hanoi-districts reference the pipelines need (the full demo has them already)."""
    from pipelines.publish import publish

    ensure_departments(catalog)
    if catalog.find_dataset("hanoi-districts") is not None:
        return
    folder = Path(work_dir) / "sources"
    folder.mkdir(parents=True, exist_ok=True)
    [path], _ = hanoi_districts(folder)
    meta = next(d for d in load_yaml("datasets.yaml")["datasets"] if d["name"] == "hanoi-districts")
    result = publish(catalog, path, dataset="hanoi-districts", org=meta["org"], schema=meta["schema"],
                     meta={"title": meta["title"]}, publisher="demo", origin="demo")
    if not result.ok:
        raise RuntimeError(f"the districts reference did not validate: {result.messages}")


def run_demo_pipelines(catalog: Catalog, work_dir: Path, *, log: Callable[[str], None] = lambda _: None) -> list:
    """Run the three demo pipelines; the air exports arrive one day per run, so that dataset grows by appends."""
    from pipelines.etl.runner import run_pipeline

    work_dir = Path(work_dir)
    ensure_demo_references(catalog, work_dir)
    results = []
    for name in ("tourism-monthly.yaml", "ehealth-by-district.yaml"):
        results.append(run_pipeline(catalog, work_dir / name, trigger="demo", actor="demo"))
        log(f"{results[-1].pipeline}: {results[-1].status} {results[-1].error}".rstrip())
    incoming = work_dir / "sources" / "air-incoming"
    for export in sorted(incoming.glob("air-export-*.csv")) if incoming.exists() else []:
        shutil.move(str(export), str(work_dir / "sources" / "air" / export.name))
        results.append(run_pipeline(catalog, work_dir / "air-quality-hourly.yaml", trigger="demo", actor="demo"))
        log(f"{results[-1].pipeline} ({export.name}): {results[-1].status} {results[-1].error}".rstrip())
    if not any(r.pipeline == "air-quality-hourly" for r in results):
        results.append(run_pipeline(catalog, work_dir / "air-quality-hourly.yaml", trigger="demo", actor="demo"))
    return results
