"""Example questions of knowledge entries in the service: added through the API, imported with
the KB, learned when an admin approves a reply drafted from an entry, and used by drafting."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.api.deps import Services
from assistant.jobs.drafting import KBReplyDrafter
from assistant.schemas import Priority
from assistant.store import groups, knowledge_examples
from assistant.store.models import KnowledgeExample, Post, QueueItem
from assistant.store.queue import NewItem, add_items
from tests.service.conftest import Tokens, make_group, web_login

QUESTION = "الطلبيـــه متى توصلني جدة؟"


def _add_entry(services: Services, group_id: str = "shop") -> None:
    with services.store.transaction() as session:
        groups.add_knowledge(
            session,
            group_id=group_id,
            question="كم مدة التوصيل؟",
            answer="من يومين إلى أربعة أيام عمل.",
            language="ar",
            entry_key="delivery-time",
        )


def _reply_item(services: Services, key: str, *, escalate: bool = False) -> int:
    with services.store.transaction() as session:
        post = Post(group_id="shop", external_id=key, author_id="m1", text=QUESTION)
        session.add(post)
        session.flush()
        add_items(
            session,
            items=[
                NewItem(
                    group_id="shop",
                    source_key=f"post:{post.id}",
                    kind="reply",
                    priority=Priority.NORMAL,
                    language="ar",
                    draft_text="التوصيل من يومين إلى أربعة أيام عمل.",
                    draft_generator="grounded",
                    category="question",
                    suggested_action="escalate" if escalate else "reply",
                    post_id=post.id,
                    draft_citations=[
                        {"entry_id": "delivery-time", "kind": "faq", "title": "t", "score": 0.5}
                    ],
                )
            ],
        )
        item = session.scalars(
            select(QueueItem).where(QueueItem.source_key == f"post:{post.id}")
        ).one()
        return item.id


def _approve(client: TestClient, tokens: Tokens, item_id: int) -> int:
    response = client.post(
        f"/v1/groups/shop/queue/{item_id}/approve",
        json={"version": 1},
        headers=tokens.headers("moderator"),
    )
    return response.status_code


def _examples(client: TestClient, tokens: Tokens) -> list[dict]:
    response = client.get("/v1/groups/shop/knowledge/examples", headers=tokens.headers("viewer"))
    assert response.status_code == 200
    return list(response.json())


def test_an_approved_answer_teaches_its_entry_the_members_question(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _add_entry(services)
    item_id = _reply_item(services, "p1")
    assert _approve(client, tokens, item_id) == 200
    learned = _examples(client, tokens)
    assert [(e["entry_key"], e["text"], e["source"], e["item_id"]) for e in learned] == [
        ("delivery-time", QUESTION, "approved", item_id)
    ]
    # the same wording approved again is not stored twice
    assert _approve(client, tokens, _reply_item(services, "p2")) == 200
    assert len(_examples(client, tokens)) == 1


def test_an_edited_approval_teaches_nothing(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _add_entry(services)
    response = client.post(
        f"/v1/groups/shop/queue/{_reply_item(services, 'p1')}/approve",
        json={"version": 1, "final_text": "نوصل خلال ٣ أيام، وللطلبات الكبيرة تواصلي معنا."},
        headers=tokens.headers("moderator"),
    )
    assert response.status_code == 200 and response.json()["edited"] is True
    assert _examples(client, tokens) == []


def test_an_escalated_holding_reply_teaches_nothing(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _add_entry(services)
    assert _approve(client, tokens, _reply_item(services, "p1", escalate=True)) == 200
    assert _examples(client, tokens) == []


def test_examples_through_the_api_reach_the_drafting_kb(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _add_entry(services)
    body = {"entry_id": "delivery-time", "texts": ["ابي اعرف متى يوصل طلبي", "when will it arrive"]}
    added = client.post(
        "/v1/groups/shop/knowledge/examples", json=body, headers=tokens.headers("moderator")
    )
    assert added.status_code == 201 and [e["source"] for e in added.json()] == ["api", "api"]
    again = client.post(
        "/v1/groups/shop/knowledge/examples", json=body, headers=tokens.headers("moderator")
    )
    assert again.status_code == 201 and again.json() == []
    drafter = KBReplyDrafter(services.settings)
    kb = drafter.knowledge_base(services.store, "shop")
    assert kb is not None
    entry = kb.get("delivery-time")
    assert entry is not None and entry.examples == body["texts"]

    unknown = client.post(
        "/v1/groups/shop/knowledge/examples",
        json={"entry_id": "nope", "texts": ["?"]},
        headers=tokens.headers("moderator"),
    )
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    viewer = client.post(
        "/v1/groups/shop/knowledge/examples", json=body, headers=tokens.headers("viewer")
    )
    assert viewer.status_code == 403

    first = added.json()[0]["id"]
    deleted = client.delete(
        f"/v1/groups/shop/knowledge/examples/{first}", headers=tokens.headers("moderator")
    )
    assert deleted.status_code == 204
    kb = drafter.knowledge_base(services.store, "shop")
    assert kb is not None and kb.get("delivery-time").examples == ["when will it arrive"]  # type: ignore[union-attr]


def test_the_drafting_kb_notices_a_replaced_newest_example(
    tokens: Tokens, services: Services
) -> None:
    """SQLite hands a deleted newest row's id to the next row: the KB must still rebuild."""
    _add_entry(services)
    drafter = KBReplyDrafter(services.settings)
    with services.store.transaction() as session:
        knowledge_examples.add_examples(
            session, group_id="shop", entry_key="delivery-time", texts=["متى يوصل", "شحن جدة"]
        )
    kb = drafter.knowledge_base(services.store, "shop")
    assert kb is not None and kb.get("delivery-time").examples == ["متى يوصل", "شحن جدة"]  # type: ignore[union-attr]
    with services.store.transaction() as session:
        newest = knowledge_examples.examples(session, group_id="shop")[-1]
        knowledge_examples.delete_example(session, group_id="shop", example_id=newest.id)
    with services.store.transaction() as session:
        (_added,) = knowledge_examples.add_examples(
            session, group_id="shop", entry_key="delivery-time", texts=["how long is delivery"]
        )
    kb = drafter.knowledge_base(services.store, "shop")
    assert kb is not None
    assert kb.get("delivery-time").examples == ["متى يوصل", "how long is delivery"]  # type: ignore[union-attr]


