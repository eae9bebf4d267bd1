"""Benchmark: a catalogue of N metadata-only datasets, filled and searched through a real ``opendata serve``.

Issue 16 asks whether search, writes and memory hold at a national portal's size. For each backend (SQLite in the
home; PostgreSQL: a throwaway cluster started the way the tests start one, or ``--database-url``) and for each size
N (``--sizes``, default 10k, 50k, 100k; one catalogue grows through the sizes), this:

- fills datasets through CKAN's ``package_create`` with a sysadmin token (4 client threads), and reports the
  creates per second over the last ``--window`` creates before reaching N;
- runs ``--queries`` free-text searches (``GET /api/v1/datasets?q=...``, Vietnamese words with and without tones,
  prefixes, a facet filter) and reports p50 / p99;
- 20 times: creates one dataset, then times the very next search ("first search after a write");
- 20 searches that no cache can answer (a page size not asked before): what the index itself costs;
- reports the largest resident set size (RSS) among the server's processes (psutil over its process tree).

``--old DIR`` also runs the SQLite measurements against another checkout (e.g. ``git worktree add /tmp/old
9544235``: the in-memory index), for the before/after table. Targets at 100,000 datasets: search p99 < 50 ms,
first search after a write < 50 ms, every web process < 300 MB, creates >= 200/s on SQLite.

    python benchmarks/catalogue_scale.py [--sizes 10000,50000,100000] [--backends sqlite,postgresql]
                                         [--database-url URL] [--old /tmp/old] [--old-sizes 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import psutil  # noqa: E402
import requests  # noqa: E402

from catalog.accounts import Accounts  # noqa: E402
from catalog.home import DATABASE_URL_VAR  # noqa: E402
from catalog.metadata import Catalog  # noqa: E402

THREADS = 4
ORGS = [("so-tnmt", "Sở Tài nguyên và Môi trường"), ("so-gtvt", "Sở Giao thông Vận tải"),
        ("so-gddt", "Sở Giáo dục và Đào tạo"), ("so-yte", "Sở Y tế"), ("so-xd", "Sở Xây dựng"),
        ("so-vhtt", "Sở Văn hóa và Thể thao"), ("cuc-thong-ke", "Cục Thống kê Hà Nội"), ("so-tc", "Sở Tài chính")]
TOPICS = ["Điểm ngập", "Chất lượng không khí", "Danh sách trường học", "Dân số", "Lượt khách du lịch",
          "Mạng lưới xe buýt", "Giấy phép xây dựng", "Bệnh viện và trạm y tế", "Thu chi ngân sách",
          "Tai nạn giao thông", "Cây xanh đường phố", "Chợ và siêu thị", "Nhà văn hóa", "Mực nước sông Hồng",
          "Rác thải sinh hoạt", "Đèn chiếu sáng công cộng", "Bãi đỗ xe", "Điểm phát wifi miễn phí"]
DISTRICTS = ["Ba Đình", "Hoàn Kiếm", "Tây Hồ", "Long Biên", "Cầu Giấy", "Đống Đa", "Hai Bà Trưng", "Hoàng Mai",
             "Thanh Xuân", "Sóc Sơn", "Đông Anh", "Gia Lâm", "Nam Từ Liêm", "Thanh Trì", "Bắc Từ Liêm", "Mê Linh",
             "Hà Đông", "Sơn Tây", "Ba Vì", "Phúc Thọ", "Đan Phượng", "Hoài Đức", "Quốc Oai", "Thạch Thất",
             "Chương Mỹ", "Thanh Oai", "Thường Tín", "Phú Xuyên", "Ứng Hòa", "Mỹ Đức"]
TAGS = ["môi trường", "giao thông", "giáo dục", "y tế", "du lịch", "ngân sách", "đô thị", "dân cư", "an toàn",
        "văn hóa", "năng lượng", "nước"]
QUERIES = ["dong da", "Đống Đa", "ngập", "truong hoc cau giay", "xe buýt", "khong khi", "benh vien ha dong",
           "ngân sách 2021", "giao thong", "wifi", "song hong", "cây xanh tây hồ", "truon", "nha van hoa",
           "rác thải", "bai do xe hoan kiem", "moi truong", "dan so 2019", "den chieu sang", "Ứng Hòa"]


def dataset_body(i: int) -> dict:
    rng = random.Random(i)
    topic, district = rng.choice(TOPICS), rng.choice(DISTRICTS)
    year = 2010 + i % 15
    org = ORGS[i % len(ORGS)][0]
    return {"name": f"bo-du-lieu-{i:06d}", "owner_org": org, "title": f"{topic} {district} năm {year}",
            "notes": f"{topic} tại quận/huyện {district}, số liệu năm {year}. Bản ghi số {i}.",
            "license_id": rng.choice(["CC-BY-4.0", "ODbL-1.0", "CC0-1.0"]),
            "tags": [{"name": t} for t in rng.sample(TAGS, 2)]}


@dataclass
class Server:
    proc: subprocess.Popen
    url: str

    @classmethod
    def start(cls, home: Path, cwd: Path, env: dict[str, str]) -> Server:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        full_env = {**os.environ, "OPENDATA_HOME": str(home), "OPENDATA_RATELIMIT_ENABLED": "false", **env}
        proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers", "2"],
                                cwd=cwd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = cls(proc, f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(server.url + "/api/v1/datasets?limit=1", timeout=5)
                return server
            except requests.RequestException:
                time.sleep(0.2)
        server.stop()
        raise RuntimeError("the server did not start")

    def largest_rss_mb(self) -> float:
        root = psutil.Process(self.proc.pid)
        processes = [root, *root.children(recursive=True)]
        return max(p.memory_info().rss for p in processes if p.is_running()) / 2**20

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def prepare(home: Path, database_url: str | None) -> str:
    """An initialised catalogue with the organisations and a sysadmin token; returns the token."""
    catalog = Catalog(home, url=database_url)
    catalog.init()
    for name, title in ORGS:
        catalog.add_org(name, title)
    accounts = Accounts(catalog)
    accounts.add_user("bench", sysadmin=True)
    token = accounts.create_token("bench")[0]
    catalog.dispose()
    return token


def fill(url: str, token: str, start: int, stop: int) -> None:
    """Create datasets ``start`` .. ``stop - 1`` through package_create, from THREADS client threads."""
    numbers = iter(range(start, stop))
    lock = threading.Lock()
    errors: list[str] = []

    def work() -> None:
        session = requests.Session()
        session.headers["Authorization"] = token
        while True:
            with lock:
                i = next(numbers, None)
            if i is None or errors:
                return
            answer = session.post(url + "/api/3/action/package_create", json=dataset_body(i), timeout=120)
            if answer.status_code != 200:
                errors.append(f"{answer.status_code} {answer.text[:300]}")

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"package_create failed: {errors[0]}")


def fill_direct(home: Path, database_url: str | None, start: int, stop: int) -> None:
    """``--fill direct``: the same write path (``Catalog.create_dataset``, index included) without HTTP, in
    transactions of 2,000: for a shared, busy machine where filling 100k through the API takes hours. The
    creates per second are still measured through the API, over the last ``--window`` creates."""
    catalog = Catalog(home, url=database_url)
    for chunk in range(start, stop, 2000):
        with catalog.writer.begin() as conn:
            for i in range(chunk, min(stop, chunk + 2000)):
                body = dataset_body(i)
                catalog.create_dataset(body["name"], body["owner_org"], conn=conn, title=body["title"],
                                       description=body["notes"], license=body["license_id"],
                                       tags=[t["name"] for t in body["tags"]])
    catalog.dispose()


def timed_search(session: requests.Session, url: str, q: str, **params: str) -> float:
    started = time.perf_counter()
    answer = session.get(url + "/api/v1/datasets", params={"q": q, **params}, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    answer.raise_for_status()
    return elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(server: Server, token: str, size: int, queries: int, next_number: int) -> dict:
    session = requests.Session()
    for q in QUERIES:  # warm up: connections, caches, an in-memory index where there is one
        timed_search(session, server.url, q)
    times = [timed_search(session, server.url, QUERIES[i % len(QUERIES)],
                          **({"license": "CC-BY-4.0"} if i % 5 == 0 else {})) for i in range(queries)]
    after_write = []
    writer = requests.Session()
    writer.headers["Authorization"] = token
    for k in range(20):
        answer = writer.post(server.url + "/api/3/action/package_create", json=dataset_body(next_number + k),
                             timeout=120)
        answer.raise_for_status()
        after_write.append(timed_search(session, server.url, QUERIES[k % len(QUERIES)]))
    # a search no cache can answer (a page size never asked before): the index's own cost
    cold = [timed_search(session, server.url, QUERIES[k % len(QUERIES)], limit=str(30 + k)) for k in range(20)]
    return {"size": size, "p50": percentile(times, 50), "p99": percentile(times, 99),
            "after_write": statistics.median(after_write), "after_write_max": max(after_write),
            "cold": statistics.median(cold), "cold_max": max(cold),
            "rss": server.largest_rss_mb()}


def run(label: str, sizes: list[int], cwd: Path, database_url: str | None, window: int, queries: int,
        direct: bool = False) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="opendata-scale-"))
    rows = []
    try:
        home = work / "home"
        token = prepare(home, database_url)
        env = {DATABASE_URL_VAR: database_url} if database_url else {}
        server = Server.start(home, cwd, env)
        try:
            made = 0
            for size in sizes:
                bulk_end = max(made, size - window)
                if direct:
                    fill_direct(home, database_url, made, bulk_end)
                else:
                    fill(server.url, token, made, bulk_end)
                started = time.perf_counter()
                fill(server.url, token, bulk_end, size)
                rate = (size - bulk_end) / (time.perf_counter() - started)
                made = size
                row = measure(server, token, size, queries, 10_000_000 + size)
                row.update(backend=label, creates=rate)
                rows.append(row)
                print_row(row, flush=True)
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


HEADER = (f"{'backend':<18} {'datasets':>9} {'search p50/p99 ms':>18} {'first search after write ms':>28} "
          f"{'uncached search ms':>22} {'creates/s':>10} {'largest process MB':>19}")


def print_row(row: dict, flush: bool = False) -> None:
    print(f"{row['backend']:<18} {row['size']:>9,} {row['p50']:>8.1f} / {row['p99']:<7.1f} "
          f"{row['after_write']:>15.1f} (max {row['after_write_max']:>7.1f}) "
          f"{row['cold']:>9.1f} (max {row['cold_max']:>7.1f}) {row['creates']:>10.0f} "
          f"{row['rss']:>19.0f}", flush=flush)


def postgres_url(given: str | None) -> tuple[str | None, object | None]:
    if given:
        return given, None
    from pg_cluster import Cluster

    try:
        cluster = Cluster.start()
    except RuntimeError as error:
        print(f"PostgreSQL skipped: {error}", file=sys.stderr)
        return None, None
    return cluster.url(cluster.create()), cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000", help="catalogue sizes, ascending, comma-separated")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--database-url", help="a PostgreSQL URL to use instead of a throwaway cluster")
    parser.add_argument("--old", type=Path, help="another checkout to measure too (SQLite only)")
    parser.add_argument("--old-sizes", default="10000", help="sizes for --old")
    parser.add_argument("--window", type=int, default=1000, help="creates timed before each size is reached")
    parser.add_argument("--queries", type=int, default=300, help="searches timed per size")
    parser.add_argument("--fill", choices=("api", "direct"), default="api",
                        help="how the bulk (all but the timed window) is created: package_create, or in-process")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    rows = []
    direct = args.fill == "direct"
    print(HEADER, flush=True)
    if args.old:
        rows += run("sqlite (old)", sorted(int(s) for s in args.old_sizes.split(",")), args.old, None,
                    args.window, args.queries, direct)
    if "sqlite" in backends:
        rows += run("sqlite", sizes, REPO, None, args.window, args.queries, direct)
    if "postgresql" in backends:
        url, cluster = postgres_url(args.database_url)
        if url:
            try:
                rows += run("postgresql", sizes, REPO, url, args.window, args.queries, direct)
            finally:
                if cluster is not None:
                    cluster.stop()
    print("\n" + HEADER)
    for row in rows:
        print_row(row)


if __name__ == "__main__":
    main()
