"""Check a catalogue home: every version's file is present and has its recorded hash; nothing is orphaned."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from catalog.metadata import Catalog
from catalog.storage import abandoned_work, remove, safe_join, sha256_file


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
    for relpath in relpaths:
        try:
            path = safe_join(catalog.home.data_dir, relpath)
        except ValueError:
            problems.append(f"{label}: path {relpath!r} escapes the data folder")
            continue
        if not path.is_file():
            problems.append(f"{label}: file missing: {relpath}")
            continue
        total += path.stat().st_size
        if verify_hashes:
            expected = version["sha256"] if version["path"] else Path(relpath).stem
            if sha256_file(path) != expected:
                problems.append(f"{label}: sha256 mismatch for {relpath}")
    if not problems and total != version["bytes"]:
        problems.append(f"{label}: size {total} != recorded {version['bytes']}")
    return problems


def fsck(catalog: Catalog, *, remove_orphans: bool = True, verify_hashes: bool = True, progress=None) -> FsckReport:
    """Verify versions, then find (and by default remove) orphans under the metadata write lock.

    Holding the write lock while listing ``data/`` matters: a publish moves its file into ``data/`` only inside
    that lock, so a file we see unreferenced here cannot belong to a publish that is about to commit.
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
        candidates: list[Path] = []
        if home.data_dir.exists():
            for file in sorted(home.data_dir.rglob("*")):
                if file.is_file() or file.is_symlink():
                    relative = file.relative_to(home.data_dir).as_posix()
                    if relative not in referenced:
                        candidates.append(file)
        candidates += abandoned_work(home)
        for entry in candidates:
            report.orphans.append(str(entry.relative_to(home.root)))
            if remove_orphans:
                remove(entry)
                report.removed.append(str(entry.relative_to(home.root)))
    return report
