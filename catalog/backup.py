"""Backups a running catalogue can take, and restores that check every byte.

The metadata database is the only mutable state, so a consistent backup is: a snapshot of the database taken
with SQLite's online backup API (readers and writers carry on; the copy is one point in time), then every
Parquet file that snapshot references. Parquet files are immutable and never removed while referenced, so copying
them after the snapshot is safe; files of versions published meanwhile are simply not part of this backup.
Files are hard-linked when the destination is on the same filesystem (instant, no extra space; safe because
nothing ever writes to a published file) and copied otherwise. A manifest lists every version and its sha256;
``restore`` rebuilds a home from a backup and verifies every file against it before the home appears.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from catalog import db
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.home import Home
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from catalog.storage import STORAGE_URL, LocalStorage, fsync_dir, read_range, safe_join, sha256_file

MANIFEST = "backup.json"
FORMAT = 1


@dataclass
class BackupReport:
    path: Path
    versions: int = 0
    files: int = 0
    linked: int = 0
    copied: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"path": str(self.path), "versions": self.versions, "files": self.files, "linked": self.linked,
                "copied": self.copied, "bytes": self.bytes, "problems": self.problems}


def snapshot_database(source: Path, target: Path) -> None:
    """A point-in-time copy of a live SQLite database (WAL included), via the online backup API."""
    src = sqlite3.connect(source, timeout=30)  # read only in effect; a read-only open of a WAL file can fail
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)  # one step: the whole database under one read transaction
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file
    finally:
        dst.close()
        src.close()
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def _versions_in(db_file: Path) -> list[dict]:
    """Every version recorded in a database file: dataset, number, sha256, bytes, parts."""
    v, d = db.versions, db.datasets
    engine = sa.create_engine(f"sqlite:///{db_file}")  # a plain engine: the snapshot stays one file, no WAL
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(d.c.name, v.c.number, v.c.path, v.c.parts, v.c.sha256, v.c.bytes, v.c.rows)
                                .join(d, d.c.id == v.c.dataset_id).order_by(d.c.name, v.c.number)).all()
    finally:
        engine.dispose()
    return [{"dataset": r.name, "number": r.number, "path": r.path, "parts": list(r.parts or []) or [r.path],
             "sha256": r.sha256, "bytes": r.bytes, "rows": r.rows} for r in rows]


def _link_or_copy(source: Path, target: Path, *, copy: bool) -> tuple[str, str | None]:
    """Place ``source`` at ``target``: ('linked', None) or ('copied', sha256 of what was written)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if not copy:
        try:
            os.link(source, target)
            return "linked", None
        except OSError:
            pass  # another filesystem (or no hard links): copy
    return "copied", _write_copy(read_range(source), target)


