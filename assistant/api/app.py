"""The FastAPI app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from assistant.api.deps import Services
from assistant.api.errors import install_error_handlers
from assistant.api.middleware import RequestMiddleware
from assistant.api.routes import community, feedback, groups, health, me, posts, queue
from assistant.config import Settings, get_settings
from assistant.jobs.queue import counts
from assistant.jobs.runner import BackgroundLoop
from assistant.jobs.worker import AnalyzerFactory, Worker
from assistant.moderation.analyzer import Analyzer
from assistant.observability.metrics import Metrics
from assistant.publishing.deliverer import Deliverer
from assistant.store.db import Store
from assistant.store.queue import depth_by_kind
from assistant.web import install_web

DESCRIPTION = """Human-approval queue of Mushrif. Posts arrive, are analyzed in the background,
and become queue items (replies, moderation notices, welcomes…) that admins approve, edit or
reject. Approved items are delivered to the group's webhook. Every route under `/v1` needs
`Authorization: Bearer <token>`."""


def build_services(
    settings: Settings, *, analyzer_factory: AnalyzerFactory | None = None
) -> Services:
    store = Store.from_settings(settings)
    metrics = Metrics()
    worker = Worker(
        store=store,
        settings=settings,
        metrics=metrics,
        analyzer_factory=analyzer_factory or Analyzer.from_settings,
    )
    deliverer = Deliverer(store=store, settings=settings.publishing, metrics=metrics)
    return Services(settings, store, metrics, worker, deliverer)


def _watch_database(services: Services) -> None:
    store = services.store

    def depth() -> dict[tuple[str, str], int]:
        with store.session(readonly=True) as session:
            return depth_by_kind(session)

    def jobs() -> dict[str, int]:
        with store.session(readonly=True) as session:
            return counts(session)

    services.metrics.watch_database(depth, jobs)


def create_app(
    settings: Settings | None = None,
    *,
    analyzer_factory: AnalyzerFactory | None = None,
    run_background: bool = True,
) -> FastAPI:
    """The service. ``run_background=False`` leaves the worker and deliverer to the caller
    (tests drive them step by step)."""
    settings = settings or get_settings()
    services = build_services(settings, analyzer_factory=analyzer_factory)
    services.store.migrate()
    _watch_database(services)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loops: list[BackgroundLoop] = []
        if run_background and settings.worker.enabled:
            loops.append(services.worker)
        if run_background and settings.publishing.enabled:
            loops.append(services.deliverer)
        for loop in loops:
            loop.start()
        try:
            yield
        finally:
            for loop in loops:
                loop.stop()
            services.deliverer.close()
            services.store.dispose()

    app = FastAPI(
        title="Mushrif approval queue",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    for module in (health, me, groups, posts, queue, feedback, community):
        app.include_router(module.router)
    install_web(app, settings)
    app.add_middleware(
        RequestMiddleware, metrics=services.metrics, max_body_bytes=settings.api.max_body_bytes
    )
    return app
