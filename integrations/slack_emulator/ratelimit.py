"""Slack's rate limits as token buckets: per method tier, and chat.postMessage per channel and
per workspace. Past a limit the caller gets the seconds to wait (Slack's ``Retry-After``)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from integrations.slack_emulator.config import RateLimits

__all__ = ["METHOD_TIERS", "RateLimiter"]

# None: not rate limited (Slack's "special" tier for these). "post": chat.postMessage's own rules.
METHOD_TIERS: dict[str, int | str | None] = {
    "auth.test": None,
    "apps.connections.open": None,
    "conversations.create": 2,
    "conversations.invite": 3,
    "conversations.setTopic": 2,
    "conversations.archive": 2,
    "conversations.info": 3,
    "conversations.list": 2,
    "conversations.history": 3,
    "conversations.replies": 3,
    "chat.postMessage": "post",
    "chat.update": 3,
    "chat.postEphemeral": 4,
    "users.info": 4,
    "usergroups.list": 2,
    "usergroups.users.list": 2,
    "views.publish": 4,
}


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float

    def take(self, now: float) -> float | None:
        """Take a token; None when one was free, else the seconds until one will be."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.per_second if self.per_second > 0 else 60.0


class RateLimiter:
    def __init__(self, limits: RateLimits, *, enabled: bool = True) -> None:
        self.limits = limits
        self.enabled = enabled
        self._buckets: dict[str, _Bucket] = {}

    def reconfigure(self, limits: RateLimits, *, enabled: bool) -> None:
        self.limits = limits
        self.enabled = enabled
        self._buckets.clear()

    def _bucket(self, key: str, per_minute: float, capacity: float | None, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            size = max(1.0, capacity if capacity is not None else per_minute)
            bucket = _Bucket(size, per_minute / 60.0, size, now)
            self._buckets[key] = bucket
        return bucket

    def _per_minute(self, method: str) -> float | None:
        if method in self.limits.overrides:
            return self.limits.overrides[method]
        tier = METHOD_TIERS.get(method, 3)
        if tier is None or tier == "post":
            return None
        return float(getattr(self.limits, f"tier{tier}"))

    def check(self, method: str, channel: str | None = None) -> int | None:
        """None when the call may go ahead; else the whole seconds to put in ``Retry-After``."""
        if not self.enabled:
            return None
        now = time.monotonic()
        waits: list[float] = []
        if METHOD_TIERS.get(method) == "post" and method not in self.limits.overrides:
            limits = self.limits
            workspace = self._bucket(
                "post:workspace", limits.post_message_workspace_per_minute, None, now
            )
            waits.append(workspace.take(now) or 0.0)
            if channel:
                per_channel = self._bucket(
                    f"post:{channel}",
                    limits.post_message_per_channel_per_second * 60,
                    limits.post_message_channel_burst,
                    now,
                )
                waits.append(per_channel.take(now) or 0.0)
        else:
            per_minute = self._per_minute(method)
            if per_minute is None:
                return None
            waits.append(self._bucket(method, per_minute, self.limits.burst, now).take(now) or 0.0)
        wait = max(waits)
        return max(1, math.ceil(wait)) if wait > 0 else None
