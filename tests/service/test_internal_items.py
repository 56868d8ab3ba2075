"""Items for the admins only: an approved FAQ suggestion becomes a knowledge-base entry, and
neither it nor an alert (a negative review…) is ever published to the group."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.api.deps import Services
from assistant.schemas import Priority
from assistant.store.models import KnowledgeEntry, OutboxDelivery, QueueItem
from assistant.store.queue import NewItem, add_items
from tests.service.conftest import Tokens

FAQ_AR = "سؤال مقترح لقاعدة المعرفة:\nس: كم ياخذ التوصيل لجده؟\nج: {answer}"
FAQ_EN = "Proposed knowledge-base entry:\nQ: How long is delivery to Jeddah?\nA: {answer}"


def _add(services: Services, key: str, kind: str, text: str, *, category: str = "faq") -> int:
    with services.store.transaction() as session:
        add_items(
            session,
            items=[
                NewItem(
                    group_id="shop",
                    source_key=key,
                    kind=kind,
                    priority=Priority.NORMAL,
                    language="ar" if "س:" in text else "en",
                    draft_text=text,
                    draft_generator="template",
                    category=category,
                )
            ],
        )
    return _item_id(services, key)


def _item_id(services: Services, key: str) -> int:
    with services.store.transaction(readonly=True) as session:
        return session.scalars(select(QueueItem.id).where(QueueItem.source_key == key)).one()


def _approve(client: TestClient, tokens: Tokens, item_id: int, **body: object) -> dict:
    response = client.post(
        f"/v1/groups/shop/queue/{item_id}/approve",
        json={"version": 1, **body},
        headers=tokens.headers("moderator"),
    )
    return {**response.json(), "http": response.status_code}


def _counts(services: Services) -> tuple[int, int]:
    with services.store.transaction(readonly=True) as session:
        entries = session.scalar(select(func.count()).select_from(KnowledgeEntry)) or 0
        deliveries = session.scalar(select(func.count()).select_from(OutboxDelivery)) or 0
    return entries, deliveries


def test_an_approved_faq_suggestion_becomes_a_knowledge_entry_and_is_not_published(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    skeleton = FAQ_AR.format(answer="[اكتب الإجابة عن التوصيل (جده): التفاصيل، المدة]")
    item_id = _add(services, "faq:delivery", "faq_suggestion", skeleton)
    refused = _approve(client, tokens, item_id)
    assert refused["http"] == 422 and "bracketed" in refused["detail"]
    assert _counts(services) == (0, 0)  # nothing half-written
    edited = FAQ_AR.format(answer="التوصيل لجدة من ٢ إلى ٤ أيام عمل.")
    approved = _approve(client, tokens, item_id, final_text=edited)
    assert approved["http"] == 200 and approved["status"] == "approved"
    entries = client.get("/v1/groups/shop/knowledge", headers=tokens.headers("viewer")).json()
    assert [(e["question"], e["answer"], e["language"]) for e in entries] == [
        ("كم ياخذ التوصيل لجده؟", "التوصيل لجدة من ٢ إلى ٤ أيام عمل.", "ar")
    ]
    assert _counts(services) == (1, 0)


def test_english_faq_suggestion_without_its_answer_line_is_refused(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    item_id = _add(services, "faq:en", "faq_suggestion", FAQ_EN.format(answer="2 to 4 days."))
    refused = _approve(client, tokens, item_id, final_text="Delivery takes 2 to 4 days.")
    assert refused["http"] == 422 and "'A:'" in refused["detail"]
    assert _approve(client, tokens, item_id)["http"] == 200
    assert _counts(services) == (1, 0)


def test_a_review_alert_is_not_published_but_a_review_post_is(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    alert = _add(services, "alert:1", "alert", "Not for publishing", category="review_alert")
    roundup = _add(services, "roundup:1", "review_post", "Thank you all!", category="review")
    assert _approve(client, tokens, alert)["http"] == 200
    assert _counts(services) == (0, 0)
    assert _approve(client, tokens, roundup)["http"] == 200
    assert _counts(services) == (0, 1)
