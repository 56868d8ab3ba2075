"""Speed of auto-triage: load time, batch throughput, single-post latency, peak memory."""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT, Settings
from assistant.moderation.rules import GroupRules, load_rules

BENCH_POSTS = PROJECT_ROOT / "eval" / "datasets" / "group_posts_test.jsonl"


def bench_texts(count: int) -> list[str]:
    """Distinct realistic posts: the team-written group posts, varied so no cache can help."""
    base = [
        json.loads(line)["text"] for line in BENCH_POSTS.read_text("utf-8").splitlines() if line
    ]
    return [f"{base[i % len(base)]} #{i // len(base)}" for i in range(count)]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(
    settings: Settings,
    *,
    rules_path: Path | None,
    posts: int = 3000,
    singles: int = 300,
    repeats: int = 3,
) -> dict[str, Any]:
    from assistant.moderation.analyzer import Analyzer

    rules = load_rules(rules_path) if rules_path else GroupRules()
    # Other jobs on the machine move these figures more than most code changes do.
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    analyzer = Analyzer.from_settings(settings)
    analyzer.analyze_batch(bench_texts(64), rules=rules)  # warm-up: lazy loads, first calls
    load_seconds = time.perf_counter() - started
    throughputs = []
    for repeat in range(repeats):
        texts = [f"{t} r{repeat}" for t in bench_texts(posts)]
        analyzer._cache.clear()
        begin = time.perf_counter()
        for start in range(0, len(texts), settings.analysis.batch_size):
            analyzer.analyze_batch(texts[start : start + settings.analysis.batch_size], rules=rules)
        throughputs.append(len(texts) / (time.perf_counter() - begin))
    latencies = []
    for text in bench_texts(singles):
        analyzer._cache.clear()
        begin = time.perf_counter()
        analyzer.analyze(f"{text} single", rules=rules)
        latencies.append((time.perf_counter() - begin) * 1000)
    latencies.sort()
    return {
        "rules": str(rules_path) if rules_path else "none",
        "load_and_warmup_s": round(load_seconds, 2),
        "batch_posts_per_s_median": round(statistics.median(throughputs), 1),
        "batch_posts_per_s_runs": [round(t, 1) for t in throughputs],
        "single_ms_p50": round(latencies[len(latencies) // 2], 2),
        "single_ms_p95": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "posts_per_run": posts,
        "batch_size": settings.analysis.batch_size,
        "machine": {"cpus": os.cpu_count(), "load_average_1min_before": round(load_before, 2)},
    }
