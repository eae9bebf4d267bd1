"""Check a catalogue home: every version's file is present and has its recorded hash; nothing is orphaned.

Version files are reached through ``catalog.storage`` only, so the same check runs on any storage backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from catalog.metadata import Catalog
from catalog.storage import abandoned_work, remove


@dataclass
class FsckReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"ok": self.ok, "checked": self.checked, "problems": self.problems, "orphans": self.orphans,
                "removed": self.removed}


def check_version(catalog: Catalog, version: dict, *, verify_hashes: bool = True) -> list[str]:
    """Problems with one version's files. A single-file version's Parquet is named by its sha256; an appended
    version (``path`` empty, built on demand) is its parts, each named by its own sha256, adding up to ``bytes``."""
    label = f"{version['dataset']}@{version['number']}"
    relpaths = [version["path"]] if version["path"] else list(version.get("parts") or [])
    if not relpaths:
        return [f"{label}: no file and no parts recorded"]
    problems, total = [], 0
    storage = catalog.storage
    for relpath in relpaths:
        try:
            present = storage.exists(relpath)
        except ValueError:
            problems.append(f"{label}: path {relpath!r} escapes the data folder")
            continue
        if not present:
            problems.append(f"{label}: file missing: {relpath}")
            continue
        total += storage.size(relpath)
        if verify_hashes:
            expected = version["sha256"] if version["path"] else Path(relpath).stem
            if storage.sha256(relpath) != expected:
                problems.append(f"{label}: sha256 mismatch for {relpath}")
    if not problems and total != version["bytes"]:
        problems.append(f"{label}: size {total} != recorded {version['bytes']}")
    return problems


def fsck(catalog: Catalog, *, remove_orphans: bool = True, verify_hashes: bool = True, progress=None) -> FsckReport:
    """Verify versions, then find (and by default remove) orphans under the metadata write lock.

    Holding the write lock while listing ``data/`` matters: a publish stores its file before taking that lock,
    then checks inside it that the file is still there before committing (catalog/unit_of_work.py). So a file
    removed here that belonged to a publish still waiting for the lock makes that publish refuse, never commit a
    version without its file.
    """
    report = FsckReport()
    home = catalog.home
    versions = catalog.all_versions()
    for version in (progress(versions) if progress else versions):
        report.checked += 1
        report.problems += check_version(catalog, version, verify_hashes=verify_hashes)

    with catalog.writer.begin() as conn:  # the write lock: no publish can place a file meanwhile
        from catalog import db

        referenced: set[str] = set()
        for row in conn.execute(db.versions.select().with_only_columns(db.versions.c.path, db.versions.c.parts)):
            referenced.add(row.path)
            referenced.update(row.parts or [])
        for key in catalog.storage.list():
            if key not in referenced:
                report.orphans.append(f"data/{key}")
                if remove_orphans:
                    catalog.storage.delete(key)
                    report.removed.append(f"data/{key}")
        for key in catalog.storage.abandoned():  # interrupted uploads to an object store
            report.orphans.append(f"data/{key}")
            if remove_orphans:
                catalog.storage.delete(key)
                report.removed.append(f"data/{key}")
        for entry in abandoned_work(home):
            report.orphans.append(str(entry.relative_to(home.root)))
            if remove_orphans:
                remove(entry)
                report.removed.append(str(entry.relative_to(home.root)))
    return report
