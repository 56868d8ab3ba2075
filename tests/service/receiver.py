"""A real HTTP webhook receiver on a loopback port, for publishing tests."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assistant.publishing.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verify


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """Records every request; answers ``fail_first`` requests with HTTP 500."""

    def __init__(self, port: int, secret: str, *, fail_first: int = 0) -> None:
        self.port = port
        self.secret = secret
        self.fail_first = fail_first
        self.requests: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["status"] == 200]

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.requests) < receiver.fail_first else 200
                receiver.requests.append(
                    {
                        "key": self.headers[IDEMPOTENCY_HEADER],
                        "signed": verify(receiver.secret, body, self.headers[SIGNATURE_HEADER]),
                        "payload": json.loads(body),
                        "status": status,
                    }
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
