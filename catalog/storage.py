"""Immutable files: content-addressed Parquet, atomic placement, hashing, and the ``Storage`` seam.

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
from abc import ABC, abstractmethod
from collections.abc import Iterator
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


def read_range(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The bytes of a local file from ``start`` up to (not including) ``end``, in chunks."""
    with open(path, "rb") as handle:
        handle.seek(start)
        left = None if end is None else max(0, end - start)
        while left is None or left > 0:
            chunk = handle.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk


# -- the storage seam ----------------------------------------------------------------------------------------------
class HashMismatch(ValueError):
    """A staged file's content is not what its caller said it is: nothing was stored."""


class Storage(ABC):
    """Where version files live, addressed by key (``<dataset>/<sha256>.parquet``, relative, '/'-separated).

    Every read and write of a version file goes through this interface so that a second implementation (an S3
    bucket) can replace the local folder without touching callers. Files are immutable: ``put`` never replaces
    content under an existing key, and keys are content addresses, so the same key always means the same bytes.
    """

    remote = False  # True when ``location`` has to fetch the file first (worth fetching only what is needed)

    @abstractmethod
    def put(self, staged: Path, key: str, *, sha256: str) -> bool:
        """Store the local file ``staged`` under ``key`` atomically (readers see all of it or nothing), after
        checking that its content hashes to ``sha256`` (:class:`HashMismatch` otherwise, and nothing is stored).
        Returns True when this call created the key, False when identical content was already there."""

    @abstractmethod
    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes of ``key`` from ``start`` up to (not including) ``end``, in chunks."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key`` (no error when it is already gone). Only fsck and a failed unit of work call this."""

    @abstractmethod
    def list(self) -> list[str]:
        """Every key stored (sorted): what fsck compares with the versions the metadata references."""

    @abstractmethod
    def location(self, key: str) -> str:
        """A local path or URL that DuckDB (``read_parquet``) and pyarrow can read ``key`` from."""

    def local_root(self) -> Path:
        """A local folder in which ``location(key)`` is the file ``<folder>/<key>`` (the SQL sandbox runs
        there, so that queries see keys, never server paths)."""
        raise NotImplementedError

    def abandoned(self) -> list[str]:
        """Keys of interrupted writes that ``fsck`` may remove (a local put leaves them in ``tmp/`` instead)."""
        return []

    def sha256(self, key: str) -> str:
        digest = hashlib.sha256()
        for chunk in self.open(key):
            digest.update(chunk)
        return digest.hexdigest()


class LocalStorage(Storage):
    """Version files in a folder on the catalogue's own filesystem (``<home>/data``).

    ``put`` renames from ``tmp/`` (the same filesystem) after an fsync, then fsyncs the folder: a crash leaves
    either no file or the whole file, never part of one.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file of ``key`` (ValueError when the key would climb out of the folder)."""
        return safe_join(self.root, key)

    def put(self, staged: Path, key: str, *, sha256: str) -> bool:
        final = self.path(key)
        if sha256_file(staged) != sha256:
            raise HashMismatch(f"{staged.name} does not hash to {sha256[:12]}…: not stored as {key}")
        existed = final.exists()
        place(staged, final)
        return not existed

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        return read_range(self.path(key), start, end)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def delete(self, key: str) -> None:
        if Path(key).is_absolute() or ".." in Path(key).parts:
            raise ValueError(f"not a key of this storage: {key!r}")
        entry = self.root / key
        remove(entry if entry.is_symlink() else self.path(key))  # a symlink goes, never what it points to

    def list(self) -> list[str]:
        if not self.root.exists():
            return []
        return [f.relative_to(self.root).as_posix() for f in sorted(self.root.rglob("*"))
                if f.is_file() or f.is_symlink()]

    def location(self, key: str) -> str:
        return str(self.path(key))

    def local_root(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root

    def sha256(self, key: str) -> str:
        return sha256_file(self.path(key))


STORAGE_URL = "OPENDATA_STORAGE_URL"


# What a process that writes or reads version files needs from the environment when they are on S3 (handed to
# the bounded upload worker, whose environment is otherwise clean; the SQL sandbox never gets these).
STORAGE_VARIABLES = (STORAGE_URL, "OPENDATA_S3_ENDPOINT_URL", "OPENDATA_S3_CACHE_MB", "OPENDATA_S3_DOWNLOADS",
                     "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
                     "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE", "AWS_REQUEST_CHECKSUM_CALCULATION",
                     "AWS_RESPONSE_CHECKSUM_VALIDATION")


def storage_environment() -> dict[str, str]:
    """The storage settings of this process's environment, for a process it starts: all that are set, since a
    home may have recorded its bucket (``storage.url``) while only the credentials are in the environment."""
    return {name: os.environ[name] for name in STORAGE_VARIABLES if name in os.environ}
