"""One ASGI middleware: request id, body size limit, access log and request metrics."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.observability.metrics import Metrics

log = logging.getLogger("assistant.api.access")


class _TooLarge(Exception):
    pass


class RequestMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id") or uuid.uuid4().hex[:16]
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(send, request_id)
            return
        status = {"code": 500}
        received = {"bytes": 0}

        async def limited_receive() -> Message:
            message = await receive()
            received["bytes"] += len(message.get("body", b""))
            if received["bytes"] > self.max_body_bytes:
                raise _TooLarge
            return message

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, limited_receive, tagged_send)
        except _TooLarge:
            await self._too_large(send, request_id)
            status["code"] = 413
        finally:
            self._observe(scope, status["code"], time.perf_counter() - started, request_id)

    async def _too_large(self, send: Send, request_id: str) -> None:
        body = json.dumps(
            {"detail": f"request body larger than {self.max_body_bytes} bytes (api.max_body_bytes)"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", request_id.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _observe(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        route: Any = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        self.metrics.http_requests.labels(method=method, route=template, status=str(status)).inc()
        self.metrics.http_seconds.labels(route=template).observe(seconds)
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": method,
                "path": scope.get("path"),
                "route": template,
                "status": status,
                "ms": round(seconds * 1000, 1),
            },
        )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None
