"""The durable job table: crash/restart resumes, re-runs are effectively-once, schema matches."""

from __future__ import annotations

from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from assistant.api.deps import Services
from assistant.jobs.queue import claim
from assistant.store.models import AnalysisRow, Base, Job, Post, QueueItem, utcnow
from tests.service.conftest import Tokens

POSTS = [{"external_id": f"p{i}", "text": f"How much is item {i}?"} for i in range(10)]


def _count(services: Services, model: type[Base]) -> int:
    with services.store.session(readonly=True) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_migrations_match_the_models(services: Services) -> None:
    with services.store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    services.store.migrate()  # idempotent


def test_crash_mid_job_resumes_and_analyzes_once(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    client.post("/v1/groups/shop/posts", json={"posts": POSTS}, headers=tokens.headers())
    crashed = claim(services.store, limit=4, lease_s=60)  # a worker takes 4 jobs, then dies
    assert len(crashed) == 4
    assert services.worker.drain() == 6  # the others run; the 4 wait for their lease
    assert _count(services, AnalysisRow) == 6
    with services.store.transaction() as session:  # time passes: the lease lapses
        session.execute(
            update(Job)
            .values(lease_until=utcnow() - timedelta(seconds=1))
            .where(Job.status == "running")
        )
    assert services.worker.drain() == 4
    assert _count(services, AnalysisRow) == 10 and _count(services, QueueItem) == 10
    with services.store.session(readonly=True) as session:
        statuses = set(session.scalars(select(Post.status)))
        attempts = sorted(session.scalars(select(Job.attempts)))
    assert statuses == {"analyzed"} and attempts == [1] * 6 + [2] * 4


def test_two_workers_on_the_same_job_store_one_result(
    client: TestClient, tokens: Tokens, services: Services
) -> None:
    client.post("/v1/groups/shop/posts", json={"posts": POSTS[:3]}, headers=tokens.headers())
    slow = claim(services.store, limit=3, lease_s=60)
    with services.store.transaction() as session:
        session.execute(update(Job).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert services.worker.drain() == 3  # the second worker takes over and finishes
    services.worker.prepare()
    handler = services.worker._handlers["analyze_post"]
    handler(slow)  # the first worker wakes up and finishes late: its results are dropped
    assert _count(services, AnalysisRow) == 3 and _count(services, QueueItem) == 3


def test_poison_post_fails_alone(client: TestClient, tokens: Tokens, services: Services) -> None:
    services.worker.prepare()
    handler = services.worker._handlers["analyze_post"]
    analyze = handler.analyzer.analyze_batch  # type: ignore[attr-defined]

    def flaky(posts, rules=None):  # type: ignore[no-untyped-def]
        if any("poison" in p.text for p in posts):
            raise RuntimeError("model crashed")
        return analyze(posts, rules=rules)

    handler.analyzer.analyze_batch = flaky  # type: ignore[attr-defined]
    posts = [*POSTS[:3], {"external_id": "bad", "text": "poison?"}]
    client.post("/v1/groups/shop/posts", json={"posts": posts}, headers=tokens.headers())
    services.worker.drain()
    assert _count(services, AnalysisRow) == 3
    with services.store.session(readonly=True) as session:
        bad = session.scalar(select(Post).where(Post.external_id == "bad"))
        assert bad is not None and bad.status == "failed" and "model crashed" in (bad.error or "")
