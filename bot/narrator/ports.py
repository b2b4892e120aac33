"""What the narrator needs from a language model, in our own types.

The Anthropic adapter (:mod:`integrations.anthropic`) implements :class:`LanguageModel`; the core
never sees an SDK type. A call either returns a :class:`ModelReply` or raises
:class:`bot.errors.NarratorError` (:class:`bot.errors.NarratorRetryableError` for a timeout, a rate
limit or an overload, which the narrator retries within its budget).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["LanguageModel", "ModelReply", "ModelRequest", "ToolSpec"]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """The one tool the model must call; its input is the structured answer."""

    name: str
    description: str
    input_schema: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """One request. ``system`` is the fixed instructions (cached by the provider); ``prompt`` the
    redacted facts and task of this call. The model is forced to call ``tool``. ``timeout``
    (seconds), when set, shortens the adapter's own timeout: a retry gets what is left of the
    budget."""

    system: str
    prompt: str
    tool: ToolSpec
    max_tokens: int
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class ModelReply:
    """The tool's input as the model filled it (None when it did not call the tool), and usage."""

    model: str
    tool_input: Mapping[str, Any] | None
    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    stop_reason: str | None = None


class LanguageModel(Protocol):
    """A chat model that answers a :class:`ModelRequest` by calling its tool."""

    @property
    def model(self) -> str:
        """The model's name, for the audit row."""
        ...

    async def complete(self, request: ModelRequest) -> ModelReply:
        """One call, no retries (the narrator owns the retry budget)."""
        ...

    async def close(self) -> None:
        """Release the connections (at shutdown)."""
        ...
