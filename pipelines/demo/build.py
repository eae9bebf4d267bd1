"""The demo catalogue: Hanoi's departments and one dataset per standard schema, built through the real pipeline.

Why through the pipeline: nothing is inserted behind its back, so the demo exercises what a department does.
Every version is a generated file published with ``pipelines.publish.publish``; then the demo's ETL pipelines
run. Re-running is harmless: existing organisations are kept and identical files create no new versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from catalog.accounts import Accounts
from catalog.i18n import _
from catalog.metadata import Catalog
from pipelines.demo.content import DEPARTMENTS
from pipelines.demo.generate import DemoDataset, build_demo_files
from pipelines.demo.pipelines import build_demo_pipelines, ensure_departments, run_demo_pipelines
from pipelines.publish import PublishResult, publish

DEMO_USER = "demo-editor"


@dataclass
class DemoSummary:
    home: Path
    published: list[PublishResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.published)


def build_demo(catalog: Catalog, *, air_rows: int = 20000, log: Callable[[str], None] = lambda _: None) -> DemoSummary:
    """Create (or refresh) the demo catalogue in ``catalog.home``."""
    catalog.init()
    summary = DemoSummary(catalog.home.root)
    ensure_departments(catalog)
    sources = catalog.home.root / "demo-sources"
    sources.mkdir(parents=True, exist_ok=True)
    for dataset in build_demo_files(sources, air_rows=air_rows):
        publish_dataset(catalog, dataset, summary, log)
    folder = catalog.home.root / "pipelines"
    build_demo_pipelines(catalog, folder)
    run_demo_pipelines(catalog, folder, log=log)
    summary.notes.append(_("các quy trình demo nằm trong {folder} (hãy thử: opendata run --due)", folder=folder))
    summary.notes.append(demo_editor(catalog))
    return summary


def publish_dataset(catalog: Catalog, dataset: DemoDataset, summary: DemoSummary, log: Callable[[str], None]) -> None:
    """Publish each of the dataset's files as a version, oldest first; a file that does not validate stops the demo."""
    tags = [{"name": t, "title": dataset.tag_labels.get(t, {}).get("vi", ""),
             "title_en": dataset.tag_labels.get(t, {}).get("en", "")} for t in dataset.tags]
    meta = {"title": dataset.title, "description": dataset.description, "license": dataset.license,
            "title_en": dataset.title_en, "description_en": dataset.description_en,
            "tags": tags, "frequency": dataset.frequency, "source": dataset.source,
            "temporal_coverage": dataset.temporal_coverage, "spatial_coverage": dataset.spatial_coverage}
    for number, file in enumerate(dataset.files, start=1):
        result = publish(catalog, file, dataset=dataset.name, org=dataset.org, schema=dataset.schema,
                         meta=meta, publisher="demo", origin="demo", note=f"tệp demo số {number}")  # data: Vietnamese, as the demo's content
        summary.published.append(result)
        log(f"{dataset.name}: {result.messages[0] if result.messages else result.status}")
        if not result.ok:
            raise RuntimeError(f"demo data for {dataset.name} did not validate: {result.report}")


def demo_editor(catalog: Catalog) -> str:
    """A demo editor of every department with a token kept in ``demo-token.txt`` (mode 0600).

    Only the demo writes a token to disk, so the CKAN conformance check and remote publishing can be tried at
    once; real tokens are shown once and stored only as hashes.
    """
    accounts = Accounts(catalog)
    token_file = catalog.home.root / "demo-token.txt"
    if accounts.find_user(DEMO_USER) is None:
        accounts.add_user(DEMO_USER, fullname="Demo editor", actor="demo")
    for department in DEPARTMENTS:
        accounts.add_member(department["name"], DEMO_USER, "editor", actor="demo")
    token = token_file.read_text().strip() if token_file.exists() else ""
    if not token or accounts.authenticate(token) is None:
        token, _record = accounts.create_token(DEMO_USER, name="demo", actor="demo")
        token_file.touch(mode=0o600)
        token_file.write_text(token + "\n")
    return _("mã truy cập (token) của biên tập viên demo (người dùng {user}, biên tập viên của mọi sở, ngành) nằm "
             "trong {path}", user=DEMO_USER, path=token_file)
