"""Fixed-window request limits for the public capture endpoints, kept in Django's cache
(Redis in production, shared files in the embedded default)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from galena.core.errors import RateLimited

WINDOW_SECONDS = 60


def rate_hit(key: str, limit: int, now: float | None = None) -> int | None:
    """Count one request (at ``now``, by default this module's clock); seconds to wait
    when over the limit, else None."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    cache_key = f"galena:rate:{key}:{window}"
    if cache.add(cache_key, 1, timeout=WINDOW_SECONDS * 2):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=WINDOW_SECONDS * 2)
            count = 1
    if count > limit:
        return max(1, int((window + 1) * WINDOW_SECONDS - now))
    return None


def capture_throttle(*, form_key: str, address: str | None) -> None:
    """Refuse with 429 and Retry-After when a form or a client address sends too much."""
    now = time.time()
    checks = [(f"form:{form_key}", settings.INTAKE_RATE_PER_FORM)]
    if address:
        checks.append((f"addr:{address}", settings.INTAKE_RATE_PER_ADDRESS))
    for key, limit in checks:
        if limit <= 0:
            continue
        wait = rate_hit(key, limit, now)
        if wait is not None:
            who = "this form" if key.startswith("form:") else "your address"
            raise RateLimited(
                f"Too many submissions from {who}; try again in {wait} seconds.",
                retry_after=wait,
            )
