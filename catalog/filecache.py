"""Folders of files that can be made again, kept within a size: least-recently-used eviction with a grace period.

Why: a node keeps two caches of whole files on its disk, the S3 read cache (catalog/s3storage.py) and the converted
downloads (catalog/exports.py). Both would otherwise grow with every version ever read, and both need the same
rule, written once here: a file's modification time is its last use (``touch`` on every use), the least recently
used files go first until the folder is within its bound, and a file used within the last ``grace`` seconds is
never removed, whatever the bound (a reader may be about to open it; one that has it open keeps reading, POSIX).
So a cache can exceed its bound for a short while under heavy use. Several processes may evict the same folder at
once: a file another one removed first is simply skipped.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from catalog.errors import InvalidInput
from catalog.i18n import gettext as _

EVICT_GRACE = 600.0  # seconds a cached file stays after its last use, whatever the bound


def megabytes_setting(name: str, default_mb: int) -> int:
    """A cache bound in bytes from the environment variable ``name`` (megabytes, may be fractional), or
    ``default_mb``."""
    value = os.environ.get(name) or str(default_mb)
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = math.nan
    if not 0 <= megabytes < math.inf:
        raise InvalidInput(_("{name}={value!r} không phải một số megabyte", name=name, value=value),
                           hint=_("ví dụ {name}={default}", name=name, default=default_mb))
    return int(megabytes * (1 << 20))


def touch(path: Path) -> None:
    """Record a use of ``path`` (the time eviction goes by)."""
    try:
        os.utime(path)
    except FileNotFoundError:
        pass  # evicted meanwhile by another process: the caller already holds it or makes it again


def files_in(root: Path, keep: Callable[[Path], bool] = lambda path: True) -> list[Path]:
    """The cached files under ``root`` (not the hidden ones being written) that ``keep`` accepts."""
    if not root.is_dir():
        return []
    return [p for p in root.rglob("*") if not p.name.startswith(".") and p.is_file() and keep(p)]


def evict(files: Iterable[Path], limit: int, *, grace: float = EVICT_GRACE,
          companions: Callable[[Path], Iterable[Path]] = lambda path: ()) -> list[Path]:
    """Remove the least recently used of ``files`` until their total size is at most ``limit`` bytes, never one
    used within ``grace`` seconds; ``companions(path)`` are removed with it (small files describing it)."""
    entries = []
    for path in files:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    removed: list[Path] = []
    now = time.time()
    for used, size, path in sorted(entries):
        if total <= limit or now - used < grace:
            break
        for gone in (path, *companions(path)):
            gone.unlink(missing_ok=True)
        total -= size
        removed.append(path)
    return removed
