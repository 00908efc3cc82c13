"""Client-side rate limits: stay under Stripe's limits instead of finding them by 429s.

Stripe limits requests per account (100/s live, 25/s in test mode) and per endpoint (25/s by
default, counted per operation such as ``GET /v1/invoices/{id}/lines`` for every id). The tap
keeps one token bucket for the account and one per endpoint, and every request takes a token
from both before it is sent. A 429 halves the bucket it names; it then recovers over
``RECOVERY_SECONDS``, but only to just under the rate Stripe refused: back at that rate it
would be refused again, every second or two for as long as the endpoint is busy. That ceiling
rises back to the full rate over ``CEILING_RECOVERY_SECONDS``, for a limit that was low only
for a while (the account's other traffic).
"""

from __future__ import annotations

import threading
import time

STRIPE_ENDPOINT_LIMIT = 25.0
RECOVERY_SECONDS = 10.0
CEILING_RECOVERY_SECONDS = 600.0
# Of the rate Stripe refused, what the bucket recovers to.
CEILING_SHARE = 0.9
# Tokens a full bucket holds, in seconds of its rate: a short burst, well under Stripe's own.
BURST_SECONDS = 0.5


class TokenBucket:
    """A thread-safe token bucket whose callers reserve tokens and wait for their turn."""

    def __init__(self, rate: float) -> None:
        self.max_rate = float(rate)
        self.rate = float(rate)
        self.ceiling = float(rate)
        self._capacity = max(1.0, rate * BURST_SECONDS)
        self._tokens = self._capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token; return how long the caller must wait before using it."""
        with self._lock:
            self._refill()
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def wait(self) -> float:
        """How long until a token is there (0: now); takes nothing."""
        with self._lock:
            self._refill()
            return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate

    def take(self) -> None:
        with self._lock:
            self._tokens -= 1.0

    def _refill(self) -> None:
        now = time.monotonic()
        elapsed = now - self._stamp
        self._stamp = now
        if self.ceiling < self.max_rate:
            self.ceiling = min(
                self.max_rate, self.ceiling + self.max_rate * elapsed / CEILING_RECOVERY_SECONDS
            )
        if self.rate < self.ceiling:
            self.rate = min(self.ceiling, self.rate + self.max_rate * elapsed / RECOVERY_SECONDS)
        self._tokens = min(self._capacity, self._tokens + elapsed * self.rate)

    def slow_down(self) -> None:
        with self._lock:
            self._refill()
            self.ceiling = max(1.0, min(self.ceiling, self.rate * CEILING_SHARE))
            self.rate = max(1.0, self.rate / 2)
            self._tokens = min(self._tokens, 0.0)


class RateLimiter:
    """The account's bucket and one bucket per endpoint, shared by every request thread."""

    def __init__(self, per_second: float, per_endpoint: float = STRIPE_ENDPOINT_LIMIT) -> None:
        self.account = TokenBucket(per_second)
        self._per_endpoint = min(per_endpoint, per_second)
        self._endpoints: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def endpoint(self, name: str) -> TokenBucket:
        with self._lock:
            bucket = self._endpoints.get(name)
            if bucket is None:
                bucket = self._endpoints[name] = TokenBucket(self._per_endpoint)
            return bucket

    def try_acquire(self, endpoint: str) -> float:
        """Take a token of both buckets if both have one (0.0); else how long until they do.

        The engine paces first attempts with this, from its own thread, so that a token goes
        to the request it chooses (the endpoint with most work waiting) and requests in
        flight are requests being answered, not requests waiting for their turn.
        """
        bucket = self.endpoint(endpoint)
        wait = max(bucket.wait(), self.account.wait())
        if wait == 0.0:
            bucket.take()
            self.account.take()
        return wait

    def acquire(self, endpoint: str) -> None:
        """Block until a request to ``endpoint`` fits both limits (for retries)."""
        # The endpoint first: an account token taken while waiting for a busy endpoint
        # would be spent early, and the account's other endpoints would lose it.
        if wait := self.endpoint(endpoint).reserve():
            time.sleep(wait)
        if wait := self.account.reserve():
            time.sleep(wait)

    def rate_limited(self, endpoint: str, reason: str | None) -> None:
        """Stripe answered 429: slow down the bucket its ``Stripe-Rate-Limited-Reason`` names."""
        if reason is None:
            return  # a lock timeout, not a rate limiter: nothing to slow down
        if reason.startswith("endpoint") or reason == "resource-specific":
            self.endpoint(endpoint).slow_down()
        else:
            self.account.slow_down()
