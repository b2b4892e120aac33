"""The ``chat.*`` methods: messages posted (in threads too, with metadata), updated, deleted,
and ephemeral messages only their recipient sees."""

from __future__ import annotations

from typing import Any

from integrations.slack_emulator.arguments import Arguments, SlackApiError
from integrations.slack_emulator.methods import MAX_TEXT, Handler, Methods
from integrations.slack_emulator.state import Channel, Message

__all__ = ["ChatMethods"]


class ChatMethods(Methods):
    def handlers(self) -> dict[str, Handler]:
        return {
            "chat.postMessage": self.post_message,
            "chat.update": self.update,
            "chat.delete": self.delete,
            "chat.postEphemeral": self.post_ephemeral,
        }

    def _thread(self, channel: Channel, thread_ts: str | None) -> str | None:
        """The thread a reply goes to: replying to a reply lands in its parent's thread."""
        if thread_ts is None:
            return None
        parent = self.state.find_message(channel.id, thread_ts)
        if parent is None or parent.ephemeral:
            raise SlackApiError("thread_not_found")
        return parent.thread_ts if parent.is_reply else parent.ts

    def _metadata(self, arguments: Arguments) -> dict[str, Any] | None:
        metadata = arguments.structured("metadata", "invalid_metadata_format")
        if metadata is None:
            return None
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not metadata["event_type"]
            or not isinstance(metadata.get("event_payload"), dict)
        ):
            raise SlackApiError("invalid_metadata_format")
        return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}

    def _bot_message(self, channel: Channel, text: str, blocks: list[Any]) -> Message:
        return Message(
            channel=channel.id,
            ts=self.state.next_ts(),
            user=self.bot,
            text=text,
            blocks=blocks,
            bot_id=self.config.bot_id,
            app_id=self.config.app_id,
            team=self.config.team_id,
        )

    def _bot_profile(self) -> dict[str, Any]:
        return {
            "id": self.config.bot_id,
            "app_id": self.config.app_id,
            "name": self.config.bot_name,
            "team_id": self.config.team_id,
            "deleted": False,
        }

    def post_message(self, arguments: Arguments) -> dict[str, Any]:
        channel = self.channel(arguments, by_name=True)
        self.writable(channel)
        blocks = self.blocks(arguments)
        text = self.message_text(arguments, blocks)
        message = self._bot_message(channel, text, blocks)
        message.thread_ts = self._thread(channel, arguments.optional("thread_ts"))
        message.reply_broadcast = message.is_reply and arguments.flag("reply_broadcast")
        message.metadata = self._metadata(arguments)
        self.state.add_message(message)
        body = {**message.to_api(include_metadata=True), "bot_profile": self._bot_profile()}
        return {"channel": channel.id, "ts": message.ts, "message": body}

    def _own_message(self, arguments: Arguments, refusal: str) -> tuple[Channel, Message]:
        channel = self.channel(arguments)
        message = self.state.find_message(channel.id, arguments.text("ts"))
        if message is None or message.ephemeral:
            raise SlackApiError("message_not_found")
        if message.user != self.bot:
            raise SlackApiError(refusal)
        if channel.is_archived:
            raise SlackApiError("is_archived")
        return channel, message

    def update(self, arguments: Arguments) -> dict[str, Any]:
        channel, message = self._own_message(arguments, "cant_update_message")
        if "text" not in arguments and "blocks" not in arguments:
            raise SlackApiError("no_text")
        blocks = self.blocks(arguments) if "blocks" in arguments else message.blocks
        text = arguments.text("text") if "text" in arguments else message.text
        if not text and not blocks:
            raise SlackApiError("no_text")
        if len(text) > MAX_TEXT:
            raise SlackApiError("msg_too_long")
        if "metadata" in arguments:
            message.metadata = self._metadata(arguments)
        message.text, message.blocks = text, blocks
        message.edited = {"user": self.bot, "ts": self.state.next_ts()}
        return {
            "channel": channel.id,
            "ts": message.ts,
            "text": message.text,
            "message": self.state.message_api(message),
        }

    def delete(self, arguments: Arguments) -> dict[str, Any]:
        channel, message = self._own_message(arguments, "cant_delete_message")
        self.state.remove_message(message)
        return {"channel": channel.id, "ts": message.ts}

    def post_ephemeral(self, arguments: Arguments) -> dict[str, Any]:
        channel = self.channel(arguments, by_name=True)
        user = arguments.text("user")
        if user not in self.state.users:
            raise SlackApiError("user_not_found")
        self.writable(channel)
        if user not in channel.members:
            raise SlackApiError("user_not_in_channel")
        blocks = self.blocks(arguments)
        message = self._bot_message(channel, self.message_text(arguments, blocks), blocks)
        # An ephemeral reply shows in the thread it names; no check, as on Slack.
        message.thread_ts = arguments.optional("thread_ts")
        message.recipient = user
        self.state.add_message(message)
        return {"message_ts": message.ts}
