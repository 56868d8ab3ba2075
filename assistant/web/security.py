"""The session cookie (signed with itsdangerous, never holding the API token) and CSRF tokens."""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer

from assistant.config import Settings

COOKIE_NAME = "mushrif_session"
SECRET_FILE = "web-session-secret"
_SALT = "mushrif.web.session.v1"


def session_secret(settings: Settings) -> str:
    """The configured secret, or one generated once and kept (mode 600) in the data dir."""
    configured = settings.web.session_secret
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    path = Path(settings.data_dir) / SECRET_FILE
    if path.is_file():
        stored = path.read_text("utf-8").strip()
        if len(stored) >= 32:
            return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


@dataclass
class WebSession:
    """What the cookie holds: the token row behind the login (re-validated on every request),
    a CSRF token, the interface language and a one-shot message."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    token_id: int | None = None
    token_check: str | None = None
    lang: str | None = None
    flash: str | None = None
    expired: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "c": self.csrf,
            "t": self.token_id,
            "h": self.token_check,
            "l": self.lang,
            "f": self.flash,
        }

    @classmethod
    def from_payload(cls, payload: Any) -> WebSession:
        if not isinstance(payload, dict) or not isinstance(payload.get("c"), str):
            return cls()
        token_id = payload.get("t")
        return cls(
            csrf=payload["c"],
            token_id=token_id if isinstance(token_id, int) else None,
            token_check=payload.get("h") if isinstance(payload.get("h"), str) else None,
            lang=payload.get("l") if isinstance(payload.get("l"), str) else None,
            flash=payload.get("f") if isinstance(payload.get("f"), str) else None,
        )

    def csrf_ok(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(self.csrf, str(candidate))


class SessionCodec:
    """Signs and reads the cookie. A login older than ``ttl_s`` reads as an expired session:
    the page says so instead of silently showing the login form."""

    def __init__(self, secret: str, *, ttl_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.ttl_s = ttl_s

    def dumps(self, session: WebSession) -> str:
        return self._serializer.dumps(session.to_payload())

    def loads(self, cookie: str | None) -> WebSession:
        if not cookie:
            return WebSession()
        try:
            payload = self._serializer.loads(cookie, max_age=self.ttl_s)
        except SignatureExpired as exc:
            stale = self._stale(exc)
            return WebSession(lang=stale.lang, expired=stale.token_id is not None)
        except BadSignature:
            return WebSession()
        return WebSession.from_payload(payload)

    def _stale(self, exc: SignatureExpired) -> WebSession:
        """The expired cookie's content (its signature was valid, only its age is not)."""
        if exc.payload is None:
            return WebSession()
        try:
            return WebSession.from_payload(self._serializer.load_payload(exc.payload))
        except BadData:
            return WebSession()


def token_check(token_hash: str) -> str:
    """A short fingerprint of the token's hash: a cookie from a replaced token stops working."""
    return token_hash[:16]
