"""Attempt limits on the credential routes (login per account and per address, register per
address), with the `limits` library: a moving window in process memory by default, or in Redis
(REGIMEN_RATE_LIMIT_STORAGE=redis://...) so that every worker counts the same attempts.

A refused attempt costs no Argon2 hash: the check runs before the password is looked at.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from app.config import Settings
from app.errors import RegimenError

logger = logging.getLogger("regimen.rate_limit")


class RateLimited(RegimenError):
    status_code = 429
    code = "rate_limited"
    title = "Too many requests"


class AttemptLimiter:
    def __init__(self, settings: Settings) -> None:
        storage = storage_from_string("async+" + settings.rate_limit_storage)
        assert isinstance(storage, Storage)
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._rules: dict[str, list[RateLimitItem]] = {
            "login:account": parse_many(settings.login_rate_limit_account),
            "login:address": parse_many(settings.login_rate_limit_address),
            "register:address": parse_many(settings.register_rate_limit_address),
        }

    async def hit(self, rule: str, key: str) -> None:
        """Count one attempt; RateLimited (429 with Retry-After) when the window is full.

        If the storage is unreachable the attempt is let through and logged: the hashing pool
        still bounds what a flood costs, and logins keep working while Redis is down.
        """
        for item in self._rules[rule]:
            try:
                allowed = await self._limiter.hit(item, rule, key)
                if allowed:
                    continue
                stats = await self._limiter.get_window_stats(item, rule, key)
            except Exception:  # the storage's own errors vary by backend
                logger.warning(
                    "rate limit storage unavailable; %s not counted", rule, exc_info=True
                )
                return
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited(
                "Too many attempts; retry later",
                headers={"Retry-After": str(retry_after)},
                retry_after=retry_after,
            )
