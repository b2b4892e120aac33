"""Claude through the official SDK's async client, as the narrator's :class:`LanguageModel`.

The client is made with ``max_retries=0``: the narrator owns the retry budget
(:class:`bot.narrator.client.NarratorLimits`), so a rate limit or an overload is raised at once
as :class:`bot.errors.NarratorRetryableError` carrying the provider's ``retry-after``, and never
slept through inside the SDK. The fixed instructions go as a system block marked
``cache_control: ephemeral`` so repeated calls read them from the prompt cache; the answer is
forced through the request's one tool (``tool_choice``).

Every way a call can go wrong ends here as one of our errors: the SDK's errors through
:func:`narrator_error`, and an answer the SDK accepted but the bot cannot use (a 200 whose body
is not JSON, a message without ``content`` or ``usage``, no call of the tool, another tool's
call, an answer cut off at ``max_tokens``) as :class:`bot.errors.NarratorAnswerError`, which the
narrator does not retry: the caller's own text stands, once.
"""

from __future__ import annotations

from collections.abc import Mapping

import anthropic
from anthropic import AsyncAnthropic
from anthropic.types import Message
from pydantic import SecretStr

from bot.errors import NarratorAnswerError, NarratorError, NarratorRetryableError
from bot.narrator.ports import ModelReply, ModelRequest

__all__ = ["ClaudeModel", "narrator_error", "reply_from"]

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})


class ClaudeModel:
    """One Anthropic model behind the narrator's port; no retries of its own."""

    def __init__(
        self,
        *,
        api_key: SecretStr,
        model: str,
        base_url: str | None = None,
        timeout: float = 20.0,
    ) -> None:
        self._model = model
        self._timeout = timeout
        self._client = AsyncAnthropic(
            api_key=api_key.get_secret_value(),
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
        )

    def __repr__(self) -> str:
        return f"ClaudeModel(model={self._model!r}, base_url={str(self._client.base_url)!r})"

    @property
    def model(self) -> str:
        return self._model

    async def complete(self, request: ModelRequest) -> ModelReply:
        """One Messages API call forced to call ``request.tool``; SDK errors become ours."""
        client = self._client
        if request.timeout is not None and request.timeout < self._timeout:
            client = client.with_options(timeout=request.timeout)
        try:
            message = await client.messages.create(
                model=self._model,
                max_tokens=request.max_tokens,
                system=[
                    {
                        "type": "text",
                        "text": request.system,
                        "cache_control": {"type": "ephemeral"},
                    }
                ],
                messages=[{"role": "user", "content": request.prompt}],
                tools=[
                    {
                        "name": request.tool.name,
                        "description": request.tool.description,
                        "input_schema": dict(request.tool.input_schema),
                    }
                ],
                tool_choice={"type": "tool", "name": request.tool.name},
            )
        except anthropic.AnthropicError as exc:
            raise narrator_error(exc) from exc
        except ValueError as exc:  # a JSON content type over a body that does not parse
            raise NarratorAnswerError("Anthropic answered with a body that is not JSON") from exc
        return reply_from(message, request.tool.name)

    async def close(self) -> None:
        await self._client.close()


def _retry_after(exc: anthropic.APIStatusError) -> float | None:
    """``retry-after-ms`` or ``retry-after`` (seconds) from the response, when present."""
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue  # an HTTP date: fall back to our own back-off
    return None


def narrator_error(exc: anthropic.AnthropicError) -> NarratorError:
    """Our error for a failed Messages API call: retryable for a timeout, a lost connection,
    429, 529 and other 5xx; final otherwise (a bad key or request will not mend by waiting)."""
    if isinstance(exc, anthropic.APITimeoutError):
        return NarratorRetryableError("Anthropic did not answer in time")
    if isinstance(exc, anthropic.APIConnectionError):
        return NarratorRetryableError("cannot connect to Anthropic")
    if isinstance(exc, anthropic.APIStatusError):
        what = {429: "rate limited", 529: "overloaded"}.get(exc.status_code, "failed")
        message = f"Anthropic {what} (HTTP {exc.status_code})"
        if exc.status_code in RETRYABLE_STATUSES:
            return NarratorRetryableError(message, retry_after=_retry_after(exc))
        return NarratorError(message)
    return NarratorError(f"Anthropic call failed ({type(exc).__name__})")


def _usage(message: Message) -> tuple[int, int, int, int]:
    usage = getattr(message, "usage", None)
    if usage is None or not isinstance(getattr(usage, "input_tokens", None), int):
        raise NarratorAnswerError("Anthropic answered without usage")
    return (
        usage.input_tokens,
        usage.output_tokens if isinstance(usage.output_tokens, int) else 0,
        usage.cache_creation_input_tokens or 0,
        usage.cache_read_input_tokens or 0,
    )


def reply_from(message: object, tool: str) -> ModelReply:
    """Our reply from what the SDK returned, or :class:`NarratorAnswerError` naming why it
    cannot be used. The SDK hands back a plain string for a body that is not JSON and a
    ``Message`` with ``None`` fields for JSON of the wrong shape: neither may crash a caller."""
    if not isinstance(message, Message):
        raise NarratorAnswerError("Anthropic answered with a body that is not JSON")
    content = message.content
    if not isinstance(content, list):
        raise NarratorAnswerError("Anthropic answered without content")
    if message.stop_reason == "max_tokens":
        raise NarratorAnswerError("Anthropic's answer was cut off at the token limit")
    calls = [block for block in content if getattr(block, "type", None) == "tool_use"]
    mine = [block for block in calls if getattr(block, "name", None) == tool]
    if not mine:
        named = ", ".join(str(getattr(block, "name", "?")) for block in calls)
        why = f"called {named} instead" if named else "did not call it"
        raise NarratorAnswerError(f"Anthropic's answer did not use the {tool} tool ({why})")
    tool_input = getattr(mine[0], "input", None)
    if not isinstance(tool_input, Mapping):
        raise NarratorAnswerError(f"Anthropic's {tool} call carried no input")
    input_tokens, output_tokens, created, read = _usage(message)
    return ModelReply(
        model=str(message.model or ""),
        tool_input=dict(tool_input),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_creation_input_tokens=created,
        cache_read_input_tokens=read,
        stop_reason=message.stop_reason,
    )
