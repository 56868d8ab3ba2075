"""A real uvicorn server on a free loopback port with its worker and deliverer threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from assistant.api.app import create_app
from assistant.config import Settings
from tests.service.conftest import make_group, service_settings
from tests.service.receiver import Receiver, free_port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    settings = service_settings(tmp_path, f"sqlite:///{tmp_path / 'mushrif.db'}")
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    app.state.test_services = app.state.services
    try:
        yield f"http://127.0.0.1:{port}", settings
    finally:
        server.should_exit = True
        thread.join(10)
    assert not thread.is_alive()


def _wait(check: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_post_to_published_over_real_http(server: tuple[str, Settings]) -> None:
    base, settings = server
    from assistant.store.db import Store

    store = Store.from_settings(settings)
    hook_port = free_port()

    class _Services:  # make_group only needs .store
        pass

    services = _Services()
    services.store = store  # type: ignore[attr-defined]
    tokens = make_group(services, "live", webhook_url=f"http://127.0.0.1:{hook_port}/h")  # type: ignore[arg-type]
    with httpx.Client(base_url=base, headers=tokens.headers("moderator"), timeout=10) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        _wait(lambda: http.get("/readyz").status_code == 200)
        secret = httpx.get(f"{base}/v1/groups/live", headers=tokens.headers()).json()[
            "webhook_secret"
        ]
        receiver = Receiver(hook_port, secret)
        receiver.start()
        try:
            sent = http.post(
                "/v1/groups/live/posts", json={"text": "Do you ship to Riyadh?", "external_id": "x"}
            )
            assert sent.status_code == 202

            def queued() -> list[dict[str, object]]:
                return list(http.get("/v1/groups/live/queue").json()["items"])

            _wait(lambda: len(queued()) == 1)
            item = queued()[0]
            done = http.post(
                f"/v1/groups/live/queue/{item['id']}/approve", json={"version": item["version"]}
            )
            assert done.status_code == 200
            _wait(lambda: len(receiver.accepted) == 1)
        finally:
            receiver.stop()
        assert receiver.accepted[0]["signed"]
        metrics = http.get("/metrics")
        assert metrics.headers["content-type"].startswith("text/plain")
        for name in (
            "mushrif_queue_depth",
            "mushrif_analysis_seconds_bucket",
            "mushrif_decisions_total",
            "mushrif_delivery_failures_total",
        ):
            assert name in metrics.text
        assert 'mushrif_decisions_total{action="approve"} 1.0' in metrics.text
        assert sent.headers["x-request-id"]
    store.dispose()