def test_another_groups_admin_cannot_see_or_change_examples(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _add_entry(services)
    body = {"entry_id": "delivery-time", "texts": ["متى يوصل؟"]}
    added = client.post(
        "/v1/groups/shop/knowledge/examples", json=body, headers=tokens.headers("moderator")
    ).json()
    other = make_group(services, "other")
    headers = other.headers("owner")
    assert client.get("/v1/groups/shop/knowledge/examples", headers=headers).status_code == 404
    assert (
        client.post("/v1/groups/shop/knowledge/examples", json=body, headers=headers).status_code
        == 404
    )
    example_id = added[0]["id"]
    assert (
        client.delete(
            f"/v1/groups/other/knowledge/examples/{example_id}", headers=headers
        ).status_code
        == 404
    )
    with services.store.transaction(readonly=True) as session:
        assert session.scalars(select(KnowledgeExample.text)).all() == ["متى يوصل؟"]


def test_empty_or_oversized_example_lists_are_refused(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _add_entry(services)
    for texts in ([], [""], ["x"] * 101):
        response = client.post(
            "/v1/groups/shop/knowledge/examples",
            json={"entry_id": "delivery-time", "texts": texts},
            headers=tokens.headers("moderator"),
        )
        assert response.status_code == 422
    assert _examples(client, tokens) == []


def test_the_kb_page_lists_learned_examples_and_forgets_one(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _add_entry(services)
    assert _approve(client, tokens, _reply_item(services, "p1")) == 200
    example_id = _examples(client, tokens)[0]["id"]
    other = make_group(services, "other")

    csrf = web_login(client, tokens.moderator, lang="ar")
    page = client.get("/web/g/shop/kb").text
    assert "ما تعلّمه من الموافقات" in page and QUESTION in page

    foreign_csrf = web_login(client, other.owner)
    foreign = client.post(
        f"/web/g/shop/kb/examples/{example_id}/delete",
        data={"csrf": foreign_csrf},
        follow_redirects=False,
    )
    assert foreign.status_code == 404
    assert len(_examples(client, tokens)) == 1

    csrf = web_login(client, tokens.moderator)
    forgotten = client.post(
        f"/web/g/shop/kb/examples/{example_id}/delete", data={"csrf": csrf}, follow_redirects=False
    )
    assert forgotten.status_code in (302, 303)
    assert _examples(client, tokens) == []
