"""PagerDuty (the write-back, ``page_owner``, paging on a failed action) and the feature-flag
service (``flag_off``/``flag_on``) from the settings, for the composition root.

Each part is on when its settings are complete and off when none is set; half a configuration
stops start-up naming what is missing. Secrets (the REST API key, routing keys, flag tokens)
come only from the environment or the ``.env`` file and are never logged.

- PagerDuty REST API (write-back; reading a page back): ``PAGERDUTY_API_TOKEN``,
  ``PAGERDUTY_FROM_EMAIL`` (the user the writes are made as), ``PAGERDUTY_API_URL``.
- PagerDuty Events API v2 (``page_owner``; a failed action pages): ``PAGERDUTY_ROUTING_KEYS``
  (JSON: service -> integration key) and/or ``PAGERDUTY_ROUTING_KEY`` (any other service),
  ``PAGERDUTY_EVENTS_URL``.
- Flags: ``FLAG_SERVICE`` (``launchdarkly`` or ``unleash``), then ``LAUNCHDARKLY_API_TOKEN``,
  ``LAUNCHDARKLY_PROJECT``, ``LAUNCHDARKLY_ENVIRONMENT``, ``LAUNCHDARKLY_API_URL``, or
  ``UNLEASH_API_URL``, ``UNLEASH_API_TOKEN``, ``UNLEASH_PROJECT``, ``UNLEASH_ENVIRONMENT``.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.ports import VendorActions
from bot.clock import Clock
from bot.errors import ConfigError
from bot.pager.flows import WriteBack, write_back_forever
from bot.pager.paging import OwnerPaging
from integrations.flags import FlagActions, LaunchDarklyFlags, UnleashFlags
from integrations.pagerduty.actions import PagerDutyPageActions
from integrations.pagerduty.client import PagerDutyClient

__all__ = ["PagingAndFlags", "PagingSettings", "build_paging_and_flags", "load_paging_settings"]

_URL = r"^https?://[^\s/]+"


class PagingSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    pagerduty_api_url: str = Field(default="https://api.pagerduty.com", pattern=_URL)
    pagerduty_events_url: str = Field(default="https://events.pagerduty.com", pattern=_URL)
    pagerduty_api_token: SecretStr | None = None
    pagerduty_from_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    pagerduty_routing_key: SecretStr | None = None
    pagerduty_routing_keys: dict[str, SecretStr] = {}
    pagerduty_writeback_seconds: float = Field(default=10.0, gt=0, le=600)

    flag_service: Literal["launchdarkly", "unleash"] | None = None
    launchdarkly_api_url: str = Field(default="https://app.launchdarkly.com", pattern=_URL)
    launchdarkly_api_token: SecretStr | None = None
    launchdarkly_project: str = Field(default="default", pattern=r"^[A-Za-z0-9._-]+$")
    launchdarkly_environment: str = Field(default="production", pattern=r"^[A-Za-z0-9._-]+$")
    unleash_api_url: str | None = Field(default=None, pattern=_URL)
    unleash_api_token: SecretStr | None = None
    unleash_project: str = Field(default="default", pattern=r"^[A-Za-z0-9._-]+$")
    unleash_environment: str = Field(default="production", pattern=r"^[A-Za-z0-9._-]+$")

    vendor_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    def routing_key(self, service: str) -> str | None:
        key = self.pagerduty_routing_keys.get(service) or self.pagerduty_routing_key
        return key.get_secret_value() if key is not None else None


def _check(settings: PagingSettings) -> None:
    if (settings.pagerduty_api_token is None) != (settings.pagerduty_from_email is None):
        missing = (
            "PAGERDUTY_FROM_EMAIL"
            if settings.pagerduty_from_email is None
            else "PAGERDUTY_API_TOKEN"
        )
        raise ConfigError(
            f"invalid settings: {missing}: PagerDuty's REST API needs a key and the From: user"
        )
    if settings.flag_service == "launchdarkly" and settings.launchdarkly_api_token is None:
        raise ConfigError("invalid settings: LAUNCHDARKLY_API_TOKEN: FLAG_SERVICE=launchdarkly")
    if settings.flag_service == "unleash" and (
        settings.unleash_api_token is None or settings.unleash_api_url is None
    ):
        missing = "UNLEASH_API_URL" if settings.unleash_api_url is None else "UNLEASH_API_TOKEN"
        raise ConfigError(f"invalid settings: {missing}: FLAG_SERVICE=unleash")


def load_paging_settings() -> PagingSettings:
    """The settings from the environment; ConfigError naming the variable when one is bad."""
    try:
        settings = PagingSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise ConfigError(f"invalid settings: {name}: {first['msg']}") from None
    _check(settings)
    return settings


@dataclass
class PagingAndFlags:
    """What the composition root hands on: the executors for the vendor registry, the owner
    paging for the action context, and the write-back sweep to run."""

    executors: tuple[VendorActions, ...] = ()
    paging: OwnerPaging | None = None
    writeback: WriteBack | None = None
    writeback_seconds: float = 10.0
    _client: PagerDutyClient | None = None
    _flags: FlagActions | None = None
    _task: asyncio.Task[None] | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start the write-back sweep, when PagerDuty's REST API is configured."""
        if self.writeback is not None and self._task is None:
            self._task = asyncio.create_task(
                write_back_forever(self.writeback, interval=self.writeback_seconds),
                name="pagerduty-writeback",
            )

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.close()
        if self._flags is not None:
            await self._flags.close()


def _flags(settings: PagingSettings, clock: Clock) -> FlagActions | None:
    timeout = settings.vendor_timeout_seconds
    if settings.flag_service == "launchdarkly" and settings.launchdarkly_api_token is not None:
        return LaunchDarklyFlags(
            api_url=settings.launchdarkly_api_url,
            token=settings.launchdarkly_api_token.get_secret_value(),
            project=settings.launchdarkly_project,
            environment=settings.launchdarkly_environment,
            clock=clock,
            timeout=timeout,
        )
    token, url = settings.unleash_api_token, settings.unleash_api_url
    if settings.flag_service == "unleash" and token is not None and url is not None:
        return UnleashFlags(
            api_url=url,
            token=token.get_secret_value(),
            project=settings.unleash_project,
            environment=settings.unleash_environment,
            clock=clock,
            timeout=timeout,
        )
    return None


def build_paging_and_flags(
    settings: PagingSettings, *, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> PagingAndFlags:
    """Build whatever the settings configure (nothing at all when none of it is set)."""
    built = PagingAndFlags(writeback_seconds=settings.pagerduty_writeback_seconds)
    flags = _flags(settings, clock)
    if flags is not None:
        built.executors += (flags,)
        built._flags = flags
    has_keys = settings.pagerduty_routing_key is not None or bool(settings.pagerduty_routing_keys)
    rest = settings.pagerduty_api_token is not None
    if not has_keys and not rest:
        return built
    token = settings.pagerduty_api_token
    client = PagerDutyClient(
        api_url=settings.pagerduty_api_url,
        events_url=settings.pagerduty_events_url,
        token=token.get_secret_value() if token is not None else None,
        from_email=settings.pagerduty_from_email,
        timeout=settings.vendor_timeout_seconds,
    )
    built._client = client
    if has_keys:
        built.paging = OwnerPaging(client, settings.routing_key)
        built.executors += (PagerDutyPageActions(client, built.paging, clock=clock),)
    if rest:
        built.writeback = WriteBack(sessions=sessions, pagerduty=client, clock=clock)
    return built
