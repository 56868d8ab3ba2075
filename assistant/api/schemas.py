"""Request and response bodies of the HTTP API, named by direction (``…Create``, ``…Public``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from assistant.schemas import Analysis, Priority
from assistant.store.models import ItemKind, ItemStatus, Role

GROUP_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class Message(BaseModel):
    detail: str


class GroupCreate(BaseModel):
    model_config = _examples(
        {
            "id": "abaya-shop",
            "name": "Abaya Shop",
            "languages": ["ar", "en"],
            "webhook_url": "https://example.com/mushrif-hook",
        }
    )

    id: str = Field(pattern=GROUP_ID_PATTERN, description="lowercase letters, digits, - and _")
    name: str = Field(min_length=1, max_length=200)
    languages: list[Literal["ar", "en"]] = Field(default=["ar", "en"], min_length=1)
    rules_yaml: str | None = Field(None, max_length=200_000, description="group rules (YAML)")
    webhook_url: HttpUrl | None = None


class GroupUpdate(BaseModel):
    """Only the fields sent change; `null` clears rules, webhook URL or secret."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"webhook_url": "https://example.com/mushrif-hook"}]},
    )

    name: str | None = Field(None, min_length=1, max_length=200)
    languages: list[Literal["ar", "en"]] | None = Field(None, min_length=1)
    rules_yaml: str | None = Field(None, max_length=200_000)
    webhook_url: HttpUrl | None = None
    webhook_secret: str | None = Field(None, min_length=16, max_length=200)


class GroupPublic(BaseModel):
    id: str
    name: str
    languages: list[str]
    has_rules: bool
    webhook_url: str | None
    webhook_secret: str | None = Field(None, description="shown to owners only")
    role: Role
    created_at: datetime


