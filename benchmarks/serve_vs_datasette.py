"""Benchmark: browsing and downloading one table, our app against Datasette 0.65, end to end over HTTP.

    python benchmarks/serve_vs_datasette.py                  # 1M rows, 8 clients
    python benchmarks/serve_vs_datasette.py --rows 100000 --requests 10

The same air-quality table (``../shared/tools/gen_air_quality.py``) is served by ``opendata serve`` (published
with ``opendata publish --schema air_quality``; rate limits off) and by ``datasette serve`` over SQLite built from
the same CSV (Datasette lives in its own venv under ``benchmarks/_work/``, never a project dependency). Four
operations, each measured as single-request latency (median of sequential requests after a warm-up) and as
requests/s with 8 concurrent clients sending a bounded number of requests each:

- first page: 100 rows as JSON;
- filtered page: ``district = 'Đống Đa'``, 100 rows plus the total count of matches;
- value counts of ``district``;
- the full table as CSV.

Datasette is given every chance: facet suggestions off, SQL time limit raised (so counts and GROUP BY finish),
CSV size limit off (so the export is complete). Its value counts are a GROUP BY query (its facets give up after
200 ms by default). Our full CSV is made once per version and then served as a file; the first, uncached
download is timed separately ("cold").

The data, the SQLite file and Datasette's venv are shared with ``sql_vs_datasette.py`` (same folder, same
helpers).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sql_vs_datasette import (
    DATASETTE_VERSION,
    REPO,
    SHARED,
    WORK,
    csv_for,
    ensure_datasette,
    free_port,
    percentile,
    sqlite_for,
    stop,
    wait_for,
)

DISTRICT = "Đống Đa"
OPERATIONS = ("first page JSON", "filtered page + total", "value counts", "full CSV export")


# -- our side ------------------------------------------------------------------------------------------------------
def opendata(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", "--home", str(home), *args], cwd=REPO, text=True,
                          capture_output=True, check=False)


def schema_option() -> str:
    """The city's standard schema by name; the shared file when this checkout has no standard one."""
    probe = subprocess.run([sys.executable, "-c", "from schemas import load_standard_schema as l; l('air_quality')"],
                           cwd=REPO, capture_output=True, check=False)
    return "air_quality" if probe.returncode == 0 else str(SHARED / "tools" / "air_quality.schema.json")


def home_for(rows: int) -> Path:
    home = WORK / f"serve-home-{rows}"
    if (home / "metadata.sqlite").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    print(f"publishing {rows:,} rows into {home.name} ...", flush=True)
    steps = [("init",), ("org", "add", "so-tnmt", "--title", "Sở Tài nguyên và Môi trường"),
             ("publish", str(csv_for(rows)), "--dataset", "air-quality", "--org", "so-tnmt",
              "--schema", schema_option())]
    for step in steps:
        done = opendata(home, *step)
        if done.returncode != 0:
            raise RuntimeError(f"opendata {' '.join(step)} failed: {done.stderr or done.stdout}")
    return home


