"""Benchmark: append one day of hourly readings (40 stations x 24 rows) to a 10M-row air-quality dataset.

Target (issue 7): the time and the bytes written per append do not depend on the dataset's size: well under a
second and under 1 MB written. The append goes through the real pipeline (``opendata run``'s code path):
extract the day's CSV, a cast step, conform, privacy scan, validate, key check against the 10M published rows,
write one Parquet part, record the version.

The 10M-row base is made from ``../shared/tools/gen_air_quality.py``'s 1M rows, repeated ten times with the
hours shifted (keys stay unique), typed as the validator types the air-quality schema, and recorded directly as
version 1 (this benchmark measures appends, not the first publish).

    python benchmarks/append.py [--base-rows 10000000] [--appends 5] [--keep DIR]

Bytes written are what this process wrote (``wchar`` in /proc/self/io: the part, temp files, SQLite and WAL).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))

from catalog.db import utcnow  # noqa: E402
from catalog.metadata import Catalog  # noqa: E402
from catalog.storage import place, sha256_file, version_relpath  # noqa: E402
from pipelines.tableschema import duckdb_type  # noqa: E402
from schemas import load_standard_schema  # noqa: E402

STATIONS = 40
PIPELINE = """\
name: air-bench
source: {{path: "incoming/day-*.csv", pick: new}}
steps:
  - cast: {{columns: {{observed_at: {{type: datetime, format: "%Y-%m-%dT%H:%M:%S"}}}}}}
target: {{dataset: air-bench, org: so-tnmt, schema: air_quality}}
publish: {{mode: append, key: [station_id, observed_at]}}
"""


def written_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def build_base(catalog: Catalog, rows: int, work: Path) -> datetime:
    """Record a ``rows``-row version 1 of air-bench; returns the last observed hour."""
    import duckdb

    csv_path = work / "air-1m.csv"
    per_copy = min(rows, 1_000_000)
    subprocess.run([sys.executable, str(SHARED / "tools" / "gen_air_quality.py"), "--rows", str(per_copy),
                    "--out", str(csv_path)], check=True, capture_output=True)
    schema = load_standard_schema("air_quality")
    hours = per_copy // STATIONS
    con = duckdb.connect()
    con.execute(f"CREATE TABLE one AS SELECT * FROM read_csv('{csv_path}', all_varchar = true)")
    copies = max(1, rows // per_copy)
    items = []
    for field in schema["fields"]:
        name, kind = field["name"], duckdb_type(field)
        value = f'"{name}"'
        if name == "observed_at":
            value = f"strptime({value}, '%Y-%m-%dT%H:%M:%S') + to_hours(k * {hours})"
        items.append(f"TRY_CAST({value} AS {kind}) AS \"{name}\"")
    staged = work / "base.parquet"
    con.execute(f"COPY (SELECT {', '.join(items)} FROM one, range({copies}) c(k) ORDER BY k, rowid) "
                f"TO '{staged}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)")
    last = con.execute(f"SELECT max(observed_at), count(*) FROM read_parquet('{staged}')").fetchone()
    con.close()
    sha = sha256_file(staged)
    relpath = version_relpath("air-bench", sha)
    size = staged.stat().st_size
    with catalog.writer.begin() as conn:
        catalog.create_dataset("air-bench", "so-tnmt", conn=conn, schema=schema, schema_name="air_quality",
                               title="Air-quality benchmark")
        place(staged, catalog.home.data_dir / relpath)
        catalog.add_version(conn, "air-bench", path=relpath, parts=[relpath], sha256=sha, source_sha256=sha,
                            rows=last[1], bytes=size, source_bytes=size, source_format="parquet", schema=schema,
                            validation={"valid": True, "rows": last[1]}, changes={}, publisher="bench",
                            published_at=utcnow())
    print(f"base: {last[1]:,} rows, {size / 1e6:.0f} MB Parquet, last hour {last[0]}")
    return last[0]


def write_day(folder: Path, day_start: datetime, seed_csv: Path, n: int) -> Path:
    """A day's export: the first 40 x 24 rows of the generator's output moved to the given day."""
    path = folder / f"day-{n:03d}.csv"
    with open(seed_csv, encoding="utf-8") as src, open(path, "w", encoding="utf-8", newline="") as out:
        reader = csv.reader(src)
        writer = csv.writer(out)
        header = next(reader)
        writer.writerow(header)
        at = header.index("observed_at")
        for i, row in zip(range(STATIONS * 24), reader, strict=False):
            row[at] = (day_start + timedelta(hours=i // STATIONS)).strftime("%Y-%m-%dT%H:%M:%S")
            writer.writerow(row)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-rows", type=int, default=10_000_000)
    parser.add_argument("--appends", type=int, default=5)
    parser.add_argument("--keep", help="build the catalogue here and keep it")
    args = parser.parse_args()

    from pipelines.etl.runner import run_pipeline

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="append-bench-"))
    work = root / "work"
    work.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(root / "home")
    catalog.init()
    if catalog.find_org("so-tnmt") is None:
        catalog.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    t0 = time.perf_counter()
    last = build_base(catalog, args.base_rows, work)
    print(f"base built in {time.perf_counter() - t0:.1f} s")
    pipeline_dir = root / "pipeline"
    (pipeline_dir / "incoming").mkdir(parents=True, exist_ok=True)
    (pipeline_dir / "air-bench.yaml").write_text(PIPELINE, encoding="utf-8")
    timings, written, parts = [], [], []
    for n in range(args.appends):
        day = (last + timedelta(hours=1)).replace(hour=0) + timedelta(days=1 + n)
        write_day(pipeline_dir / "incoming", day, work / "air-1m.csv", n)
        before, started = written_bytes(), time.perf_counter()
        result = run_pipeline(catalog, pipeline_dir / "air-bench.yaml", actor="bench")
        elapsed, wrote = time.perf_counter() - started, written_bytes() - before
        if result.status != "published":
            sys.exit(f"append {n + 1} failed: {result.error}")
        part = catalog.home.data_dir / result.version["parts"][-1]
        timings.append(elapsed)
        written.append(wrote)
        parts.append(part.stat().st_size)
        print(f"append {n + 1}: {STATIONS * 24} rows → version {result.version['number']} "
              f"({result.version['rows']:,} rows, {len(result.version['parts'])} parts): {elapsed * 1000:.0f} ms, "
              f"{wrote / 1024:.0f} KB written (new part {part.stat().st_size / 1024:.0f} KB)")
    summary = {"base_rows": args.base_rows, "appends": args.appends,
               "median_seconds": round(statistics.median(timings), 3), "max_seconds": round(max(timings), 3),
               "median_bytes_written": int(statistics.median(written)), "max_bytes_written": max(written),
               "median_part_bytes": int(statistics.median(parts))}
    print(json.dumps(summary, indent=2))
    ok = summary["max_seconds"] < 1.0 and summary["max_bytes_written"] < 1_000_000
    print("target (each append < 1 s and < 1 MB written):", "met" if ok else "NOT met")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
