"""Benchmark: activity analytics over 100,000 stored posts of one group (target ≤ 30 s on two
cores). Writes a synthetic month into a SQLite database (kept for reruns), then times
``GET /v1/groups/{id}/analytics``'s work (loading, topics, questions, members…) several times.

    .venv/bin/python eval/community/bench_analytics.py --posts 100000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from assistant.community import service
from assistant.community.synthetic import SyntheticConfig, generate
from assistant.config import Settings
from assistant.store.db import Store
from assistant.store.models import Post


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "mushrif-bench")
    parser.add_argument("--topic-method", default="tfidf", choices=["tfidf", "fast_embedder"])
    args = parser.parse_args()
    args.db.mkdir(parents=True, exist_ok=True)
    days = 30
    config = SyntheticConfig(
        group_id=f"bench-{args.posts}",
        posts_per_day=max(10, round(args.posts / days / 0.905)),  # Tuesdays are planted quiet
        members=max(120, args.posts // 50),
        days=days,
    )
    settings = Settings(data_dir=args.db, environment="test")
    settings.community.topic_method = args.topic_method
    store = Store(f"sqlite:///{args.db / 'bench.db'}")
    store.migrate()
    with store.session(readonly=True) as session:
        stored = session.scalar(
            select(func.count()).select_from(Post).where(Post.group_id == config.group_id)
        )
    if not stored:
        started = time.perf_counter()
        with store.transaction() as session:
            truth = generate(session, config)
        print(f"wrote {truth.posts} posts in {time.perf_counter() - started:.1f} s")
    times: list[float] = []
    report = None
    for _ in range(args.runs):
        started = time.perf_counter()
        with store.session(readonly=True) as session:
            report = service.activity(
                session,
                group_id=config.group_id,
                settings=settings,
                since=config.since,
                until=config.until,
            ).report
        times.append(time.perf_counter() - started)
    assert report is not None
    print(
        json.dumps(
            {
                "posts": report.totals.posts,
                "questions": report.totals.questions,
                "topics": len(report.topics),
                "bursts": len(report.question_bursts),
                "topic_method": report.topic_method,
                "runs_s": [round(t, 2) for t in times],
                "median_s": round(statistics.median(times), 2),
            }
        )
    )
    store.dispose()


if __name__ == "__main__":
    main()
