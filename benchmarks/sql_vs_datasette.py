"""Benchmark: the public SQL endpoint against Datasette 0.65 on the same air-quality data, end to end over HTTP.

    python benchmarks/sql_vs_datasette.py                 # 1M rows vs Datasette, then 10M rows (ours only)
    python benchmarks/sql_vs_datasette.py --rows 200000 --big-rows 0 --requests 5

The query is the issue's: ``SELECT district, date_trunc('month', observed_at) m, avg(pm25) ... GROUP BY 1, 2``
(SQLite has no date_trunc: Datasette gets the same grouping with ``strftime('%Y-%m', observed_at)``). Both
servers run on 127.0.0.1 as real processes: ``opendata serve`` (rate limits off) and ``datasette serve`` (from
its own venv under ``benchmarks/_work/``, never a project dependency; its per-query time limit is raised so the
aggregate can finish). Each server is warmed up, then C concurrent clients each send R requests back to back;
we report p50/p99 latency and throughput. The data comes from ``../shared/tools/gen_air_quality.py`` (cached in
``benchmarks/_work/``): the CSV is loaded into SQLite for Datasette and published into a catalogue home for us
with ``opendata publish``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
WORK = REPO / "benchmarks" / "_work"
DATASETTE_VENV = WORK / "datasette-venv"
DATASETTE_VERSION = "0.65.5"

OUR_SQL = ("SELECT district, date_trunc('month', observed_at) m, avg(pm25) AS pm25 FROM air_quality "
           "GROUP BY 1, 2")
SQLITE_SQL = ("SELECT district, strftime('%Y-%m', observed_at) m, avg(pm25) AS pm25 FROM air "
              "GROUP BY 1, 2")


# -- data ----------------------------------------------------------------------------------------------------------
def csv_for(rows: int) -> Path:
    out = WORK / f"air-{rows}.csv"
    if not out.exists():
        print(f"generating {rows:,} rows ...", flush=True)
        subprocess.run([sys.executable, str(SHARED / "tools" / "gen_air_quality.py"), "--rows", str(rows),
                        "--out", str(out)], check=True)
    return out


def sqlite_for(rows: int) -> Path:
    """SQLite built from the same CSV, typed like the Table Schema (timestamps as ISO text, as Datasette users do)."""
    db = WORK / f"air-{rows}.db"
    if db.exists():
        return db
    import duckdb

    print(f"building {db.name} ...", flush=True)
    tmp = db.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    con.execute("""CREATE TABLE air (station_id TEXT, station_name TEXT, district TEXT, latitude REAL,
                   longitude REAL, observed_at TEXT, pm25 REAL, pm10 REAL, no2 REAL, so2 REAL, co INTEGER,
                   o3 REAL, aqi INTEGER, aqi_category TEXT)""")
    reader = duckdb.connect().execute("SELECT * FROM read_csv(?, all_varchar=true)", [str(csv_for(rows))])
    while batch := reader.fetchmany(100_000):
        con.executemany("INSERT INTO air VALUES (" + ",".join("?" * 14) + ")",
                        [tuple(None if v == "" else v for v in row) for row in batch])
    con.commit()
    con.close()
    tmp.rename(db)
    return db


def opendata(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", "--home", str(home), *args], cwd=REPO, text=True,
                          capture_output=True, check=False)


def home_for(rows: int) -> Path:
    """A catalogue home where the same CSV was published with ``opendata publish`` (validated, typed Parquet)."""
    home = WORK / f"home-{rows}"
    if (home / "metadata.sqlite").exists():
        return home
    print(f"publishing {rows:,} rows into {home.name} ...", flush=True)
    shutil.rmtree(home, ignore_errors=True)
    steps = [("init",), ("org", "add", "so-tnmt", "--title", "Sở Tài nguyên và Môi trường"),
             ("publish", str(csv_for(rows)), "--dataset", "air-quality", "--org", "so-tnmt", "--schema",
              str(SHARED / "tools" / "air_quality.schema.json"))]
    for step in steps:
        done = opendata(home, *step)
        if done.returncode != 0:
            raise RuntimeError(f"opendata {' '.join(step)} failed: {done.stderr or done.stdout}")
    return home


# -- servers -------------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def start_ours(home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "OPENDATA_HOME": str(home), "OPENDATA_RATELIMIT_ENABLED": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/", proc)
    return proc, base + "/api/v1/sql?" + urllib.parse.urlencode({"sql": OUR_SQL})


def ensure_datasette() -> Path:
    exe = DATASETTE_VENV / "bin" / "datasette"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
        subprocess.run([str(DATASETTE_VENV / "bin" / "pip"), "install", "-q", f"datasette=={DATASETTE_VERSION}"],
                       check=True)
    return exe


def start_datasette(db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([str(ensure_datasette()), "serve", str(db), "--host", "127.0.0.1", "--port", str(port),
                             "--setting", "sql_time_limit_ms", "120000", "--setting", "suggest_facets", "off"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/-/versions.json", proc)
    return proc, f"{base}/{db.stem}.json?" + urllib.parse.urlencode({"sql": SQLITE_SQL, "_shape": "array"})


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- load ----------------------------------------------------------------------------------------------------------
def fetch(url: str) -> tuple[float, int, int]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    started = time.perf_counter()
    try:
        with opener.open(url, timeout=300) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return time.perf_counter() - started, status, len(body)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def run_load(url: str, clients: int, requests: int) -> dict:
    """Latency percentiles over the answered (200) requests; refusals (429 busy, 400 timeout) are counted."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client() -> None:
        for _ in range(requests):
            elapsed, status, _size = fetch(url)
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if not latencies:
        latencies = [float("nan")]
    return {"requests": clients * requests, "statuses": statuses, "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000, "mean_ms": statistics.fmean(latencies) * 1000,
            "throughput_rps": statuses.get(200, 0) / wall}


