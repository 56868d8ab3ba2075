"""The community routes: roles, isolation between groups, bad input, and suggestions visible
through the queue API with their rationale and evidence."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api.deps import Services
from assistant.community.synthetic import SyntheticConfig, generate
from tests.service.conftest import Tokens, make_group

MONTH = SyntheticConfig(group_id="shop", posts_per_day=40, members=60)
PERIOD = {"since": MONTH.since.isoformat(), "until": MONTH.until.isoformat()}
SUGGEST = ("promotions", "activation", "reviews", "faq")


def _community_routes() -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", "/v1/groups/{g}/analytics", None),
        ("GET", "/v1/groups/{g}/suggestions", None),
        ("GET", "/v1/groups/{g}/community/settings", None),
        ("PUT", "/v1/groups/{g}/community/settings", {"timezone": "UTC"}),
        ("POST", "/v1/groups/{g}/members/join", {"external_id": "intruder"}),
        ("POST", "/v1/groups/{g}/members/quoting", {"external_id": "x", "allow": True}),
        *[("POST", f"/v1/groups/{{g}}/suggest/{kind}", None) for kind in SUGGEST],
    ]


def _fill(services: Services, config: SyntheticConfig) -> None:
    with services.store.transaction() as session:
        generate(session, config)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_community_route_reaches_another_group(
    client: TestClient, services: Services, tokens: Tokens
) -> None:
    other = make_group(services, "other")
    client.post(
        "/v1/groups/other/members/join", json={"external_id": "m1"}, headers=other.headers()
    )
    routes = {path for path in client.app.openapi()["paths"] if "community" in path or  # type: ignore[attr-defined]
              any(w in path for w in ("analytics", "suggest", "members/"))}  # fmt: skip
    assert len(routes) == 9  # every new path is checked below
    for method, path, body in _community_routes():
        response = client.request(
            method, path.format(g="other"), json=body, headers=tokens.headers()
        )
        assert response.status_code == 404, (method, path, response.text)
    with services.store.session(readonly=True) as session:
        from sqlalchemy import func, select

        from assistant.store.models import Member, QueueItem

        assert session.scalar(select(func.count()).select_from(Member).where(
            Member.external_id == "intruder")) == 0  # fmt: skip
        assert session.scalar(select(func.count()).select_from(QueueItem)) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_roles(client: TestClient, tokens: Tokens) -> None:
    viewer, moderator = tokens.headers("viewer"), tokens.headers("moderator")
    assert client.get("/v1/groups/shop/analytics", headers=viewer).status_code == 200
    assert client.get("/v1/groups/shop/suggestions", headers=viewer).status_code == 200
    for kind in SUGGEST:
        denied = client.post(f"/v1/groups/shop/suggest/{kind}", headers=viewer)
        assert denied.status_code == 403 and "needs moderator" in denied.json()["detail"]
    join = client.post("/v1/groups/shop/members/join", json={"external_id": "a"}, headers=viewer)
    assert join.status_code == 403
    settings = {"timezone": "Asia/Riyadh"}
    put = client.put("/v1/groups/shop/community/settings", json=settings, headers=moderator)
    assert put.status_code == 403
    assert client.post("/v1/groups/shop/suggest/faq", headers=moderator).status_code == 200


def test_analytics_and_suggestions_through_the_api(
    client: TestClient, services: Services, tokens: Tokens
) -> None:
    _fill(services, MONTH)  # the group exists: posts, members and KB are added to it
    owner = tokens.headers("owner")
    put = client.put(
        "/v1/groups/shop/community/settings",
        json={"timezone": "Asia/Riyadh", "country": "SA", "weekly_promotion_cap": 5},
        headers=owner,
    )
    assert put.status_code == 200 and put.json()["country"] == "SA"
    report = client.get(
        "/v1/groups/shop/analytics", params=PERIOD, headers=tokens.headers("viewer")
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["period"]["timezone"] == "Asia/Riyadh" and body["totals"]["posts"] > 1000
    assert len(body["volume_by_hour"]) == 24 and body["question_bursts"]
    created = []
    for kind in SUGGEST:
        run = client.post(f"/v1/groups/shop/suggest/{kind}", params=PERIOD, headers=owner)
        assert run.status_code == 200, run.text
        created += run.json()["created"]
    categories = {c["category"] for c in created}
    assert {"promotion_burst", "promotion_season", "activation_weekday", "faq"} <= categories
    again = client.post("/v1/groups/shop/suggest/promotions", params=PERIOD, headers=owner).json()
    assert again["created"] == [] and again["already_suggested"]
    queue = client.get(
        "/v1/groups/shop/queue", params={"kind": ["promotion"]}, headers=owner
    ).json()["items"]
    burst = next(i for i in queue if i["category"] == "promotion_burst")
    assert "جده" in burst["draft_text"] and burst["draft_reason"]
    assert any(c["kind"] == "figure" for c in burst["draft_citations"])
    listed = client.get("/v1/groups/shop/suggestions", headers=owner).json()
    assert {s["queue_item_id"] for s in listed} >= {c["queue_item_id"] for c in created}
    approve = client.post(
        f"/v1/groups/shop/queue/{burst['id']}/approve", json={"version": burst["version"]},
        headers=owner,
    )  # fmt: skip
    assert approve.status_code == 200


def test_join_batches_and_reports_duplicates(client: TestClient, tokens: Tokens) -> None:
    moderator = tokens.headers("moderator")
    first = client.post(
        "/v1/groups/shop/members/join",
        json={"members": [{"external_id": "m1", "display_name": "هدى"},
                          {"external_id": "m2", "display_name": "Sarah", "allow_quoting": True}]},
        headers=moderator,
    )  # fmt: skip
    assert first.status_code == 201 and first.json()["joined"] == 2
    [item_id] = first.json()["welcome_item_ids"]
    single = client.post(
        "/v1/groups/shop/members/join", json={"external_id": "m3"}, headers=moderator
    ).json()
    assert single["welcome_item_ids"] == [item_id]
    repeat = client.post(
        "/v1/groups/shop/members/join", json={"external_id": "m1"}, headers=moderator
    ).json()
    assert repeat["joined"] == 0 and repeat["duplicates"] == ["m1"]
    item = client.get(f"/v1/groups/shop/queue/{item_id}", headers=moderator).json()
    assert item["kind"] == "welcome" and "هدى" in item["draft_text"]
    assert "Sarah" in item["draft_text"] and "3 member(s)" in item["draft_reason"]
    quoting = client.post(
        "/v1/groups/shop/members/quoting",
        json={"external_id": "m1", "allow": True},
        headers=moderator,
    )
    assert quoting.json() == {"external_id": "m1", "allow_quoting": True}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("method", "path", "kwargs", "detail"),
    [
        ("GET", "analytics", {"params": {"tz": "Nowhere/City"}}, "not a known IANA zone"),
        (
            "GET",
            "analytics",
            {"params": {"since": "2026-03-02", "until": "2026-03-01"}},
            "must be before",
        ),
        ("GET", "analytics", {"params": {"since": "1999-01-01", "until": "1999-02-01"}}, "range"),
        ("POST", "suggest/promotions", {"params": {"tz": "Nowhere/City"}}, "IANA"),
        ("PUT", "community/settings", {"json": {"country": "ZZ"}}, "ISO 3166"),
        ("PUT", "community/settings", {"json": {"back_to_school": "13-40"}}, "MM-DD"),
        ("POST", "members/join", {"json": {"members": []}}, "at least 1"),
    ],
)
def test_bad_input_gets_a_clear_4xx(
    client: TestClient, tokens: Tokens, method: str, path: str, kwargs: dict, detail: str
) -> None:
    response = client.request(method, f"/v1/groups/shop/{path}", headers=tokens.headers(), **kwargs)
    assert response.status_code == 422
    assert detail in response.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_empty_group_is_not_an_error(client: TestClient, tokens: Tokens) -> None:
    report = client.get("/v1/groups/shop/analytics", headers=tokens.headers("viewer")).json()
    assert report["totals"]["posts"] == 0 and report["period"]["timezone"] == "UTC"
    assert any("no posts yet" in n for n in report["notes"])
    assert any("UTC" in n for n in report["notes"])
    run = client.post("/v1/groups/shop/suggest/reviews", headers=tokens.headers()).json()
    assert run["created"] == []


def test_the_old_members_route_is_an_alias_of_members_join(
    client: TestClient, services: Services, tokens: Tokens
) -> None:
    """`POST …/members` keeps its request and answer (the member), and joins through the
    batched service: it shares the window's welcome and does not welcome a member twice."""
    moderator = tokens.headers("moderator")
    old = client.post(
        "/v1/groups/shop/members",
        json={"external_id": "m1", "display_name": "هدى", "language": "ar"},
        headers=moderator,
    )
    assert old.status_code == 201
    member = old.json()
    assert set(member) == {"id", "external_id", "display_name", "language", "joined_at"}
    assert (member["external_id"], member["display_name"], member["language"]) == (
        "m1",
        "هدى",
        "ar",
    )
    batched = client.post(
        "/v1/groups/shop/members/join", json={"external_id": "m2", "display_name": "Sarah"},
        headers=moderator,
    ).json()  # fmt: skip
    [item_id] = batched["welcome_item_ids"]
    third = client.post("/v1/groups/shop/members", json={"external_id": "m3"}, headers=moderator)
    again = client.post("/v1/groups/shop/members", json={"external_id": "m1"}, headers=moderator)
    assert third.status_code == again.status_code == 201
    assert again.json() == member  # already welcomed: the stored member, no second welcome
    welcomes = client.get(
        "/v1/groups/shop/queue", params={"kind": "welcome"}, headers=moderator
    ).json()["items"]
    assert [w["id"] for w in welcomes] == [item_id]
    assert "هدى" in welcomes[0]["draft_text"] and "Sarah" in welcomes[0]["draft_text"]
    assert "3 member(s)" in welcomes[0]["draft_reason"]
    with services.store.session(readonly=True) as session:
        from sqlalchemy import select

        from assistant.store.models import MemberJoin

        joins = session.scalars(select(MemberJoin.external_id).order_by(MemberJoin.id)).all()
    assert joins == ["m1", "m2", "m3"]  # the repeated m1 is not a new join
    schema = client.app.openapi()["paths"]["/v1/groups/{group_id}/members"]["post"]  # type: ignore[attr-defined]
    answer = schema["responses"]["201"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/MemberPublic"}
    assert "alias" in schema["summary"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_old_members_route_keeps_its_roles_and_isolation(
    client: TestClient, services: Services, tokens: Tokens
) -> None:
    body = {"external_id": "intruder"}
    viewer = client.post("/v1/groups/shop/members", json=body, headers=tokens.headers("viewer"))
    assert viewer.status_code == 403
    other = make_group(services, "other")
    foreign = client.post("/v1/groups/shop/members", json=body, headers=other.headers())
    assert foreign.status_code == 404
    bad = client.post("/v1/groups/shop/members", json={"external_id": ""}, headers=tokens.headers())
    assert bad.status_code == 422
    listed = client.get("/v1/groups/shop/members", headers=tokens.headers("viewer")).json()
    assert listed == []
