"""Slack's rate limits as token buckets: one per method (sized by its tier), and for
chat.postMessage one per channel plus one for the whole workspace. Past a limit the caller gets
the whole seconds to wait, which the Web API answers as HTTP 429 with ``Retry-After``."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

from integrations.slack_emulator.config import RateLimits

__all__ = ["METHOD_TIERS", "RateLimiter"]

# Slack's documented tier per method. None: not rate limited (Slack's "special" auth.test and
# apps.connections.open). "post": chat.postMessage's own per-channel and workspace rules.
METHOD_TIERS: dict[str, int | Literal["post"] | None] = {
    "auth.test": None,
    "apps.connections.open": None,
    "conversations.create": 2,
    "conversations.archive": 2,
    "conversations.invite": 3,
    "conversations.setTopic": 2,
    "conversations.info": 3,
    "conversations.list": 2,
    "conversations.history": 3,
    "conversations.replies": 3,
    "chat.postMessage": "post",
    "chat.update": 3,
    "chat.delete": 3,
    "chat.postEphemeral": 4,
    "users.info": 4,
    "usergroups.list": 2,
    "usergroups.users.list": 2,
    "views.publish": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
}
DEFAULT_TIER = 3


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now

    def wait(self) -> float:
        """Seconds until a token is free (0 when one is)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


class RateLimiter:
    def __init__(self, limits: RateLimits, *, enabled: bool = True) -> None:
        self.limits = limits
        self.enabled = enabled
        self._buckets: dict[str, _Bucket] = {}

    def reconfigure(self, limits: RateLimits, *, enabled: bool) -> None:
        """New limits start from full buckets, as if the app had been quiet."""
        self.limits = limits
        self.enabled = enabled
        self._buckets.clear()

    def _bucket(self, key: str, per_minute: float, capacity: float | None, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            size = max(1.0, capacity if capacity is not None else per_minute)
            bucket = _Bucket(size, per_minute / 60.0, size, now)
            self._buckets[key] = bucket
        bucket.refill(now)
        return bucket

    def _buckets_for(self, method: str, channel: str | None, now: float) -> list[_Bucket]:
        limits = self.limits
        if method in limits.overrides:
            return [self._bucket(method, limits.overrides[method], limits.burst, now)]
        tier = METHOD_TIERS.get(method, DEFAULT_TIER)
        if tier is None:
            return []
        if tier == "post":
            buckets = [
                self._bucket("post:workspace", limits.post_message_workspace_per_minute, None, now)
            ]
            if channel:
                per_minute = limits.post_message_per_channel_per_second * 60
                burst = limits.post_message_channel_burst
                buckets.append(self._bucket(f"post:{channel}", per_minute, burst, now))
            return buckets
        per_minute = float(getattr(limits, f"tier{tier}"))
        return [self._bucket(method, per_minute, limits.burst, now)]

    def check(self, method: str, channel: str | None = None) -> int | None:
        """Take a token from every bucket the call draws on. None: the call may go ahead; else
        the whole seconds (at least 1) for ``Retry-After``, and no token is taken."""
        if not self.enabled:
            return None
        buckets = self._buckets_for(method, channel, time.monotonic())
        wait = max((bucket.wait() for bucket in buckets), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return None
