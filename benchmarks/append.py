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
The same appends also go to a 9,600-row copy of the dataset, interleaved, so that "independent of the dataset's
size" is measured directly (on a busy shared machine absolute times vary; the ratio does not). CPU seconds are
the process's own (all threads), less sensitive to other load than wall time.
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
name: {name}
source: {{path: "incoming/day-*.csv", pick: new}}
steps:
  - cast: {{columns: {{observed_at: {{type: datetime, format: "%Y-%m-%dT%H:%M:%S"}}}}}}
target: {{dataset: {name}, org: so-tnmt, schema: air_quality}}
publish: {{mode: append, key: [station_id, observed_at]}}
"""


def written_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def build_base(catalog: Catalog, name: str, rows: int, work: Path) -> datetime:
    """Record a ``rows``-row version 1 of dataset ``name``; returns the last observed hour."""
    import duckdb

    csv_path = work / "air-1m.csv"
    per_copy = min(rows, 1_000_000)
    if not csv_path.exists():
        subprocess.run([sys.executable, str(SHARED / "tools" / "gen_air_quality.py"), "--rows", "1000000",
                        "--out", str(csv_path)], check=True, capture_output=True)
    schema = load_standard_schema("air_quality")
    hours = per_copy // STATIONS
    con = duckdb.connect()
    con.execute(f"CREATE TABLE one AS SELECT * FROM read_csv('{csv_path}', all_varchar = true) LIMIT {per_copy}")
    copies = max(1, rows // per_copy)
    items = []
    for field in schema["fields"]:
        column, kind = field["name"], duckdb_type(field)
        value = f'"{column}"'
        if column == "observed_at":
            value = f"strptime({value}, '%Y-%m-%dT%H:%M:%S') + to_hours(k * {hours})"
        items.append(f"TRY_CAST({value} AS {kind}) AS \"{column}\"")
    staged = work / f"{name}.parquet"
    con.execute(f"COPY (SELECT {', '.join(items)} FROM one, range({copies}) c(k) ORDER BY k, rowid) "
                f"TO '{staged}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)")
    last = con.execute(f"SELECT max(observed_at), count(*) FROM read_parquet('{staged}')").fetchone()
    con.close()
    sha = sha256_file(staged)
    relpath = version_relpath(name, sha)
    size = staged.stat().st_size
    with catalog.writer.begin() as conn:
        catalog.create_dataset(name, "so-tnmt", conn=conn, schema=schema, schema_name="air_quality",
                               title="Air-quality benchmark")
        place(staged, catalog.home.data_dir / relpath)
        catalog.add_version(conn, name, path=relpath, parts=[relpath], sha256=sha, source_sha256=sha,
                            rows=last[1], bytes=size, source_bytes=size, source_format="parquet", schema=schema,
                            validation={"valid": True, "rows": last[1]}, changes={}, publisher="bench",
                            published_at=utcnow())
    print(f"{name}: {last[1]:,} rows, {size / 1e6:.1f} MB Parquet, last hour {last[0]}")
    return last[0]


def write_day(folder: Path, day_start: datetime, seed_csv: Path, n: int) -> Path:
    """A day's export: the first 40 x 24 rows of the generator's output moved to the given day."""
    path = folder / f"day-{n}.csv"
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


def last_hour(catalog: Catalog, name: str) -> datetime:
    import duckdb

    files = [str(p) for p in catalog.version_files(catalog.latest_version(name))]
    return duckdb.connect().execute(f"SELECT max(observed_at) FROM read_parquet({files})").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-rows", type=int, default=10_000_000)
    parser.add_argument("--appends", type=int, default=5)
    parser.add_argument("--keep", help="build the catalogue here and keep it (a second run reuses it)")
    args = parser.parse_args()

    from pipelines.etl.runner import run_pipeline

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="append-bench-"))
    work = root / "work"
    work.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(root / "home")
    catalog.init()
    if catalog.find_org("so-tnmt") is None:
        catalog.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    sizes = {"air-bench": args.base_rows, "air-small": STATIONS * 240}
    for name, rows in sizes.items():
        if catalog.find_dataset(name) is None:
            t0 = time.perf_counter()
            build_base(catalog, name, rows, work)
            print(f"  built in {time.perf_counter() - t0:.1f} s")
        folder = root / name
        (folder / "incoming").mkdir(parents=True, exist_ok=True)
        (folder / "pipeline.yaml").write_text(PIPELINE.format(name=name), encoding="utf-8")
    figures: dict[str, dict[str, list]] = {name: {"wall": [], "cpu": [], "written": [], "part": []} for name in sizes}
    for n in range(args.appends):
        for name in sizes:
            day = (last_hour(catalog, name) + timedelta(hours=1)).replace(hour=0) + timedelta(days=1)
            write_day(root / name / "incoming", day, work / "air-1m.csv", int(day.timestamp()))
            before, started, cpu = written_bytes(), time.perf_counter(), time.process_time()
            result = run_pipeline(catalog, root / name / "pipeline.yaml", actor="bench")
            elapsed, used, wrote = time.perf_counter() - started, time.process_time() - cpu, written_bytes() - before
            if result.status != "published":
                sys.exit(f"append {n + 1} to {name} failed: {result.error}")
            part = catalog.home.data_dir / result.version["parts"][-1]
            for key, value in (("wall", elapsed), ("cpu", used), ("written", wrote), ("part", part.stat().st_size)):
                figures[name][key].append(value)
            print(f"append {n + 1} to {name}: {STATIONS * 24} rows → version {result.version['number']} "
                  f"({result.version['rows']:,} rows, {len(result.version['parts'])} parts): {elapsed * 1000:.0f} ms "
                  f"wall, {used * 1000:.0f} ms CPU, {wrote / 1024:.0f} KB written (part {part.stat().st_size / 1024:.0f} KB)")
    summary = {name: {"rows": catalog.latest_version(name)["rows"],
                      "median_wall_s": round(statistics.median(f["wall"]), 3),
                      "median_cpu_s": round(statistics.median(f["cpu"]), 3),
                      "median_bytes_written": int(statistics.median(f["written"])),
                      "max_bytes_written": max(f["written"]), "median_part_bytes": int(statistics.median(f["part"]))}
               for name, f in figures.items()}
    big, small = summary["air-bench"], summary["air-small"]
    summary["wall_ratio_10M_vs_small"] = round(big["median_wall_s"] / small["median_wall_s"], 2)
    print(json.dumps(summary, indent=2))
    print("bytes target (< 1 MB per append):", "met" if big["max_bytes_written"] < 1_000_000 else "NOT met")
    print("time target (< 1 s):", "met" if big["median_wall_s"] < 1.0 else "NOT met on this machine now",
          f"(median {big['median_wall_s']} s; the same append to the small copy: {small['median_wall_s']} s)")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
