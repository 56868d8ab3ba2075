"""Prometheus metrics of one service instance (own registry, so apps in tests don't collide)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class _DatabaseGauges(Collector):
    """Queue depth and job counts, read from the database at scrape time."""

    def __init__(
        self,
        depth: Callable[[], Mapping[tuple[str, str], int]],
        jobs: Callable[[], Mapping[str, int]],
    ) -> None:
        self._depth = depth
        self._jobs = jobs

    def collect(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily(
            "mushrif_queue_depth", "Pending queue items", labels=["group", "kind"]
        )
        for (group, kind), n in sorted(self._depth().items()):
            depth.add_metric([group, kind], n)
        yield depth
        jobs = GaugeMetricFamily("mushrif_jobs", "Background jobs by status", labels=["status"])
        for status, n in sorted(self._jobs().items()):
            jobs.add_metric([status], n)
        yield jobs


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.posts_ingested = Counter(
            "mushrif_posts_ingested", "Posts received by outcome", ["outcome"], registry=r
        )
        self.analysis_seconds = Histogram(
            "mushrif_analysis_seconds",
            "Model time per analyzed post (batch time / batch size)",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.post_to_queue_seconds = Histogram(
            "mushrif_post_to_queue_seconds",
            "From a post's arrival to its analysis (and queue item) being committed",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.decisions = Counter(
            "mushrif_decisions", "Admin decisions by action", ["action"], registry=r
        )
        self.deliveries = Counter(
            "mushrif_deliveries", "Webhook deliveries that succeeded", registry=r
        )
        self.delivery_failures = Counter(
            "mushrif_delivery_failures",
            "Failed webhook delivery attempts (final=true: given up)",
            ["final"],
            registry=r,
        )
        self.job_failures = Counter(
            "mushrif_job_failures", "Failed job attempts", ["kind"], registry=r
        )
        self.http_requests = Counter(
            "mushrif_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.http_seconds = Histogram(
            "mushrif_http_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )

    def watch_database(
        self,
        depth: Callable[[], Mapping[tuple[str, str], int]],
        jobs: Callable[[], Mapping[str, int]],
    ) -> None:
        self.registry.register(_DatabaseGauges(depth, jobs))

    def render(self) -> bytes:
        return generate_latest(self.registry)
