"""Per-client rate limits (``limits``): in memory for the embedded default, Redis for several
workers or app servers, chosen by ``TALENT_RATE_LIMIT_STORAGE`` (``redis://host:6379/0``): every
process then counts in the same window, so a client that spreads its requests over the
servers behind the proxy still meets one limit (tests/faults/test_two_servers.py)."""

from __future__ import annotations

import time
from functools import lru_cache

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from app.config import get_settings
from app.errors import RateLimited


@lru_cache(maxsize=1)
def _limiter() -> MovingWindowRateLimiter:
    uri = get_settings().rate_limit_storage
    if not uri.startswith("async+"):
        uri = "async+" + uri
    # limits talks to Redis through coredis unless told otherwise; redis-py is the client the
    # project installs (one Redis client library, the maintained reference one).
    options = {"implementation": "redispy"} if uri.startswith("async+redis") else {}
    return MovingWindowRateLimiter(storage_from_string(uri, **options))


class RateLimit:
    """Dependency: ``Depends(RateLimit("login", "rate_limit_login"))`` names a settings field."""

    def __init__(self, scope: str, setting: str) -> None:
        self.scope = scope
        self.setting = setting

    def _item(self) -> RateLimitItem:
        return parse(str(getattr(get_settings(), self.setting)))

    async def __call__(self, request: Request) -> None:
        item = self._item()
        client = request.client.host if request.client else "unknown"
        limiter = _limiter()
        if not await limiter.hit(item, self.scope, client):
            stats = await limiter.get_window_stats(item, self.scope, client)
            retry = max(1, int(stats.reset_time - time.time()))
            raise RateLimited(headers={"Retry-After": str(retry)})


def reset_rate_limits() -> None:
    _limiter.cache_clear()


def client_address(request: Request) -> str | None:
    """The caller's address as the per-client limits see it (sign-in delays key on it too)."""
    return request.client.host if request.client else None
