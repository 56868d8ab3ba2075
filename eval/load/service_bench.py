"""Load figures of the approval-queue service, against a real `mushrif serve` process.

    .venv/bin/python eval/load/service_bench.py                 # fake models (fast, no artifacts)
    .venv/bin/python eval/load/service_bench.py --models default --out eval/load/results.json

Phases: batch ingest rate; post → queue item latency at a steady rate; kill -9 in the middle
of a 1,000-post load, restart, and check every accepted post is analyzed once with no duplicate
queue item; resident memory of the server. Prints one JSON object (and writes it with --out).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.store import auth, groups  # noqa: E402
from assistant.store.db import Store  # noqa: E402
from assistant.store.models import Role  # noqa: E402

GROUP = "bench"
SEED_TEXTS = [
    json.loads(line)["text"]
    for line in (ROOT / "demo" / "posts.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]
QUESTIONS = ["كم سعر العباية رقم {i}؟", "How much is abaya number {i}?", "هل مقاس {i} متوفر؟"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fake_backends() -> dict[str, Any]:
    from tests.conftest import FAKE_BACKENDS  # the unit tests' deterministic fakes

    return FAKE_BACKENDS.model_dump()


class Server:
    """`mushrif serve` in a child process on a loopback port."""

    def __init__(self, workdir: Path, models: str, lease_s: float) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        config: dict[str, Any] = {
            "data_dir": str(workdir),
            "environment": "test",
            "log_level": "WARNING",
            "worker": {"lease_s": lease_s},
        }
        if models == "fake":
            config["backends"] = fake_backends()
        self.config_file = workdir / "config.yaml"
        self.config_file.write_text(yaml.safe_dump(config), "utf-8")
        self.process: subprocess.Popen[bytes] | None = None
        self._log = (workdir / "server.log").open("ab")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> Settings:
        os.environ["MUSHRIF_CONFIG_FILE"] = str(self.config_file)
        return Settings()

    def start(self, timeout: float = 180) -> float:
        env = {**os.environ, "MUSHRIF_CONFIG_FILE": str(self.config_file), "PYTHONPATH": str(ROOT)}
        code = "from assistant.cli.serve import app; app()"
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, "--port", str(self.port)],
            env=env,
            cwd=ROOT,
            stderr=self._log,
        )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.workdir / 'server.log'}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server not ready in time")

    def rss_mb(self) -> dict[str, float]:
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()


def bootstrap(settings: Settings) -> str:
    store = Store.from_settings(settings)
    store.migrate()
    with store.transaction() as session:
        groups.create_group(session, group_id=GROUP, name="Bench")
        admin = auth.get_or_create_admin(session, name="bench")
        auth.grant_role(session, admin_id=admin.id, group_id=GROUP, role=Role.OWNER)
        token = auth.issue_token(session, admin=admin).token
    store.dispose()
    return token


def posts(prefix: str, n: int) -> list[dict[str, str]]:
    return [
        {
            "external_id": f"{prefix}-{i}",
            "author_id": f"m{i % 97}",
            "text": f"{SEED_TEXTS[i % len(SEED_TEXTS)]} #{prefix}{i}",
        }
        for i in range(n)
    ]


def ingest_rate(client: httpx.Client, n: int, batch: int) -> dict[str, float]:
    rows = posts("ingest", n)
    started = time.perf_counter()
    accepted = 0
    for start in range(0, n, batch):
        response = client.post(
            f"/v1/groups/{GROUP}/posts", json={"posts": rows[start : start + batch]}
        )
        response.raise_for_status()
        accepted += response.json()["accepted"]
    seconds = time.perf_counter() - started
    return {
        "posts": accepted,
        "batch": batch,
        "seconds": round(seconds, 3),
        "posts_per_s": round(accepted / seconds, 1),
    }


def wait_drained(client: httpx.Client, timeout: float = 600) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        metrics = client.get("/metrics").text
        pending = sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith(('mushrif_jobs{status="pending"}', 'mushrif_jobs{status="running"}'))
        )
        if pending == 0:
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError("jobs not drained in time")


def server_histogram(client: httpx.Client, name: str) -> dict[str, float]:
    """Cumulative bucket counts of one histogram from /metrics."""
    prefix = f'{name}_bucket{{le="'
    return {
        line[len(prefix) :].split('"', 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in client.get("/metrics").text.splitlines()
        if line.startswith(prefix)
    }


def share_within(before: dict[str, float], after: dict[str, float], bound: str) -> float:
    total = after["+Inf"] - before.get("+Inf", 0.0)
    return round((after[bound] - before.get(bound, 0.0)) / total, 4) if total else 0.0


def steady_latency(client: httpx.Client, rate: float, seconds: float) -> dict[str, float]:
    """Questions sent one per request at ``rate``/s; a poller sees their reply items appear."""
    histogram_before = server_histogram(client, "mushrif_post_to_queue_seconds")
    sent: dict[int, float] = {}
    seen: dict[int, float] = {}
    answered: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        """A post turns `analyzed` in the same transaction that stores its queue item."""
        with httpx.Client(base_url=str(client.base_url), headers=client.headers) as poller:
            while not stop.is_set() or len(seen) < len(sent):
                for post_id in [p for p in list(sent) if p not in seen]:
                    post = poller.get(f"/v1/groups/{GROUP}/posts/{post_id}").json()
                    if post["status"] == "analyzed":
                        seen[post_id] = time.perf_counter()
                if stop.is_set() and time.perf_counter() - stop_time[0] > 10:
                    return
                time.sleep(0.01)

    stop_time = [0.0]
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    total = int(rate * seconds)
    origin = time.perf_counter()
    for i in range(total):
        due = origin + i / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        text = QUESTIONS[i % len(QUESTIONS)].format(i=i)
        t0 = time.perf_counter()
        response = client.post(
            f"/v1/groups/{GROUP}/posts", json={"external_id": f"steady-{i}", "text": text}
        )
        sent[response.json()["results"][0]["post_id"]] = t0
        answered.append(time.perf_counter() - t0)
    stop_time[0] = time.perf_counter()
    stop.set()
    poller.join(30)
    latencies = sorted(seen[p] - t for p, t in sent.items() if p in seen)
    q = statistics.quantiles(latencies, n=100)
    after = server_histogram(client, "mushrif_post_to_queue_seconds")
    return {
        "posts": total,
        "rate_per_s": rate,
        "visible": len(latencies),
        "p50_s": round(q[49], 3),
        "p95_s": round(q[94], 3),
        "max_s": round(latencies[-1], 3),
        "accept_p95_s": round(statistics.quantiles(answered, n=100)[94], 3),
        "server_share_within_0.5s": share_within(histogram_before, after, "0.5"),
        "server_share_within_1s": share_within(histogram_before, after, "1.0"),
    }


def crash_recovery(workdir: Path, models: str, n: int = 1000) -> dict[str, Any]:
    server = Server(workdir, models, lease_s=5)
    token = bootstrap(server.settings())
    server.start()
    headers = {"Authorization": f"Bearer {token}"}
    rows = posts("crash", n)
    accepted: set[str] = set()
    unsent: list[dict[str, str]] = []
    killer = threading.Timer(0, lambda: None)
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        for start in range(0, n, 50):
            chunk = rows[start : start + 50]
            if start == n // 2:
                killer = threading.Timer(0.05, server.kill9)
                killer.start()
            try:
                response = client.post(f"/v1/groups/{GROUP}/posts", json={"posts": chunk})
                accepted.update(r["external_id"] for r in response.json()["results"])
            except (httpx.HTTPError, ValueError):
                unsent.extend(chunk)
            time.sleep(0.02)
    killer.join()
    server.process = None
    restart_s = server.start()
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        for start in range(0, len(unsent), 50):  # the client resends what got no answer
            response = client.post(
                f"/v1/groups/{GROUP}/posts", json={"posts": unsent[start : start + 50]}
            )
            accepted.update(r["external_id"] for r in response.json()["results"])
        drain_s = wait_drained(client)
    server.stop()
    db = sqlite3.connect(workdir / "mushrif.db")
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    result = {
        "posts_sent": n,
        "accepted_before_or_after_restart": len(accepted),
        "resent_after_restart": len(unsent),
        "posts_stored": one("select count(*) from posts"),
        "posts_analyzed": one("select count(*) from posts where status='analyzed'"),
        "analyses": one("select count(*) from analyses"),
        "posts_with_two_analyses": one(
            "select count(*) from (select post_id from analyses group by post_id having count(*)>1)"
        ),
        "queue_items": one("select count(*) from queue_items"),
        "duplicate_queue_items": one(
            "select count(*) from (select post_id from queue_items where post_id is not null "
            "group by post_id having count(*)>1)"
        ),
        "jobs_retried_after_crash": one("select count(*) from jobs where attempts>1"),
        "jobs_not_done": one("select count(*) from jobs where status!='done'"),
        "restart_to_ready_s": round(restart_s, 2),
        "drain_after_restart_s": round(drain_s, 2),
    }
    db.close()
    result["ok"] = (
        result["posts_stored"] == result["posts_analyzed"] == result["analyses"] == n
        and result["posts_with_two_analyses"] == 0
        and result["duplicate_queue_items"] == 0
        and result["jobs_not_done"] == 0
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", choices=["fake", "default"], default="fake")
    parser.add_argument("--ingest-posts", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--skip-crash", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report: dict[str, Any] = {"models": args.models, "database": "sqlite"}
    with tempfile.TemporaryDirectory(prefix="mushrif-bench-") as tmp:
        server = Server(Path(tmp) / "run", args.models, lease_s=30)
        token = bootstrap(server.settings())
        report["startup_to_ready_s"] = round(server.start(), 2)
        try:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                report["memory_idle_mb"] = server.rss_mb()
                report["ingest"] = ingest_rate(client, args.ingest_posts, args.batch)
                report["ingest"]["analysis_drain_s"] = round(wait_drained(client), 2)
                report["steady"] = steady_latency(client, args.rate, args.seconds)
                report["memory_after_load_mb"] = server.rss_mb()
        finally:
            server.stop()
        if not args.skip_crash:
            crash_dir = Path(tmp) / "crash"
            report["kill9"] = crash_recovery(crash_dir, args.models)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
