"""Helpers for the SQL tests (no tests here): catalogues with the air-quality table, made two ways.

``publish_direct`` writes the typed Parquet with DuckDB and records the version through ``Catalog`` (for the
engine's unit tests, independent of the validation pipeline); ``publish_cli`` runs the real ``opendata publish``
(for the end-to-end tests).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from catalog.db import utcnow
from catalog.metadata import Catalog
from catalog.storage import sha256_file, version_relpath
from conftest import SHARED

REPO = Path(__file__).resolve().parents[1]
SCHEMA_PATH = SHARED / "tools" / "air_quality.schema.json"
CHECKER = SHARED / "corpus" / "sql" / "check_sql_endpoint.py"


def air_csv(tmp: Path, rows: int) -> Path:
    """The shared generator's deterministic air-quality CSV (cached per folder)."""
    out = tmp / f"air-{rows}.csv"
    if not out.exists():
        subprocess.run([sys.executable, str(SHARED / "tools" / "gen_air_quality.py"), "--rows", str(rows),
                        "--out", str(out)], check=True, capture_output=True)
    return out


def publish_direct(catalog: Catalog, csv: Path | str, dataset: str = "air-quality", *, limit: int | None = None,
                   org: str = "so-tnmt", private: bool = False, title: str = "Chất lượng không khí Hà Nội") -> dict:
    """Record a version whose Parquet DuckDB wrote from ``csv`` (optionally its first ``limit`` rows)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    staged = catalog.home.tmp_dir / f"staged-{dataset}.parquet"
    staged.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        sql = f"SELECT * FROM read_csv(?, timestampformat='%Y-%m-%dT%H:%M:%S'){f' LIMIT {int(limit)}' if limit else ''}"
        con.execute(f"COPY ({sql}) TO '{staged}' (FORMAT parquet, COMPRESSION zstd)", [str(csv)])
        rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(staged)]).fetchone()[0]
    finally:
        con.close()
    sha = sha256_file(staged)
    relpath = version_relpath(dataset, sha)
    with catalog.writer.begin() as conn:
        if catalog.find_dataset(dataset) is None:
            catalog.create_dataset(dataset, org, conn=conn, schema=schema, title=title, private=private)
        size = staged.stat().st_size
        catalog.storage.put(staged, relpath, sha256=sha)  # the data/ folder, or the bucket
        staged.unlink(missing_ok=True)
        number = catalog.add_version(
            conn, dataset, path=relpath, parts=[relpath], sha256=sha, source_sha256=sha, rows=rows,
            bytes=size, source_bytes=0, source_format="csv",
            schema=schema, validation={"valid": True}, changes={}, publisher="test", published_at=utcnow())
    return catalog.get_version(dataset, number)


def opendata(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", "--home", str(home), *args], cwd=REPO,
                          capture_output=True, text=True, check=False)


def publish_cli(home: Path, csv: Path, dataset: str = "air-quality") -> None:
    """The real path: ``opendata init``, ``org add``, ``publish --schema``."""
    for args in (("init",), ("org", "add", "so-tnmt", "--title", "Sở Tài nguyên và Môi trường")):
        done = opendata(home, *args)
        assert done.returncode == 0 or "already exists" in done.stderr, done.stderr
    done = opendata(home, "publish", str(csv), "--dataset", dataset, "--org", "so-tnmt", "--schema",
                    str(SCHEMA_PATH))
    assert done.returncode == 0, done.stdout + done.stderr
