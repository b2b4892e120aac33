"""The Slack builder: the Web API client (one connection pool), the chat adapters over it, the
Bolt app over Socket Mode, and in sandbox mode the local Slack emulator they talk to."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.context import ActionContext
from bot.catalog import Catalog
from bot.clock import Clock
from bot.errors import ConfigError
from bot.incident.context import PipelineContext
from bot.policy import Policy
from bot.postmortem.ports import ChannelHistory, PeopleDirectory
from bot.settings import Settings
from bot.telemetry.metrics import Metrics
from bot.wiring.actions import namespace_of
from handlers.slack import SlackDeps, SocketModeConnection, build_slack_app
from integrations.slack.actions import SlackActionChat
from integrations.slack.chat import SlackChat
from integrations.slack.client import build_web_client
from integrations.slack.home import home_view
from integrations.slack.outgoing import outgoing_guard
from integrations.slack.people import SlackDirectory
from integrations.slack_emulator import EmulatorConfig, SlackEmulator

__all__ = ["Slack", "slack_reader", "socket_mode", "start_slack"]

# How long a command that only reads Slack (the postmortem's channel history) waits for it.
READER_TIMEOUT_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Slack:
    """The bot's way to Slack: the Web API client, the chat port over it, the app-level token
    for Socket Mode, and the emulator when it is the sandbox's."""

    client: AsyncWebClient
    chat: SlackActionChat
    app_token: str
    emulator: SlackEmulator | None


async def start_slack(
    settings: Settings,
    *,
    metrics: Metrics,
    resources: AsyncExitStack,
    emulator_config: EmulatorConfig | None = None,
) -> Slack:
    """Slack as the settings say: in sandbox mode the local emulator (started here), else the
    workspace of ``SLACK_BOT_TOKEN`` and ``SLACK_APP_TOKEN`` (both required). What must close
    at stop is pushed onto ``resources``."""
    emulator: SlackEmulator | None = None
    if settings.sandbox:
        emulator = SlackEmulator(
            emulator_config or EmulatorConfig(port=settings.slack_emulator_port)
        )
        await emulator.start()
        resources.push_async_callback(emulator.stop)
        bot_token, app_token = emulator.config.bot_token, emulator.config.app_token
        base_url: str | None = emulator.api_url
    else:
        if settings.slack_bot_token is None or settings.slack_app_token is None:
            raise ConfigError("SLACK_BOT_TOKEN and SLACK_APP_TOKEN must both be set")
        bot_token = settings.slack_bot_token.get_secret_value()
        app_token = settings.slack_app_token.get_secret_value()
        base_url = settings.slack_api_url
    # One connection pool for every Web API call (see build_web_client); closed at stop.
    http = aiohttp.ClientSession()
    resources.push_async_callback(http.close)
    client = build_web_client(bot_token, base_url=base_url, metrics=metrics, session=http)
    chat = SlackActionChat(client, metrics=metrics)
    return Slack(client=client, chat=chat, app_token=app_token, emulator=emulator)


def socket_mode(
    slack: Slack,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    pipeline: PipelineContext,
    on_change: Callable[[], None],
    actions: ActionContext | None,
    policy: Policy,
    catalog: Catalog,
) -> SocketModeConnection:
    """The Bolt app with every listener, over a Socket Mode connection (not yet connected)."""
    app = build_slack_app(
        slack.client,
        SlackDeps(
            sessions=sessions,
            clock=clock,
            outgoing=outgoing_guard,
            home_view=lambda standing, now: home_view(standing, now=now),
            postmortem_chat=slack.chat,
            directory=SlackDirectory(slack.client),
            on_change=on_change,
            actions=actions,
            namespace_of=namespace_of(catalog),
            policy=policy,
            groups_of=slack.chat.groups_of,
            pipeline=pipeline,
            chat=slack.chat,
            catalog=catalog,
        ),
    )
    return SocketModeConnection(app, slack.app_token)


def slack_reader(settings: Settings) -> tuple[ChannelHistory, PeopleDirectory] | None:
    """For a command that reads Slack: the workspace when tokens are set; the local emulator on
    ``SLACK_EMULATOR_PORT`` in sandbox mode (a running ``serve``); None when there is neither.
    The directory names people (``users.info``)."""
    if settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
        client = build_web_client(token, base_url=settings.slack_api_url)
    elif settings.slack_emulator_port:
        base_url = f"http://127.0.0.1:{settings.slack_emulator_port}/api/"
        client = build_web_client(EmulatorConfig().bot_token, base_url=base_url)
    else:
        return None
    client.timeout = READER_TIMEOUT_SECONDS
    return SlackChat(client), SlackDirectory(client)
