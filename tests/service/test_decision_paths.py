"""One decision path: approving or rejecting from the web pages and from the JSON API has the
same effects (item state, audit log, feedback, outbox, the decision metric, waking the
deliverer), because both go through ``assistant.publishing.approval``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.api.deps import Services
from assistant.schemas import Priority
from assistant.store.models import (
    FeedbackExample,
    KnowledgeEntry,
    OutboxDelivery,
    QueueItem,
    ReviewEvent,
)
from assistant.store.queue import NewItem, add_items
from tests.service.conftest import Tokens, web_login

DRAFT = "سعر العباية السوداء ٢٥٠ ريال."
EDIT = "سعر العباية السوداء ٢٥٠ ريال، والتوصيل مجاني."
FAQ = "سؤال مقترح لقاعدة المعرفة:\nس: كم ياخذ التوصيل لجده؟\nج: {answer}"


def _add(services: Services, key: str, *, kind: str = "reply", draft: str = DRAFT) -> int:
    with services.store.transaction() as session:
        add_items(
            session,
            items=[
                NewItem(
                    group_id="shop",
                    source_key=key,
                    kind=kind,
                    priority=Priority.NORMAL,
                    language="ar",
                    draft_text=draft,
                    draft_generator="grounded",
                    category="question" if kind == "reply" else "faq",
                    suggested_action="reply",
                )
            ],
        )
        return session.scalars(select(QueueItem.id).where(QueueItem.source_key == key)).one()


class Observed:
    """The decision metric by action and the deliverer's wake-ups, as deltas."""

    def __init__(self, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
        self.services = services
        self.wakes = 0
        wake = services.deliverer.wake

        def counting_wake() -> None:
            self.wakes += 1
            wake()

        monkeypatch.setattr(services.deliverer, "wake", counting_wake)

    def decisions(self) -> dict[str, float]:
        registry = self.services.metrics.registry
        return {
            action: registry.get_sample_value("mushrif_decisions_total", {"action": action}) or 0
            for action in ("approve", "edit_approve", "reject")
        }

    def around(self, decide: Any) -> tuple[dict[str, float], int]:
        before, wakes = self.decisions(), self.wakes
        decide()
        after = self.decisions()
        return {a: after[a] - before[a] for a in after if after[a] != before[a]}, self.wakes - wakes


def _effects(services: Services, item_id: int) -> dict[str, Any]:
    with services.store.session(readonly=True) as session:
        item = session.get(QueueItem, item_id)
        assert item is not None
        delivery = session.scalar(
            select(OutboxDelivery.payload).where(OutboxDelivery.queue_item_id == item_id)
        )
        events = session.execute(
            select(ReviewEvent.action, ReviewEvent.admin_id, ReviewEvent.details)
            .where(ReviewEvent.queue_item_id == item_id)
            .order_by(ReviewEvent.id)
        ).all()
        feedback = session.scalar(
            select(FeedbackExample.record).where(FeedbackExample.queue_item_id == item_id)
        )
        entries = session.scalars(select(KnowledgeEntry.answer)).all()
    assert feedback is not None
    return {
        "state": (
            item.status,
            item.final_text,
            item.edited,
            item.decided_by,
            item.version,
            item.reject_reason,
            item.claimed_by,
        ),
        "delivery": None
        if delivery is None
        else ({k: v for k, v in delivery["item"].items() if k != "id"}, delivery["approved_by"]),
        "events": [
            (action, admin, {k: v for k, v in details.items() if k != "knowledge_entry_id"})
            for action, admin, details in events
        ],
        "feedback": {k: feedback[k] for k in ("decision", "admin_action", "final_text", "admin")},
        "knowledge": sorted(entries),
    }


def _api(client: TestClient, tokens: Tokens, item_id: int, action: str, text: str | None) -> int:
    body: dict[str, Any] = {"version": 1}
    if action == "reject":
        body["reason"] = text
    elif text is not None:
        body["final_text"] = text
    response = client.post(
        f"/v1/groups/shop/queue/{item_id}/{action}", json=body, headers=tokens.headers("moderator")
    )
    return response.status_code


def _web(client: TestClient, csrf: str, item_id: int, action: str, text: str | None) -> int:
    form = {"csrf": csrf, "version": "1"}
    if action == "reject":
        form["reason"] = text or ""
    elif text is not None:
        form["final_text"] = text
    response = client.post(
        f"/web/g/shop/queue/{item_id}/{action}",
        data=form,
        headers={"Accept": "application/json"},
    )
    return response.status_code


@pytest.mark.parametrize(
    ("action", "text", "metric", "wakes"),
    [
        ("approve", None, {"approve": 1}, 1),
        ("approve", EDIT, {"edit_approve": 1}, 1),
        ("reject", "duplicate question", {"reject": 1}, 0),
    ],
)
def test_web_and_api_decisions_have_the_same_effects(
    client: TestClient,
    tokens: Tokens,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    text: str | None,
    metric: dict[str, float],
    wakes: int,
) -> None:
    observed = Observed(services, monkeypatch)
    through_api, through_web = _add(services, "api"), _add(services, "web")
    csrf = web_login(client, tokens.moderator)
    api_status: list[int] = []
    web_status: list[int] = []
    api = observed.around(
        lambda: api_status.append(_api(client, tokens, through_api, action, text))
    )
    web = observed.around(lambda: web_status.append(_web(client, csrf, through_web, action, text)))
    assert api_status == web_status == [200]
    assert api == web == (metric, wakes)
    api_effects, web_effects = _effects(services, through_api), _effects(services, through_web)
    assert api_effects == web_effects
    assert (api_effects["delivery"] is not None) == (action == "approve")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_faq_suggestion_becomes_the_same_entry_from_the_web_and_the_api(
    client: TestClient, tokens: Tokens, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    observed = Observed(services, monkeypatch)
    skeleton = FAQ.format(answer="[اكتب الإجابة عن التوصيل (جده)]")
    through_api = _add(services, "faq-api", kind="faq_suggestion", draft=skeleton)
    through_web = _add(services, "faq-web", kind="faq_suggestion", draft=skeleton)
    csrf = web_login(client, tokens.moderator)
    assert _api(client, tokens, through_api, "approve", None) == 422
    assert _web(client, csrf, through_web, "approve", None) == 422
    assert observed.decisions() == {"approve": 0, "edit_approve": 0, "reject": 0}
    answer = FAQ.format(answer="من ٢ إلى ٤ أيام عمل.")
    assert observed.around(lambda: _api(client, tokens, through_api, "approve", answer)) == (
        {"edit_approve": 1},
        1,
    )
    assert observed.around(lambda: _web(client, csrf, through_web, "approve", answer)) == (
        {"edit_approve": 1},
        1,
    )
    api_effects, web_effects = _effects(services, through_api), _effects(services, through_web)
    assert api_effects == web_effects
    assert api_effects["delivery"] is None  # filed in the knowledge base, not published
    assert api_effects["knowledge"] == ["من ٢ إلى ٤ أيام عمل.", "من ٢ إلى ٤ أيام عمل."]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bulk_approval_from_the_web_and_the_api_has_the_same_effects(
    client: TestClient, tokens: Tokens, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    observed = Observed(services, monkeypatch)
    api_ids = [_add(services, f"api-{i}") for i in range(2)]
    web_ids = [_add(services, f"web-{i}") for i in range(2)]
    csrf = web_login(client, tokens.moderator)

    def api() -> None:
        refs = [{"id": i, "version": 1} for i in api_ids]
        response = client.post(
            "/v1/groups/shop/queue/bulk",
            json={"action": "approve", "items": refs},
            headers=tokens.headers("moderator"),
        )
        assert response.json()["succeeded"] == 2

    def web() -> None:
        form = {"csrf": csrf, "action": "approve", "item": [f"{i}:1" for i in web_ids]}
        response = client.post(
            "/web/g/shop/queue/bulk", data=form, headers={"Accept": "application/json"}
        )
        assert response.status_code == 200, response.text

    api_metric, api_wakes = observed.around(api)
    web_metric, web_wakes = observed.around(web)
    assert api_metric == web_metric == {"approve": 2}
    assert api_wakes >= 1 and web_wakes >= 1  # the API wakes once per request, the web per item
    for api_id, web_id in zip(api_ids, web_ids, strict=True):
        assert _effects(services, api_id) == _effects(services, web_id)