class PostCreate(BaseModel):
    """One member post. ``external_id`` makes resending safe (duplicates are ignored)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "fb-10001",
                    "author_id": "member-42",
                    "text": "كم سعر العباية السوداء؟ وهل يوجد مقاس L؟",
                    "created_at": "2025-01-05T10:15:00Z",
                }
            ]
        },
    )

    text: str = Field(max_length=100_000, description="limit: api.max_post_chars (10,000)")
    external_id: str | None = Field(None, min_length=1, max_length=200)
    author_id: str | None = Field(None, max_length=200)
    created_at: datetime | None = None


class PostBatchCreate(BaseModel):
    """Many posts at once (up to ``api.max_batch_posts``). Rows are validated one by one:
    good rows are accepted, bad rows are reported by index."""

    model_config = _examples(
        {
            "posts": [
                {"external_id": "fb-10002", "author_id": "m-7", "text": "Do you ship to Jeddah?"},
                {"external_id": "fb-10003", "author_id": "m-8", "text": "ربح يومي مضمون تابعوني"},
            ]
        }
    )

    posts: list[Any] = Field(min_length=1, description="PostCreate objects")


class RowError(BaseModel):
    index: int
    error: str


class RowResult(BaseModel):
    index: int
    external_id: str
    post_id: int
    status: Literal["accepted", "duplicate"]


class IngestPublic(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[RowResult]
    errors: list[RowError]


class PostPublic(BaseModel):
    id: int
    external_id: str
    author_id: str | None
    text: str
    status: str
    error: str | None
    posted_at: datetime | None
    received_at: datetime
    analysis: Analysis | None


class DeliveryPublic(BaseModel):
    status: str
    attempts: int
    last_error: str | None
    last_status_code: int | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    idempotency_key: str
    waiting_for_webhook: bool = Field(description="the group has no webhook configured yet")


class CitationPublic(BaseModel):
    """A knowledge-base entry a reply draft used; for the admin, never sent to the member."""

    entry_id: str = Field(description="the entry key, or the knowledge row id")
    kind: str
    title: str
    score: float


class QueueItemPublic(BaseModel):
    id: int
    group_id: str
    kind: ItemKind
    status: ItemStatus
    priority: Priority
    language: str
    category: str
    suggested_action: str | None
    post_id: int | None
    post_text: str | None
    member_external_id: str | None
    explanation: dict[str, Any] | None
    draft_text: str
    draft_generator: str = Field(
        description="template (holding reply), grounded or an LLM (from the knowledge base), "
        "policy or notice (moderation), manual"
    )
    draft_citations: list[CitationPublic] = Field(
        default_factory=list, description="knowledge entries the draft used (admin only)"
    )
    draft_confidence: float | None = Field(None, description="retrieval confidence of the draft")
    draft_reason: str | None = Field(
        None, description="why the item escalates, or why an LLM draft fell back"
    )
    final_text: str | None
    edited: bool
    claimed_by: str | None
    claimed_until: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    reject_reason: str | None
    version: int = Field(description="send it back with approve/reject: a stale one gets 409")
    created_at: datetime
    updated_at: datetime
    delivery: DeliveryPublic | None


class QueuePage(BaseModel):
    items: list[QueueItemPublic]
    total: int
    limit: int
    offset: int


class QueueItemCreate(BaseModel):
    """A draft written elsewhere (promotion, review post, FAQ suggestion…) for approval."""

    model_config = _examples(
        {
            "kind": "promotion",
            "language": "ar",
            "priority": "normal",
            "draft_text": "خصم ٢٠٪ على العبايات الشتوية حتى نهاية الأسبوع!",
            "source_key": "promo-w2",
        }
    )

    kind: ItemKind
    language: Literal["ar", "en"]
    priority: Priority = Priority.NORMAL
    draft_text: str = Field(min_length=1, max_length=20_000)
    draft_generator: str = Field("manual", max_length=40)
    category: str = Field("", max_length=60)
    source_key: str | None = Field(None, min_length=1, max_length=150)


class ApproveRequest(BaseModel):
    model_config = _examples(
        {"version": 1},
        {"version": 2, "final_text": "أهلًا! السعر ٢٥٠ ريال والمقاس L متوفر."},
    )

    version: int = Field(ge=1, le=2**31, description="the version you loaded")
    final_text: str | None = Field(
        None, max_length=20_000, description="your edit; omit to approve the draft as is"
    )
    label: str | None = Field(None, max_length=60, description="your label for the feedback set")


class RejectRequest(BaseModel):
    model_config = _examples(
        {"version": 1, "reason": "not spam: a regular customer", "label": "ok"}
    )

    version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=2000)
    label: str | None = Field(None, max_length=60)


class BulkRef(BaseModel):
    id: int = Field(ge=1, le=2**62)
    version: int = Field(ge=1, le=2**31)


class BulkDecision(BaseModel):
    model_config = _examples(
        {"action": "reject", "reason": "duplicate questions", "items": [{"id": 3, "version": 1}]}
    )

    action: Literal["approve", "reject"]
    items: list[BulkRef] = Field(min_length=1, max_length=200)
    reason: str | None = Field(None, min_length=1, max_length=2000, description="for reject")


class BulkItemResult(BaseModel):
    id: int
    ok: bool
    status_code: int
    error: str = ""
    item: QueueItemPublic | None = None


class BulkResult(BaseModel):
    succeeded: int
    failed: int
    results: list[BulkItemResult]


class ReviewEventPublic(BaseModel):
    id: int
    action: str
    admin: str
    details: dict[str, Any]
    created_at: datetime


class KnowledgeCreate(BaseModel):
    model_config = _examples(
        {
            "kind": "faq",
            "language": "ar",
            "question": "كم مدة التوصيل؟",
            "answer": "من ٢ إلى ٤ أيام عمل داخل المملكة.",
            "tags": ["shipping"],
        }
    )

    kind: Literal["faq", "doc"] = "faq"
    language: Literal["ar", "en"]
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field(min_length=1, max_length=20_000)
    tags: list[str] = Field(default_factory=list, max_length=20)


class KnowledgePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    language: str
    question: str
    answer: str
    tags: list[str]
    entry_key: str | None = Field(None, description="the id of an imported KB entry")


class KnowledgeExampleCreate(BaseModel):
    """Member questions that one knowledge entry answers, in any language or dialect."""

    model_config = _examples({"entry_id": "delivery-time", "texts": ["الطلب متى يوصل جدة؟"]})

    entry_id: str = Field(
        min_length=1,
        max_length=100,
        description="the entry's id: its entry_key, or the id of a knowledge row added alone",
    )
    texts: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(
        min_length=1, max_length=100
    )


class KnowledgeExamplePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    entry_key: str = Field(description="the id of the entry the question is an example of")
    text: str
    source: str = Field(description="import, api or approved (learned from an approved reply)")
    item_id: int | None = Field(None, description="the approved queue item it was learned from")
    created_at: datetime


class MemberCreate(BaseModel):
    """A member joined: queues a welcome draft."""

    model_config = _examples({"external_id": "member-99", "display_name": "Huda", "language": "ar"})

    external_id: str = Field(min_length=1, max_length=200)
    display_name: str | None = Field(None, max_length=200)
    language: Literal["ar", "en"] | None = None


class MemberPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    display_name: str | None
    language: str | None
    joined_at: datetime


class AdminCreate(BaseModel):
    model_config = _examples({"name": "sara", "role": "moderator"})

    name: str = Field(min_length=1, max_length=200, pattern=r"^[\w.@+-]+$")
    role: Role


class TokenPublic(BaseModel):
    admin: str
    token: str = Field(description="shown once; only its hash is stored")
    expires_at: datetime | None


class AdminPublic(BaseModel):
    name: str
    role: Role


class MePublic(BaseModel):
    admin: str
    roles: dict[str, Role]


class Readiness(BaseModel):
    ready: bool
    models_loaded: bool
    database: bool
