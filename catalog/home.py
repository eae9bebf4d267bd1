"""Where a catalogue lives on disk.

One folder holds everything: the metadata database (the only mutable state), the immutable Parquet files,
a temp folder on the same filesystem (so a finished file is moved into place with an atomic rename) and a cache
of derived downloads. Several server processes can share one home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "OPENDATA_HOME"
DEFAULT_DIRNAME = "opendata-home"


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, path: str | os.PathLike | None = None) -> Home:
        """The home given, else ``$OPENDATA_HOME``, else ``./opendata-home``."""
        chosen = path or os.environ.get(ENV_VAR) or DEFAULT_DIRNAME
        return cls(Path(chosen).expanduser().resolve())

    @property
    def db_path(self) -> Path:
        return self.root / "metadata.sqlite"

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
        return self.db_path.exists()

    def create_dirs(self) -> None:
        for folder in (self.root, self.data_dir, self.tmp_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)
