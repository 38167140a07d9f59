"""Signing a delivery so the receiver knows it came from us and was not changed or replayed.

Headers of every delivery:
    X-CivicGrid-Event: case.dispatched
    X-CivicGrid-Delivery: 1234           (the same for every attempt and replay of a delivery)
    X-CivicGrid-Timestamp: 1763771400    (Unix seconds when this attempt was sent)
    X-CivicGrid-Signature: sha256=<hex HMAC-SHA256 with the subscription's secret of
                           "<timestamp>." followed by the raw request body>

The timestamp is inside the signed text, so a captured request cannot be replayed later with a
fresh timestamp; receivers reject timestamps more than five minutes away from their clock
(docs/webhooks.md has the receiver's side in Python)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "X-CivicGrid-Signature"
TIMESTAMP_HEADER = "X-CivicGrid-Timestamp"
EVENT_HEADER = "X-CivicGrid-Event"
DELIVERY_HEADER = "X-CivicGrid-Delivery"
TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body,
                   hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, *, timestamp: str, body: bytes, signature: str,
           tolerance: int = TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature or "")
