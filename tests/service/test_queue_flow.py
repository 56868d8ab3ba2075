"""Ingest → analyze → queue → decide → feedback, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from assistant.api.deps import Services
from tests.service.conftest import Tokens

POSTS = [
    {"external_id": "p1", "author_id": "m1", "text": "كم سعر العباية السوداء؟"},
    {"external_id": "p2", "author_id": "m2", "text": "The abaya arrived broken, worst service"},
    {"external_id": "p3", "author_id": "m3", "text": "you idiot"},
    {"external_id": "p4", "author_id": "m4", "text": "صباح الخير"},
    {"external_id": "p5", "author_id": "m5", "text": "How much is shipping to Jeddah?"},
]


def _ingest(client: TestClient, tokens: Tokens, posts: list[dict[str, str]]) -> dict:
    response = client.post(
        "/v1/groups/shop/posts", json={"posts": posts}, headers=tokens.headers("moderator")
    )
    assert response.status_code == 202, response.text
    return response.json()


def _queue(client: TestClient, tokens: Tokens, **params: object) -> dict:
    response = client.get("/v1/groups/shop/queue", params=params, headers=tokens.headers("viewer"))
    assert response.status_code == 200, response.text
    return response.json()


def test_posts_become_queue_items_by_priority(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    body = _ingest(client, tokens, POSTS)
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (5, 0, 0)
    assert services.worker.drain() == 5
    page = _queue(client, tokens)
    kinds = [(i["kind"], i["priority"], i["post_text"]) for i in page["items"]]
    assert page["total"] == 4  # the greeting is approved without an item
    assert kinds[0][1] in ("high", "urgent")
    ranks = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
    assert [ranks[k[1]] for k in kinds] == sorted((ranks[k[1]] for k in kinds), reverse=True)
    replies = _queue(client, tokens, kind="reply")["items"]
    # The complaint is a reply too (a holding note, escalated to a human), not moderation.
    assert {i["post_text"] for i in replies} == {p["text"] for p in (POSTS[0], POSTS[1], POSTS[4])}
    complaint = next(i for i in replies if i["post_text"] == POSTS[1]["text"])
    assert (complaint["suggested_action"], complaint["priority"]) == ("escalate", "high")
    arabic = next(i for i in replies if i["language"] == "ar")
    assert "المشرفين" in arabic["draft_text"] and arabic["draft_generator"] == "template"
    moderation = _queue(client, tokens, kind="moderation", language="en")["items"]
    assert any(i["suggested_action"] in ("hide", "delete", "warn") for i in moderation)
    assert all(i["explanation"]["summary"] for i in moderation)
    assert _queue(client, tokens, min_age_s=3600)["total"] == 0
    assert _queue(client, tokens, max_age_s=3600)["total"] == 4
    post = client.get(
        f"/v1/groups/shop/posts/{body['results'][3]['post_id']}", headers=tokens.headers("viewer")
    ).json()
    assert post["status"] == "analyzed" and post["analysis"]["action"] == "approve"


def test_resending_posts_is_idempotent(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    first = _ingest(client, tokens, POSTS[:2])
    again = _ingest(client, tokens, [POSTS[0], POSTS[0], POSTS[2]])
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate", "accepted"]
    assert again["results"][0]["post_id"] == first["results"][0]["post_id"]
    services.worker.drain()
    _ingest(client, tokens, POSTS[:3])
    assert services.worker.drain() == 0
    assert _queue(client, tokens)["total"] == 3


def test_claim_edit_approve_reject_and_audit(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _ingest(client, tokens, POSTS)
    services.worker.drain()
    reply = _queue(client, tokens, kind="reply", language="ar")["items"][0]
    url = f"/v1/groups/shop/queue/{reply['id']}"
    claimed = client.post(f"{url}/claim", headers=tokens.headers("moderator")).json()
    assert claimed["claimed_by"] == "shop-moderator"
    other = client.post(
        f"{url}/approve", json={"version": claimed["version"]}, headers=tokens.headers("owner")
    )
    assert other.status_code == 409 and "claimed by shop-moderator" in other.json()["detail"]
    stale = client.post(
        f"{url}/approve",
        json={"version": reply["version"], "final_text": "x"},
        headers=tokens.headers("moderator"),
    )
    assert stale.status_code == 409 and "changed since you loaded it" in stale.json()["detail"]
    final = "السعر ٢٥٠ ريال، والمقاسات كلها متوفرة."
    approved = client.post(
        f"{url}/approve",
        json={"version": claimed["version"], "final_text": final},
        headers=tokens.headers("moderator"),
    )
    assert approved.status_code == 200, approved.text
    item = approved.json()
    assert (item["status"], item["edited"], item["final_text"]) == ("approved", True, final)
    assert item["draft_text"] == reply["draft_text"] and item["decided_by"] == "shop-moderator"
    assert item["delivery"]["status"] == "pending" and item["delivery"]["waiting_for_webhook"]
    twice = client.post(
        f"{url}/reject",
        json={"version": item["version"], "reason": "no"},
        headers=tokens.headers("moderator"),
    )
    assert twice.status_code == 409 and "already approved" in twice.json()["detail"]
    events = client.get(f"{url}/events", headers=tokens.headers("viewer")).json()
    assert [e["action"] for e in events] == ["claim", "edit_approve"]
    assert events[1]["details"] == {
        "draft_text": reply["draft_text"],
        "final_text": final,
        "edited": True,
    }

    spam = _queue(client, tokens, kind="moderation", category="offensive")["items"][0]
    rejected = client.post(
        f"/v1/groups/shop/queue/{spam['id']}/reject",
        json={"version": spam["version"], "reason": "banter", "label": "ok"},
        headers=tokens.headers("moderator"),
    )
    assert rejected.status_code == 200 and rejected.json()["reject_reason"] == "banter"

    export = client.get("/v1/groups/shop/feedback/export", headers=tokens.headers("viewer"))
    assert export.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in export.text.splitlines()]
    assert [r["admin_action"] for r in rows] == ["edit_approve", "reject"]
    assert rows[0]["text"] == POSTS[0]["text"] and rows[0]["final_text"] == final
    assert rows[0]["predicted"]["action"] == "reply" and rows[0]["predicted"]["labels"]["intent"]
    assert rows[1]["admin_label"] == "ok" and rows[1]["predicted"]["category"] == "offensive"


def test_bulk_decisions_report_each_item(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _ingest(client, tokens, POSTS)
    services.worker.drain()
    items = _queue(client, tokens)["items"]
    refs = [{"id": i["id"], "version": i["version"]} for i in items[:3]]
    refs[1]["version"] += 5
    response = client.post(
        "/v1/groups/shop/queue/bulk",
        json={"action": "reject", "reason": "dupes", "items": refs},
        headers=tokens.headers("moderator"),
    )
    body = response.json()
    assert (body["succeeded"], body["failed"]) == (2, 1)
    assert body["results"][1]["status_code"] == 409
    assert _queue(client, tokens, status="rejected")["total"] == 2
    no_reason = client.post(
        "/v1/groups/shop/queue/bulk",
        json={"action": "reject", "items": refs[1:2]},
        headers=tokens.headers("moderator"),
    )
    assert no_reason.status_code == 422


def test_welcome_and_manual_drafts(client: TestClient, tokens: Tokens) -> None:
    joined = client.post(
        "/v1/groups/shop/members",
        json={"external_id": "m-99", "display_name": "Huda", "language": "ar"},
        headers=tokens.headers("moderator"),
    )
    assert joined.status_code == 201
    client.post(
        "/v1/groups/shop/members", json={"external_id": "m-99"}, headers=tokens.headers("moderator")
    )
    welcome = _queue(client, tokens, kind="welcome")["items"]
    assert len(welcome) == 1 and "Huda" in welcome[0]["draft_text"]
    promo = {"kind": "promotion", "language": "en", "draft_text": "20% off", "source_key": "w2"}
    first = client.post("/v1/groups/shop/queue", json=promo, headers=tokens.headers("moderator"))
    again = client.post("/v1/groups/shop/queue", json=promo, headers=tokens.headers("moderator"))
    assert first.status_code == 201 and first.json()["id"] == again.json()["id"]
