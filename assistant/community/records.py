"""Reading a group's stored posts and analyses for analytics: only the columns needed, with
the sentiment label and the normalized text pulled out of the analysis JSON by the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.answering.quoting import looks_like_injection
from assistant.store.models import AnalysisRow, ItemStatus, Member, Post, QueueItem
from assistant.text.normalize import normalize

NOISE_INTENTS = frozenset({"spam", "abusive"})


@dataclass(frozen=True, slots=True)
class PostRecord:
    id: int
    external_id: str
    author: str | None
    at: datetime  # UTC: when it was posted (or received, when the platform gave no time)
    text: str
    normalized: str
    language: str  # "" until analyzed
    intent: str
    sentiment: str
    category: str
    instruction_like: bool  # tries to instruct the assistant: kept out of topics and drafts

    @property
    def analyzed(self) -> bool:
        return bool(self.intent)

    @property
    def usable(self) -> bool:
        """Counts for topics, questions and reviews: analyzed, not spam or abuse, no injection."""
        return self.analyzed and self.intent not in NOISE_INTENTS and not self.instruction_like


def load_posts(
    session: Session, *, group_id: str, since: datetime, until: datetime
) -> list[PostRecord]:
    """Posts of the group in ``[since, until)``, oldest first."""
    when = func.coalesce(Post.posted_at, Post.received_at)
    payload = AnalysisRow.payload
    query = (
        select(
            Post.id,
            Post.external_id,
            Post.author_id,
            when.label("at"),
            Post.text,
            payload[("normalized",)].as_string(),
            AnalysisRow.language,
            AnalysisRow.intent,
            payload[("sentiment", "label")].as_string(),
            AnalysisRow.category,
        )
        .outerjoin(AnalysisRow, AnalysisRow.post_id == Post.id)
        .where(Post.group_id == group_id, when >= since, when < until)
        .order_by(when, Post.id)
    )
    records: list[PostRecord] = []
    for (
        pid,
        eid,
        author,
        at,
        text,
        normalized,
        language,
        intent,
        sentiment,
        category,
    ) in session.execute(query):
        records.append(
            PostRecord(
                id=pid,
                external_id=eid,
                author=author,
                at=_utc(at),
                text=text,
                normalized=normalized or normalize(text).normalized,
                language=language or "",
                intent=intent or "",
                sentiment=sentiment or "",
                category=category or "",
                instruction_like=looks_like_injection(text),
            )
        )
    return records


def _utc(value: datetime | str) -> datetime:
    """``coalesce`` loses the column type on some backends: parse what comes back."""
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def group_post_count(session: Session, *, group_id: str) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Post).where(Post.group_id == group_id)) or 0
    )


def answered_post_ids(session: Session, *, group_id: str, post_ids: list[int]) -> set[int]:
    """Posts that got an approved reply."""
    answered: set[int] = set()
    for start in range(0, len(post_ids), 5000):
        chunk = post_ids[start : start + 5000]
        answered.update(
            session.scalars(
                select(QueueItem.post_id).where(
                    QueueItem.group_id == group_id,
                    QueueItem.kind == "reply",
                    QueueItem.status == ItemStatus.APPROVED.value,
                    QueueItem.post_id.in_(chunk),
                )
            )
        )
    return {pid for pid in answered if pid is not None}


def approved_replies(session: Session, *, group_id: str, post_ids: list[int]) -> list[str]:
    """The admins' approved reply texts to these posts, newest first."""
    texts: list[str] = []
    for start in range(0, len(post_ids), 5000):
        chunk = post_ids[start : start + 5000]
        texts.extend(
            text
            for text in session.scalars(
                select(QueueItem.final_text)
                .where(
                    QueueItem.group_id == group_id,
                    QueueItem.kind == "reply",
                    QueueItem.status == ItemStatus.APPROVED.value,
                    QueueItem.post_id.in_(chunk),
                )
                .order_by(QueueItem.decided_at.desc())
            )
            if text
        )
    return texts


def quotable_members(session: Session, *, group_id: str) -> dict[str, tuple[bool, str | None]]:
    """Member external id → (allowed quoting, display name)."""
    rows = session.execute(
        select(Member.external_id, Member.allow_quoting, Member.display_name).where(
            Member.group_id == group_id
        )
    )
    return {eid: (bool(allowed), name) for eid, allowed, name in rows}
