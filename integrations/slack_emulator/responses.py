"""Replies to a person's command or click: through its ``response_url`` (at most five, within
30 minutes, as on Slack) or in the ack itself. ``in_channel`` replies are posted for everyone in
the channel, the others only for that person; ``replace_original`` and ``delete_original``
act on the clicked message (or, after a command, on the last reply)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.slack_emulator.blocks import block_errors
from integrations.slack_emulator.state import Message, WorkspaceState

__all__ = ["RESPONSE_URL_LIFETIME", "RESPONSE_URL_USES", "ResponseTarget", "ResponseUrls"]

RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = 30 * 60.0  # seconds


@dataclass
class ResponseTarget:
    """Where replies go: to ``user`` in ``channel``."""

    user: str
    channel: str
    original_ts: str | None = None  # the clicked message
    last_ts: str | None = None  # the last reply posted, which a command's replace_original hits
    uses: int = 0
    expires: float = field(default_factory=lambda: time.monotonic() + RESPONSE_URL_LIFETIME)


class ResponseUrls:
    def __init__(self, state: WorkspaceState, base_url: Callable[[], str]) -> None:
        self.state = state
        self.base_url = base_url
        self.targets: dict[str, ResponseTarget] = {}

    def url_for(self, target: ResponseTarget) -> str:
        key = secrets.token_urlsafe(18)
        self.targets[key] = target
        return f"{self.base_url()}/response/{key}"

    def use(self, key: str, body: dict[str, Any]) -> tuple[int, str]:
        """A POST to a response URL: (HTTP status, body text) as Slack answers."""
        target = self.targets.get(key)
        if target is None:
            return 404, "no_such_url"
        if time.monotonic() > target.expires:
            return 404, "expired_url"
        if target.uses >= RESPONSE_URL_USES:
            return 404, "used_url"
        blocks = body.get("blocks") or []
        if not isinstance(blocks, list) or block_errors(blocks):
            return 400, "invalid_blocks"
        target.uses += 1
        self.post(target, body)
        return 200, "ok"

    def _original(self, target: ResponseTarget) -> Message | None:
        ts = target.original_ts or target.last_ts
        return self.state.find_message(target.channel, ts) if ts else None

    def post(self, target: ResponseTarget, body: dict[str, Any]) -> None:
        """Show a reply (from a response URL or an ack's payload) as Slack would."""
        text = str(body.get("text") or "")
        blocks = body.get("blocks") if isinstance(body.get("blocks"), list) else []
        original = self._original(target)
        if original is not None and body.get("delete_original"):
            self.state.remove_message(original)
            self._tell(target, {**original.to_control(), "deleted": True})
            return
        if original is not None and body.get("replace_original"):
            original.text, original.blocks = text, list(blocks or [])
            original.edited = {"user": self.state.config.bot_user_id, "ts": self.state.next_ts()}
            self._tell(target, {**original.to_control(), "replaced": True})
            return
        in_channel = body.get("response_type") == "in_channel"
        message = Message(
            channel=target.channel,
            ts=self.state.next_ts(),
            user=self.state.config.bot_user_id,
            text=text,
            blocks=list(blocks or []),
            thread_ts=str(body["thread_ts"]) if body.get("thread_ts") else None,
            bot_id=self.state.config.bot_id,
            app_id=self.state.config.app_id,
            team=self.state.config.team_id,
            recipient=None if in_channel else target.user,
        )
        self.state.add_message(message)
        target.last_ts = message.ts

    def _tell(self, target: ResponseTarget, response: dict[str, Any]) -> None:
        for observer in self.state.observers:
            if observer.user == target.user and observer.channel == target.channel:
                observer.add(response)
