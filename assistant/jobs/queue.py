"""The durable job table: enqueue idempotently by key, claim with a lease, finish or retry.

A job whose worker dies keeps its lease until ``lease_until`` and is then claimed again, so
delivery is at-least-once; handlers make the result effectively-once with unique constraints.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from assistant.store.db import Store
from assistant.store.models import Job, JobStatus, utcnow
from assistant.store.sql import insert_ignoring_conflicts, is_postgres


@dataclass(frozen=True)
class NewJob:
    kind: str
    key: str
    group_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    group_id: str
    payload: dict[str, Any]
    attempts: int
    lease_token: str


def enqueue(session: Session, *, jobs: Sequence[NewJob]) -> None:
    """Add jobs; a job whose key already exists is left as it is."""
    rows = [
        {
            "kind": j.kind,
            "key": j.key,
            "group_id": j.group_id,
            "payload": j.payload,
            "status": JobStatus.PENDING.value,
            "attempts": 0,
            "run_after": utcnow(),
            "created_at": utcnow(),
        }
        for j in jobs
    ]
    insert_ignoring_conflicts(session, Job, rows, keys=["key"])


def claim(store: Store, *, limit: int, lease_s: float) -> list[ClaimedJob]:
    """Lease up to ``limit`` due jobs (pending, or running with a lapsed lease)."""
    now = utcnow()
    token = uuid.uuid4().hex
    due = or_(
        and_(Job.status == JobStatus.PENDING.value, Job.run_after <= now),
        and_(Job.status == JobStatus.RUNNING.value, Job.lease_until < now),
    )
    with store.transaction() as session:
        query = select(Job.id).where(due).order_by(Job.id).limit(limit)
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return []
        session.execute(
            update(Job)
            .where(Job.id.in_(ids))
            .values(
                status=JobStatus.RUNNING.value,
                lease_token=token,
                lease_until=now + timedelta(seconds=lease_s),
                attempts=Job.attempts + 1,
            )
        )
        rows = session.execute(
            select(Job.id, Job.kind, Job.group_id, Job.payload, Job.attempts)
            .where(Job.lease_token == token)
            .order_by(Job.id)
        )
        return [ClaimedJob(r.id, r.kind, r.group_id, r.payload, r.attempts, token) for r in rows]


def _held(session: Session, job: ClaimedJob) -> Job | None:
    """The job row if this worker still holds its lease (locked on PostgreSQL)."""
    query = select(Job).where(Job.id == job.id, Job.lease_token == job.lease_token)
    if is_postgres(session):
        query = query.with_for_update()
    return session.scalar(query)


def complete(session: Session, *, job: ClaimedJob) -> bool:
    """Mark done in the caller's transaction; False when another worker took the job over."""
    row = _held(session, job)
    if row is None or row.status != JobStatus.RUNNING.value:
        return False
    row.status = JobStatus.DONE.value
    row.finished_at = utcnow()
    row.lease_token = None
    row.last_error = None
    return True


def fail(
    session: Session, *, job: ClaimedJob, error: str, max_attempts: int, backoff_s: float
) -> bool:
    """Schedule a retry with exponential backoff, or mark failed after ``max_attempts``.
    Returns True when the job failed for good."""
    row = _held(session, job)
    if row is None:
        return False
    row.last_error = error[:2000]
    row.lease_token = None
    if row.attempts >= max_attempts:
        row.status = JobStatus.FAILED.value
        row.finished_at = utcnow()
        return True
    row.status = JobStatus.PENDING.value
    row.run_after = utcnow() + timedelta(seconds=backoff_s * 2 ** (row.attempts - 1))
    return False


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
    return {status: n for status, n in rows}
