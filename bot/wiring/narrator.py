"""The narrator builder: Claude and its limits from settings, when a key is configured."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.narrator import Narrator, NarratorLimits, NarratorSetup
from bot.settings import Settings
from integrations.anthropic import ClaudeModel

__all__ = ["narrator_from", "narrator_setup"]

log = logging.getLogger(__name__)


def narrator_setup(settings: Settings) -> NarratorSetup | None:
    """Claude and its limits from settings when ``ANTHROPIC_API_KEY`` is set, else None."""
    if settings.anthropic_api_key is None:
        return None
    model = ClaudeModel(
        api_key=settings.anthropic_api_key,
        model=settings.narrator_model,
        base_url=settings.anthropic_base_url,
        timeout=settings.narrator_timeout_seconds,
    )
    limits = NarratorLimits(
        max_tokens=settings.narrator_max_tokens,
        retry_budget_seconds=settings.narrator_retry_budget_seconds,
        max_attempts=settings.narrator_retry_attempts,
        price_input_per_million=settings.narrator_price_input_per_million,
        price_output_per_million=settings.narrator_price_output_per_million,
    )
    return NarratorSetup(model, limits)


def narrator_from(
    settings: Settings, *, sessions: async_sessionmaker[AsyncSession] | None, clock: Clock
) -> Narrator | None:
    """Claude as the narrator when ``ANTHROPIC_API_KEY`` is set; None otherwise (the bot then
    writes everything itself and the packet's footer says so)."""
    setup = narrator_setup(settings)
    if setup is None:
        return None
    log.info("narrator: %s (%s)", settings.narrator_model, settings.anthropic_base_url or "api")
    return setup.bind(sessions=sessions, clock=clock)
