"""Benchmark: the diff of two N-row versions of the air-quality table (issue 13 asks for 10M rows).

Version 1 is ``../shared/tools/gen_air_quality.py``'s 1M rows, repeated with the hours shifted (keys stay unique,
as in ``benchmarks/append.py``) up to ``--rows``, typed as the validator types the air-quality schema. Version 2 is
made from it in DuckDB: every 1000th row removed, every 1000th (other) row's pm25 changed, every 997th row's
aqi_category changed, and ``rows/1000`` new readings appended after the last hour. The expected counts are known
by construction and checked.

Measured, each in its own process (wall time and peak RSS of that process; the files are built in another):

- ``catalog.diff`` by primary key (station_id, observed_at): counts, per-column counts and 20 samples of each;
- the same through the server's DuckDB (``catalog.rows.engine``: 1 GB memory limit, spills to disk);
- ``catalog.diff`` by content (the same files, the schema without its key): the multiset difference;
- anchor: DuckDB ``EXCEPT ALL`` both ways on the same files (what the changelog computed before this issue,
  counts only, no samples, no changed rows).

    python benchmarks/diff.py [--rows 10000000] [--keep DIR] [--skip-anchor]
"""

from __future__ import annotations

import argparse
import multiprocessing
import queue as queue_module
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from catalog import diff  # noqa: E402
from catalog.sqltext import quote_ident, sql_list, sql_string  # noqa: E402
from pipelines.tableschema import duckdb_type  # noqa: E402
from schemas import load_standard_schema  # noqa: E402

STATIONS = 40
SEED_ROWS = 1_000_000


def seed_csv(work: Path) -> Path:
    cached = REPO / "benchmarks" / "_work" / "air-1000000.csv"  # benchmarks/append.py leaves the same file here
    if cached.exists():
        return cached
    out = work / "air-1m.csv"
    subprocess.run([sys.executable, str(SHARED / "tools" / "gen_air_quality.py"), "--rows", str(SEED_ROWS),
                    "--out", str(out)], check=True, capture_output=True)
    return out


