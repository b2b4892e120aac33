"""Acting as a person: running a slash command, clicking a button, mentioning the bot, and
collecting what that person saw afterwards. That is the ack's reply, replies through the
response URL (``respond()``), ephemeral messages to them, and what the bot posted in the channel,
in the order they arrived, as Slack's UI would show them: thread replies only in the thread of
the message they clicked or posted (a command has none open)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from typing import Any

from integrations.slack_emulator.responses import ResponseTarget, ResponseUrls
from integrations.slack_emulator.socket_mode import Envelope, SocketHub
from integrations.slack_emulator.state import Channel, Message, Observer, WorkspaceState

__all__ = ["ActionError", "PersonActions", "find_button"]

VERIFICATION_TOKEN = "emulator-verification-token"  # unused in Socket Mode, sent like Slack


class ActionError(Exception):
    """The control API answers ``{"ok": false, "error": code}`` with this HTTP status."""

    def __init__(self, status: int, code: str) -> None:
        self.status = status
        self.code = code
        super().__init__(code)


def find_button(message: Message, action_id: str) -> tuple[str, dict[str, Any]] | None:
    """The button with ``action_id`` (in an actions block or a section's accessory) and its
    block's id."""
    for index, block in enumerate(message.blocks):
        elements = (block.get("elements") or []) if block.get("type") == "actions" else []
        if block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            elements = [block["accessory"]]
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                # Slack gives a block without a block_id one of its own.
                return str(block.get("block_id") or f"b{index}"), element
    return None


def _plain(value: Any) -> str | None:
    return str(value.get("text", "")) if isinstance(value, dict) else None


class PersonActions:
    def __init__(self, state: WorkspaceState, hub: SocketHub, responses: ResponseUrls) -> None:
        self.state = state
        self.config = state.config
        self.hub = hub
        self.responses = responses

    def _person(self, user: str) -> None:
        if user not in self.state.users or self.state.users[user].is_bot:
            raise ActionError(400, "user_not_found")

    def _channel(self, key: str) -> Channel:
        channel = self.state.channel(key)
        if channel is None:
            raise ActionError(404, "channel_not_found")
        return channel

    def _ack_reply(self, target: ResponseTarget, reply: dict[str, Any] | None) -> None:
        if reply and (reply.get("text") or reply.get("blocks")):
            self.responses.post(target, reply)

    def _trigger_id(self) -> str:
        return f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"

    async def _seen(
        self, observer: Observer, envelope: Envelope, wait_for: int, timeout: float
    ) -> dict[str, Any]:
        """Wait for the ack (at most ``ack_timeout``), then until ``wait_for`` responses have
        been seen or ``timeout`` is up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        acked = False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.shield(envelope.acked), min(timeout, self.config.ack_timeout)
            )
            acked = True
        while len(observer.seen) < wait_for and (remaining := deadline - loop.time()) > 0:
            observer.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(observer.changed.wait(), remaining)
        answer: dict[str, Any] = {"ok": True, "acked": acked, "responses": list(observer.seen)}
        if envelope.ack_seconds is not None:
            answer["ack_seconds"] = round(envelope.ack_seconds, 6)
        return answer

    async def command(
        self, user: str, channel_key: str, command: str, text: str, wait_for: int, timeout: float
    ) -> dict[str, Any]:
        self._person(user)
        channel = self._channel(channel_key)
        if not command.startswith("/") or len(command) < 2:
            raise ActionError(400, "invalid_command")
        target = ResponseTarget(user=user, channel=channel.id)
        payload = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.config.team_id,
            "team_domain": self.config.team_domain,
            "channel_id": channel.id,
            "channel_name": channel.name,
            "user_id": user,
            "user_name": self.state.users[user].name,
            "command": command,
            "text": text,
            "api_app_id": self.config.app_id,
            "is_enterprise_install": "false",
            "response_url": self.responses.url_for(target),
            "trigger_id": self._trigger_id(),
        }
        observer = self.state.observe(user, channel.id)
        try:
            envelope = self.hub.deliver(
                "slash_commands",
                payload,
                accepts_response_payload=True,
                # The ack's reply shows the moment it arrives, in order with the rest.
                on_ack=lambda reply: self._ack_reply(target, reply),
            )
            if envelope is None:
                return {"ok": False, "error": "dispatch_failed"}
            return await self._seen(observer, envelope, wait_for, timeout)
        finally:
            self.state.forget(observer)

    async def click(
        self,
        user: str,
        channel_key: str,
        message_ts: str,
        action_id: str,
        wait_for: int,
        timeout: float,
        *,
        forged_value: str | None = None,
    ) -> dict[str, Any]:
        self._person(user)
        channel = self._channel(channel_key)
        message = self.state.find_message(channel.id, message_ts)
        if message is None or message.recipient not in (None, user):
            raise ActionError(404, "message_not_found")
        found = find_button(message, action_id)
        if found is None:
            raise ActionError(404, "button_not_found")
        block_id, button = found
        confirm = button.get("confirm")
        dialog = (
            {key: _plain(confirm.get(key)) for key in ("title", "text", "confirm", "deny")}
            if isinstance(confirm, dict)
            else None
        )
        # The person pressed the dialog's confirm button: the click goes through.
        person = self.state.users[user]
        target = ResponseTarget(user=user, channel=channel.id, original_ts=message.ts)
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "text": button.get("text", {}),
            "value": forged_value if forged_value is not None else str(button.get("value", "")),
            "type": str(button.get("type", "button")),
            "action_ts": f"{time.time():.6f}",
        }
        if button.get("style"):
            action["style"] = button["style"]
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {
                "id": user,
                "username": person.name,
                "name": person.name,
                "team_id": self.config.team_id,
            },
            "api_app_id": self.config.app_id,
            "token": VERIFICATION_TOKEN,
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": channel.id,
                "is_ephemeral": message.ephemeral,
            },
            "trigger_id": self._trigger_id(),
            "team": {"id": self.config.team_id, "domain": self.config.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel.id, "name": channel.name},
            "state": {"values": {}},
            "response_url": self.responses.url_for(target),
            "actions": [action],
        }
        if not message.ephemeral:  # Slack sends no copy of an ephemeral message
            payload["message"] = self.state.message_api(message, include_metadata=True)
        # The person looks at the clicked message, and so at its thread.
        observer = self.state.observe(user, channel.id, message.thread_ts or message.ts)
        try:
            envelope = self.hub.deliver("interactive", payload, accepts_response_payload=False)
            if envelope is None:
                return {"ok": False, "error": "dispatch_failed", "confirm": dialog}
            seen = await self._seen(observer, envelope, wait_for, timeout)
            return {**seen, "confirm": dialog}
        finally:
            self.state.forget(observer)

    async def event(
        self,
        event_type: str,
        user: str,
        channel_key: str | None,
        text: str | None,
        wait_for: int = 0,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """An Events API event the person caused; a mention or a message is also posted."""
        self._person(user)
        channel = self._channel(channel_key) if channel_key else None
        event: dict[str, Any] = {"type": event_type, "user": user}
        if event_type in ("app_mention", "message") and channel is not None:
            posted = self.state.add_message(
                Message(
                    channel=channel.id,
                    ts=self.state.next_ts(),
                    user=user,
                    text=text or "",
                    blocks=[],
                    team=self.config.team_id,
                )
            )
            event.update(text=posted.text, ts=posted.ts, channel=channel.id, event_ts=posted.ts)
            if event_type == "message":
                event["channel_type"] = "group" if channel.is_private else "channel"
        elif event_type == "app_home_opened":
            # The person's direct-message channel with the app (Slack's D id).
            event.update(channel="D" + user[1:].ljust(10, "0")[:10], tab="home")
            if user in self.state.home_views:
                event["view"] = self.state.home_views[user]
        else:
            if channel is not None:
                event["channel"] = channel.id
            if text is not None:
                event["text"] = text
        event.setdefault("event_ts", f"{time.time():.6f}")
        payload = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.config.team_id,
            "api_app_id": self.config.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.config.team_id,
                    "user_id": self.config.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        # A mention or message the person posted: its thread is where an answer shows.
        observer = self.state.observe(user, channel.id, event.get("ts")) if channel else None
        try:
            envelope = self.hub.deliver("events_api", payload, accepts_response_payload=False)
            if envelope is None:
                return {"ok": False, "error": "dispatch_failed"}
            answer: dict[str, Any] = {"ok": True, "event_id": payload["event_id"]}
            if observer is not None and wait_for > 0:
                answer.update(await self._seen(observer, envelope, wait_for, timeout))
            return {**answer, "ts": event.get("ts")}
        finally:
            if observer is not None:
                self.state.forget(observer)