def start_ours(home: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    port = free_port()
    env = {**os.environ, "OPENDATA_HOME": str(home), "OPENDATA_RATELIMIT_ENABLED": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/api/v1", proc)
    rows = f"{base}/api/v1/datasets/air-quality/rows"
    return proc, {
        "first page JSON": f"{rows}?limit=100",
        "filtered page + total": f"{rows}?" + urllib.parse.urlencode({"district": DISTRICT, "limit": 100}),
        "value counts": f"{base}/api/v1/datasets/air-quality/columns/district/counts?limit=100",
        "full CSV export": f"{base}/datasets/air-quality/versions/1/data.csv",
    }


# -- Datasette -----------------------------------------------------------------------------------------------------
def start_datasette(db: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    port = free_port()
    settings = {"sql_time_limit_ms": "120000", "suggest_facets": "off", "max_csv_mb": "0",
                "facet_time_limit_ms": "120000"}
    command = [str(ensure_datasette()), "serve", str(db), "--host", "127.0.0.1", "--port", str(port)]
    for key, value in settings.items():
        command += ["--setting", key, value]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/-/versions.json", proc)
    table = f"{base}/{db.stem}/air"
    counts = "SELECT district AS value, count(*) AS count FROM air GROUP BY district ORDER BY count DESC LIMIT 100"
    return proc, {
        "first page JSON": f"{table}.json?_size=100&_shape=objects",
        "filtered page + total": f"{table}.json?" + urllib.parse.urlencode(
            {"district": DISTRICT, "_size": 100, "_shape": "objects"}),
        "value counts": f"{base}/{db.stem}.json?" + urllib.parse.urlencode({"sql": counts, "_shape": "array"}),
        "full CSV export": f"{table}.csv?_stream=on&_size=max",
    }


# -- load ----------------------------------------------------------------------------------------------------------
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str, keep: bool = False) -> tuple[float, int, int, bytes]:
    """(seconds, status, bytes, body if keep); large bodies are read in pieces and dropped."""
    started = time.perf_counter()
    size, chunks = 0, []
    try:
        with OPENER.open(url, timeout=900) as response:
            status = response.status
            while chunk := response.read(1 << 20):
                size += len(chunk)
                if keep:
                    chunks.append(chunk)
    except urllib.error.HTTPError as error:
        status = error.code
    return time.perf_counter() - started, status, size, b"".join(chunks)


def run_load(url: str, clients: int, per_client: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client() -> None:
        for _ in range(per_client):
            elapsed, status, _size, _ = fetch(url)
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"requests": len(latencies), "statuses": statuses, "rps": len(latencies) / wall,
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000}


def measure(server: str, operation: str, url: str, clients: int, per_client: int, singles: int) -> dict:
    cold, status, size, _ = fetch(url)  # warm-up (for our CSV: the one request that makes the cached file)
    if status != 200:
        raise RuntimeError(f"{server} {operation}: HTTP {status}")
    single = [fetch(url)[0] for _ in range(singles)]
    load = run_load(url, clients, per_client)
    result = {"server": server, "operation": operation, "cold_ms": cold * 1000, "bytes": size,
              "single_ms": statistics.median(single) * 1000, **load}
    print(f"  {server:<10} {operation:<24} single {result['single_ms']:9.1f} ms   {clients} clients "
          f"{result['rps']:8.1f} req/s (p50 {result['p50_ms']:.0f} ms)   {size / 1e6:7.2f} MB   "
          f"{load['statuses']}", flush=True)
    return result


def check_answers(ours: dict[str, str], theirs: dict[str, str]) -> None:
    """Both servers answer the same question: same total for the filter, same counts, same CSV row count."""
    our_total = json.loads(fetch(ours["filtered page + total"], keep=True)[3])["total"]
    their_total = json.loads(fetch(theirs["filtered page + total"], keep=True)[3])["filtered_table_rows_count"]
    our_counts = {v["value"]: v["count"] for v in json.loads(fetch(ours["value counts"], keep=True)[3])["values"]}
    their_counts = {v["value"]: v["count"] for v in json.loads(fetch(theirs["value counts"], keep=True)[3])}
    print(f"  check: {DISTRICT} total ours {our_total:,} / Datasette {their_total:,}; value counts equal: "
          f"{our_counts == their_counts}", flush=True)
    if our_total != their_total or our_counts != their_counts:
        raise RuntimeError("the two servers disagree")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=25, help="per client, for our page operations")
    parser.add_argument("--datasette-requests", type=int, default=5,
                        help="per client, for Datasette's page operations (it takes seconds per request)")
    parser.add_argument("--csv-requests", type=int, default=2, help="per client, for our full CSV export")
    parser.add_argument("--datasette-csv-requests", type=int, default=1, help="per client, Datasette's CSV")
    parser.add_argument("--singles", type=int, default=9, help="sequential requests for single latency")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    home, db = home_for(args.rows), sqlite_for(args.rows)
    shutil.rmtree(home / "cache", ignore_errors=True)  # so the first CSV download is really the first ("cold")
    results: list[dict] = []

    our_proc, ours = start_ours(home)
    their_proc, theirs = start_datasette(db)
    try:
        check_answers(ours, theirs)
    finally:
        stop(their_proc)
    try:
        print(f"ours ({args.rows:,} rows)", flush=True)
        for op in OPERATIONS:
            per_client = args.csv_requests if op == "full CSV export" else args.requests
            singles = 3 if op == "full CSV export" else args.singles
            results.append(measure("ours", op, ours[op], args.clients, per_client, singles))
    finally:
        stop(our_proc)
    their_proc, theirs = start_datasette(db)
    try:
        print(f"Datasette {DATASETTE_VERSION} ({args.rows:,} rows)", flush=True)
        for op in OPERATIONS:
            per_client = args.datasette_csv_requests if op == "full CSV export" else args.datasette_requests
            singles = 1 if op == "full CSV export" else min(args.singles, 5)
            results.append(measure("Datasette", op, theirs[op], args.clients, per_client, singles))
    finally:
        stop(their_proc)

    by = {(r["server"], r["operation"]): r for r in results}
    print()
    print(f"{args.rows:,} rows, {args.clients} concurrent clients, 127.0.0.1, {os.cpu_count()} cores")
    header = (f"{'operation':<24} {'ours ms':>9} {'Datasette ms':>13} {'ours req/s':>11} {'Datasette req/s':>16} "
              f"{'req/s ratio':>12}")
    print(header)
    print("-" * len(header))
    for op in OPERATIONS:
        a, b = by[("ours", op)], by[("Datasette", op)]
        print(f"{op:<24} {a['single_ms']:9.1f} {b['single_ms']:13.1f} {a['rps']:11.1f} {b['rps']:16.2f} "
              f"{a['rps'] / b['rps']:11.1f}x")
    csv_ours, csv_theirs = by[("ours", "full CSV export")], by[("Datasette", "full CSV export")]
    print(f"full CSV: ours {csv_ours['bytes'] / 1e6:.0f} MB at {csv_ours['bytes'] / csv_ours['single_ms'] / 1e3:.0f} MB/s "
          f"(first, uncached download {csv_ours['cold_ms'] / 1000:.1f} s), Datasette {csv_theirs['bytes'] / 1e6:.0f} MB "
          f"at {csv_theirs['bytes'] / csv_theirs['single_ms'] / 1e3:.1f} MB/s; single-download speed-up "
          f"{csv_theirs['single_ms'] / csv_ours['single_ms']:.0f}x, cold {csv_theirs['single_ms'] / csv_ours['cold_ms']:.0f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
