"""Acting as a person: running a slash command, clicking a button, and collecting what that
person saw (the ack's reply, ``respond()`` replies through the response URL, ephemeral messages
to them, and what the bot posted in the channel), as the control API and Slack's UI show it."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from integrations.slack_emulator.socket_mode import SocketHub
from integrations.slack_emulator.state import Message, Observer, WorkspaceState

__all__ = ["PersonActions", "ResponseTarget"]

RESPONSE_URL_USES = 5


@dataclass
class ResponseTarget:
    """Where a ``response_url`` posts: to one person in one channel, at most five times."""

    user: str
    channel: str
    observer: Observer
    message_ts: str | None = None  # the clicked message, for replace_original
    uses: int = 0


class PersonActions:
    def __init__(self, state: WorkspaceState, hub: SocketHub, base_url: Any) -> None:
        self.state = state
        self.hub = hub
        self.base_url = base_url
        self.targets: dict[str, ResponseTarget] = {}

    def _response_url(self, target: ResponseTarget) -> str:
        key = secrets.token_hex(12)
        self.targets[key] = target
        return f"{self.base_url()}/response/{key}"

    def respond(self, key: str, body: dict[str, Any]) -> tuple[int, str]:
        """A POST to a response URL; returns (HTTP status, body)."""
        target = self.targets.get(key)
        if target is None:
            return 404, "no_such_response_url"
        if target.uses >= RESPONSE_URL_USES:
            return 410, "used_up"
        target.uses += 1
        text = str(body.get("text") or "")
        blocks = body.get("blocks") or []
        if target.message_ts and (body.get("replace_original") or body.get("delete_original")):
            original = self.state.find_message(target.channel, target.message_ts)
            if original is not None:
                if body.get("delete_original"):
                    self.state.messages[target.channel].remove(original)
                else:
                    original.text, original.blocks, original.edited = text, blocks, True
                target.observer.add({**original.to_control(), "replaced": True})
                return 200, "ok"
        in_channel = body.get("response_type") == "in_channel"
        self.state.add_message(
            Message(
                channel=target.channel,
                ts=self.state.next_ts(),
                user=self.state.config.bot_user_id,
                text=text,
                blocks=blocks,
                thread_ts=body.get("thread_ts"),
                bot_id=self.state.config.bot_id,
                recipient=None if in_channel else target.user,
            )
        )
        return 200, "ok"

    def _base_payload(self, user: str) -> dict[str, Any]:
        person = self.state.users[user]
        return {
            "team_id": self.state.config.team_id,
            "team_domain": self.state.config.team_domain,
            "user_id": user,
            "user_name": person.name,
            "api_app_id": self.state.config.app_id,
            "trigger_id": f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}",
            "is_enterprise_install": "false",
        }

    async def _await_seen(
        self, observer: Observer, envelope: Any, wait_for: int, timeout: float
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        acked = False
        try:
            ack = await asyncio.wait_for(
                asyncio.shield(envelope.ack), timeout=min(timeout, self.state.config.ack_timeout)
            )
            acked = True
            if ack and (ack.get("text") or ack.get("blocks")):
                observer.add(
                    {
                        "text": ack.get("text", ""),
                        "blocks": ack.get("blocks") or [],
                        "ephemeral": ack.get("response_type") != "in_channel",
                        "ts": None,
                        "thread_ts": None,
                    }
                )
        except (TimeoutError, asyncio.CancelledError):
            acked = False
        while len(observer.seen) < wait_for and time.monotonic() < deadline:
            observer.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(observer.changed.wait(), deadline - time.monotonic())
        return {"ok": True, "acked": acked, "responses": list(observer.seen)}

    def _observe(self, user: str, channel: str) -> Observer:
        observer = Observer(user=user, channel=channel)
        self.state.observers.append(observer)
        return observer

    async def command(
        self, user: str, channel_key: str, command: str, text: str, wait_for: int, timeout: float
    ) -> tuple[int, dict[str, Any]]:
        if user not in self.state.users:
            return 400, {"ok": False, "error": "user_not_found"}
        channel = self.state.channel(channel_key)
        if channel is None:
            return 404, {"ok": False, "error": "channel_not_found"}
        observer = self._observe(user, channel.id)
        try:
            payload = {
                **self._base_payload(user),
                "channel_id": channel.id,
                "channel_name": channel.name,
                "command": command,
                "text": text,
                "response_url": self._response_url(ResponseTarget(user, channel.id, observer)),
            }
            envelope = self.hub.deliver("slash_commands", payload, accepts_response_payload=True)
            if envelope is None:
                return 200, {"ok": False, "error": "dispatch_failed"}
            return 200, await self._await_seen(observer, envelope, wait_for, timeout)
        finally:
            self.state.observers.remove(observer)

    async def click(
        self,
        user: str,
        channel_key: str,
        message_ts: str,
        action_id: str,
        wait_for: int,
        timeout: float,
    ) -> tuple[int, dict[str, Any]]:
        if user not in self.state.users:
            return 400, {"ok": False, "error": "user_not_found"}
        channel = self.state.channel(channel_key)
        if channel is None:
            return 404, {"ok": False, "error": "channel_not_found"}
        message = self.state.find_message(channel.id, message_ts)
        if message is None or (message.recipient not in (None, user)):
            return 404, {"ok": False, "error": "message_not_found"}
        found = None
        for block in message.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action_id:
                    found = (block, element)
        if found is None:
            return 404, {"ok": False, "error": "button_not_found"}
        block, button = found
        confirm = button.get("confirm")
        observer = self._observe(user, channel.id)
        try:
            person = self.state.users[user]
            target = ResponseTarget(user, channel.id, observer, message_ts=message.ts)
            payload = {
                "type": "block_actions",
                "user": {
                    "id": user,
                    "username": person.name,
                    "name": person.name,
                    "team_id": self.state.config.team_id,
                },
                "api_app_id": self.state.config.app_id,
                "token": "verification-token-unused-in-socket-mode",
                "container": {
                    "type": "message",
                    "message_ts": message.ts,
                    "channel_id": channel.id,
                    "is_ephemeral": message.ephemeral,
                },
                "trigger_id": self._base_payload(user)["trigger_id"],
                "team": {"id": self.state.config.team_id, "domain": self.state.config.team_domain},
                "enterprise": None,
                "is_enterprise_install": False,
                "channel": {"id": channel.id, "name": channel.name},
                "message": message.to_api(),
                "state": {"values": {}},
                "response_url": self._response_url(target),
                "actions": [
                    {
                        "action_id": action_id,
                        "block_id": block.get("block_id", ""),
                        "text": button.get("text", {}),
                        "value": button.get("value", ""),
                        "type": button.get("type", "button"),
                        "style": button.get("style"),
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            }
            envelope = self.hub.deliver("interactive", payload, accepts_response_payload=False)
            if envelope is None:
                return 200, {"ok": False, "error": "dispatch_failed"}
            seen = await self._await_seen(observer, envelope, wait_for, timeout)
            seen["confirm"] = (
                {
                    key: confirm.get(key, {}).get("text")
                    if isinstance(confirm.get(key), dict)
                    else confirm.get(key)
                    for key in ("title", "text", "confirm", "deny")
                }
                if confirm
                else None
            )
            return 200, seen
        finally:
            self.state.observers.remove(observer)

    def event(self, event_type: str, user: str, channel: str | None, text: str | None) -> bool:
        event: dict[str, Any] = {"type": event_type, "user": user, "event_ts": f"{time.time():.6f}"}
        if event_type == "app_home_opened":
            event["tab"] = "home"
        if channel:
            event["channel"] = channel
        if text is not None:
            event["text"] = text
        payload = {
            "token": "verification-token-unused-in-socket-mode",
            "team_id": self.state.config.team_id,
            "api_app_id": self.state.config.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.state.config.team_id,
                    "user_id": self.state.config.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        return self.hub.deliver("events_api", payload, accepts_response_payload=False) is not None
