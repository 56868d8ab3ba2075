"""The internal `alert` item kind (a negative review…): for the admins only, approving it
acknowledges it and nothing is ever delivered; the queue filters by it, the web page shows it
as an alert (in Arabic too), another group's admin cannot reach it, and migration 0004 moves the
alerts stored as `review_post`/`review_alert` before it. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.api.deps import Services
from assistant.community.synthetic import SyntheticConfig, generate
from assistant.schemas import Priority
from assistant.store import auth, groups
from assistant.store.db import Store, alembic_config
from assistant.store.models import (
    CommunitySuggestion,
    FeedbackExample,
    OutboxDelivery,
    QueueItem,
    ReviewEvent,
    utcnow,
)
from assistant.store.queue import NewItem, add_items
from tests.service.conftest import Tokens, make_group, web_login
from tests.service.receiver import Receiver, free_port

ALERT_TEXT = "تنبيه داخلي — ليس للنشر: مراجعة سلبية من m-7 (2026-03-02)"


def _add(
    services: Services,
    key: str,
    kind: str,
    *,
    group_id: str = "shop",
    category: str = "review_alert",
    text: str = ALERT_TEXT,
) -> int:
    with services.store.transaction() as session:
        add_items(
            session,
            items=[
                NewItem(
                    group_id=group_id,
                    source_key=key,
                    kind=kind,
                    priority=Priority.HIGH if kind == "alert" else Priority.NORMAL,
                    language="ar",
                    draft_text=text,
                    draft_generator="community",
                    category=category,
                    suggested_action="escalate" if kind == "alert" else None,
                )
            ],
        )
        return session.scalars(
            select(QueueItem.id).where(QueueItem.group_id == group_id, QueueItem.source_key == key)
        ).one()


def _item(services: Services, item_id: int) -> QueueItem:
    with services.store.session(readonly=True) as session:
        item = session.get(QueueItem, item_id)
        assert item is not None
        return item


def _deliveries(services: Services) -> list[int]:
    with services.store.session(readonly=True) as session:
        return sorted(session.scalars(select(OutboxDelivery.queue_item_id)))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(free_port(), "unused")
    receiver.start()
    yield receiver
    receiver.stop()


def test_an_approved_alert_is_acknowledged_and_never_delivered(
    client: TestClient, services: Services, receiver: Receiver
) -> None:
    tokens = make_group(services, "hooked", webhook_url=f"http://127.0.0.1:{receiver.port}/h")
    moderator = tokens.headers("moderator")
    alert = _add(services, "alert:1", "alert", group_id="hooked")
    by_web = _add(services, "alert:2", "alert", group_id="hooked")
    roundup = _add(
        services, "roundup:1", "review_post", group_id="hooked", category="review_roundup"
    )
    approved = client.post(
        f"/v1/groups/hooked/queue/{alert}/approve", json={"version": 1}, headers=moderator
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["kind"] == "alert"
    csrf = web_login(client, tokens.moderator)
    acknowledged = client.post(
        f"/web/g/hooked/queue/{by_web}/approve",
        data={"csrf": csrf, "version": "1"},
        headers={"Accept": "application/json"},
    )
    assert acknowledged.status_code == 200
    assert acknowledged.json()["message"] == f"Alert {by_web} acknowledged; nothing is published."
    post = client.post(
        f"/v1/groups/hooked/queue/{roundup}/approve", json={"version": 1}, headers=moderator
    )
    assert post.status_code == 200
    for _ in range(5):
        services.deliverer.step()
    assert [r["payload"]["item"]["id"] for r in receiver.requests] == [roundup]
    assert _deliveries(services) == [roundup]
    redeliver = client.post(f"/v1/groups/hooked/queue/{alert}/redeliver", headers=moderator)
    assert redeliver.status_code == 409 and "for the admins only" in redeliver.json()["detail"]
    assert _item(services, alert).final_text == ALERT_TEXT
    services.deliverer.step()
    assert len(receiver.requests) == 1


def test_the_queue_filters_by_alert(client: TestClient, tokens: Tokens, services: Services) -> None:
    alert = _add(services, "alert:1", "alert")
    reply = _add(services, "reply:1", "review_post", category="review_reply", text="Sorry!")
    viewer = tokens.headers("viewer")

    def listed(**params: Any) -> list[int]:
        response = client.get("/v1/groups/shop/queue", params=params, headers=viewer)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    assert listed(kind="alert") == [alert]
    assert listed(kind="review_post") == [reply]
    assert listed(kind=["alert", "review_post"]) == [alert, reply]  # high priority first
    unknown = client.get("/v1/groups/shop/queue", params={"kind": "alarm"}, headers=viewer)
    assert unknown.status_code == 422
    item = client.get(f"/v1/groups/shop/queue/{alert}", headers=viewer).json()
    assert (item["kind"], item["priority"], item["suggested_action"]) == (
        "alert",
        "high",
        "escalate",
    )


def test_another_groups_admin_gets_404_for_an_alert(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    alert = _add(services, "alert:1", "alert")
    other = make_group(services, "other")
    headers = other.headers("owner")
    base = f"/v1/groups/shop/queue/{alert}"
    own = f"/v1/groups/other/queue/{alert}"
    for method, url, body in [
        ("GET", base, None),
        ("GET", f"{base}/events", None),
        ("POST", f"{base}/approve", {"version": 1}),
        ("POST", f"{base}/reject", {"version": 1, "reason": "no"}),
        ("POST", f"{base}/claim", None),
        ("POST", f"{base}/redeliver", None),
        ("GET", "/v1/groups/shop/queue?kind=alert", None),
        ("GET", own, None),
        ("POST", f"{own}/approve", {"version": 1}),
        ("POST", f"{own}/reject", {"version": 1, "reason": "no"}),
    ]:
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == 404, (method, url, response.text)
    listed = client.get("/v1/groups/other/queue", params={"kind": "alert"}, headers=headers)
    assert listed.json()["items"] == []
    csrf = web_login(client, other.owner)
    assert client.get("/web/g/shop/queue?kind=alert").status_code == 404
    for url in (f"/web/g/shop/queue/{alert}/approve", f"/web/g/other/queue/{alert}/approve"):
        response = client.post(
            url, data={"csrf": csrf, "version": "1"}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 404, (url, response.text)
    item = _item(services, alert)
    assert (item.status, item.version, item.claimed_by) == ("pending", 1, None)
    with services.store.session(readonly=True) as session:
        assert session.scalars(select(ReviewEvent.id)).all() == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ar", ["التنبيهات", "تنبيه داخلي للمشرفين", "تأكيد الاطلاع", 'dir="rtl"']),
        ("en", ["Alerts", "Internal alert for the admins", "Acknowledge", 'dir="ltr"']),
    ],
)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_queue_page_shows_an_alert_as_one(
    client: TestClient, tokens: Tokens, services: Services, lang: str, expected: list[str]
) -> None:
    alert = _add(services, "alert:1", "alert")
    reply = _add(services, "reply:1", "review_post", category="review_reply", text="Sorry!")
    csrf = web_login(client, tokens.moderator, lang=lang)
    page = client.get("/web/g/shop/queue")
    assert page.status_code == 200
    html = page.text
    for text in expected:
        assert text in html, text
    article = re.search(rf'<article class="([^"]+)" id="item-{alert}"', html)
    assert article is not None and "alert" in article.group(1).split()
    assert f'id="draft-{alert}"' not in html  # the alert is read, not edited
    assert f'id="draft-{reply}"' in html
    assert ALERT_TEXT in html
    only = client.get("/web/g/shop/queue", params={"kind": "alert"}).text
    assert f'id="item-{alert}"' in only and f'id="item-{reply}"' not in only
    acknowledged = client.post(
        f"/web/g/shop/queue/{alert}/approve",
        data={"csrf": csrf, "version": "1"},
        headers={"Accept": "application/json"},
    ).json()
    done = {"ar": f"تم تأكيد الاطلاع على التنبيه {alert}", "en": f"Alert {alert} acknowledged"}
    assert acknowledged["ok"] and acknowledged["message"].startswith(done[lang])
    decided = client.get("/web/g/shop/queue", params={"status": "approved"}).text
    assert {"ar": "تم الاطلاع", "en": "Acknowledged"}[lang] in decided
    assert _deliveries(services) == []


def test_a_negative_review_becomes_an_alert_through_the_api(
    client: TestClient, services: Services, tokens: Tokens
) -> None:
    month = SyntheticConfig(group_id="shop", posts_per_day=20, members=60)
    with services.store.transaction() as session:
        generate(session, month)
    owner = tokens.headers("owner")
    period = {"since": month.since.isoformat(), "until": month.until.isoformat()}
    run = client.post("/v1/groups/shop/suggest/reviews", params=period, headers=owner).json()
    kinds = {(c["kind"], c["category"]) for c in run["created"]}
    assert ("alert", "review_alert") in kinds and ("review_post", "review_reply") in kinds
    [alert] = client.get("/v1/groups/shop/queue", params={"kind": "alert"}, headers=owner).json()[
        "items"
    ]
    assert alert["priority"] == "high" and alert["draft_reason"]
    again = client.post("/v1/groups/shop/suggest/reviews", params=period, headers=owner).json()
    assert again["created"] == []
    approve = client.post(
        f"/v1/groups/shop/queue/{alert['id']}/approve",
        json={"version": alert["version"]},
        headers=owner,
    )
    assert approve.status_code == 200 and _deliveries(services) == []


def _migrate(store: Store, revision: str, *, down: bool = False) -> None:
    with store.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _legacy_item(key: str, kind: str, category: str) -> QueueItem:
    now = utcnow()
    return QueueItem(
        group_id="shop",
        source_key=key,
        kind=kind,
        status="pending",
        priority="high",
        priority_rank=2,
        language="ar",
        category=category,
        draft_text=ALERT_TEXT,
        created_at=now,
        updated_at=now,
    )


def _kinds(store: Store) -> dict[str, tuple[str, str, str | None, list[str]]]:
    with store.session(readonly=True) as session:
        suggestions = dict(
            session.execute(select(CommunitySuggestion.source_key, CommunitySuggestion.kind)).all()
        )
        feedback = {
            item_id: record
            for item_id, record in session.execute(
                select(FeedbackExample.queue_item_id, FeedbackExample.record)
            )
        }
        return {
            item.source_key: (
                item.kind,
                item.category,
                suggestions.get(item.source_key),
                [feedback[item.id]["kind"], feedback[item.id]["predicted"]["kind"]]
                if item.id in feedback
                else [],
            )
            for item in session.scalars(select(QueueItem))
        }


def test_migration_0004_moves_review_alerts_to_the_alert_kind_and_back(database_url: str) -> None:
    store = Store(database_url)
    try:
        _migrate(store, "0003")
        with store.transaction() as session:
            groups.create_group(session, group_id="shop", name="Shop")
            admin = auth.get_or_create_admin(session, name="amal")
            decided = _legacy_item("review_post:alert:7", "review_post", "review_alert")
            decided.status = "approved"
            session.add_all(
                [
                    decided,
                    _legacy_item("review_post:alert:8", "review_post", "review_alert"),
                    _legacy_item("review_post:reply:7", "review_post", "review_reply"),
                ]
            )
            session.flush()
            for key, category in (
                ("review_post:alert:7", "review_alert"),
                ("review_post:reply:7", "review_reply"),
            ):
                session.add(
                    CommunitySuggestion(
                        group_id="shop",
                        source_key=key,
                        kind="review_post",
                        category=category,
                        week="2026-W10",
                        rationale="a negative review",
                        data={},
                    )
                )
            record = {"kind": "review_post", "predicted": {"kind": "review_post"}, "x": 1}
            session.add(
                FeedbackExample(
                    group_id="shop", queue_item_id=decided.id, admin_id=admin.id, record=record
                )
            )
        _migrate(store, "head")
        assert _kinds(store) == {
            "review_post:alert:7": ("alert", "review_alert", "alert", ["alert", "alert"]),
            "review_post:alert:8": ("alert", "review_alert", None, []),
            "review_post:reply:7": ("review_post", "review_reply", "review_post", []),
        }
        with store.session(readonly=True) as session:
            record = session.scalars(select(FeedbackExample.record)).one()
        assert record["x"] == 1  # the rest of the record is kept
        with store.transaction() as session:
            session.add(_legacy_item("manual:spam-alert", "alert", "spam_wave"))
        _migrate(store, "0003", down=True)
        assert _kinds(store) == {
            "review_post:alert:7": (
                "review_post",
                "review_alert",
                "review_post",
                ["review_post", "review_post"],
            ),
            "review_post:alert:8": ("review_post", "review_alert", None, []),
            "review_post:reply:7": ("review_post", "review_reply", "review_post", []),
            # before 0004 only this category kept an item from being published
            "manual:spam-alert": ("review_post", "review_alert", None, []),
        }
    finally:
        store.dispose()
