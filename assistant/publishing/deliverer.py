"""Posts approved items to each group's webhook: signed, idempotent, retried with backoff."""

from __future__ import annotations

import json
import logging

import httpx

from assistant.config import PublishingSettings
from assistant.jobs.runner import BackgroundLoop
from assistant.observability.metrics import Metrics
from assistant.publishing.outbox import (
    ClaimedDelivery,
    claim_due,
    mark_attempt_failed,
    mark_delivered,
)
from assistant.publishing.signing import (
    ATTEMPT_HEADER,
    DELIVERY_HEADER,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    sign,
)
from assistant.store.db import Store

log = logging.getLogger(__name__)


def encode(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class Deliverer(BackgroundLoop):
    name = "deliverer"

    def __init__(
        self,
        *,
        store: Store,
        settings: PublishingSettings,
        metrics: Metrics,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(poll_interval_s=settings.poll_interval_s)
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self._client = httpx.Client(
            timeout=settings.timeout_s, transport=transport, follow_redirects=False
        )

    def step(self) -> int:
        batch = claim_due(self.store, limit=self.settings.batch_size, lease_s=self.settings.lease_s)
        for delivery in batch:
            self.deliver(delivery)
        return len(batch)

    def deliver(self, delivery: ClaimedDelivery) -> bool:
        body = encode(delivery.payload)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "mushrif-webhook/1",
            SIGNATURE_HEADER: sign(delivery.secret, body),
            IDEMPOTENCY_HEADER: delivery.idempotency_key,
            DELIVERY_HEADER: str(delivery.id),
            ATTEMPT_HEADER: str(delivery.attempts),
        }
        status: int | None = None
        try:
            response = self._client.post(delivery.url, content=body, headers=headers)
            status = response.status_code
            if response.is_success:
                with self.store.transaction() as session:
                    mark_delivered(session, delivery=delivery, status_code=status)
                self.metrics.deliveries.inc()
                return True
            error = f"webhook answered HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        self._failed(delivery, error, status)
        return False

    def _failed(self, delivery: ClaimedDelivery, error: str, status: int | None) -> None:
        with self.store.transaction() as session:
            final = mark_attempt_failed(
                session,
                delivery=delivery,
                error=error,
                status_code=status,
                max_attempts=self.settings.max_attempts,
                backoff_base_s=self.settings.backoff_base_s,
                backoff_max_s=self.settings.backoff_max_s,
            )
        self.metrics.delivery_failures.labels(final=str(final).lower()).inc()
        log.warning(
            "webhook delivery failed",
            extra={
                "delivery_id": delivery.id,
                "attempt": delivery.attempts,
                "error": error,
                "gave_up": final,
            },
        )

    def close(self) -> None:
        self._client.close()
