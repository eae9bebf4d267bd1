"""Limits of the SQL sandbox: the settings an operator may change and the OS limits of a process.

Why apart: the limits are read by the web (``QueryLimits.from_config``), applied inside each worker
(``limit_process``, ``worker_environment``) and reused by the upload worker (``pipelines/bounded.py``), which
must not import the pool or the engine to get them.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class QueryLimits:
    """Limits of the public SQL engine; each can be set with a Flask config key ``OPENDATA_SQL_<NAME>``
    (or the environment variable of the same name, which Flask loads as ``SQL_<NAME>``)."""

    timeout: float = 5.0               # seconds before the query is interrupted
    kill_grace: float = 2.0            # then seconds before the worker is killed and replaced
    max_rows: int = 1000               # rows in a JSON/HTML answer (more → truncated)
    max_response_bytes: int = 4_000_000  # encoded rows in a JSON/HTML answer
    download_bytes: int = 100_000_000  # size of a full-result download
    download_timeout: float = 30.0     # seconds for a full-result download
    memory_mb: int = 512               # DuckDB memory_limit (buffer-managed memory) per query
    # RLIMIT_AS of a worker. Measured: ~260 MB of address space idle (Python, DuckDB, glibc with 2 arenas),
    # ~700 MB at the peak of a 1M-row download (pyarrow on the system allocator); DuckDB's memory_limit comes on
    # top. 1.5 GB leaves room for that and still stops values built outside memory_limit (len(range(1e9))
    # needs 8 GB, a 1e9-character string 1 GB per copy).
    address_space_mb: int = 1536
    threads: int = 2                   # DuckDB threads per query
    workers: int = 2                   # worker processes per web process
    queue_wait: float = 2.0            # seconds a query waits for a free worker before 'busy'
    max_waiting: int = 4               # queries allowed to wait at once (the rest get 'busy' at once)
    max_sql_length: int = 20_000       # characters of SQL text (bounds work the parser/optimizer can be given)
    max_uses: int = 500                # queries before a worker is recycled
    nice: int = 5                      # CPU priority of workers below page views

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> QueryLimits:
        values: dict[str, Any] = {}
        for name, default in cls().__dict__.items():
            for key in (f"OPENDATA_SQL_{name.upper()}", f"SQL_{name.upper()}"):
                if key in config and config[key] not in (None, ""):
                    values[name] = type(default)(config[key])
                    break
        return cls(**values)

    def worker_settings(self) -> dict:
        return {"address_space_mb": self.address_space_mb, "nice": self.nice, "threads": self.threads,
                "memory_mb": self.memory_mb, "file_size_mb": self.download_bytes // 1_000_000 + 64}



def limit_process(address_space_mb: int, file_size_mb: int, nice: int) -> None:
    """OS limits for this worker: address space, file size, no core dumps, lower CPU priority."""
    limit = address_space_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    fsize = file_size_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if nice:
        os.nice(nice)


def worker_environment() -> dict[str, str]:
    """The whole environment of a worker: no proxy, cloud or app variables (DuckDB copies ``$HTTP_PROXY``,
    credentials included, into a readable setting), and few malloc arenas (each reserves 64 MB of the capped
    address space)."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent", "TZ": "UTC",
            "MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system"}



def describe_limits(limits: QueryLimits) -> dict:
    """What a journalist may be told about the limits (no internal settings)."""
    return {"timeout_seconds": limits.timeout, "max_rows": limits.max_rows,
            "download_megabytes": limits.download_bytes // 1_000_000}

