"""The ``analyze_post`` job: analyze a batch of posts, then store each analysis and its queue
item in one transaction. Unique constraints (one analysis per post, one item per source key)
make a re-run after a crash harmless."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from assistant.answering.notices import moderation_notice
from assistant.answering.schemas import Draft
from assistant.jobs.drafting import KBReplyDrafter
from assistant.jobs.queue import ClaimedJob, complete, fail
from assistant.moderation.analyzer import Analyzer
from assistant.moderation.rules import GroupRules, parse_rules
from assistant.observability.metrics import Metrics
from assistant.schemas import Action, Analysis, PostIn, Priority
from assistant.store.db import Store
from assistant.store.drafts import GENERATOR, draft_language, holding_draft
from assistant.store.models import AnalysisRow, Group, Post, PostStatus, utcnow
from assistant.store.queue import NewItem, add_items
from assistant.store.sql import insert_ignoring_conflicts

log = logging.getLogger(__name__)

MODERATION_ACTIONS = {Action.HIDE, Action.DELETE, Action.WARN, Action.ESCALATE}
NOTICE_ACTIONS = {Action.HIDE, Action.DELETE}
# Escalations that are about the member's own need, not about the post's content: they are
# answered (a holding reply, then a human), so they belong with the replies, not moderation.
MEMBER_NEED_CATEGORIES = frozenset({"complaint", "order_support", "negative_feedback"})
# Those the drafting chain writes the holding reply for (it knows these intents); negative
# feedback keeps the policy's note, since a knowledge-base answer to it would read as a brush-off.
DRAFTED_NEED_CATEGORIES = frozenset({"complaint", "order_support"})


@dataclass(frozen=True)
class _Loaded:
    job: ClaimedJob
    post_id: int
    group_id: str
    post: PostIn
    received_at: float


def _moderation_draft(analysis: Analysis, prompts_dir: Path) -> tuple[str, str]:
    """The member-facing note of a moderation item and who wrote it. A post hidden or removed
    by a group rule gets a notice naming the rule (``moderation_notice``); otherwise the
    policy's own message is kept."""
    if analysis.action in NOTICE_ACTIONS and any(
        h.action in NOTICE_ACTIONS or h.action == Action.WARN for h in analysis.rule_hits
    ):
        return moderation_notice(analysis, prompts_dir=prompts_dir).text, "notice"
    return analysis.explanation.member_message, "policy"


def is_answered(analysis: Analysis) -> bool:
    """Whether the member gets a reply draft: a question, or a need a human must handle."""
    return analysis.action == Action.REPLY or (
        analysis.action == Action.ESCALATE and analysis.category in MEMBER_NEED_CATEGORIES
    )


def queue_item_for(
    post_id: int,
    group_id: str,
    analysis: Analysis,
    prompts_dir: Path,
    draft: Draft | None = None,
) -> NewItem | None:
    """Which queue item an analysis asks for: a reply draft, a moderation notice, or none.
    ``draft`` is the reply drafted from the group's knowledge base (none: a holding reply)."""
    language = draft_language(analysis.language.code, analysis.language.arabic_ratio)
    priority, action = analysis.priority, analysis.action.value
    citations: list[dict[str, object]] | None = None
    confidence: float | None = None
    reason: str | None = None
    if is_answered(analysis) and draft is not None:
        kind, text, generator = "reply", draft.text, draft.generator
        language = draft.language
        citations = [c.model_dump(mode="json") for c in draft.citations]
        confidence = round(draft.confidence, 4)
        reason = draft.reason or None
        if draft.escalate:
            action = Action.ESCALATE.value
            if priority in (Priority.LOW, Priority.NORMAL):
                priority = Priority.HIGH
    elif analysis.action == Action.REPLY:
        kind, text, generator = "reply", holding_draft(prompts_dir, "reply", language), GENERATOR
    elif is_answered(analysis):
        kind, text, generator = "reply", analysis.explanation.member_message, "policy"
        reason = f"needs a human: {analysis.category}"
    elif analysis.action in MODERATION_ACTIONS:
        kind = "moderation"
        text, generator = _moderation_draft(analysis, prompts_dir)
    else:
        return None
    return NewItem(
        group_id=group_id,
        source_key=f"post:{post_id}",
        kind=kind,
        priority=priority,
        language=language,
        draft_text=text,
        draft_generator=generator,
        category=analysis.category,
        suggested_action=action,
        post_id=post_id,
        draft_citations=citations,
        draft_confidence=confidence,
        draft_reason=reason,
    )


