"""Usage errors answered inside the listener, not raised out of it.

Bolt (``AsyncioListenerRunner``, process_before_response off) marks the response of a listener
that raises as a failure (status 500) even when ``ack()`` was already called, and the Socket
Mode adapter then sends no ack: Slack shows the person "dispatch_failed" next to our usage
text. So a listener runs its work inside :func:`usage_answered`, which turns a
:class:`~bot.errors.CommandUsageError` into the ephemeral usage message itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from slack_bolt.async_app import AsyncRespond

from bot.errors import CommandUsageError
from bot.redaction import redact

__all__ = ["usage_answered"]


@asynccontextmanager
async def usage_answered(respond: AsyncRespond) -> AsyncIterator[None]:
    try:
        yield
    except CommandUsageError as exc:
        # The usage error quotes what the person typed, which may hold a pasted token.
        await respond(text=redact(str(exc)), response_type="ephemeral")
