"""What every group of Web API methods shares: the state, the bot's identity, and the lookups and
checks Slack makes the same way in many methods (the channel argument, blocks, message text).

Handlers are synchronous on purpose: a handler that never awaits changes the state atomically.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from integrations.slack_emulator.arguments import Arguments, SlackApiError
from integrations.slack_emulator.blocks import MESSAGE_BLOCKS, block_errors
from integrations.slack_emulator.state import Channel, WorkspaceState

__all__ = ["MAX_TEXT", "Handler", "Methods"]

Handler = Callable[[Arguments], dict[str, Any]]
MAX_TEXT = 40_000  # chat.postMessage's msg_too_long


class Methods:
    def __init__(self, state: WorkspaceState) -> None:
        self.state = state
        self.config = state.config

    def handlers(self) -> dict[str, Handler]:
        """Slack's method name -> handler."""
        raise NotImplementedError

    @property
    def bot(self) -> str:
        return self.config.bot_user_id

    def channel(
        self, arguments: Arguments, key: str = "channel", *, by_name: bool = False
    ) -> Channel:
        """The channel an argument names: an id (``by_name``: or a name, as chat.postMessage
        accepts). A private channel the bot is not in does not exist for it."""
        value = arguments.text(key)
        channel = self.state.channels.get(value)
        if channel is None and by_name and value:
            channel = self.state.channel(value)
        if channel is None or (channel.is_private and self.bot not in channel.members):
            raise SlackApiError("channel_not_found")
        return channel

    def writable(self, channel: Channel) -> None:
        """The bot may post or change things in this channel."""
        if channel.is_archived:
            raise SlackApiError("is_archived")
        if self.bot not in channel.members:
            raise SlackApiError("not_in_channel")

    def blocks(self, arguments: Arguments, *, max_blocks: int = MESSAGE_BLOCKS) -> list[Any]:
        blocks = arguments.structured("blocks", "invalid_blocks_format")
        if blocks is None:
            return []
        if not isinstance(blocks, list):
            raise SlackApiError("invalid_blocks_format")
        errors = block_errors(blocks, max_blocks=max_blocks)
        if errors:
            raise SlackApiError("invalid_blocks", response_metadata={"messages": errors})
        return [_with_block_id(block) for block in blocks]

    def message_text(self, arguments: Arguments, blocks: list[Any]) -> str:
        text = arguments.text("text")
        if not text and not blocks:
            raise SlackApiError("no_text")
        if len(text) > MAX_TEXT:
            raise SlackApiError("msg_too_long")
        return text


def _with_block_id(block: Any) -> Any:
    """Slack stores every block with a ``block_id``, making one up (a few random characters)
    for a block sent without: what a message read back, and a click on it, carry."""
    if not isinstance(block, dict) or block.get("block_id"):
        return block
    return {**block, "block_id": secrets.token_urlsafe(3)}
