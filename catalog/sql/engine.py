"""The public SQL engine: what the web calls to run a query or download its full result.

Why a thin engine: all the safety lives in the sandbox, the guard and the worker processes; the engine checks
the request's size, names the tables the query may see and turns the worker's answer into a result, a file or a
``QueryError``. It holds no catalogue state between queries (``tables`` re-reads when the catalogue changes).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog import writers
from catalog.i18n import current_lang, format_number
from catalog.i18n import gettext as _
from catalog.metadata import Catalog
from catalog.sql.limits import QueryLimits
from catalog.sql.messages import ERROR_CODES, QueryError
from catalog.sql.pool import WorkerPool
from catalog.sql.tables import TableDirectory
from catalog.storage import WorkDir

FORMATS = ("json", "csv", "parquet", "xlsx")  # of the shared writers (``catalog/writers/``); no JSONL here
MEDIA_TYPES = {fmt: writers.MEDIA_TYPES[fmt] for fmt in FORMATS}


@dataclass
class QueryResult:
    columns: list[dict]
    rows_json: bytes  # the rows as a JSON array of arrays
    row_count: int
    truncated: bool
    elapsed_ms: float

    @property
    def rows(self) -> list[list]:
        return json.loads(self.rows_json)

    def to_json_bytes(self) -> bytes:
        """The API answer, built around the worker's encoded rows without decoding them again."""
        head = json.dumps({"columns": self.columns}, ensure_ascii=False)[:-1]
        tail = json.dumps({"truncated": self.truncated, "elapsed_ms": self.elapsed_ms})[1:]
        return (head + ',"rows":').encode() + self.rows_json + b"," + tail.encode()


@dataclass
class Download:
    path: Path
    format: str
    columns: list[dict]
    row_count: int
    elapsed_ms: float
    work: WorkDir

    def close(self) -> None:
        self.work.close()


def _raise_for(header: dict) -> None:
    if header.get("ok"):
        return
    if header.get("code") not in ERROR_CODES:  # the sandbox itself failed: a server fault (HTTP 500)
        raise RuntimeError(f"SQL worker failed: {header.get('message')}")
    raise QueryError(header["code"], header["message"], raw=header.get("raw"))


class QueryEngine:
    """Runs public SQL against the catalogue's published tables, in the worker pool."""

    def __init__(self, catalog: Catalog, limits: QueryLimits | None = None) -> None:
        self.catalog = catalog
        self.limits = limits or QueryLimits()
        self.tables = TableDirectory(catalog)
        self._pool: WorkerPool | None = None
        self._pool_lock = threading.Lock()

    @property
    def pool(self) -> WorkerPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = WorkerPool(self.limits)
            return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def _scrub(self) -> list[str]:
        home = self.catalog.home
        return [str(p) for p in (home.root, home.data_dir, home.tmp_dir, home.root.resolve(), Path.cwd(),
                                 Path.home(), Path(sys.prefix), Path(sys.executable).parent) if len(str(p)) > 1]

    def _request(self, sql: str, mode: str, **extra: Any) -> dict:
        if not isinstance(sql, str) or not sql.strip():
            raise QueryError("sql_error", _("Truy vấn đang trống: hãy viết một câu lệnh SELECT."))
        if len(sql) > self.limits.max_sql_length:
            raise QueryError("too_large", _("Câu truy vấn quá dài ({size} ký tự; tối đa {limit}).",
                                            size=format_number(len(sql)),
                                            limit=format_number(self.limits.max_sql_length)))
        if "\x00" in sql:
            raise QueryError("sql_error", _("Truy vấn chứa ký tự NUL (\\x00): hãy bỏ nó."))
        every = self.tables.views_for(sql)
        views = self._readable(every, sql)
        data_dir = self.catalog.storage.local_root()
        return {"sql": sql, "mode": mode, "views": views, "data_dir": str(data_dir),
                "table_names": [v["name"] for v in every],  # for "did you mean": all, even those not fetched (S3)
                "threads": self.limits.threads, "memory_mb": self.limits.memory_mb, "scrub": self._scrub(),
                "lang": current_lang(),  # the worker words its errors in the request's language
                **extra}

    def _readable(self, views: list[dict], sql: str) -> list[dict]:
        """The views with their files on local disk. A remote storage (S3) fetches files into its cache, so
        only the tables whose name or alias the query mentions are kept (the others cannot be read by it)."""
        storage = self.catalog.storage
        if not storage.remote:
            return views
        text = sql.lower()
        wanted = {v["name"] for v in views if v["name"].lower() in text}
        wanted |= {v["target"] for v in views if v.get("target") and v["name"].lower() in text}
        kept = [v for v in views if (v.get("target") or v["name"]) in wanted]
        for view in kept:
            for key in view.get("files", []):
                storage.location(key)
        return kept

    def query(self, sql: str) -> QueryResult:
        """At most ``max_rows`` rows of the result (``truncated`` says whether more exist)."""
        request = self._request(sql, "rows", timeout=self.limits.timeout, max_rows=self.limits.max_rows,
                                max_bytes=self.limits.max_response_bytes)
        started = time.monotonic()
        header, payload = self.pool.call(request, self.limits.timeout + self.limits.kill_grace)
        _raise_for(header)
        return QueryResult(columns=header["columns"], rows_json=payload or b"[]", row_count=header["rows"],
                           truncated=header["truncated"], elapsed_ms=round((time.monotonic() - started) * 1000, 1))

    def download(self, sql: str, fmt: str, *, excel: bool = False) -> Download:
        """The full result as a file in a private work folder; the caller sends it, then calls ``close()``.

        ``excel``: CSV for Excel (a BOM, formulas neutralised in header and values: ``catalog/spreadsheet.py``)."""
        if fmt not in FORMATS:
            raise QueryError("sql_error", _("Không có định dạng {fmt!r}: dùng một trong {formats}.", fmt=fmt,
                                            formats=", ".join(FORMATS)))
        work = WorkDir(self.catalog.home)
        try:
            out = work.file(f"result.{fmt}")
            request = self._request(sql, "file", timeout=self.limits.download_timeout, format=fmt,
                                    out=str(out), max_bytes=self.limits.download_bytes, excel=excel)
            started = time.monotonic()
            header, _payload = self.pool.call(request, self.limits.download_timeout + self.limits.kill_grace)
            _raise_for(header)
            return Download(path=out, format=fmt, columns=header["columns"], row_count=header["rows"],
                            elapsed_ms=round((time.monotonic() - started) * 1000, 1), work=work)
        except BaseException:
            work.close()
            raise
