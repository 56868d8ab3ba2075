"""The worker drafts reply items from the group's knowledge base (fake models)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from assistant.answering import drafting
from assistant.answering.stored import kb_from_rows, rows_fingerprint, rows_from_kb
from assistant.api.deps import Services
from tests.service.conftest import Tokens, make_group

KNOWLEDGE = [
    {
        "language": "en",
        "question": "How long does delivery take?",
        "answer": "Delivery takes 3 to 5 working days inside Saudi Arabia.",
        "tags": ["shipping"],
    },
    {
        "language": "ar",
        "question": "كم مدة التوصيل؟",
        "answer": "التوصيل من ٣ إلى ٥ أيام عمل داخل المملكة.",
        "tags": ["shipping"],
    },
]


def _add_knowledge(client: TestClient, tokens: Tokens, group: str = "shop") -> list[int]:
    ids = []
    for entry in KNOWLEDGE:
        response = client.post(
            f"/v1/groups/{group}/knowledge", json=entry, headers=tokens.headers("moderator")
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _post(client: TestClient, tokens: Tokens, text: str, group: str = "shop") -> None:
    response = client.post(
        f"/v1/groups/{group}/posts",
        json={"external_id": f"q-{abs(hash(text))}", "author_id": "m1", "text": text},
        headers=tokens.headers("moderator"),
    )
    assert response.status_code == 202, response.text


def _replies(client: TestClient, tokens: Tokens, group: str = "shop") -> list[dict]:
    response = client.get(
        f"/v1/groups/{group}/queue", params={"kind": "reply"}, headers=tokens.headers("viewer")
    )
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]
    return items


def test_question_in_a_group_with_knowledge_gets_a_grounded_draft_citing_the_entry(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    entry_ids = _add_knowledge(client, tokens)
    _post(client, tokens, "How long does delivery take to Jeddah?")
    services.worker.drain()
    (item,) = _replies(client, tokens)
    assert item["draft_generator"] == "grounded"
    assert item["language"] == "en"
    cited = [c["entry_id"] for c in item["draft_citations"]]
    assert cited and cited[0] in {str(i) for i in entry_ids}
    assert "3 to 5 working days" in item["draft_text"]
    assert str(cited[0]) not in item["draft_text"].split()  # citations stay with the admin
    assert 0 <= item["draft_confidence"] <= 1
    full = client.get(f"/v1/groups/shop/queue/{item['id']}", headers=tokens.headers("viewer"))
    assert full.json()["draft_citations"] == item["draft_citations"]


def test_question_in_a_group_without_knowledge_gets_the_holding_template(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    other = make_group(services, "other")
    _add_knowledge(client, other, group="other")  # another group's knowledge is not used
    _post(client, tokens, "How long does delivery take to Jeddah?")
    services.worker.drain()
    (item,) = _replies(client, tokens)
    assert item["draft_generator"] == "template"
    assert item["draft_citations"] == [] and item["draft_confidence"] is None


def test_arabic_question_gets_an_arabic_draft(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _add_knowledge(client, tokens)
    _post(client, tokens, "كم مدة التوصيل؟")
    services.worker.drain()
    (item,) = _replies(client, tokens)
    assert item["language"] == "ar" and item["draft_generator"] == "grounded"
    assert item["draft_citations"]
    assert any("\u0600" <= ch <= "\u06ff" for ch in item["draft_text"])
    assert "working days" not in item["draft_text"]


def test_question_the_knowledge_cannot_answer_escalates_with_a_holding_reply(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _add_knowledge(client, tokens)
    _post(client, tokens, "Do you sell shoes?")
    services.worker.drain()
    (item,) = _replies(client, tokens)
    assert item["draft_generator"] == "grounded" and item["draft_citations"] == []
    assert item["suggested_action"] == "escalate" and item["priority"] == "high"
    assert item["draft_reason"].startswith("low confidence")
    assert item["draft_text"]


def test_knowledge_added_later_is_used_by_the_next_draft(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    _post(client, tokens, "How long does delivery take?")
    services.worker.drain()
    _add_knowledge(client, tokens)
    _post(client, tokens, "How long does delivery take to Jeddah?")
    services.worker.drain()
    generators = sorted(i["draft_generator"] for i in _replies(client, tokens))
    assert generators == ["grounded", "template"]


def test_stored_rows_round_trip_to_a_knowledge_base() -> None:
    kb = kb_from_rows(
        [
            SimpleNamespace(id=n, entry_key=key, product=product, kind=kind, tags=[], **text)
            for n, (key, kind, product, text) in enumerate(
                [
                    (
                        "black-abaya",
                        "product",
                        {"price": 250, "currency": "SAR"},
                        {"language": "en", "question": "Black Abaya", "answer": "Crepe."},
                    ),
                    (
                        "black-abaya",
                        "product",
                        {"price": 250, "currency": "SAR"},
                        {"language": "ar", "question": "عباية سوداء", "answer": "كريب."},
                    ),
                    (
                        None,
                        "doc",
                        None,
                        {"language": "en", "question": "Returns?", "answer": "Within 7 days."},
                    ),
                ],
                start=1,
            )
        ],
        group="shop",
    )
    assert [e.id for e in kb.entries] == ["black-abaya", "3"]
    assert set(kb.entries[0].text) == {"ar", "en"} and kb.entries[0].product is not None
    assert kb.entries[1].kind == "policy"
    rows = rows_from_kb(kb)
    assert len(rows) == 3 and rows[0]["product"]["price"] == 250
    rebuilt = kb_from_rows(
        [SimpleNamespace(id=n, **r) for n, r in enumerate(rows, start=10)], group="shop"
    )
    assert rebuilt == kb
    assert rows_fingerprint([]) != rows_fingerprint(
        [SimpleNamespace(id=1, **rows[0])]  # type: ignore[list-item]
    )


RULES = """
version: 1
keyword_rules:
  - id: no-reselling
    category: advertising
    action: hide
    description: "Selling is only allowed for the shop itself"
    words: ["for sale"]
"""


def test_post_hidden_by_a_rule_gets_a_notice_naming_the_rule(
    client: TestClient, services: Services
) -> None:
    rules_group = make_group(services, "rules", rules_yaml=RULES)
    _post(client, rules_group, "Abaya for sale, barely worn", group="rules")
    services.worker.drain()
    response = client.get(
        "/v1/groups/rules/queue",
        params={"kind": "moderation"},
        headers=rules_group.headers("viewer"),
    )
    (item,) = response.json()["items"]
    assert item["suggested_action"] == "hide" and item["draft_generator"] == "notice"
    assert "Selling is only allowed for the shop itself" in item["draft_text"]
    assert "rule no-reselling" not in item["draft_text"]  # no internal reason leaks


def test_the_worker_loads_the_drafting_models_once(
    client: TestClient, tokens: Tokens, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.worker.prepare()  # loads the models, as at start-up
    created: list[str] = []
    real_create = drafting.create

    def counting_create(kind: str, name: str, **options: object) -> object:
        created.append(kind)
        return real_create(kind, name, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(drafting, "create", counting_create)
    other = make_group(services, "other")
    for group, group_tokens in (("shop", tokens), ("other", other)):
        _add_knowledge(client, group_tokens, group=group)
        _post(client, group_tokens, "How long does delivery take to Jeddah?", group=group)
        services.worker.drain()
    _post(client, tokens, "How long does delivery take to Riyadh?")
    services.worker.drain()
    assert len(_replies(client, tokens)) == 2
    assert "embedder" not in created  # two knowledge bases, three drafts, no new embedder
