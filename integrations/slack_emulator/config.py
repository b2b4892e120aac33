"""Emulator settings: tokens and identities, Socket Mode timing, and Slack's rate limits."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["EmulatorConfig", "RateLimits"]


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Requests per minute per method tier, as Slack publishes them, and chat.postMessage's
    per-channel and workspace limits. Bursts up to ``burst`` calls (per method) are tolerated;
    ``None`` lets a whole minute's worth through at once, as Slack does."""

    tier1: float = 1
    tier2: float = 20
    tier3: float = 50
    tier4: float = 100
    burst: float | None = None
    post_message_per_channel_per_second: float = 1.0
    post_message_channel_burst: float = 4
    post_message_workspace_per_minute: float = 300
    overrides: dict[str, float] = field(default_factory=dict)  # method -> per minute


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: an ephemeral port
    bot_token: str = "xoxb-emulator-bot-token"
    app_token: str = "xapp-emulator-app-token"
    app_id: str = "A0EMULATOR"
    team_id: str = "T0EMULATOR"
    team_domain: str = "emulator"
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    bot_name: str = "incident-bot"
    ack_timeout: float = 3.0
    max_redeliveries: int = 3
    max_connections: int = 10
    rate_limits: RateLimits = field(default_factory=RateLimits)
    rate_limits_enabled: bool = True
