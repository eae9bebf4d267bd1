"""Signed webhooks, sent by the worker from an outbox written in the publish's own transaction.

Real parts throughout: a receiver HTTP server on 127.0.0.1 that checks every signature with the secret, the real
publish pipeline, the real worker (in-process, and as ``opendata worker`` subprocesses that are killed with
SIGKILL or run side by side), and a real ``opendata serve`` for the API's permissions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from catalog import jobs, webhooks
from catalog.accounts import Accounts
from catalog.errors import Forbidden
from catalog.unit_of_work import NewVersion, commit_version
from conftest import REPO, ServerProcess
from pipelines import webhooks as sending
from pipelines.publish import publish
from pipelines.worker import Worker, WorkerConfig

SECRET = "a-long-shared-secret-for-tests"
SCHEMA = {"fields": [{"name": "ma_tram", "type": "string"}, {"name": "pm25", "type": "number"}]}


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST, verifies its signature, and answers as scripted."""

    def __init__(self, answers: list[int] | None = None, *, sleep_first: float = 0.0, delay: float = 0.0) -> None:
        self.answers = list(answers or [])
        self.sleep_first, self.delay = sleep_first, delay
        self.received: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                with receiver.lock:
                    first = not receiver.received
                    receiver.received.append({"at": time.monotonic(), "body": json.loads(body),
                                              "headers": dict(self.headers),
                                              "valid": hmac.compare_digest(expected,
                                                                           self.headers["X-Opendata-Signature"])})
                    status = receiver.answers.pop(0) if receiver.answers else 200
                time.sleep(receiver.sleep_first if first else receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self) -> list[str]:
        with self.lock:
            return [r["body"]["id"] for r in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(*args, **kwargs) -> Receiver:
        made.append(Receiver(*args, **kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def allow_private(monkeypatch):
    monkeypatch.setenv("OPENDATA_WEBHOOK_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("OPENDATA_WEBHOOK_BACKOFF", "0.3")


def publish_rows(catalog, tmp_path: Path, rows: int, **meta) -> int:
    path = tmp_path / f"air-{rows}.csv"
    path.write_text("ma_tram,pm25\n" + "".join(f"T{i},{i}.5\n" for i in range(rows)), encoding="utf-8")
    result = publish(catalog, path, dataset="chat-luong-khong-khi", org="so-tnmt", schema=SCHEMA, meta=meta)
    assert result.status == "published", result.report
    return result.version["number"]


def drain(catalog, *, until, timeout: float = 30.0) -> None:
    """Run the worker until ``until()`` holds (retries become due as time passes)."""
    worker = Worker(catalog, WorkerConfig(name="test", lease=30))
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        worker.run_once()
        time.sleep(0.05)


def worker_process(home: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    full = {**os.environ, "OPENDATA_HOME": str(home), "OPENDATA_WEBHOOK_ALLOW_PRIVATE": "true", **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "cli", "worker", "--poll", "0.1", *args], cwd=REPO, env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_receiver_verifies_the_signature_and_sees_two_retries_with_backoff_before_success(
        catalog, tmp_path, receiver, allow_private):
    hook_receiver = receiver([500, 500, 200])
    hook, _ = sending.add(catalog, "so-tnmt", hook_receiver.url, ["dataset.version_published"], secret=SECRET)
    version = publish_rows(catalog, tmp_path, 3, title="Chất lượng không khí")
    drain(catalog, until=lambda: len(hook_receiver.received) == 3)

    got = hook_receiver.received
    assert all(r["valid"] for r in got), "every attempt carries a valid signature"
    assert {r["body"]["id"] for r in got} == {got[0]["headers"]["X-Opendata-Delivery"]}, "one delivery, three tries"
    assert got[0]["headers"]["X-Opendata-Event"] == "dataset.version_published"
    body = got[0]["body"]
    assert body["event"] == "dataset.version_published" and body["occurred_at"].endswith("Z")
    assert body["dataset"]["name"] == "chat-luong-khong-khi" and body["dataset"]["title"] == "Chất lượng không khí"
    assert body["version"]["number"] == version and body["version"]["rows"] == 3
    assert "secret" not in json.dumps(body) and "origin" not in body["dataset"]
    assert got[1]["at"] - got[0]["at"] >= 0.3 * 0.9 and got[2]["at"] - got[1]["at"] >= 0.6 * 0.9, "backoff doubles"
    [delivery] = webhooks.deliveries(catalog, hook["id"])
    assert delivery["status"] == "delivered" and [e["status_code"] for e in delivery["log"]] == [500, 500, 200]


def test_a_delivery_that_keeps_failing_is_marked_failed_after_six_attempts(catalog, tmp_path, receiver,
                                                                              allow_private, monkeypatch):
    monkeypatch.setenv("OPENDATA_WEBHOOK_BACKOFF", "0.01")
    hook_receiver = receiver([503] * 10)
    hook, _ = sending.add(catalog, "so-tnmt", hook_receiver.url, ["dataset.version_published"], secret=SECRET)
    publish_rows(catalog, tmp_path, 2)
    drain(catalog, until=lambda: webhooks.deliveries(catalog, hook["id"])[0]["status"] != "pending")
    [delivery] = webhooks.deliveries(catalog, hook["id"])
    assert delivery["status"] == "failed" and delivery["attempts"] == 6 == len(hook_receiver.received)
    assert jobs.list_jobs(catalog, status="failed")[0]["kind"] == "webhook.deliver"

    webhooks.redeliver(catalog, delivery["id"])
    hook_receiver.answers = [200]
    drain(catalog, until=lambda: webhooks.deliveries(catalog, hook["id"])[0]["status"] == "delivered")
    assert hook_receiver.ids()[-1] == delivery["id"], "a redelivery keeps the delivery's id"


def test_updates_and_deletions_send_their_own_events_and_a_publish_sends_only_version_published(
        catalog, tmp_path, receiver, allow_private):
    hook_receiver = receiver()
    sending.add(catalog, "so-tnmt", hook_receiver.url, list(webhooks.EVENTS), secret=SECRET)
    publish_rows(catalog, tmp_path, 2, title="Không khí")  # creates the dataset
    publish_rows(catalog, tmp_path, 4, title="Không khí (mới)")  # a new version that also changes the title
    catalog.update_dataset("chat-luong-khong-khi", description="Đo mỗi giờ")
    catalog.delete_dataset("chat-luong-khong-khi")
    drain(catalog, until=lambda: len(hook_receiver.received) == 4)
    events = [r["body"]["event"] for r in sorted(hook_receiver.received, key=lambda r: r["body"]["occurred_at"])]
    assert events == ["dataset.version_published", "dataset.version_published", "dataset.updated", "dataset.deleted"]
    deleted = next(r["body"] for r in hook_receiver.received if r["body"]["event"] == "dataset.deleted")
    assert deleted["dataset"]["state"] == "deleted" and deleted["version"]["number"] == 2


def test_the_outbox_row_is_part_of_the_publish_transaction(catalog, tmp_path, allow_private):
    hook, _ = sending.add(catalog, "so-tnmt", "http://127.0.0.1:9/never", ["dataset.version_published"],
                          secret=SECRET)
    publish_rows(catalog, tmp_path, 2)
    assert len(webhooks.deliveries(catalog, hook["id"])) == 1, "no worker ran: the delivery waits in the outbox"

    def crash(conn, number):
        raise RuntimeError("crash inside the publish transaction")

    staged = tmp_path / "staged.parquet"
    staged.write_bytes(b"x")
    latest = catalog.latest_version("chat-luong-khong-khi")
    new = NewVersion(dataset="chat-luong-khong-khi", org="so-tnmt", known=catalog.get_dataset("chat-luong-khong-khi"),
                     staged=staged, key="x/never.parquet", sha256=hashlib.sha256(b"x").hexdigest(),
                     record={k: latest[k] for k in ("path", "parts", "sha256", "source_sha256", "rows", "bytes",
                                                    "source_bytes", "source_format", "schema", "validation",
                                                    "changes", "publisher")},
                     publisher="test", audit={}, schema=SCHEMA, also=crash)
    with pytest.raises(RuntimeError):
        commit_version(catalog, new)
    assert len(webhooks.deliveries(catalog, hook["id"])) == 1, "a rolled-back publish queues nothing"


def test_a_worker_killed_mid_delivery_loses_nothing(catalog, tmp_path, receiver, allow_private):
    hook_receiver = receiver(sleep_first=20)  # the first request hangs: the worker is inside the delivery
    hook, _ = sending.add(catalog, "so-tnmt", hook_receiver.url, ["dataset.version_published"], secret=SECRET)
    publish_rows(catalog, tmp_path, 2)
    home = catalog.home.root
    first = worker_process(home, env={"OPENDATA_WORKER_LEASE": "2"})
    try:
        wait_for(lambda: len(hook_receiver.received) == 1, 20, "the first worker to start the delivery")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert webhooks.deliveries(catalog, hook["id"])[0]["status"] == "pending"

    time.sleep(2.5)  # the killed worker's lease runs out
    second = subprocess.run([sys.executable, "-m", "cli", "worker", "--once"], cwd=REPO, capture_output=True,
                            env={**os.environ, "OPENDATA_HOME": str(home)},
                            timeout=60)
    assert second.returncode == 0, second.stderr.decode()
    [delivery] = webhooks.deliveries(catalog, hook["id"])
    assert delivery["status"] == "delivered"
    assert hook_receiver.ids() == [delivery["id"], delivery["id"]] and all(r["valid"] for r in hook_receiver.received)


def test_two_workers_running_at_once_deliver_each_event_exactly_once(catalog, tmp_path, receiver, allow_private):
    hook_receiver = receiver(delay=0.25)
    sending.add(catalog, "so-tnmt", hook_receiver.url, ["dataset.updated"], secret=SECRET)
    publish_rows(catalog, tmp_path, 2)
    events = 12
    for i in range(events):
        catalog.update_dataset("chat-luong-khong-khi", description=f"lần {i}")
    workers = [worker_process(catalog.home.root) for _ in range(2)]
    try:
        wait_for(lambda: len(hook_receiver.received) >= events, 60, "every event to be delivered")
        time.sleep(1.0)  # time for a duplicate to show up, if there were one
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        logs = [proc.communicate(timeout=30)[1].decode() for proc in workers]
    ids = hook_receiver.ids()
    assert len(ids) == events == len(set(ids)), f"duplicates or losses: {len(ids)} received"
    assert all(proc.returncode == 0 for proc in workers), logs
    assert all("webhook.deliver): done" in log for log in logs), "both workers took part"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/hook"])
def test_private_loopback_and_link_local_targets_are_refused_without_the_setting(catalog, url, monkeypatch):
    monkeypatch.delenv("OPENDATA_WEBHOOK_ALLOW_PRIVATE", raising=False)
    monkeypatch.delenv("OPENDATA_ALLOW_PRIVATE_URLS", raising=False)
    with pytest.raises(Forbidden, match="OPENDATA_WEBHOOK_ALLOW_PRIVATE"):
        sending.add(catalog, "so-tnmt", url, ["dataset.updated"], secret=SECRET)
    assert webhooks.list_hooks(catalog) == []


def test_the_address_is_checked_again_at_send_time(catalog, tmp_path, receiver, monkeypatch):
    hook_receiver = receiver()
    monkeypatch.setenv("OPENDATA_WEBHOOK_ALLOW_PRIVATE", "true")
    hook, _ = sending.add(catalog, "so-tnmt", hook_receiver.url, ["dataset.version_published"], secret=SECRET)
    monkeypatch.delenv("OPENDATA_WEBHOOK_ALLOW_PRIVATE")
    publish_rows(catalog, tmp_path, 2)
    Worker(catalog, WorkerConfig(name="test")).run_once()
    [delivery] = webhooks.deliveries(catalog, hook["id"])
    assert hook_receiver.received == [] and "địa chỉ riêng, loopback" in delivery["log"][0]["error"]


def test_the_cli_adds_lists_and_removes_webhooks_without_showing_the_secret_again(catalog, tmp_path):
    env = {**os.environ, "OPENDATA_HOME": str(catalog.home.root)}
    run = lambda *args, **extra: subprocess.run([sys.executable, "-m", "cli", "webhook", *args], cwd=REPO,  # noqa: E731
                                                capture_output=True, text=True, env={**env, **extra}, timeout=60)
    refused = run("add", "http://127.0.0.1:9/hook", "--org", "so-tnmt", "--event", "dataset.updated")
    assert refused.returncode == 2 and "OPENDATA_WEBHOOK_ALLOW_PRIVATE" in refused.stderr
    added = run("add", "http://127.0.0.1:9/hook", "--org", "so-tnmt", "--event", "dataset.updated",
                "--event", "dataset.deleted", "--secret", SECRET, OPENDATA_WEBHOOK_ALLOW_PRIVATE="true")
    assert added.returncode == 0, added.stderr
    listed = run("list", "--json")
    [hook] = json.loads(listed.stdout)
    assert hook["events"] == ["dataset.updated", "dataset.deleted"] and SECRET not in listed.stdout
    assert hook["secret_hint"] == "…" + SECRET[-4:]
    bad = run("add", "https://example.org/h", "--org", "so-tnmt", "--event", "dataset.exploded")
    assert bad.returncode == 2 and "dataset.exploded" in bad.stderr
    assert run("remove", hook["id"]).returncode == 0 and json.loads(run("list", "--json").stdout) == []
    assert run("deliveries", hook["id"], "--json").returncode == 0


@pytest.fixture
def api_site(catalog, tmp_path):
    catalog.add_org("so-gddt", "Sở Giáo dục và Đào tạo")
    accounts = Accounts(catalog)
    tokens = {}
    for user, org in (("tnmt-editor", "so-tnmt"), ("gddt-editor", "so-gddt")):
        accounts.add_user(user)
        accounts.add_member(org, user, "editor", actor="test")
        tokens[user] = accounts.create_token(user)[0]
    publish_rows(catalog, tmp_path, 2)
    catalog.dispose()
    server = ServerProcess(catalog.home.root, env={"OPENDATA_WEBHOOK_ALLOW_PRIVATE": "true"})
    yield server, tokens
    server.stop()


def test_the_api_lets_an_organisations_editors_manage_its_webhooks_and_nobody_else(api_site):
    server, tokens = api_site
    url = server.url + "/api/v1/webhooks"
    as_user = lambda who: {"Authorization": tokens[who]}  # noqa: E731
    new = {"url": "http://127.0.0.1:9/hook", "org": "so-tnmt", "events": ["dataset.updated"]}

    assert requests.post(url, json=new, timeout=10).status_code == 401
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.post(url, json=new, headers=as_user("gddt-editor"), timeout=10).status_code == 403
    created = requests.post(url, json=new, headers=as_user("tnmt-editor"), timeout=10)
    assert created.status_code == 201
    hook, secret = created.json()["webhook"], created.json()["secret"]
    assert len(secret) >= 32 and secret not in requests.get(url, headers=as_user("tnmt-editor"), timeout=10).text

    own = f"{url}/{hook['id']}/deliveries"
    assert requests.get(own, timeout=10).status_code == 401
    assert requests.get(own, headers=as_user("gddt-editor"), timeout=10).status_code == 403
    assert requests.delete(f"{url}/{hook['id']}", headers=as_user("gddt-editor"), timeout=10).status_code == 403
    assert requests.get(url, headers=as_user("gddt-editor"), timeout=10).json()["webhooks"] == []
    assert requests.get(own, headers=as_user("tnmt-editor"), timeout=10).json() == {"deliveries": []}

    bad = requests.post(url, json={**new, "events": ["nope"]}, headers=as_user("tnmt-editor"), timeout=10)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_input"
    assert requests.post(url, data="{", headers=as_user("tnmt-editor"), timeout=10).status_code == 400
    missing = requests.post(f"{own}/no-such/redeliver", headers=as_user("tnmt-editor"), timeout=10)
    assert missing.status_code == 404
    assert requests.delete(f"{url}/{hook['id']}", headers=as_user("tnmt-editor"), timeout=10).status_code == 200
    assert requests.get(own, headers=as_user("tnmt-editor"), timeout=10).status_code == 404
