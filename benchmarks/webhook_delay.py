"""Delay from publish to webhook receipt, with ``opendata worker`` running as it would in production.

    python benchmarks/webhook_delay.py [--publishes 20] [--poll 0.5]

1. Creates a catalogue in a temporary folder, an organisation, and a webhook to a receiver on 127.0.0.1
   (OPENDATA_WEBHOOK_ALLOW_PRIVATE=true) that verifies each signature.
2. Starts ``opendata worker --poll P`` as a subprocess.
3. Publishes N versions with ``opendata publish`` (a new subprocess each, as a user or a cron job would), one
   after the other, and records for each delivery: receipt time minus ``occurred_at`` (the moment the event was
   written in the publish transaction) and receipt time minus the end of the publish command.
4. Prints median and p95 of both; all N deliveries must arrive, each once, each correctly signed.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SECRET = "benchmark-secret-0123456789"
SCHEMA = {"fields": [{"name": "ma_tram", "type": "string"}, {"name": "pm25", "type": "number"}]}
received: dict[str, tuple[float, dict, bool]] = {}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        at = time.time()
        good = hmac.compare_digest("sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
                                   self.headers["X-Opendata-Signature"])
        payload = json.loads(body)
        received[payload["id"]] = (at, payload, good)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def opendata(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, env=env, check=True, capture_output=True)


def stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--publishes", type=int, default=20)
    parser.add_argument("--poll", type=float, default=0.5)
    options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "OPENDATA_HOME": str(work / "home"), "OPENDATA_WEBHOOK_ALLOW_PRIVATE": "true"}
        opendata(env, "init")
        opendata(env, "org", "add", "so-tnmt", "--title", "Sở TNMT")
        opendata(env, "webhook", "add", f"http://127.0.0.1:{server.server_address[1]}/hook", "--org", "so-tnmt",
                 "--event", "dataset.version_published", "--secret", SECRET)
        (work / "schema.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
        worker = subprocess.Popen([sys.executable, "-m", "cli", "worker", "--poll", str(options.poll)], cwd=REPO,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ended: dict[int, float] = {}
        try:
            for n in range(1, options.publishes + 1):
                csv = work / "air.csv"
                csv.write_text("ma_tram,pm25\n" + "".join(f"T{i},{i}.5\n" for i in range(n)), encoding="utf-8")
                opendata(env, "publish", str(csv), "--dataset", "khong-khi", "--org", "so-tnmt",
                         "--schema", str(work / "schema.json"))
                ended[n] = time.time()
            deadline = time.time() + 60
            while len(received) < options.publishes and time.time() < deadline:
                time.sleep(0.05)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    server.shutdown()
    assert len(received) == options.publishes, f"only {len(received)} of {options.publishes} deliveries arrived"
    assert all(good for _, _, good in received.values()), "a signature did not verify"
    from_event = [at - stamp(p["occurred_at"]) for at, p, _ in received.values()]
    from_cli = [at - ended[p["version"]["number"]] for at, p, _ in received.values()]
    print(f"{options.publishes} publishes, worker --poll {options.poll}: all delivered once, signatures valid")
    print(f"event written -> receipt: median {statistics.median(from_event) * 1000:.0f} ms, "
          f"p95 {pct(from_event, 0.95) * 1000:.0f} ms, max {max(from_event) * 1000:.0f} ms")
    print(f"publish command returned -> receipt: median {statistics.median(from_cli) * 1000:.0f} ms, "
          f"p95 {pct(from_cli, 0.95) * 1000:.0f} ms (negative: received before the command had exited)")


if __name__ == "__main__":
    main()
