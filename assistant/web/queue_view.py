"""What the queue page shows: items with their post, explanation, scores and draft."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.api.schemas import QueueItemPublic
from assistant.api.views import items_public
from assistant.store import queue as repo
from assistant.store.models import AnalysisRow, ItemKind, ItemStatus, QueueItem

SCORE_ROLES = ("intent", "offensive", "spam", "sentiment")
KINDS = tuple(k.value for k in ItemKind)
STATUSES = tuple(s.value for s in ItemStatus)


@dataclass(frozen=True)
class Score:
    role: str
    label: str
    score: float


@dataclass(frozen=True)
class RuleHitView:
    rule_id: str
    description: str
    action: str
    evidence: list[str]


@dataclass(frozen=True)
class ItemView:
    item: QueueItemPublic
    summary: str = ""
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    rule_hits: list[RuleHitView] = field(default_factory=list)
    post_language: str = ""


@dataclass(frozen=True)
class QueueQuery:
    kind: str = ""
    status: str = ItemStatus.PENDING.value
    language: str = ""
    category: str = ""
    offset: int = 0

    def filters(self) -> repo.QueueFilter:
        return repo.QueueFilter(
            status=[self.status],
            kind=[self.kind] if self.kind else [],
            language=[self.language] if self.language else [],
            category=[self.category] if self.category else [],
        )


def clean_query(*, kind: str, status: str, language: str, category: str, offset: int) -> QueueQuery:
    """Unknown filter values are ignored rather than refused: a stale bookmark still opens."""
    return QueueQuery(
        kind=kind if kind in KINDS else "",
        status=status if status in STATUSES else ItemStatus.PENDING.value,
        language=language[:10],
        category=category[:60],
        offset=max(0, min(offset, 10**9)),
    )


def _scores(payload: dict[str, Any]) -> list[Score]:
    scores = []
    for role in SCORE_ROLES:
        value = payload.get(role)
        if isinstance(value, dict) and "label" in value:
            scores.append(Score(role, str(value["label"]), float(value.get("score") or 0.0)))
    return scores


def _rule_hits(payload: dict[str, Any]) -> list[RuleHitView]:
    return [
        RuleHitView(
            rule_id=str(hit.get("rule_id", "")),
            description=str(hit.get("description", "")),
            action=str(hit.get("action", "")),
            evidence=[str(e) for e in hit.get("evidence", [])],
        )
        for hit in payload.get("rule_hits", [])
        if isinstance(hit, dict)
    ]


def item_views(session: Session, items: Sequence[QueueItem]) -> list[ItemView]:
    public = items_public(session, items)
    post_ids = [i.post_id for i in items if i.post_id is not None]
    payloads: dict[int, dict[str, Any]] = {
        post_id: payload
        for post_id, payload in session.execute(
            select(AnalysisRow.post_id, AnalysisRow.payload).where(
                AnalysisRow.post_id.in_(post_ids)
            )
        )
    }
    views = []
    for item in public:
        payload = payloads.get(item.post_id or -1) or {}
        explanation = payload.get("explanation") or {}
        hits = _rule_hits(payload)
        evidence = [str(e) for e in explanation.get("evidence", [])]
        evidence += [e for hit in hits for e in hit.evidence if e not in evidence]
        language = payload.get("language") or {}
        views.append(
            ItemView(
                item=item,
                summary=str(explanation.get("summary", "")),
                reasons=[str(r) for r in explanation.get("reasons", [])],
                evidence=evidence,
                scores=_scores(payload),
                rule_hits=hits,
                post_language=str(language.get("code", "")) if isinstance(language, dict) else "",
            )
        )
    return views


def counts_by_kind(session: Session, *, group_id: str, status: str) -> dict[str, int]:
    rows = session.execute(
        select(QueueItem.kind, func.count())
        .where(QueueItem.group_id == group_id, QueueItem.status == status)
        .group_by(QueueItem.kind)
    )
    return {kind: count for kind, count in rows}


def filter_options(session: Session, *, group_id: str) -> tuple[list[str], list[str]]:
    """The languages and categories the group's items use (for the filter menus)."""
    languages = session.scalars(
        select(QueueItem.language).where(QueueItem.group_id == group_id).distinct()
    )
    categories = session.scalars(
        select(QueueItem.category)
        .where(QueueItem.group_id == group_id, QueueItem.category != "")
        .distinct()
    )
    return sorted(set(languages)), sorted(set(categories))
