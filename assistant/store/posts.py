"""Ingestion: store posts idempotently by (group, external id) and enqueue their analysis."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.jobs.queue import NewJob, enqueue
from assistant.schemas import PostIn
from assistant.store.models import AnalysisRow, Member, Post, PostStatus, utcnow
from assistant.store.sql import insert_ignoring_conflicts

ANALYZE_POST = "analyze_post"


@dataclass(frozen=True)
class Ingested:
    index: int
    external_id: str
    post_id: int
    status: Literal["accepted", "duplicate"]


def external_id_of(post: PostIn) -> str:
    """The post's own id, or a content hash so a resent copy is still recognized."""
    if post.external_id:
        return post.external_id
    created = post.created_at.isoformat() if post.created_at else ""
    digest = hashlib.sha256(f"{post.author_id or ''}\x1f{created}\x1f{post.text}".encode())
    return "sha256:" + digest.hexdigest()[:40]


def _existing(session: Session, group_id: str, external_ids: Sequence[str]) -> dict[str, int]:
    rows = session.execute(
        select(Post.external_id, Post.id).where(
            Post.group_id == group_id, Post.external_id.in_(external_ids)
        )
    )
    return {external_id: post_id for external_id, post_id in rows}


def ingest_posts(
    session: Session, *, group_id: str, posts: Sequence[tuple[int, PostIn]]
) -> list[Ingested]:
    """Store new posts and enqueue one analysis job each, in the caller's transaction.

    ``posts`` pairs each post with its index in the request, for the per-row report.
    """
    keyed = [(index, external_id_of(post), post) for index, post in posts]
    before = _existing(session, group_id, [k for _, k, _ in keyed])
    now = utcnow()
    fresh: dict[str, PostIn] = {}
    for _, external_id, post in keyed:
        if external_id not in before and external_id not in fresh:
            fresh[external_id] = post
    insert_ignoring_conflicts(
        session,
        Post,
        [
            {
                "group_id": group_id,
                "external_id": eid,
                "author_id": p.author_id,
                "text": p.text,
                "posted_at": p.created_at,
                "received_at": now,
                "status": PostStatus.PENDING.value,
            }
            for eid, p in fresh.items()
        ],
        keys=["group_id", "external_id"],
    )
    after = _existing(session, group_id, list(fresh)) if fresh else {}
    enqueue(
        session,
        jobs=[
            NewJob(ANALYZE_POST, f"{ANALYZE_POST}:{post_id}", group_id, {"post_id": post_id})
            for post_id in after.values()
        ],
    )
    _remember_members(session, group_id, [p.author_id for p in fresh.values() if p.author_id])
    results: list[Ingested] = []
    claimed: set[str] = set()
    for index, external_id, _ in keyed:
        first = external_id in after and external_id not in claimed
        claimed.add(external_id)
        post_id = after.get(external_id) or before.get(external_id)
        if post_id is None:  # inserted concurrently by another request: a duplicate
            post_id = _existing(session, group_id, [external_id])[external_id]
        results.append(Ingested(index, external_id, post_id, "accepted" if first else "duplicate"))
    return results


def _remember_members(session: Session, group_id: str, author_ids: Sequence[str]) -> None:
    rows = [
        {"group_id": group_id, "external_id": a, "joined_at": utcnow()} for a in set(author_ids)
    ]
    insert_ignoring_conflicts(session, Member, rows, keys=["group_id", "external_id"])


def get_post(session: Session, *, group_id: str, post_id: int) -> Post | None:
    return session.scalar(select(Post).where(Post.group_id == group_id, Post.id == post_id))


def get_analysis(session: Session, *, post_id: int) -> AnalysisRow | None:
    return session.scalar(select(AnalysisRow).where(AnalysisRow.post_id == post_id))
