"""Redaction at the Slack boundary: every text a Web API call carries (the message's fallback
``text``, each text object of its Block Kit blocks, a channel topic or purpose) passes through
:func:`bot.redaction.redact` on its way out, once, whatever built it.

A placeholder can be longer than what it hides (``token=ab`` becomes ``token=[redacted:token]``), so
a field that grows past Slack's limit for it is cut back with an ellipsis rather than refused.
Ids, timestamps, action ids, button values and metadata are not text and are left alone.
"""

from __future__ import annotations

from typing import Any

from bot.redaction import redact

__all__ = ["redacted_arguments"]

TEXT_LIMITS = {"text": 3000, "topic": 250, "purpose": 250, "alt_text": 2000}
MESSAGE_TEXT_LIMIT = 40000  # a message's top-level fallback text
HEADER_LIMIT = 150  # a header block's plain_text


def _fit(original: str, redacted: str, limit: int) -> str:
    if redacted is original or len(redacted) <= max(limit, len(original)):
        return redacted
    return redacted[: max(limit, len(original)) - 1] + "…"


def _walk(value: Any, limit: int) -> Any:
    if isinstance(value, list):
        return [_walk(item, limit) for item in value]
    if not isinstance(value, dict):
        return value
    text_limit = HEADER_LIMIT if value.get("type") == "header" else limit
    walked: dict[str, Any] = {}
    for key, item in value.items():
        if key in TEXT_LIMITS and isinstance(item, str):
            walked[key] = _fit(item, redact(item), min(TEXT_LIMITS[key], text_limit))
        elif key == "metadata":
            walked[key] = item  # our own ids, for finding the packet again
        else:
            walked[key] = _walk(item, text_limit)
    return walked


def redacted_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """The Web API call's arguments with every text field redacted; the rest as it was."""
    walked: dict[str, Any] = {}
    for key, item in arguments.items():
        if key == "text" and isinstance(item, str):
            walked[key] = _fit(item, redact(item), MESSAGE_TEXT_LIMIT)
        elif key in TEXT_LIMITS and isinstance(item, str):
            walked[key] = _fit(item, redact(item), TEXT_LIMITS[key])
        elif key == "metadata":
            walked[key] = item
        else:
            walked[key] = _walk(item, TEXT_LIMITS["text"])
    return walked
