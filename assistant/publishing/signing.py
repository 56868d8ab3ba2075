"""Webhook signatures: ``X-Mushrif-Signature: t=<unix time>,v1=<hex HMAC-SHA256>``.

The HMAC key is the group's webhook secret; the signed message is ``f"{t}.{body}"`` with the
raw request body bytes. Receivers recompute it, compare in constant time, and reject stale
timestamps to stop replays.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Mushrif-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DELIVERY_HEADER = "X-Mushrif-Delivery"
ATTEMPT_HEADER = "X-Mushrif-Attempt"


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, tolerance_s: int = 300) -> bool:
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        t = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs(time.time() - t) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp=t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)
