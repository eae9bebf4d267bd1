"""Load test: many concurrent clients against a real ``opendata serve`` on 127.0.0.1.

    python benchmarks/load.py                      # demo catalogue in a temp folder, 60 s, 32 clients
    python benchmarks/load.py --duration 20 --clients 16 --air-rows 50000

A mix of what the public does (search, dataset pages, the row API, downloads with and without Range, SQL including
a few bombs from the public attack corpus) while a department publishes a new version every few seconds over
HTTP. The server runs with its production settings except rate limiting (every client here is 127.0.0.1).

Targets (exit status 1 when one is missed): no 5xx, no connection error, every publish completes, and p99
latency of page views under 500 ms while the SQL workers are saturated.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from catalog.accounts import Accounts  # noqa: E402
from catalog.metadata import Catalog  # noqa: E402
from pipelines.remote import Remote  # noqa: E402

SHARED = REPO.parent / "shared"
BOMBS = ("dos_cross_join", "dos_recursive_cte_unbounded", "mem_string_agg_huge")
SEARCHES = ("không khí", "trường học", "mưa", "Đống Đa", "du lịch", "y tế", "ngập")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: list[str] = []
        self.publishes: list[str] = []

    def record(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[kind][status] += 1

    def error(self, kind: str, message: str) -> None:
        with self.lock:
            self.errors.append(f"{kind}: {message}")


class Client(threading.Thread):
    """One visitor doing a random mix of requests until the deadline."""

    def __init__(self, url: str, datasets: list[str], corpus: list[dict], stats: Stats, deadline: float,
                 seed: int) -> None:
        super().__init__(daemon=True)
        self.url, self.datasets, self.corpus, self.stats, self.deadline = url, datasets, corpus, stats, deadline
        self.rng = random.Random(seed)
        self.session = requests.Session()

    def get(self, kind: str, path: str, **kwargs) -> None:
        self.call(kind, "GET", path, **kwargs)

    def call(self, kind: str, method: str, path: str, *, stream: bool = False, **kwargs) -> None:
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.url + path, timeout=60, stream=stream, **kwargs)
            if stream:
                for _ in response.iter_content(1 << 16):
                    pass
            else:
                response.content  # noqa: B018 - read the whole body
        except requests.RequestException as exc:
            self.stats.error(kind, f"{method} {path}: {type(exc).__name__}: {exc}")
            return
        self.stats.record(kind, time.perf_counter() - started, response.status_code)
        if response.status_code >= 500:
            self.stats.error(kind, f"{method} {path}: HTTP {response.status_code} {response.text[:200]}")

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            dataset = self.rng.choice(self.datasets)
            roll = self.rng.random()
            if roll < 0.30:
                page = self.rng.choice(["/", "/datasets", f"/datasets/{dataset}", "/organizations",
                                        f"/datasets?q={self.rng.choice(SEARCHES)}"])
                self.get("page", page)
            elif roll < 0.40:
                self.get("search", "/api/v1/datasets", params={"q": self.rng.choice(SEARCHES)})
            elif roll < 0.60:
                self.get("rows", f"/api/v1/datasets/{dataset}/rows", params={"limit": 50})
            elif roll < 0.72:
                fmt = self.rng.choice(["csv", "parquet", "json"])
                headers = {"Range": "bytes=0-65535"} if self.rng.random() < 0.5 else {}
                self.get("download", f"/datasets/{dataset}/latest/data.{fmt}", headers=headers, stream=True)
            else:
                entry = self.rng.choice(self.corpus)
                sql = entry["sql"].replace("{table}", "air_quality")
                self.call("sql-bomb" if entry["id"] in BOMBS else "sql", "POST", "/api/v1/sql", json={"sql": sql})


def publisher(url: str, token: str, files: list[Path], stats: Stats, deadline: float, every: float) -> None:
    remote = Remote(url, token)
    i = 0
    while time.monotonic() < deadline - every:
        started = time.perf_counter()
        try:
            result = remote.publish(files[i % len(files)], dataset="load-test", org="so-tnmt",
                                    schema=str(SHARED / "tools" / "air_quality.schema.json"))
            stats.publishes.append(result.status)
            stats.record("publish", time.perf_counter() - started, 201 if result.status == "published" else 200)
        except Exception as exc:  # noqa: BLE001 - a failed publish is a finding, not a crash of the benchmark
            stats.publishes.append(f"failed: {exc}")
            stats.error("publish", str(exc))
        i += 1
        time.sleep(max(0.0, every - (time.perf_counter() - started)))


def build_home(root: Path, air_rows: int) -> tuple[Path, str, list[str], list[Path]]:
    from pipelines.demo import build_demo

    catalog = Catalog(root / "home")
    catalog.init()
    build_demo(catalog, air_rows=air_rows, log=lambda line: print("  " + line, file=sys.stderr))
    accounts = Accounts(catalog)
    accounts.add_user("load-publisher", sysadmin=True)
    token, _ = accounts.create_token("load-publisher", actor="benchmark")
    datasets = [d["name"] for d in catalog.list_datasets()]
    catalog.dispose()
    files = []
    for i, rows in enumerate((20000, 20400)):
        path = root / f"publish-{i}.csv"
        subprocess.run([sys.executable, str(SHARED / "tools" / "gen_air_quality.py"), "--rows", str(rows), "--out",
                        str(path)], check=True, capture_output=True)
        files.append(path)
    return catalog.home.root, token, datasets, files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, help="server worker processes [default: the server's]")
    parser.add_argument("--air-rows", type=int, default=200_000, help="rows of the demo air-quality dataset")
    parser.add_argument("--publish-every", type=float, default=4.0, help="seconds between publishes")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="opendata-load-"))
    server = None
    try:
        print(f"building the demo catalogue in {root} ...", file=sys.stderr)
        home, token, datasets, files = build_home(root, args.air_rows)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "cli", "serve", "--port", str(port)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        env = {**os.environ, "OPENDATA_HOME": str(home), "OPENDATA_RATELIMIT_ENABLED": "false"}
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  start_new_session=True)
        for _ in range(300):
            try:
                requests.get(url + "/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        corpus = json.loads((SHARED / "corpus" / "sql" / "sql_attacks_public.json").read_text(encoding="utf-8"))
        corpus = [e for e in corpus if e["category"] not in ("integrity",)]
        stats = Stats()
        deadline = time.monotonic() + args.duration
        print(f"{args.clients} clients for {args.duration:.0f} s against {url} ...", file=sys.stderr)
        threads = [Client(url, datasets, corpus, stats, deadline, seed) for seed in range(args.clients)]
        threads.append(threading.Thread(target=publisher, daemon=True,
                                        args=(url, token, files, stats, deadline, args.publish_every)))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)

    figures = {"duration_s": round(elapsed, 1), "clients": args.clients, "kinds": {}}
    total = 0
    for kind in sorted(stats.latency):
        values = stats.latency[kind]
        total += len(values)
        figures["kinds"][kind] = {
            "requests": len(values), "status": dict(sorted(stats.status[kind].items())),
            "p50_ms": round(percentile(values, 50) * 1000), "p95_ms": round(percentile(values, 95) * 1000),
            "p99_ms": round(percentile(values, 99) * 1000), "max_ms": round(max(values) * 1000)}
    server_errors = sum(n for kind in stats.status.values() for code, n in kind.items() if code >= 500)
    connection_errors = sum(1 for e in stats.errors if "HTTP 5" not in e)
    published = sum(1 for s in stats.publishes if s in ("published", "unchanged"))
    page_p99 = figures["kinds"].get("page", {}).get("p99_ms", float("nan"))
    figures.update(requests=total, throughput_rps=round(total / elapsed, 1), server_errors=server_errors,
                   connection_errors=connection_errors, publishes=len(stats.publishes), publishes_ok=published,
                   page_p99_ms=page_p99)
    checks = {"no 5xx": server_errors == 0, "no connection error": connection_errors == 0,
              "every publish completes": published == len(stats.publishes) > 0,
              "page p99 < 500 ms": page_p99 < 500}
    figures["targets"] = checks
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{total} requests in {elapsed:.1f} s ({total / elapsed:.1f}/s), {args.clients} clients")
        print(f"{'kind':<10}{'requests':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}  status")
        for kind, row in figures["kinds"].items():
            print(f"{kind:<10}{row['requests']:>9}{row['p50_ms']:>8}{row['p95_ms']:>8}{row['p99_ms']:>8}"
                  f"{row['max_ms']:>8}  {row['status']}")
        print(f"publishes: {published}/{len(stats.publishes)} completed")
        for name, ok in checks.items():
            print(f"{'PASS' if ok else 'FAIL'} {name}")
        for error in stats.errors[:10]:
            print("  " + error)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