class AnalysisHandler:
    def __init__(
        self,
        *,
        store: Store,
        analyzer: Analyzer,
        prompts_dir: Path,
        metrics: Metrics,
        max_attempts: int,
        backoff_s: float,
        drafter: KBReplyDrafter | None = None,
    ) -> None:
        self.store = store
        self.drafter = drafter
        self.analyzer = analyzer
        self.prompts_dir = prompts_dir
        self.metrics = metrics
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self._rules: dict[tuple[str, str], GroupRules | None] = {}

    def __call__(self, jobs: Sequence[ClaimedJob]) -> None:
        loaded, missing = self._load(jobs)
        self._finish_missing(missing)
        by_group: dict[str, list[_Loaded]] = defaultdict(list)
        for item in loaded:
            by_group[item.group_id].append(item)
        for group_id, items in by_group.items():
            self._run_group(group_id, items)

    def _load(self, jobs: Sequence[ClaimedJob]) -> tuple[list[_Loaded], list[ClaimedJob]]:
        ids = {int(j.payload["post_id"]): j for j in jobs}
        with self.store.transaction(readonly=True) as session:
            posts = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(ids)))}
        loaded = [
            _Loaded(
                job,
                p.id,
                p.group_id,
                PostIn(
                    text=p.text,
                    external_id=p.external_id,
                    author_id=p.author_id,
                    created_at=p.posted_at,
                ),
                p.received_at.timestamp(),
            )
            for post_id, job in ids.items()
            if (p := posts.get(post_id)) is not None
        ]
        return loaded, [j for pid, j in ids.items() if pid not in posts]

    def _finish_missing(self, jobs: Sequence[ClaimedJob]) -> None:
        if jobs:
            with self.store.transaction() as session:
                for job in jobs:
                    complete(session, job=job)

    def _rules_for(self, group_id: str) -> GroupRules | None:
        with self.store.transaction(readonly=True) as session:
            group = session.get(Group, group_id)
            text = group.rules_yaml if group else None
        key = (group_id, text or "")
        if key not in self._rules:
            self._rules[key] = parse_rules(yaml.safe_load(text), source=group_id) if text else None
        return self._rules[key]

    def _run_group(self, group_id: str, items: Sequence[_Loaded]) -> None:
        try:
            rules = self._rules_for(group_id)
            started = time.perf_counter()
            analyses = self.analyzer.analyze_batch([i.post for i in items], rules=rules)
            per_post = (time.perf_counter() - started) / len(items)
        except Exception as exc:
            if len(items) > 1:  # find the poison post: retry one by one
                for item in items:
                    self._run_group(group_id, [item])
                return
            self._failed(items[0], exc)
            return
        drafts = self._drafts(group_id, items, analyses)
        self._store(items, analyses, per_post, drafts)

    def _drafts(
        self, group_id: str, items: Sequence[_Loaded], analyses: Sequence[Analysis]
    ) -> dict[int, Draft]:
        """Reply drafts from the group's knowledge base, by post id. A group without knowledge,
        or a drafting failure, leaves the holding reply (the analysis is stored either way)."""
        questions = [
            (i, a)
            for i, a in zip(items, analyses, strict=True)
            if a.action == Action.REPLY or a.category in DRAFTED_NEED_CATEGORIES
        ]
        if self.drafter is None or not questions:
            return {}
        try:
            kb = self.drafter.knowledge_base(self.store, group_id)
        except Exception as exc:
            log.warning("knowledge base failed", extra={"group": group_id, "error": repr(exc)})
            return {}
        if kb is None:
            return {}
        drafts: dict[int, Draft] = {}
        for item, analysis in questions:
            try:
                drafts[item.post_id] = self.drafter.draft(kb, item.post.text, analysis)
            except Exception as exc:
                log.warning("drafting failed", extra={"post_id": item.post_id, "error": repr(exc)})
        return drafts

    def _store(
        self,
        items: Sequence[_Loaded],
        analyses: Sequence[Analysis],
        seconds: float,
        drafts: dict[int, Draft] | None = None,
    ) -> None:
        drafts = drafts or {}
        with self.store.transaction() as session:
            held = [
                (i, a) for i, a in zip(items, analyses, strict=True) if complete(session, job=i.job)
            ]
            insert_ignoring_conflicts(
                session,
                AnalysisRow,
                [
                    {
                        "post_id": i.post_id,
                        "group_id": i.group_id,
                        "language": a.language.code,
                        "intent": a.intent.label,
                        "action": a.action.value,
                        "priority": a.priority.value,
                        "category": a.category,
                        "confidence": a.confidence,
                        "payload": a.model_dump(mode="json"),
                        "seconds": seconds,
                        "created_at": utcnow(),
                    }
                    for i, a in held
                ],
                keys=["post_id"],
            )
            new_items = [
                queue_item_for(i.post_id, i.group_id, a, self.prompts_dir, drafts.get(i.post_id))
                for i, a in held
            ]
            add_items(session, items=[n for n in new_items if n is not None])
            for i, _ in held:
                post = session.get(Post, i.post_id)
                if post is not None:
                    post.status = PostStatus.ANALYZED.value
                    post.error = None
        now = time.time()
        for i, _ in held:
            self.metrics.analysis_seconds.observe(seconds)
            self.metrics.post_to_queue_seconds.observe(max(0.0, now - i.received_at))

    def _failed(self, item: _Loaded, exc: Exception) -> None:
        log.warning("analysis failed", extra={"post_id": item.post_id, "error": repr(exc)})
        self.metrics.job_failures.labels(kind="analyze_post").inc()
        with self.store.transaction() as session:
            final = fail(
                session,
                job=item.job,
                error=repr(exc),
                max_attempts=self.max_attempts,
                backoff_s=self.backoff_s,
            )
            if final:
                post = session.get(Post, item.post_id)
                if post is not None:
                    post.status = PostStatus.FAILED.value
                    post.error = repr(exc)[:2000]
