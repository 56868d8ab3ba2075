"""Auth, roles, and isolation: no route lets a token read or change another group's data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.deps import Services
from assistant.store import auth
from assistant.store.models import ApiToken, utcnow
from tests.service.conftest import Tokens, make_group

BODIES = {
    ("POST", "/v1/groups/{group_id}/posts"): {"text": "hello?", "external_id": "x1"},
    ("PATCH", "/v1/groups/{group_id}"): {"name": "taken over"},
    ("POST", "/v1/groups/{group_id}/knowledge"): {"language": "en", "question": "q", "answer": "a"},
    ("POST", "/v1/groups/{group_id}/knowledge/examples"): {"entry_id": "1", "texts": ["q?"]},
    ("POST", "/v1/groups/{group_id}/members"): {"external_id": "intruder"},
    ("POST", "/v1/groups/{group_id}/admins"): {"name": "intruder", "role": "owner"},
    ("POST", "/v1/groups/{group_id}/queue"): {
        "kind": "promotion",
        "language": "en",
        "draft_text": "x",
    },
    ("POST", "/v1/groups/{group_id}/queue/bulk"): {
        "action": "approve",
        "items": [{"id": 1, "version": 1}],
    },
    ("POST", "/v1/groups/{group_id}/queue/{item_id}/approve"): {"version": 1},
    ("POST", "/v1/groups/{group_id}/queue/{item_id}/reject"): {"version": 1, "reason": "x"},
}


def _group_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented operation whose path names a group."""
    return sorted(
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if "{group_id}" in path
        for method in operations
    )


@pytest.fixture
def victim(client: TestClient, services: Services, tokens: Tokens) -> dict[str, int]:
    """Group 'other' with a post, a pending queue item, a knowledge entry and an example
    question of it."""
    other = make_group(services, "other")
    headers = other.headers("owner")
    client.post(
        "/v1/groups/other/posts", json={"text": "كم السعر؟", "external_id": "o1"}, headers=headers
    )
    services.worker.drain()
    item = client.get("/v1/groups/other/queue", headers=headers).json()["items"][0]
    entry = client.post(
        "/v1/groups/other/knowledge",
        json={"language": "ar", "question": "س", "answer": "ج"},
        headers=headers,
    ).json()
    example = client.post(
        "/v1/groups/other/knowledge/examples",
        json={"entry_id": str(entry["id"]), "texts": ["كم سعرها؟"]},
        headers=headers,
    ).json()[0]
    return {
        "item_id": item["id"],
        "post_id": item["post_id"],
        "entry_id": entry["id"],
        "example_id": example["id"],
    }


def _call(
    client: TestClient, method: str, path: str, ids: dict[str, object], headers: dict[str, str]
) -> int:
    url = path.format(**ids)
    body = BODIES.get((method, path))
    return client.request(method, url, json=body, headers=headers).status_code


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_group_route_refuses_other_groups(
    app: FastAPI, client: TestClient, tokens: Tokens, victim: dict[str, int]
) -> None:
    routes = _group_routes(app)
    assert len(routes) >= 20
    owner = tokens.headers("owner")
    for method, path in routes:
        foreign_group = {**victim, "group_id": "other"}
        assert _call(client, method, path, foreign_group, owner) == 404, (method, path)
        if any(k in path for k in ("{item_id}", "{post_id}", "{entry_id}")):
            foreign_object = {**victim, "group_id": "shop"}
            assert _call(client, method, path, foreign_object, owner) == 404, (method, path)
    other = make_group(app.state.services, "third").headers("owner")  # a fresh, clean reader
    del other
    names = [g["id"] for g in client.get("/v1/groups", headers=owner).json()]
    assert names == ["shop"]
    item = client.get(f"/v1/groups/shop/queue/{victim['item_id']}", headers=owner)
    assert item.status_code == 404


