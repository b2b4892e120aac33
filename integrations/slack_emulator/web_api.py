"""The Web API subset, with Slack's request forms, response shapes and error codes.

Arguments are read from the query string, a form body and a JSON body alike (slack_sdk uses all
three); unknown arguments are ignored, as Slack does. Errors are HTTP 200 with ``ok: false``;
rate limits are HTTP 429 with ``Retry-After``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from integrations.slack_emulator.blocks import block_errors
from integrations.slack_emulator.ratelimit import RateLimiter
from integrations.slack_emulator.state import Message, WorkspaceState

__all__ = ["SlackApiError", "WebApi"]

CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")
Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class SlackApiError(Exception):
    """Answered as ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, **extra: Any) -> None:
        self.code = code
        self.extra = extra
        super().__init__(code)


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _json_arg(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise SlackApiError("invalid_arguments") from exc
    return value


class WebApi:
    def __init__(self, state: WorkspaceState, limiter: RateLimiter, base_url: Callable[[], str]):
        self.state = state
        self.limiter = limiter
        self.base_url = base_url
        self.calls: dict[str, int] = {}
        self.ratelimited: dict[str, int] = {}
        self.handlers: dict[str, Handler] = {
            "auth.test": self.auth_test,
            "apps.connections.open": self.connections_open,
            "conversations.create": self.conversations_create,
            "conversations.invite": self.conversations_invite,
            "conversations.setTopic": self.conversations_set_topic,
            "conversations.info": self.conversations_info,
            "conversations.list": self.conversations_list,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "users.info": self.users_info,
            "usergroups.list": self.usergroups_list,
            "usergroups.users.list": self.usergroups_users_list,
            "views.publish": self.views_publish,
        }
        self.new_ticket: Callable[[], str] = lambda: "0"

    async def _arguments(self, request: web.Request) -> dict[str, Any]:
        arguments: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    arguments.update(body)
            else:
                arguments.update(await request.post())
        return arguments

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        arguments = await self._arguments(request)
        handler = self.handlers.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else str(arguments.get("token", ""))
        expected = (
            self.state.config.app_token
            if method == "apps.connections.open"
            else self.state.config.bot_token
        )
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        self.calls[method] = self.calls.get(method, 0) + 1
        wait = self.limiter.check(method, str(arguments.get("channel", "")) or None)
        if wait is not None:
            self.ratelimited[method] = self.ratelimited.get(method, 0) + 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(wait)},
            )
        try:
            body = await handler(arguments)
        except SlackApiError as exc:
            return web.json_response({"ok": False, "error": exc.code, **exc.extra})
        return web.json_response({"ok": True, **body})

    # --- helpers ---------------------------------------------------------------------------

    @property
    def bot(self) -> str:
        return self.state.config.bot_user_id

    def _channel(self, arguments: dict[str, Any], key: str = "channel") -> Any:
        channel = self.state.channel(str(arguments.get(key, "")))
        if channel is None:
            raise SlackApiError("channel_not_found")
        return channel

    def _blocks(self, arguments: dict[str, Any]) -> list[dict[str, Any]]:
        blocks = _json_arg(arguments.get("blocks")) or []
        if not isinstance(blocks, list):
            raise SlackApiError("invalid_blocks_format")
        errors = block_errors(blocks)
        if errors:
            raise SlackApiError("invalid_blocks", response_metadata={"messages": errors})
        return blocks

    # --- methods ---------------------------------------------------------------------------

    async def auth_test(self, _arguments: dict[str, Any]) -> dict[str, Any]:
        config = self.state.config
        return {
            "url": f"https://{config.team_domain}.slack.com/",
            "team": config.team_domain,
            "user": config.bot_name,
            "team_id": config.team_id,
            "user_id": config.bot_user_id,
            "bot_id": config.bot_id,
            "is_enterprise_install": False,
        }

    async def connections_open(self, _arguments: dict[str, Any]) -> dict[str, Any]:
        ws_base = self.base_url().replace("http://", "ws://", 1)
        return {
            "url": f"{ws_base}/link/?ticket={self.new_ticket()}&app_id={self.state.config.app_id}"
        }

    async def conversations_create(self, arguments: dict[str, Any]) -> dict[str, Any]:
        name = str(arguments.get("name", ""))
        if not name:
            raise SlackApiError("invalid_name_required")
        if len(name) > 80:
            raise SlackApiError("invalid_name_maxlength")
        if not CHANNEL_NAME.match(name):
            raise SlackApiError("invalid_name_specials")
        if not re.search(r"[a-z0-9]", name):
            raise SlackApiError("invalid_name_punctuation")
        if any(channel.name == name for channel in self.state.channels.values()):
            raise SlackApiError("name_taken")
        channel = self.state.create_channel(
            name, creator=self.bot, is_private=_flag(arguments.get("is_private"))
        )
        return {"channel": channel.to_api(self.bot)}

    async def conversations_invite(self, arguments: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(arguments)
        if self.bot not in channel.members:
            raise SlackApiError("not_in_channel")
        users = [user.strip() for user in str(arguments.get("users", "")).split(",") if user]
        if not users:
            raise SlackApiError("no_user")
        for user in users:
            if user not in self.state.users:
                raise SlackApiError("user_not_found")
            if user == self.bot:
                raise SlackApiError("cant_invite_self")
        new = [user for user in users if user not in channel.members]
        if not new:
            raise SlackApiError("already_in_channel")
        channel.members.extend(new)
        return {"channel": channel.to_api(self.bot)}

    async def conversations_set_topic(self, arguments: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(arguments)
        topic = str(arguments.get("topic", ""))
        if len(topic) > 250:
            raise SlackApiError("too_long")
        if self.bot not in channel.members:
            raise SlackApiError("not_in_channel")
        channel.topic = topic
        return {"channel": channel.to_api(self.bot)}

    async def conversations_info(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._channel(arguments).to_api(self.bot)}

    async def conversations_list(self, arguments: dict[str, Any]) -> dict[str, Any]:
        channels = sorted(self.state.channels.values(), key=lambda c: c.created)
        if _flag(arguments.get("exclude_archived")):
            channels = [c for c in channels if not c.is_archived]
        limit = min(int(arguments.get("limit") or 100), 1000)
        start = int(arguments.get("cursor") or 0)
        page = channels[start : start + limit]
        cursor = str(start + limit) if start + limit < len(channels) else ""
        return {
            "channels": [c.to_api(self.bot) for c in page],
            "response_metadata": {"next_cursor": cursor},
        }

    def _visible(self, channel_id: str) -> list[Message]:
        return [m for m in self.state.messages[channel_id] if not m.ephemeral]

    async def conversations_history(self, arguments: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(arguments)
        top = [m for m in self._visible(channel.id) if m.thread_ts in (None, m.ts)]
        newest_first = sorted(top, key=lambda m: float(m.ts), reverse=True)
        if arguments.get("latest"):
            newest_first = [m for m in newest_first if float(m.ts) <= float(arguments["latest"])]
        if arguments.get("oldest"):
            newest_first = [m for m in newest_first if float(m.ts) >= float(arguments["oldest"])]
        limit = min(int(arguments.get("limit") or 100), 1000)
        start = int(arguments.get("cursor") or 0)
        page = newest_first[start : start + limit]
        more = start + limit < len(newest_first)
        metadata = _flag(arguments.get("include_all_metadata"))
        return {
            "messages": [m.to_api(include_metadata=metadata) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    async def conversations_replies(self, arguments: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(arguments)
        ts = str(arguments.get("ts", ""))
        thread = [m for m in self._visible(channel.id) if m.ts == ts or m.thread_ts == ts]
        if not thread:
            raise SlackApiError("thread_not_found")
        return {"messages": [m.to_api() for m in sorted(thread, key=lambda m: float(m.ts))]}

    def _message_text(self, arguments: dict[str, Any], blocks: list[dict[str, Any]]) -> str:
        text = str(arguments.get("text") or "")
        if not text and not blocks:
            raise SlackApiError("no_text")
        if len(text) > 40000:
            raise SlackApiError("msg_too_long")
        return text

    async def chat_post_message(self, arguments: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(arguments)
        if channel.is_archived:
            raise SlackApiError("is_archived")
        if self.bot not in channel.members:
            raise SlackApiError("not_in_channel")
        blocks = self._blocks(arguments)
        text = self._message_text(arguments, blocks)
        thread_ts = str(arguments.get("thread_ts") or "") or None
        if thread_ts and self.state.find_message(channel.id, thread_ts) is None:
            raise SlackApiError("thread_not_found")
        metadata = _json_arg(arguments.get("metadata"))
        message = self.state.add_message(
            Message(
                channel=channel.id,
                ts=self.state.next_ts(),
                user=self.bot,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                bot_id=self.state.config.bot_id,
                metadata=metadata if isinstance(metadata, dict) else None,
            )
        )
        return {"channel": channel.id, "ts": message.ts, "message": message.to_api()}

    async def chat_update(self, arguments: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(arguments)
        message = self.state.find_message(channel.id, str(arguments.get("ts", "")))
        if message is None or message.ephemeral:
            raise SlackApiError("message_not_found")
        if message.user != self.bot:
            raise SlackApiError("cant_update_message")
        blocks = self._blocks(arguments) if "blocks" in arguments else message.blocks
        message.text = str(arguments.get("text") or message.text)
        message.blocks = blocks
        message.edited = True
        return {
            "channel": channel.id,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_api(),
        }

    async def chat_post_ephemeral(self, arguments: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(arguments)
        user = str(arguments.get("user", ""))
        if user not in self.state.users:
            raise SlackApiError("user_not_found")
        if user not in channel.members:
            raise SlackApiError("user_not_in_channel")
        blocks = self._blocks(arguments)
        text = self._message_text(arguments, blocks)
        message = self.state.add_message(
            Message(
                channel=channel.id,
                ts=self.state.next_ts(),
                user=self.bot,
                text=text,
                blocks=blocks,
                thread_ts=str(arguments.get("thread_ts") or "") or None,
                bot_id=self.state.config.bot_id,
                recipient=user,
            )
        )
        return {"message_ts": message.ts}

    async def users_info(self, arguments: dict[str, Any]) -> dict[str, Any]:
        user = self.state.users.get(str(arguments.get("user", "")))
        if user is None:
            raise SlackApiError("user_not_found")
        return {
            "user": {
                "id": user.id,
                "team_id": self.state.config.team_id,
                "name": user.name,
                "real_name": user.real_name,
                "deleted": False,
                "is_bot": user.is_bot,
                "tz": user.tz,
                "profile": {
                    "display_name": user.name,
                    "real_name": user.real_name,
                    "email": user.email,
                    "title": user.title,
                },
            }
        }

    async def usergroups_list(self, arguments: dict[str, Any]) -> dict[str, Any]:
        include_users = _flag(arguments.get("include_users"))
        groups = []
        for group in self.state.usergroups.values():
            item: dict[str, Any] = {
                "id": group.id,
                "team_id": self.state.config.team_id,
                "handle": group.handle,
                "name": group.name,
                "user_count": len(group.users),
            }
            if include_users:
                item["users"] = list(group.users)
            groups.append(item)
        return {"usergroups": groups}

    async def usergroups_users_list(self, arguments: dict[str, Any]) -> dict[str, Any]:
        group = self.state.usergroups.get(str(arguments.get("usergroup", "")))
        if group is None:
            raise SlackApiError("no_such_subteam")
        return {"users": list(group.users)}

    async def views_publish(self, arguments: dict[str, Any]) -> dict[str, Any]:
        user = str(arguments.get("user_id", ""))
        if user not in self.state.users:
            raise SlackApiError("user_not_found")
        view = _json_arg(arguments.get("view"))
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackApiError("invalid_arguments")
        stored = {
            **view,
            "id": f"V{abs(hash(user)) % 10**10:010d}",
            "team_id": self.state.config.team_id,
        }
        self.state.home_views[user] = stored
        return {"view": stored}
