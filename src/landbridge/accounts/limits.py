"""Rate limits of callers: failed authentications per key prefix and per client address, and expensive calls
(quotes, PDF documents) per API key. Token buckets in each process's memory (no shared store): with N workers
a client may get up to N times the rate; the point is to stop key guessing and floods, not to meter usage."""

from __future__ import annotations

import math
import os
import threading
import time

from landbridge.errors import LandbridgeError


def _per_minute(name: str, default: float) -> float:
    try:
        return max(0.1, float(os.environ.get(name, default)))
    except ValueError:
        return default


class RateLimitedError(LandbridgeError):
    """Too many requests: HTTP 429 with Retry-After (`retry_after_s`)."""

    status_code = 429

    def __init__(self, message: str, retry_after_s: int):
        self.retry_after_s = max(1, retry_after_s)
        super().__init__(message)


class RateLimiter:
    """Token buckets per key: `burst` calls at once, refilled at `per_minute` a minute."""

    MAX_KEYS = 100_000

    def __init__(self, per_minute: float, burst: float):
        self.per_minute, self.burst = per_minute, burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._lock = threading.Lock()

    def _tokens(self, key: str, now: float) -> float:
        tokens, when = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - when) * self.per_minute / 60.0)

    def _wait(self, tokens: float) -> int:
        return 0 if tokens >= 1 else math.ceil((1 - tokens) * 60.0 / self.per_minute)

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may call again (0: now); spends nothing."""
        with self._lock:
            return self._wait(self._tokens(key, time.monotonic()))

    def spend(self, key: str) -> int:
        """Take one token for `key`: 0 when there was one, else the seconds to wait (nothing taken)."""
        now = time.monotonic()
        with self._lock:
            tokens = self._tokens(key, now)
            if tokens < 1:
                return self._wait(tokens)
            if len(self._buckets) >= self.MAX_KEYS:
                self._buckets.clear()
            self._buckets[key] = (tokens - 1, now)
            return 0

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


#: Failed authentications, per key prefix and per client address (LANDBRIDGE_AUTH_FAILURES_PER_MINUTE, burst 10).
auth_failures = RateLimiter(_per_minute("LANDBRIDGE_AUTH_FAILURES_PER_MINUTE", 30), burst=10)
#: Quotes and PDF documents per API key (LANDBRIDGE_EXPENSIVE_CALLS_PER_MINUTE, burst 20): each is a planner run
#: or a render.
expensive_calls = RateLimiter(_per_minute("LANDBRIDGE_EXPENSIVE_CALLS_PER_MINUTE", 60), burst=20)


def spend_expensive(key_id: str, what: str) -> None:
    """Take one of the key's quote/document tokens, or raise RateLimitedError."""
    wait = expensive_calls.spend(key_id)
    if wait:
        raise RateLimitedError(f"Too many {what} for this API key; retry in {wait} s.", wait)