def measure(name: str, url: str, clients: int, requests: int) -> dict:
    for _ in range(2):  # warm-up: caches, worker processes
        elapsed, status, size = fetch(url)
        if status != 200:
            raise RuntimeError(f"{name}: HTTP {status}")
    single = [fetch(url)[0] for _ in range(max(3, requests // 2))]
    result = run_load(url, clients, requests)
    result.update(name=name, single_p50_ms=statistics.median(single) * 1000, response_bytes=size,
                  load_average=os.getloadavg()[0], cpus=os.cpu_count())
    print(f"{name:<34} single p50 {result['single_p50_ms']:8.1f} ms | {clients} clients: "
          f"p50 {result['p50_ms']:8.1f} ms  p99 {result['p99_ms']:8.1f} ms  {result['throughput_rps']:6.1f} req/s  "
          f"statuses {result['statuses']}  (load average {result['load_average']:.1f}, {result['cpus']} CPUs)",
          flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000, help="ours only; 0 skips")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=25, help="per client, for our endpoint")
    parser.add_argument("--datasette-requests", type=int, default=3, help="per client, for Datasette")
    parser.add_argument("--skip-datasette", action="store_true")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = []

    proc, url = start_ours(home_for(args.rows))
    try:
        results.append(measure(f"ours, {args.rows:,} rows", url, args.clients, args.requests))
    finally:
        stop(proc)
    if not args.skip_datasette:
        proc, url = start_datasette(sqlite_for(args.rows))
        try:
            results.append(measure(f"Datasette {DATASETTE_VERSION}, {args.rows:,} rows", url, args.clients,
                                   args.datasette_requests))
        finally:
            stop(proc)
        ours, theirs = results[0], results[1]
        print(f"speed-up at p50: single client {theirs['single_p50_ms'] / ours['single_p50_ms']:.1f}x, "
              f"{args.clients} clients {theirs['p50_ms'] / ours['p50_ms']:.1f}x; throughput "
              f"{ours['throughput_rps'] / theirs['throughput_rps']:.1f}x")
    if args.big_rows:
        proc, url = start_ours(home_for(args.big_rows))
        try:
            results.append(measure(f"ours, {args.big_rows:,} rows", url, args.clients, args.requests))
        finally:
            stop(proc)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