def test_untouched_after_attempts(
    app: FastAPI, client: TestClient, tokens: Tokens, victim: dict[str, int], services: Services
) -> None:
    owner = tokens.headers("owner")
    for method, path in _group_routes(app):
        _call(client, method, path, {**victim, "group_id": "other"}, owner)
    with services.store.session() as session:
        from assistant.store.models import Group, KnowledgeEntry, QueueItem

        assert session.get(Group, "other").name == "Group other"  # type: ignore[union-attr]
        assert session.get(QueueItem, victim["item_id"]).status == "pending"  # type: ignore[union-attr]
        assert session.get(KnowledgeEntry, victim["entry_id"]) is not None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_roles(client: TestClient, tokens: Tokens, services: Services) -> None:
    client.post(
        "/v1/groups/shop/posts", json={"text": "كم السعر؟"}, headers=tokens.headers("moderator")
    )
    services.worker.drain()
    item = client.get("/v1/groups/shop/queue", headers=tokens.headers("viewer")).json()["items"][0]
    denied = client.post(
        f"/v1/groups/shop/queue/{item['id']}/approve",
        json={"version": 1},
        headers=tokens.headers("viewer"),
    )
    assert denied.status_code == 403
    assert denied.json()["detail"] == "your role in group 'shop' is viewer; this needs moderator"
    assert (
        client.patch(
            "/v1/groups/shop", json={"name": "x"}, headers=tokens.headers("moderator")
        ).status_code
        == 403
    )
    assert (
        client.get("/v1/groups/shop/queue", headers=tokens.headers("viewer")).json()["items"][0][
            "status"
        ]
        == "pending"
    )
    granted = client.post(
        "/v1/groups/shop/admins",
        json={"name": "sara", "role": "viewer"},
        headers=tokens.headers("owner"),
    )
    sara = {"Authorization": f"Bearer {granted.json()['token']}"}
    assert client.get("/v1/me", headers=sara).json() == {
        "admin": "sara",
        "roles": {"shop": "viewer"},
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_tokens(client: TestClient, tokens: Tokens, services: Services) -> None:
    def status(headers: dict[str, str]) -> tuple[int, str]:
        response = client.get("/v1/groups/shop/queue", headers=headers)
        return response.status_code, response.json()["detail"]

    assert status({}) == (401, "missing API token: send the header 'Authorization: Bearer <token>'")
    assert status({"Authorization": "Bearer nope"}) == (401, "invalid API token")
    with services.store.transaction() as session:
        admin = auth.get_or_create_admin(session, name="temp")
        expired = auth.issue_token(session, admin=admin, ttl_days=1)
        revoked = auth.issue_token(session, admin=admin)
        row = session.get(ApiToken, expired.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        auth.revoke_token(session, token_id=revoked.id)
    assert status({"Authorization": f"Bearer {expired.token}"}) == (
        401,
        "this API token has expired",
    )
    assert status({"Authorization": f"Bearer {revoked.token}"}) == (
        401,
        "this API token was revoked",
    )
    with services.store.session() as session:
        stored = session.get(ApiToken, revoked.id)
        assert stored is not None and revoked.token not in stored.token_hash


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_input(client: TestClient, tokens: Tokens, services: Services) -> None:
    headers = tokens.headers("moderator")
    unknown = client.post("/v1/groups/nope/posts", json={"text": "hi"}, headers=headers)
    assert unknown.status_code == 404 and "group 'nope' not found" in unknown.json()["detail"]
    malformed = client.post(
        "/v1/groups/shop/posts",
        content=b'{"text": "hi"',
        headers={**headers, "content-type": "application/json"},
    )
    assert malformed.status_code == 422 and "JSON" in str(malformed.json()["detail"])
    limit = services.settings.api.max_post_chars
    oversize = client.post(
        "/v1/groups/shop/posts", json={"text": "a" * (limit + 1)}, headers=headers
    )
    assert oversize.status_code == 422 and "the limit is 10000" in oversize.json()["detail"]
    mixed = client.post(
        "/v1/groups/shop/posts",
        json={
            "posts": [
                {"text": "ok 1", "external_id": "a"},
                {"txt": "typo"},
                7,
                {"text": "a" * (limit + 1)},
                {"text": "ok 2", "external_id": "b"},
            ]
        },
        headers=headers,
    )
    body = mixed.json()
    assert mixed.status_code == 202 and (body["accepted"], body["rejected"]) == (2, 3)
    assert [e["index"] for e in body["errors"]] == [1, 2, 3]
    assert [r["index"] for r in body["results"]] == [0, 4]
    too_many = client.post(
        "/v1/groups/shop/posts", json={"posts": [{"text": "x"}] * 1001}, headers=headers
    )
    assert too_many.status_code == 413 and "limit is 1000" in too_many.json()["detail"]
    huge = client.post(
        "/v1/groups/shop/posts",
        content=b"x" * (17 * 1024 * 1024),
        headers={**headers, "content-type": "application/json"},
    )
    assert huge.status_code == 413
    bad_rules = client.patch(
        "/v1/groups/shop",
        json={"rules_yaml": "keyword_rules: [{id: 1}]"},
        headers=tokens.headers("owner"),
    )
    assert bad_rules.status_code == 422 and "keyword_rules" in bad_rules.json()["detail"]
    with services.store.session() as session:
        from sqlalchemy import func, select

        from assistant.store.models import Post

        assert session.scalar(select(func.count()).select_from(Post)) == 2
