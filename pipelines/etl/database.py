"""A database source: a department's SQL query, run read-only, its rows streamed as text into Parquet.

Why its own module: it is the one source that talks SQLAlchemy to someone else's database (any URL SQLAlchemy
knows; a relative SQLite path is relative to the pipeline file), and the query's rows are hashed as they stream
so that an unchanged answer is an unchanged fingerprint, like an unchanged file.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from catalog.i18n import _
from catalog.text import nfc
from pipelines.etl.definition import SourceError
from pipelines.etl.steps.base import first_line, unique_names

BATCH = 50_000


def database_url(source: dict, base_dir: Path) -> str:
    url = source.get("database") or os.environ.get(source.get("database_env", ""), "")
    if not url:
        raise SourceError(_("biến môi trường {variable} ({option}) chưa được đặt",
                            variable=source.get("database_env"), option="source.database_env"))
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix and ":memory:" not in url:
        url = prefix + str((base_dir / url[len(prefix):]).resolve())
    return url


def query_database(source: dict, base_dir: Path, work_dir: Path) -> tuple[Path, str, int]:
    """Run the query (read-only: the transaction is never committed), streaming rows as text to Parquet."""
    import sqlalchemy as sa

    url = database_url(source, base_dir)
    try:
        shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        raise SourceError(_("source.database không phải một URL SQLAlchemy"),
                          hint=_("ví dụ sqlite:///so-y-te.db hoặc postgresql://user@host/db")) from None
    if url.startswith("sqlite:///") and ":memory:" not in url and not Path(url[len("sqlite:///"):]).is_file():
        raise SourceError(_("không truy cập được nguồn: không tìm thấy tệp cơ sở dữ liệu ({database})",
                            database=shown))
    target = work_dir / "query.parquet"
    digest = hashlib.sha256()
    rows = 0
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(sa.text(source["query"]))
            names = unique_names([nfc(str(k)) for k in result.keys()])
            schema = pa.schema([(n, pa.string()) for n in names])
            with pq.ParquetWriter(target, schema, compression="zstd") as writer:
                while batch := result.fetchmany(BATCH):
                    texts = [[None if v is None else str(v) for v in row] for row in batch]
                    for row in texts:
                        digest.update(json.dumps(row, ensure_ascii=False).encode())
                    writer.write_table(pa.table({n: [r[i] for r in texts] for i, n in enumerate(names)},
                                                schema=schema))
                    rows += len(batch)
    except sa.exc.SQLAlchemyError as error:
        detail = first_line(getattr(error, "orig", None) or error)
        raise SourceError(_("truy vấn nguồn thất bại trên {database}: {error}", database=shown,
                            error=detail)) from None
    finally:
        engine.dispose()
    return target, digest.hexdigest(), rows
