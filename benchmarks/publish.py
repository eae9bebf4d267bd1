"""Publish vs `frictionless validate`, measured in the same run on the same generated air-quality CSV.

    python benchmarks/publish.py [--rows 1000000] [--rss-rows 10000000]

1. Generates the CSV with ../shared/tools/gen_air_quality.py (cached under benchmarks/_work/).
2. Times `frictionless validate` (CLI, the shared air-quality schema) and `opendata publish` (validate + typed
   Parquet + catalogue) of the same file; prints rows/s for both and the ratio (target: >= 15x).
3. Injects errors into a copy and checks that both tools report the same (type, row, field) set.
4. With --rss-rows, publishes a larger file and prints the peak RSS of the publishing process (target: <= 1 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
WORK = REPO / "benchmarks" / "_work"
SCHEMA = SHARED / "tools" / "air_quality.schema.json"
BIN = Path(sys.executable).parent


def generate(rows: int) -> Path:
    out = WORK / f"air-{rows}.csv"
    if not out.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(SHARED / "tools" / "gen_air_quality.py"), "--rows", str(rows),
                        "--out", str(out)], check=True)
    return out


def timed(cmd: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - started, proc


def peak_rss_mb_of(cmd: list[str], env: dict) -> tuple[float, int, str]:
    """Run ``cmd`` as the only child of a fresh interpreter so RUSAGE_CHILDREN is its peak RSS alone."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, "
             "p.returncode); sys.stderr.write(p.stdout[-500:] + p.stderr[-2000:])")
    proc = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, env=env)
    seconds, rss, code = proc.stdout.split()
    return float(seconds), int(rss), f"exit {code}: {proc.stderr.strip()[-300:]}"


def triples(report: dict) -> set[tuple]:
    errors = list(report.get("errors") or [])
    for task in report.get("tasks") or []:
        errors += task.get("errors") or []
    return {(e["type"], e.get("rowNumber"), e.get("fieldName") or None) for e in errors}


def inject_errors(source: Path) -> Path:
    """A copy with a handful of known errors spread through the file."""
    target = WORK / (source.stem + "-errors.csv")
    with open(source, encoding="utf-8") as src, open(target, "w", encoding="utf-8") as dst:
        for number, line in enumerate(src, start=1):
            cells = line.rstrip("\n").split(",")
            if number == 1000:
                cells[6] = "-3.5"          # pm25 below its minimum
            elif number == 250_000:
                cells[12] = "abc"          # aqi not an integer
            elif number == 500_000:
                cells[2] = "Quận Không Có"  # district not in the enum
            elif number == 750_000:
                cells[0] = ""              # station_id required
            dst.write(",".join(cells) + "\n")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rss-rows", type=int, default=0, help="also measure peak RSS publishing this many rows")
    args = parser.parse_args()
    csv_path = generate(args.rows)
    env = {**os.environ, "OPENDATA_RATELIMIT_ENABLED": "false"}

    print(f"file: {csv_path.name}, {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.0f} MB")
    f_seconds, f_proc = timed([str(BIN / "frictionless"), "validate", csv_path.name, "--schema", str(SCHEMA), "--trusted",
                               "--json"], cwd=csv_path.parent)
    f_valid = json.loads(f_proc.stdout)["valid"]

    home = WORK / "publish-home"
    shutil.rmtree(home, ignore_errors=True)
    opendata = [str(BIN / "opendata"), "--home", str(home)]
    subprocess.run(opendata + ["init"], check=True, capture_output=True)
    subprocess.run(opendata + ["org", "add", "so-tnmt", "--title", "Sở Tài nguyên và Môi trường"], check=True,
                   capture_output=True)
    o_seconds, o_proc = timed(opendata + ["publish", str(csv_path), "--dataset", "air-quality", "--org", "so-tnmt",
                                          "--schema", str(SCHEMA), "--json"], env=env)
    published = json.loads(o_proc.stdout)
    print()
    print(f"{'':28}{'seconds':>10}{'rows/s':>14}  result")
    print(f"{'frictionless validate':28}{f_seconds:10.2f}{args.rows / f_seconds:14,.0f}  valid={f_valid}")
    print(f"{'opendata publish':28}{o_seconds:10.2f}{args.rows / o_seconds:14,.0f}  {published['status']}")
    print(f"ratio: {f_seconds / o_seconds:.1f}x frictionless's rows/s (target >= 15x)")

    bad = inject_errors(csv_path)
    _, f_bad = timed([str(BIN / "frictionless"), "validate", bad.name, "--schema", str(SCHEMA), "--trusted", "--json"],
                     cwd=bad.parent)
    _, o_bad = timed(opendata + ["validate", str(bad), "--schema", str(SCHEMA), "--json"], env=env)
    theirs, ours = triples(json.loads(f_bad.stdout)), triples(json.loads(o_bad.stdout))
    print(f"\ninjected errors: frictionless {len(theirs)}, opendata {len(ours)}, same set: {theirs == ours}")
    for t in sorted(theirs ^ ours, key=str):
        print("  differs:", t)

    if args.rss_rows:
        big = generate(args.rss_rows)
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run(opendata + ["init"], check=True, capture_output=True)
        subprocess.run(opendata + ["org", "add", "so-tnmt", "--title", "Sở TNMT"], check=True, capture_output=True)
        seconds, rss, status = peak_rss_mb_of(opendata + ["publish", str(big), "--dataset", "air-quality", "--org",
                                                          "so-tnmt", "--schema", str(SCHEMA)], env)
        print(f"\n{args.rss_rows:,} rows: publish {seconds:.1f} s ({args.rss_rows / seconds:,.0f} rows/s), "
              f"peak RSS {rss} MB (target <= 1024 MB) [{status.splitlines()[0] if status else ''}]")


if __name__ == "__main__":
    main()
