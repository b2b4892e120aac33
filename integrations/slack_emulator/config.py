"""Emulator settings: the app's tokens and identities, Socket Mode timing, and Slack's rate
limits. Both classes are frozen: a running emulator changes its limits through the control API,
which builds a new ``RateLimits``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EmulatorConfig", "RateLimits"]


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Slack's published limits, as token buckets.

    ``tier1``..``tier4`` are requests per minute per method (auth.test and apps.connections.open
    are not limited, as on Slack). A method's bucket holds ``burst`` requests (``None``: a whole
    minute's worth, which is how Slack tolerates bursts) and refills at the tier's rate.
    chat.postMessage has its own rules: about one message per second per channel with bursts of
    ``post_message_channel_burst``, and a workspace-wide cap per minute. ``overrides`` gives a
    method its own requests per minute, replacing its tier (and, for chat.postMessage, its own
    rules)."""

    tier1: float = 1
    tier2: float = 20
    tier3: float = 50
    tier4: float = 100
    burst: float | None = None
    post_message_per_channel_per_second: float = 1.0
    post_message_channel_burst: float = 4
    post_message_workspace_per_minute: float = 600
    overrides: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rates = {
            "tier1": self.tier1,
            "tier2": self.tier2,
            "tier3": self.tier3,
            "tier4": self.tier4,
            "post_message_per_channel_per_second": self.post_message_per_channel_per_second,
            "post_message_channel_burst": self.post_message_channel_burst,
            "post_message_workspace_per_minute": self.post_message_workspace_per_minute,
            **{f"overrides[{method}]": rate for method, rate in self.overrides.items()},
        }
        if self.burst is not None:
            rates["burst"] = self.burst
        for name, value in rates.items():
            # bool is an int: reject it, a JSON `true` is surely a mistake here.
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"rate limit {name} must be a positive number, not {value!r}")

    def updated(self, changes: dict[str, Any]) -> RateLimits:
        """A copy with some fields changed (the control API's partial update); unknown fields
        and bad values raise ``ValueError``."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown rate limit fields: {', '.join(unknown)}")
        overrides = changes.get("overrides", self.overrides)
        if not isinstance(overrides, dict):
            raise ValueError("overrides must map a method to requests per minute")
        return dataclasses.replace(self, **{**changes, "overrides": dict(overrides)})

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: an ephemeral port, read it from SlackEmulator.port once started
    bot_token: str = "xoxb-emulator-bot-token"
    app_token: str = "xapp-emulator-app-token"
    app_id: str = "A0EMULATOR"
    team_id: str = "T0EMULATOR"
    team_domain: str = "emulator"
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    bot_name: str = "incident-bot"
    ack_timeout: float = 3.0  # seconds an envelope may wait for its ack (events: then re-sent)
    max_redeliveries: int = 3  # events only: commands and clicks are never re-sent
    ping_interval: float = 10.0  # seconds between the server's pings on each connection
    max_connections: int = 10  # Slack's limit of open Socket Mode connections per app
    rate_limits: RateLimits = field(default_factory=RateLimits)
    rate_limits_enabled: bool = True

    def __post_init__(self) -> None:
        if self.ack_timeout <= 0 or self.ping_interval <= 0:
            raise ValueError("ack_timeout and ping_interval must be positive")
        if self.max_redeliveries < 0 or self.max_connections < 1:
            raise ValueError("max_redeliveries must be >= 0 and max_connections >= 1")
        if not self.bot_token.startswith("xoxb-") or not self.app_token.startswith("xapp-"):
            # slack_sdk and Bolt tell tokens apart by these prefixes.
            raise ValueError("bot_token must start with 'xoxb-' and app_token with 'xapp-'")
