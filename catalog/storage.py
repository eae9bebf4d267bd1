"""Immutable files: content-addressed Parquet, atomic placement, hashing.

A version's Parquet is written under ``tmp/``, fsynced, hashed and renamed to ``data/<dataset>/<sha256>.parquet``.
Readers only ever see complete files: the rename is atomic and the metadata row that points at the file is
committed after it. A crash leaves at most an orphan in ``tmp/`` (or an unreferenced file in ``data/``), which
``opendata fsck`` reports and removes.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import uuid
from pathlib import Path

from catalog.home import Home

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def temp_path(home: Home, suffix: str) -> Path:
    """A fresh path in the home's temp folder (same filesystem as data/, so rename is atomic)."""
    home.tmp_dir.mkdir(parents=True, exist_ok=True)
    return home.tmp_dir / f"{uuid.uuid4().hex}{suffix}"


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def place(tmp: Path, final: Path) -> None:
    """Move a finished temp file into place durably; an existing identical file (same hash name) is kept."""
    fsync_file(tmp)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        tmp.unlink()
        return
    os.replace(tmp, final)
    fsync_dir(final.parent)


def version_relpath(dataset: str, sha256: str, suffix: str = ".parquet") -> str:
    return f"{dataset}/{sha256}{suffix}"


def safe_join(base: Path, relative: str) -> Path:
    """Join without escaping ``base`` (no ``..``, no absolute parts, no symlink out)."""
    candidate = (base / relative).resolve()
    if base.resolve() not in candidate.parents:
        raise ValueError(f"path escapes the data folder: {relative!r}")
    return candidate


class WorkDir:
    """A private folder under ``tmp/`` for one unit of work (a publish, a download build).

    The owner holds an exclusive ``flock`` on ``.lock`` for as long as it works; the kernel drops the lock when
    the process dies, even by ``kill -9``. ``fsck`` removes exactly the folders whose lock it can take, so it
    never deletes the files of a publish that is still running.
    """

    def __init__(self, home: Home) -> None:
        home.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.path = home.tmp_dir / f"work-{uuid.uuid4().hex}"
        self.path.mkdir()
        self._lock = open(self.path / ".lock", "w")  # noqa: SIM115 - held for the object's lifetime
        fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def file(self, name: str) -> Path:
        return self.path / name

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.close()

    def __enter__(self) -> WorkDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def abandoned_work(home: Home) -> list[Path]:
    """Entries of ``tmp/`` whose owner is gone: work folders whose lock is free, and stray files."""
    found = []
    if not home.tmp_dir.exists():
        return found
    for entry in sorted(home.tmp_dir.iterdir()):
        lock_path = entry / ".lock"
        if entry.is_dir() and lock_path.exists():
            with open(lock_path) as handle:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live process owns it
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        found.append(entry)
    return found


def remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)
