"""Speed of the admin's web pages on SQLite: the queue page with 500 pending items, and an
approve round trip. Prints medians (and p90) over repeated runs.

    .venv/bin/python eval/web/bench_web.py             # 500 items, 30 page renders, 100 approvals

"Server time" is measured in-process (ASGI through Starlette's TestClient: routing, session
check, queries, template); the round trip is over loopback HTTP to uvicorn, as the browser's
fetch does it. Models are fakes: the pages never run a model.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from assistant.api.app import create_app  # noqa: E402
from assistant.schemas import PostIn  # noqa: E402
from assistant.store.posts import ingest_posts  # noqa: E402
from tests.service.conftest import make_group, service_settings  # noqa: E402

TEXTS = [
    "كم سعر العباية السوداء؟ وهل يوجد مقاس L؟",
    "How much is shipping to Jeddah?",
    "you idiot, this shop is a joke",
    "follow me for crypto profits, whatsapp 0551234567",
    "متى يوصل طلبي رقم 5521؟",
    "The abaya arrived broken, worst service",
]


def _stats(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"median {statistics.median(ordered):.1f} ms, p90 {p90:.1f} ms (n={len(ordered)})"


def _login(client: httpx.Client | TestClient, token: str) -> str:
    page = client.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    client.post("/web/login", data={"csrf": csrf.group(1), "token": token, "next": "/web/"})
    home = client.get("/web/")
    found = re.search(r'data-csrf="([^"]+)"', home.text)
    assert found is not None, "login failed"
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--approvals", type=int, default=100)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="mushrif-bench-web-"))
    settings = service_settings(tmp, f"sqlite:///{tmp / 'mushrif.db'}")
    app = create_app(settings, run_background=False)
    services = app.state.services
    tokens = make_group(services, "bench")
    with services.store.transaction() as session:
        posts = [
            (i, PostIn(external_id=f"b-{i}", text=f"{TEXTS[i % len(TEXTS)]} #{i}"))
            for i in range(args.items)
        ]
        ingest_posts(session, group_id="bench", posts=posts)
    started = time.perf_counter()
    services.worker.drain()
    print(f"seeded {args.items} posts → queue items in {time.perf_counter() - started:.1f} s")

    with TestClient(app) as client:
        _login(client, tokens.moderator)
        for size in (settings.web.page_size, 200):
            services.settings.web.page_size = size
            client.get("/web/g/bench/queue")  # warm templates and caches
            times = []
            for _ in range(args.renders):
                begin = time.perf_counter()
                response = client.get("/web/g/bench/queue")
                times.append((time.perf_counter() - begin) * 1000)
                assert response.status_code == 200 and response.text.count("<article") == size
            print(
                f"queue page, {args.items} pending, {size} shown ({len(response.content) // 1024}"
                f" KiB): {_stats(times)}"
            )
        services.settings.web.page_size = 50

    port = 8765
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        csrf = _login(http, tokens.moderator)
        with services.store.session(readonly=True) as session:
            from sqlalchemy import select

            from assistant.store.models import QueueItem

            pending = list(
                session.execute(
                    select(QueueItem.id, QueueItem.version, QueueItem.draft_text)
                    .where(QueueItem.group_id == "bench", QueueItem.status == "pending")
                    .limit(args.approvals)
                )
            )
        times = []
        for number, (item_id, version, draft) in enumerate(pending):
            data = {"csrf": csrf, "version": str(version)}
            if number % 2:
                data["final_text"] = draft + " (edited)"
            begin = time.perf_counter()
            response = http.post(
                f"/web/g/bench/queue/{item_id}/approve",
                data=data,
                headers={"Accept": "application/json", "X-CSRF-Token": csrf},
            )
            times.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, response.text
        print(f"approve round trip over HTTP (half of them edited): {_stats(times)}")
    server.should_exit = True
    thread.join(timeout=10)


if __name__ == "__main__":
    main()
