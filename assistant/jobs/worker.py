"""The in-process worker: loads the models once, then claims and runs jobs in batches."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable

from assistant.config import Settings
from assistant.jobs.analysis import AnalysisHandler
from assistant.jobs.drafting import KBReplyDrafter
from assistant.jobs.queue import ClaimedJob, claim, fail
from assistant.jobs.runner import BackgroundLoop
from assistant.moderation.analyzer import Analyzer
from assistant.observability.metrics import Metrics
from assistant.store.db import Store
from assistant.store.posts import ANALYZE_POST

log = logging.getLogger(__name__)

AnalyzerFactory = Callable[[Settings], Analyzer]


class Worker(BackgroundLoop):
    name = "worker"

    def __init__(
        self,
        *,
        store: Store,
        settings: Settings,
        metrics: Metrics,
        analyzer_factory: AnalyzerFactory = Analyzer.from_settings,
    ) -> None:
        super().__init__(poll_interval_s=settings.worker.poll_interval_s)
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self._analyzer_factory = analyzer_factory
        self._handlers: dict[str, Callable[[list[ClaimedJob]], None]] = {}
        self.models_loaded = threading.Event()

    def prepare(self) -> None:
        log.info("loading models")
        analyzer = self._analyzer_factory(self.settings)
        models = getattr(analyzer, "models", None)
        shared = (
            models.fast_embedder
            if models is not None
            and models.fast_embedder_spec == self.settings.backends.fast_embedder
            and self.settings.answering.retrieval.fast_embedder_share > 0
            else None
        )
        drafter = KBReplyDrafter(self.settings, fast_embedder=shared)
        self._handlers[ANALYZE_POST] = AnalysisHandler(
            store=self.store,
            analyzer=analyzer,
            prompts_dir=self.settings.prompts_dir,
            metrics=self.metrics,
            max_attempts=self.settings.worker.max_attempts,
            backoff_s=self.settings.worker.retry_backoff_s,
            drafter=drafter,
        )
        self.models_loaded.set()
        log.info("models loaded", extra={"seconds": round(analyzer.load_seconds, 2)})

    @property
    def analyzer(self) -> Analyzer | None:
        """The analyzer the worker loaded (``None`` before ``prepare``), for reuse elsewhere
        in the process without a second copy of the models."""
        handler = self._handlers.get(ANALYZE_POST)
        return handler.analyzer if isinstance(handler, AnalysisHandler) else None

    def step(self) -> int:
        config = self.settings.worker
        jobs = claim(self.store, limit=config.batch_size, lease_s=config.lease_s)
        by_kind: dict[str, list[ClaimedJob]] = defaultdict(list)
        for job in jobs:
            by_kind[job.kind].append(job)
        for kind, batch in by_kind.items():
            handler = self._handlers.get(kind)
            if handler is None:
                self._unknown(batch)
            else:
                handler(batch)
        return len(jobs)

    def drain(self, *, max_rounds: int = 1000) -> int:
        """Run steps until no job is due (tests and the CLI; the thread is not needed)."""
        if not self.models_loaded.is_set():
            self.prepare()
        total = 0
        for _ in range(max_rounds):
            handled = self.step()
            if handled == 0:
                break
            total += handled
        return total

    def _unknown(self, jobs: list[ClaimedJob]) -> None:
        with self.store.transaction() as session:
            for job in jobs:
                fail(
                    session,
                    job=job,
                    error=f"no handler for job kind '{job.kind}'",
                    max_attempts=1,
                    backoff_s=0,
                )
