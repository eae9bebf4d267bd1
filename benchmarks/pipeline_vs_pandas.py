"""Benchmark: a full pipeline run over the 1M-row air-quality CSV (four transform steps) against the same
transformation written as a pandas script, in the same run, each in its own process (time and peak RSS).

The pipeline does more than the pandas script: it also conforms to the schema, scans for personal data,
validates against the standard air-quality schema and publishes a version. Target (issue 7): faster than
pandas, with bounded memory (the run's DuckDB has a memory limit and spills to the run's work folder).

    python benchmarks/pipeline_vs_pandas.py [--rows 1000000] [--csv existing.csv]

Needs pandas (``pip install pandas``), which the product itself does not use.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

PIPELINE = """\
name: air-full
source: {path: air.csv}
steps:
  - normalize: {columns: [station_name, district]}
  - filter: {where: "station_id IS NOT NULL"}
  - cast:
      columns:
        latitude: number
        longitude: number
        observed_at: {type: datetime, format: "%Y-%m-%dT%H:%M:%S"}
        pm25: number
        pm10: number
        no2: number
        so2: number
        co: number
        o3: number
        aqi: integer
  - derive:
      column: aqi_category
      expression: >-
        CASE WHEN aqi IS NULL THEN NULL WHEN aqi <= 50 THEN 'Tốt' WHEN aqi <= 100 THEN 'Trung bình'
        WHEN aqi <= 150 THEN 'Kém' WHEN aqi <= 200 THEN 'Xấu' WHEN aqi <= 300 THEN 'Rất xấu' ELSE 'Nguy hại' END
target: {dataset: air-full, org: so-tnmt, schema: air_quality}
publish: {mode: replace}
"""

RUN_PIPELINE = textwrap.dedent("""\
    import sys, time
    sys.path.insert(0, {repo!r})
    from catalog.metadata import Catalog
    from pipelines.etl.runner import run_pipeline
    catalog = Catalog({home!r})
    catalog.init()
    if catalog.find_org("so-tnmt") is None:
        catalog.add_org("so-tnmt", "Sở Tài nguyên và Môi trường")
    started = time.perf_counter()
    result = run_pipeline(catalog, {pipeline!r}, actor="bench")
    print(result.status, result.rows, round(time.perf_counter() - started, 3), result.error)
    sys.exit(0 if result.status == "published" else 1)
""")

PANDAS_SCRIPT = textwrap.dedent("""\
    import sys, time, unicodedata
    import numpy as np
    import pandas as pd
    started = time.perf_counter()
    df = pd.read_csv({csv!r}, dtype=str, keep_default_na=False, na_values=[""])
    for col in ("station_name", "district"):                              # normalize
        s = df[col].str.replace(r"\\s+", " ", regex=True).str.strip()
        df[col] = s.map(lambda v: unicodedata.normalize("NFC", v) if isinstance(v, str) else v)
    df = df[df["station_id"].notna()]                                      # filter
    for col in ("latitude", "longitude", "pm25", "pm10", "no2", "so2", "co", "o3"):   # cast
        df[col] = pd.to_numeric(df[col], errors="raise")
    df["aqi"] = pd.to_numeric(df["aqi"], errors="raise").astype("Int64")
    df["observed_at"] = pd.to_datetime(df["observed_at"], format="%Y-%m-%dT%H:%M:%S")
    bins = [-1, 50, 100, 150, 200, 300, 10**9]                              # derive
    labels = ["Tốt", "Trung bình", "Kém", "Xấu", "Rất xấu", "Nguy hại"]
    df["aqi_category"] = pd.cut(df["aqi"].astype("float"), bins=bins, labels=labels).astype(object)
    df.loc[df["aqi"].isna(), "aqi_category"] = None
    df.to_parquet({out!r}, compression="zstd", index=False)
    print("ok", len(df), round(time.perf_counter() - started, 3))
""")


def run_measured(code: str, cwd: Path) -> tuple[float, float, int, str]:
    """Run ``code`` in a fresh Python process: (wall seconds, CPU seconds, peak RSS bytes, its output)."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=cwd, stdout=subprocess.PIPE, stderr=errors)
        output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            sys.exit(f"failed ({os.waitstatus_to_exitcode(status)}):\n{output}\n{errors.read().decode()[-3000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, output.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", help="use this air-quality CSV instead of generating one")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each; medians are reported")
    args = parser.parse_args()
    try:
        import pandas  # noqa: F401
    except ImportError:
        sys.exit("this benchmark compares with pandas: pip install pandas")
    root = Path(tempfile.mkdtemp(prefix="etl-bench-"))
    try:
        csv_path = root / "air.csv"
        if args.csv:
            shutil.copy(args.csv, csv_path)
        else:
            subprocess.run([sys.executable, str(SHARED / "tools" / "gen_air_quality.py"), "--rows", str(args.rows),
                            "--out", str(csv_path)], check=True, capture_output=True)
        size = csv_path.stat().st_size
        (root / "air-full.yaml").write_text(PIPELINE, encoding="utf-8")
        ours, theirs = [], []
        for n in range(args.rounds):  # interleaved, so both see the same machine load
            ours.append(run_measured(RUN_PIPELINE.format(repo=str(REPO), home=str(root / f"home{n}"),
                                                         pipeline=str(root / "air-full.yaml")), REPO))
            theirs.append(run_measured(PANDAS_SCRIPT.format(csv=str(csv_path), out=str(root / "pandas.parquet")),
                                       REPO))
        rows = int(ours[0][3].splitlines()[-1].split()[1])

        def figures(runs: list[tuple], includes: str) -> dict:
            wall = statistics.median(r[0] for r in runs)
            return {"seconds": round(wall, 2), "all_seconds": [round(r[0], 1) for r in runs],
                    "cpu_seconds": round(statistics.median(r[1] for r in runs), 2), "rows_per_s": int(rows / wall),
                    "peak_rss_mb": round(max(r[2] for r in runs) / 1e6), "includes": includes}

        summary = {
            "rows": rows, "csv_mb": round(size / 1e6, 1), "rounds": args.rounds,
            "pipeline": figures(ours, "extract, 4 steps, conform, privacy scan, validate, publish"),
            "pandas": figures(theirs, "read, 4 steps, write Parquet"),
        }
        summary["speedup"] = round(summary["pandas"]["seconds"] / summary["pipeline"]["seconds"], 2)
        print(json.dumps(summary, indent=2))
        print("target (pipeline faster than pandas):", "met" if summary["speedup"] > 1 else "NOT met")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
