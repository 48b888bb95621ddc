"""Per-client rate limiting: a token bucket in memory per client address, answering 429 with
Retry-After. Configured by IZDESH_RATE ("30/minute", "5/second", "0" = off) and IZDESH_TRUST_PROXY
(the number of trusted proxies in front: only then is X-Forwarded-For read, taking the address that
many hops from the right; never by default, since any client can write that header).

Addresses are kept only as long as their bucket is not full again, and as a keyed hash, never in
clear: the limiter's memory is no list of who visited. Static files are not counted.
"""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import threading
import time
from typing import Any

UNITS = {"second": 1.0, "sec": 1.0, "s": 1.0, "minute": 60.0, "min": 60.0, "m": 60.0, "hour": 3600.0, "h": 3600.0}
MAX_CLIENTS = 100_000  # beyond that, the oldest buckets go (memory stays bounded under a flood)


def parse_rate(text: str | None) -> tuple[float, float] | None:
    """'30/minute' -> (capacity 30, refill 0.5 per second); '0', 'off', '' -> None."""
    if not text or text.strip().lower() in ("0", "off", "none"):
        return None
    n, _, unit = text.strip().partition("/")
    count = float(n)
    per = UNITS.get(unit.strip().lower() or "minute")
    if per is None or count <= 0:
        raise ValueError(f"rate {text!r}: write it like 30/minute")
    return count, count / per


class TokenBucket:
    def __init__(self, capacity: float, refill: float, clock: Any = time.monotonic):
        self.capacity, self.refill, self.clock = capacity, refill, clock
        self.buckets: dict[bytes, tuple[float, float]] = {}  # key -> (tokens, when)
        self.lock = threading.Lock()
        self.salt = secrets.token_bytes(16)

    def take(self, client: str) -> float:
        """0 when allowed, else seconds until a token is back."""
        key = hashlib.blake2b(client.encode(), key=self.salt, digest_size=12).digest()
        now = self.clock()
        with self.lock:
            tokens, when = self.buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - when) * self.refill)
            if tokens >= 1:
                self.buckets[key] = (tokens - 1, now)
                if len(self.buckets) > MAX_CLIENTS:
                    self._prune(now)
                return 0.0
            self.buckets[key] = (tokens, now)
            return (1 - tokens) / self.refill

    def _prune(self, now: float) -> None:
        full = [k for k, (t, w) in self.buckets.items() if t + (now - w) * self.refill >= self.capacity]
        for k in full:
            del self.buckets[k]
        while len(self.buckets) > MAX_CLIENTS:  # still too many: drop the oldest
            del self.buckets[next(iter(self.buckets))]


def client_address(scope: dict, trusted_proxies: int) -> str:
    client = scope.get("client") or ("?", 0)
    addr = str(client[0])
    if trusted_proxies > 0:
        for k, v in scope.get("headers", []):
            if k == b"x-forwarded-for":
                hops = [h.strip() for h in v.decode("latin-1").split(",") if h.strip()]
                if len(hops) >= trusted_proxies:
                    addr = hops[-trusted_proxies]
                break
    return addr


class RateLimit:
    """Pure ASGI middleware."""

    def __init__(self, app: Any, rate: str | None = None, trusted_proxies: int | None = None):
        self.app = app
        spec = parse_rate(rate if rate is not None else os.environ.get("IZDESH_RATE", "60/minute"))
        self.bucket = TokenBucket(*spec) if spec else None
        self.proxies = trusted_proxies if trusted_proxies is not None else int(os.environ.get("IZDESH_TRUST_PROXY", "0"))

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self.bucket is None or scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        wait = self.bucket.take(client_address(scope, self.proxies))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        body = b'{"error": "too many requests"}'
        await send({
            "type": "http.response.start",
            "status": 429,
            "headers": [(b"retry-after", str(max(1, math.ceil(wait))).encode()),
                        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})