def build_versions(rows: int, work: Path) -> tuple[Path, Path, dict]:
    """Write v1 and v2 Parquet files; return them and the expected counts."""
    schema = load_standard_schema("air_quality")
    per_copy = min(rows, SEED_ROWS)
    copies = max(1, rows // per_copy)
    hours = per_copy // STATIONS
    con = duckdb.connect()
    con.execute(f"CREATE TABLE one AS SELECT * FROM read_csv({sql_string(seed_csv(work))}, all_varchar = true) "
                f"LIMIT {per_copy}")
    items = []
    for field in schema["fields"]:
        value = quote_ident(field["name"])
        if field["name"] == "observed_at":
            value = f"strptime({value}, '%Y-%m-%dT%H:%M:%S') + to_hours(k * {hours})"
        items.append(f"TRY_CAST({value} AS {duckdb_type(field)}) AS {quote_ident(field['name'])}")
    v1, v2 = work / "v1.parquet", work / "v2.parquet"
    options = "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
    con.execute(f"COPY (SELECT {', '.join(items)} FROM one, range({copies}) c(k) ORDER BY k, rowid) TO "
                f"{sql_string(v1)} {options}")
    added = max(1, rows // 1000)
    shift = copies * hours + 1
    # a row's number from its key (hour * 40 + station), so that every query picks the same rows
    i = "(CAST(epoch(observed_at) // 3600 AS BIGINT) * 40 + CAST(substr(station_id, 4) AS INTEGER))"
    con.execute(f"""COPY (
        SELECT * REPLACE (
            CASE WHEN {i} % 1000 = 1 THEN coalesce(pm25, 0) + 1 ELSE pm25 END AS pm25,
            CASE WHEN {i} % 997 = 5 THEN 'đã sửa' ELSE aqi_category END AS aqi_category)
        FROM read_parquet({sql_string(v1)}) WHERE {i} % 1000 <> 0
        UNION ALL
        (SELECT * REPLACE (observed_at + to_hours({shift}) AS observed_at)
         FROM read_parquet({sql_string(v1)}) LIMIT {added})) TO {sql_string(v2)} {options}""")
    n, removed, changed = con.execute(f"""SELECT count(*), count(*) FILTER (WHERE {i} % 1000 = 0),
        count(*) FILTER (WHERE {i} % 1000 <> 0 AND ({i} % 1000 = 1 OR ({i} % 997 = 5
                                                   AND aqi_category IS DISTINCT FROM 'đã sửa')))
        FROM read_parquet({sql_string(v1)})""").fetchone()
    con.close()
    return v1, v2, {"rows": n, "rows_added": added, "rows_removed": removed, "rows_changed": changed,
                    "schema": schema}


def quiet_duckdb() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def run_key(v1: Path, v2: Path, schema: dict) -> dict:
    with quiet_duckdb() as con:
        return diff.diff_files(con, [str(v1)], [str(v2)], schema, schema)["rows"]


def run_key_server(v1: Path, v2: Path, schema: dict) -> dict:
    """As the diff endpoint runs it: the server's DuckDB (memory_limit 1GB by default, spilling to disk)."""
    from catalog.rows import engine

    with engine.connect(heavy=True) as con:
        con.execute("SET enable_progress_bar = false")
        return diff.diff_files(con, [str(v1)], [str(v2)], schema, schema)["rows"]


def run_content(v1: Path, v2: Path, schema: dict) -> dict:
    keyless = {k: v for k, v in schema.items() if k != "primaryKey"}
    with quiet_duckdb() as con:
        return diff.diff_files(con, [str(v1)], [str(v2)], keyless, keyless)["rows"]


def run_except_all(v1: Path, v2: Path, schema: dict) -> dict:
    new, old = f"SELECT * FROM read_parquet({sql_list([v2])})", f"SELECT * FROM read_parquet({sql_list([v1])})"
    with quiet_duckdb() as con:
        added, removed = con.execute(f"SELECT (SELECT count(*) FROM ({new} EXCEPT ALL {old})), "
                                     f"(SELECT count(*) FROM ({old} EXCEPT ALL {new}))").fetchone()
    return {"rows_added": added, "rows_removed": removed, "rows_changed": None}


def _child(method, args, queue) -> None:
    start = time.perf_counter()
    result = method(*args)
    seconds = time.perf_counter() - start
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, result))


def measure(method, *args) -> tuple[float, float, dict]:
    """Run ``method`` in a fresh process: (seconds, peak RSS in MB, result)."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(method, args, queue))
    proc.start()
    while True:
        try:
            found = queue.get(timeout=1)
            break
        except queue_module.Empty:
            if not proc.is_alive():
                raise RuntimeError(f"{method.__name__} failed (exit code {proc.exitcode})") from None
    proc.join()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, help="build the files in DIR and keep them")
    parser.add_argument("--skip-anchor", action="store_true", help="skip the (slow) EXCEPT ALL anchor")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="diff-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        # built in a child process too: a fork inherits its parent's peak RSS, which would hide the figures
        _, _, (v1, v2, expected) = measure(build_versions, args.rows, work)
        print(f"built v1 ({expected['rows']:,} rows, {v1.stat().st_size / 1e6:.0f} MB) and v2 "
              f"({v2.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s")
        print(f"expected: +{expected['rows_added']:,} -{expected['rows_removed']:,} ~{expected['rows_changed']:,}")
        methods = (("catalog.diff by primary key (with samples)", run_key),
                   ("catalog.diff by key, server DuckDB (1 GB limit)", run_key_server),
                   ("catalog.diff by content (with samples)", run_content),
                   ("anchor: DuckDB EXCEPT ALL both ways (counts only)", run_except_all))
        for label, method in methods:
            if args.skip_anchor and method is run_except_all:
                continue
            seconds, rss, rows = measure(method, v1, v2, expected["schema"])
            print(f"{label:52s} {seconds:7.2f} s  peak RSS {rss:6.0f} MB  "
                  f"+{rows['rows_added']:,} -{rows['rows_removed']:,} ~{rows['rows_changed']}")
            if method in (run_key, run_key_server):
                got = (rows["rows_added"], rows["rows_removed"], rows["rows_changed"])
                want = (expected["rows_added"], expected["rows_removed"], expected["rows_changed"])
                assert got == want, f"by key: {got} != expected {want}"
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
