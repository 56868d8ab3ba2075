"""Outbox delivery to a real HTTP receiver on loopback: signed, retried, exactly once."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from assistant.api.deps import Services
from assistant.publishing.signing import sign, verify
from tests.service.conftest import Tokens, make_group
from tests.service.receiver import Receiver, free_port

QUESTIONS = [{"external_id": f"q{i}", "text": f"كم سعر المنتج رقم {i}؟"} for i in range(4)]


def _approve_all(client: TestClient, tokens: Tokens, services: Services, group: str) -> list[int]:
    headers = tokens.headers("moderator")
    client.post(f"/v1/groups/{group}/posts", json={"posts": QUESTIONS}, headers=headers)
    services.worker.drain()
    items = client.get(f"/v1/groups/{group}/queue", headers=headers).json()["items"]
    for item in items:
        url = f"/v1/groups/{group}/queue/{item['id']}/approve"
        assert client.post(url, json={"version": item["version"]}, headers=headers).is_success
    return [i["id"] for i in items]


def _secret(client: TestClient, tokens: Tokens, group: str) -> str:
    return str(client.get(f"/v1/groups/{group}", headers=tokens.headers()).json()["webhook_secret"])


def _deliver_until(services: Services, done: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        services.deliverer.step()
        if callable(done) and done():
            return
        time.sleep(0.02)
    raise AssertionError("deliveries did not finish in time")


def test_receiver_down_then_up_gets_each_item_once(client: TestClient, services: Services) -> None:
    port = free_port()
    tokens = make_group(services, "hooked", webhook_url=f"http://127.0.0.1:{port}/hook")
    item_ids = _approve_all(client, tokens, services, "hooked")
    receiver = Receiver(port, _secret(client, tokens, "hooked"))
    for _ in range(3):  # receiver down: connection refused, retried with backoff
        services.deliverer.step()
        time.sleep(0.06)
    first = client.get(
        f"/v1/groups/hooked/queue/{item_ids[0]}", headers=tokens.headers("viewer")
    ).json()["delivery"]
    assert first["status"] == "pending" and first["attempts"] >= 1
    assert "Connect" in first["last_error"]
    receiver.start()
    try:
        _deliver_until(services, lambda: len(receiver.accepted) == len(item_ids))
        for _ in range(5):  # nothing more arrives
            services.deliverer.step()
            time.sleep(0.05)
    finally:
        receiver.stop()
    keys = Counter(r["key"] for r in receiver.requests)
    assert sorted(keys) == sorted(f"mushrif:hooked:item:{i}" for i in item_ids)
    assert set(keys.values()) == {1}
    assert all(r["signed"] for r in receiver.requests)
    payload = receiver.requests[0]["payload"]
    assert payload["event"] == "queue_item.approved" and payload["item"]["kind"] == "reply"
    item = client.get(f"/v1/groups/hooked/queue/{item_ids[0]}", headers=tokens.headers()).json()
    assert item["delivery"]["status"] == "delivered" and item["delivery"]["last_status_code"] == 200
    events = client.get(
        f"/v1/groups/hooked/queue/{item_ids[0]}/events", headers=tokens.headers()
    ).json()
    assert events[-1]["action"] == "delivered" and events[-1]["admin"] == "mushrif"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_server_errors_are_retried_then_given_up_and_redelivered(
    client: TestClient, services: Services
) -> None:
    port = free_port()
    tokens = make_group(services, "flaky", webhook_url=f"http://127.0.0.1:{port}/hook")
    receiver = Receiver(port, _secret(client, tokens, "flaky"), fail_first=10**6)
    receiver.start()
    services.deliverer.settings = services.deliverer.settings.model_copy(update={"max_attempts": 3})
    try:
        item_ids = _approve_all(client, tokens, services, "flaky")
        item_id = item_ids[0]
        url = f"/v1/groups/flaky/queue/{item_id}"

        def failed() -> bool:
            statuses = {
                client.get(f"/v1/groups/flaky/queue/{i}", headers=tokens.headers()).json()[
                    "delivery"
                ]["status"]
                for i in item_ids
            }
            return statuses == {"failed"}

        _deliver_until(services, failed)
        delivery = client.get(url, headers=tokens.headers()).json()["delivery"]
        assert delivery["attempts"] == 3 and delivery["last_status_code"] == 500
        receiver.fail_first = 0
        again = client.post(f"{url}/redeliver", headers=tokens.headers("moderator"))
        assert again.json()["delivery"]["status"] == "pending"
        _deliver_until(services, lambda: len(receiver.accepted) == 1)
    finally:
        receiver.stop()
    assert [r["key"] for r in receiver.accepted] == [f"mushrif:flaky:item:{item_id}"]
    metrics = client.get("/metrics").text
    assert f'mushrif_delivery_failures_total{{final="true"}} {len(item_ids)}.0' in metrics


def test_signature_format() -> None:
    body = b'{"a":1}'
    header = sign("s3cret", body, timestamp=int(time.time()))
    assert header.startswith("t=") and ",v1=" in header
    assert verify("s3cret", body, header)
    assert not verify("other", body, header)
    assert not verify("s3cret", body + b" ", header)
    assert not verify("s3cret", body, sign("s3cret", body, timestamp=1))
