"""Where a catalogue lives on disk.

One folder holds everything: the metadata database (the only mutable state; or a PostgreSQL database named by
``$OPENDATA_DATABASE_URL``), the immutable Parquet files (or a bucket named by ``$OPENDATA_STORAGE_URL``),
a temp folder on the same filesystem (so a finished file is moved into place with an atomic rename) and a cache
of derived downloads. Several server processes can share one home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "OPENDATA_HOME"
DATABASE_URL_VAR = "OPENDATA_DATABASE_URL"  # a SQLAlchemy URL: the metadata elsewhere than the home's SQLite file
DEFAULT_DIRNAME = "opendata-home"


@dataclass(frozen=True)
class Home:
    root: Path
    database: str | None = None  # the metadata's SQLAlchemy URL; None: $OPENDATA_DATABASE_URL, else SQLite here
    # ``init`` records a non-default database and storage URL in the home (metadata.url, storage.url): they win
    # over the environment of every later command on this home.

    @classmethod
    def resolve(cls, path: str | os.PathLike | None = None, database: str | None = None) -> Home:
        """The home given, else ``$OPENDATA_HOME``, else ``./opendata-home``; ``database``: see ``database_url``."""
        chosen = path or os.environ.get(ENV_VAR) or DEFAULT_DIRNAME
        return cls(Path(chosen).expanduser().resolve(), database)

    @property
    def db_path(self) -> Path:
        return self.root / "metadata.sqlite"

    @property
    def database_url(self) -> str:
        """Where the metadata lives: the URL given, else the one this home was made with (``metadata.url``, written
        by ``init``, so a home is never read against another database), else ``$OPENDATA_DATABASE_URL``, else
        ``metadata.sqlite`` here."""
        if self.database:
            return self.database
        try:
            return self.url_path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return os.environ.get(DATABASE_URL_VAR) or self.default_url

    @property
    def default_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def url_path(self) -> Path:
        return self.root / "metadata.url"

    def record_database(self, url: str) -> None:
        """Remember a metadata database other than the default (readable by the owner only: it may hold a
        password)."""
        if url == self.default_url:
            return
        fd = os.open(self.url_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(url + "\n")

    @property
    def storage_path(self) -> Path:
        return self.root / "storage.url"

    def recorded_storage(self) -> str | None:
        """The storage URL this home was made with (``storage.url``, written by ``init``), if not the default."""
        try:
            return self.storage_path.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def record_storage(self, url: str) -> None:
        """Remember where the version files are (a storage URL chosen explicitly, not the default ``data/``), so
        that a home made on S3 never reads an empty local folder when a later command's environment lacks the
        setting, nor another bucket when it names one (owner-only, as metadata.url: a URL may hold a secret)."""
        if not url:
            return
        fd = os.open(self.storage_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(url + "\n")

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def config_path(self) -> Path:
        return self.root / "config.json"

    def exists(self) -> bool:
        """Was a catalogue made here? (Its SQLite file; with the metadata elsewhere, its folders.)"""
        if self.database_url.startswith("sqlite"):
            return self.db_path.exists()
        return self.data_dir.is_dir()

    def create_dirs(self) -> None:
        for folder in (self.root, self.data_dir, self.tmp_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)
