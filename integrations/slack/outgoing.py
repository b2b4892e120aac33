"""The one door for text leaving for Slack: every Web API call and every ``response_url`` reply
passes its arguments through :func:`outgoing_arguments`, whoever built them.

Each text field (a message's fallback ``text``, each text object of its Block Kit blocks or of a
view, a channel topic or purpose, a file's title or comment) is

- **escaped** unless it is :class:`bot.mrkdwn.Mrkdwn` (text the bot composed, whose own values
  were escaped as it was built): a plain ``str`` is taken as untrusted, so ``<!channel>`` from an
  alert or a person is shown, never obeyed; only mentions and links the bot composed are live;
- **redacted** (:func:`bot.redaction.redact`), composed or not.

What comes out is marked :class:`Outgoing` (a :class:`Mrkdwn`), so passing it through the door
again changes nothing and costs nothing (the adapter's ``_call`` and the client both apply it).
A placeholder can be longer than what it hides, and escaping lengthens text too, so a field that
grows past Slack's limit for it is cut back with an ellipsis rather than refused. Ids,
timestamps, action ids, button values and metadata are not text and are left alone.

What routes through it: :class:`SafeWebClient` (what :func:`integrations.slack.client.
build_web_client` builds, so the adapters' calls), and, in the Bolt app, :func:`outgoing_guard`,
a global middleware that hands every listener a ``client``, a ``respond`` and an ``ack`` that do
the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook import WebhookResponse

from bot.mrkdwn import Mrkdwn, escape
from bot.redaction import redact

__all__ = [
    "ALT_TEXT_LIMIT",
    "TITLE_LIMIT",
    "Outgoing",
    "SafeAck",
    "SafeRespond",
    "SafeWebClient",
    "outgoing_arguments",
    "outgoing_guard",
    "outgoing_text",
    "safe_client",
]

TEXT_LIMITS = {
    "text": 3000,
    "topic": 250,
    "purpose": 250,
    "alt_text": 2000,
    "title": 255,
    "initial_comment": 4000,
}
MESSAGE_TEXT_LIMIT = 40000  # a message's top-level fallback text
TITLE_LIMIT = TEXT_LIMITS["title"]  # a file's title
ALT_TEXT_LIMIT = TEXT_LIMITS["alt_text"]
HEADER_LIMIT = 150  # a header block's plain_text
NOT_TEXT = frozenset({"metadata", "event_payload"})  # our own ids, for finding posts again


class Outgoing(Mrkdwn):
    """Text that has passed the door: escaped as needed, redacted, within its limit."""

    __slots__ = ()


def _fit(text: str, limit: int) -> Outgoing:
    return Outgoing(text if len(text) <= limit else text[: limit - 1] + "…")


def outgoing_text(text: str, limit: int = MESSAGE_TEXT_LIMIT) -> Mrkdwn:
    """One text as it may leave: escaped unless composed by the bot, redacted, within
    ``limit`` (or its own length, when only redaction or escaping made it longer)."""
    if isinstance(text, Outgoing):
        return text
    ready = redact(str(text)) if isinstance(text, Mrkdwn) else str(escape(redact(text)))
    return _fit(ready, max(limit, len(text)))


def _walk(value: Any, limit: int) -> Any:
    if isinstance(value, list):
        return [_walk(item, limit) for item in value]
    if not isinstance(value, dict):
        return value
    text_limit = HEADER_LIMIT if value.get("type") == "header" else limit
    walked: dict[str, Any] = {}
    for key, item in value.items():
        if key in NOT_TEXT:
            walked[key] = item
        elif key in TEXT_LIMITS and isinstance(item, str):
            walked[key] = outgoing_text(item, min(TEXT_LIMITS[key], text_limit))
        else:
            walked[key] = _walk(item, text_limit)
    return walked


def outgoing_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """A Web API call's (or a reply's) arguments with every text field escaped unless the bot
    composed it, and redacted; the rest as it was."""
    walked: dict[str, Any] = {}
    for key, item in arguments.items():
        if key in NOT_TEXT:
            walked[key] = item
        elif key == "text" and isinstance(item, str):
            walked[key] = outgoing_text(item, MESSAGE_TEXT_LIMIT)
        elif key in TEXT_LIMITS and isinstance(item, str):
            walked[key] = outgoing_text(item, TEXT_LIMITS[key])
        else:
            walked[key] = _walk(item, TEXT_LIMITS["text"])
    return walked


class SafeWebClient(AsyncWebClient):
    """slack_sdk's async Web API client whose every call (``chat_postMessage``,
    ``views_publish``, ``conversations_setTopic``…: they all end in :meth:`api_call`) sends its
    arguments through :func:`outgoing_arguments`."""

    async def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: Any = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> AsyncSlackResponse:
        return await super().api_call(
            api_method,
            http_verb=http_verb,
            files=files,
            data=outgoing_arguments(data) if isinstance(data, dict) else data,
            params=None if params is None else outgoing_arguments(params),
            json=None if json is None else outgoing_arguments(json),
            headers=headers,
            auth=auth,
        )


def safe_client(client: AsyncWebClient) -> SafeWebClient:
    """``client`` as a :class:`SafeWebClient`: same token, URL, session and retry handlers."""
    if isinstance(client, SafeWebClient):
        return client
    return SafeWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        session=client.session,
        trust_env_in_session=client.trust_env_in_session,
        headers=client.headers,
        team_id=client.default_params.get("team_id"),
        logger=client.logger,
        retry_handlers=list(client.retry_handlers),
    )


class SafeRespond(AsyncRespond):
    """Bolt's ``respond`` (a POST to the command's or click's ``response_url``) whose text and
    blocks go through :func:`outgoing_arguments`."""

    async def __call__(  # type: ignore[override]
        self, text: str | dict[str, Any] = "", **arguments: Any
    ) -> WebhookResponse:
        if isinstance(text, dict):
            return await super().__call__(outgoing_arguments(text))
        safe = outgoing_arguments({"text": text, **arguments})
        return await super().__call__(**safe)


class SafeAck(AsyncAck):
    """Bolt's ``ack``, whose text and blocks (a reply carried by the acknowledgement itself) go
    through :func:`outgoing_arguments`. (The bot acks with nothing today; this keeps it so.)"""

    async def __call__(  # type: ignore[override]
        self, text: str | dict[str, Any] = "", **arguments: Any
    ) -> BoltResponse:
        if isinstance(text, dict):
            return await super().__call__(outgoing_arguments(text))
        if not text and not arguments:
            return await super().__call__()
        safe = outgoing_arguments({"text": text, **arguments})
        return await super().__call__(**safe)


async def outgoing_guard(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
    """Bolt global middleware: the ``client``, ``respond`` and ``ack`` every listener receives
    are the safe ones. (Bolt builds a fresh plain client per request, so it is replaced here.)"""
    context["client"] = safe_client(context.client)
    if "ack" not in context:  # never one a middleware before this one already handed out
        context["ack"] = SafeAck()  # type: ignore[no-untyped-call]
    context["respond"] = SafeRespond(
        response_url=context.response_url, proxy=context.client.proxy, ssl=context.client.ssl
    )
    await next()