def _write_copy(chunks, target: Path) -> str:
    """Write ``chunks`` durably at ``target`` (via a partial file); returns their sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    tmp = target.with_name(target.name + ".partial")
    with open(tmp, "wb") as dst:
        for chunk in chunks:
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(tmp, target)
    return digest.hexdigest()


def _store_file(storage, key: str, target: Path, *, copy: bool) -> tuple[str, str | None]:
    """A version file into the backup: hard-linked from a local storage, else copied through ``storage.open``
    (an object store: S3)."""
    if storage.remote:
        return "copied", _write_copy(storage.open(key), target)
    return _link_or_copy(Path(storage.location(key)), target, copy=copy)


def _files_of(versions: list[dict]) -> dict[str, dict]:
    """Each referenced file once, with the version that records its sha256 (a version's own ``path``)."""
    files: dict[str, dict] = {}
    for version in versions:
        for part in version["parts"]:
            files.setdefault(part, {})
        files[version["path"]] = {"sha256": version["sha256"], "bytes": version["bytes"]}
    return files


def _fresh_dir(final: Path) -> Path:
    """A work folder beside ``final`` (same filesystem, so the finished result is renamed into place)."""
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise Conflict(_("{path} đã có và không trống", path=final), hint=_("hãy chọn một thư mục mới"))
    final.parent.mkdir(parents=True, exist_ok=True)
    work = final.parent / f".{final.name}.partial-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    return work


def _move_into_place(work: Path, final: Path) -> None:
    if final.exists():
        final.rmdir()  # empty (checked): rename needs it gone
    os.replace(work, final)
    fsync_dir(final.parent)


# Immutable, content-addressed folders of the home kept beside data/ (originals of CKAN uploads).
EXTRA_FOLDERS = ("uploads",)


def _copy_extra_folders(source_root: Path, target_root: Path, *, copy: bool) -> None:
    for name in EXTRA_FOLDERS:
        folder = source_root / name
        if not folder.is_dir():
            continue
        for file in sorted(folder.rglob("*")):
            if file.is_file() and not file.is_symlink():
                _link_or_copy(file, target_root / name / file.relative_to(folder), copy=copy)


def _require_sqlite(home: Home) -> None:
    """These backups snapshot the home's SQLite file; a PostgreSQL catalogue is backed up with PostgreSQL's tools."""
    if not home.database_url.startswith("sqlite"):
        raise InvalidInput(_("'opendata backup' và 'restore' làm việc với danh mục có siêu dữ liệu trong tệp SQLite "
                             "của thư mục gốc; danh mục này giữ nó trong PostgreSQL"),
                           hint=_("hãy sao lưu cơ sở dữ liệu bằng pg_dump (khôi phục bằng pg_restore) và chép thư "
                                  "mục dữ liệu hoặc bucket kèm theo; hoặc bỏ OPENDATA_DATABASE_URL để dùng SQLite"))


def backup(catalog: Catalog, dest: str | Path, *, copy: bool = False, progress=None) -> BackupReport:
    """Write a consistent backup of ``catalog`` to the new folder ``dest`` (while the server keeps running)."""
    _require_sqlite(catalog.home)
    catalog.ensure_ready()
    final = Path(dest).expanduser().resolve()
    home = catalog.home
    if final == home.root or home.root in final.parents:
        raise InvalidInput(_("không sao lưu được {root} vào chính nó ({path})", root=home.root, path=final),
                           hint=_("hãy chọn một thư mục ở ngoài"))
    work = _fresh_dir(final)
    report = BackupReport(final)
    try:
        snapshot_database(home.db_path, work / home.db_path.name)
        versions = _versions_in(work / home.db_path.name)
        files = _files_of(versions)
        report.versions = len(versions)
        for relative, expected in (progress(files.items()) if progress else files.items()):
            how, digest = _store_file(catalog.storage, relative, work / "data" / relative, copy=copy)
            report.files += 1
            report.bytes += catalog.storage.size(relative)
            if how == "linked":
                report.linked += 1
            else:
                report.copied += 1
                if expected.get("sha256") and digest != expected["sha256"]:
                    report.problems.append(f"{relative}: sha256 of the copy differs from the recorded one")
        if home.config_path.is_file():
            shutil.copy2(home.config_path, work / home.config_path.name)
        _copy_extra_folders(home.root, work, copy=copy)
        manifest = {"format": FORMAT, "created_at": db.utcnow(), "source": str(home.root),
                    "versions": versions, "files": files}
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        if report.problems:
            raise InvalidInput(_("đã dừng sao lưu: {problem}", problem=report.problems[0]),
                               hint=_("hãy chạy 'opendata fsck' trên danh mục"))
        for folder in [*(p for p in (work / "data").glob("*") if p.is_dir()), work / "data", work]:
            if folder.exists():
                fsync_dir(folder)
        _move_into_place(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return report


def restore(src: str | Path, home: Home, *, copy: bool = False, progress=None) -> BackupReport:
    """Rebuild the catalogue ``home`` (which must not exist yet, or be empty) from the backup at ``src``.

    Every file is checked against the manifest's sha256 before the home appears; a damaged backup restores
    nothing.
    """
    _require_sqlite(home)
    source = Path(src).expanduser().resolve()
    manifest_path = source / MANIFEST
    if not manifest_path.is_file() or not (source / home.db_path.name).is_file():
        raise NotFound(_("không có bản sao lưu nào ở {path}", path=source),
                       hint=_("cần có {manifest} và {database} ở đó (do 'opendata backup DEST' tạo)",
                              manifest=MANIFEST, database=home.db_path.name))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    final = home.root
    work = _fresh_dir(final)
    report = BackupReport(final)
    try:
        snapshot_database(source / home.db_path.name, work / home.db_path.name)
        versions = _versions_in(work / home.db_path.name)
        files = _files_of(versions)
        report.versions = len(versions)
        recorded = {(v["dataset"], v["number"]): v["sha256"] for v in manifest.get("versions", [])}
        for v in versions:
            if recorded.get((v["dataset"], v["number"])) != v["sha256"]:
                report.problems.append(f"{v['dataset']}@{v['number']}: database and manifest disagree")
        for relative, expected in (progress(files.items()) if progress else files.items()):
            origin = safe_join(source / "data", relative)
            if not origin.is_file():
                report.problems.append(f"{relative}: missing from the backup")
                continue
            how, digest = _link_or_copy(origin, work / "data" / relative, copy=copy)
            report.files += 1
            report.bytes += origin.stat().st_size
            if how == "linked":
                report.linked += 1
            else:
                report.copied += 1
            if expected.get("sha256") and (digest or sha256_file(origin)) != expected["sha256"]:
                report.problems.append(f"{relative}: sha256 differs from the recorded one")
        if report.problems:
            more = len(report.problems) - 1
            raise InvalidInput(_("bản sao lưu ở {path} bị hỏng: {problem}", path=source, problem=report.problems[0])
                               + (_(" (và {count} lỗi khác)", count=more) if more else ""),
                               hint=_("chưa khôi phục gì; hãy dùng một bản sao lưu khác"))
        if (source / home.config_path.name).is_file():
            shutil.copy2(source / home.config_path.name, work / home.config_path.name)
        _copy_extra_folders(source, work, copy=copy)
        restored = Home(work)
        restored.create_dirs()
        fresh = Catalog(restored, storage=LocalStorage(restored.data_dir))  # the files are in data/, whatever the env
        try:
            fresh.init()  # a backup from an older release gets the newer migrations
        finally:
            fresh.dispose()
        fsync_dir(work)
        _move_into_place(work, final)
        if os.environ.get(STORAGE_URL):  # which names another place: the restored home keeps reading its data/
            home.record_storage(f"file://{home.data_dir}")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return report
