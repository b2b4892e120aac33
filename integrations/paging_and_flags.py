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
from integrations.flag_emulators import LaunchDarklyEmulator
from integrations.flags import FlagActions, LaunchDarklyFlags, UnleashFlags
from integrations.pagerduty.actions import PagerDutyPageActions
from integrations.pagerduty.client import PagerDutyClient
from integrations.pagerduty_emulator import PagerDutyEmulator

__all__ = [
    "PagingAndFlags",
    "PagingSettings",
    "build_paging_and_flags",
    "load_paging_settings",
    "start_paging_and_flags",
]

# The sandbox's stand-ins: their credentials are the stand-ins' own, not secrets.
SANDBOX_PD_KEY = "sandbox-pagerduty-rest-key"
SANDBOX_FROM = "incident-bot@sandbox.invalid"
SANDBOX_ROUTING_KEY = "5a4db0c5a4db0c5a4db0c5a4db0c5a4d"
SANDBOX_LD_TOKEN = "api-sandbox-writer"

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
    # The local stand-ins started for sandbox mode, by name, for tests and the console.
    stand_ins: dict[str, PagerDutyEmulator | LaunchDarklyEmulator] = field(default_factory=dict)

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
        for stand_in in self.stand_ins.values():
            await stand_in.stop()


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


async def _sandbox(
    settings: PagingSettings,
) -> tuple[PagingSettings, dict[str, PagerDutyEmulator | LaunchDarklyEmulator]]:
    """In sandbox mode, what the settings leave unconfigured runs against local stand-ins: a
    PagerDuty whose one service takes every page, and a LaunchDarkly whose flags exist, on in
    production, when first asked about."""
    update: dict[str, object] = {}
    stand_ins: dict[str, PagerDutyEmulator | LaunchDarklyEmulator] = {}
    configured = settings.pagerduty_api_token is not None or settings.pagerduty_routing_key
    if not configured and not settings.pagerduty_routing_keys:
        pagerduty = PagerDutyEmulator()
        pagerduty.state.add_user("Incident Bot", SANDBOX_FROM)
        pagerduty.state.add_token(SANDBOX_PD_KEY)
        pagerduty.state.add_service("Sandbox on-call", SANDBOX_ROUTING_KEY)
        await pagerduty.start()
        stand_ins["pagerduty"] = pagerduty
        update |= {
            "pagerduty_api_url": pagerduty.base_url,
            "pagerduty_events_url": pagerduty.base_url,
            "pagerduty_api_token": SecretStr(SANDBOX_PD_KEY),
            "pagerduty_from_email": SANDBOX_FROM,
            "pagerduty_routing_key": SecretStr(SANDBOX_ROUTING_KEY),
        }
    if settings.flag_service is None:
        launchdarkly = LaunchDarklyEmulator(seed_environments=("production",))
        launchdarkly.tokens[SANDBOX_LD_TOKEN] = "writer"
        await launchdarkly.start()
        stand_ins["launchdarkly"] = launchdarkly
        update |= {
            "flag_service": "launchdarkly",
            "launchdarkly_api_url": launchdarkly.base_url,
            "launchdarkly_api_token": SecretStr(SANDBOX_LD_TOKEN),
            "launchdarkly_environment": "production",
        }
    return settings.model_copy(update=update), stand_ins


async def start_paging_and_flags(
    settings: PagingSettings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    sandbox: bool,
) -> PagingAndFlags:
    """:func:`build_paging_and_flags`; in sandbox mode first start the local stand-ins for
    whatever the settings leave unconfigured (stopped by :meth:`PagingAndFlags.close`)."""
    stand_ins: dict[str, PagerDutyEmulator | LaunchDarklyEmulator] = {}
    if sandbox:
        settings, stand_ins = await _sandbox(settings)
    built = build_paging_and_flags(settings, sessions=sessions, clock=clock)
    built.stand_ins = stand_ins
    return built
