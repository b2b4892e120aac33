"""Usage errors answered inside the listener, not raised out of it, and audited.

Bolt (``AsyncioListenerRunner``, process_before_response off) marks the response of a listener
that raises as a failure (status 500) even when ``ack()`` was already called, and the Socket
Mode adapter then sends no ack: Slack shows the person "dispatch_failed" next to our usage
text. So a listener runs its work inside :func:`usage_answered`, which turns a
:class:`~bot.errors.CommandUsageError` into the ephemeral usage message itself, then records
the refusal (:class:`RefusalAudit`) when the listener says where.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from slack_bolt.async_app import AsyncRespond
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.errors import CommandUsageError
from bot.interaction.refusals import record_refusal
from bot.redaction import redact

__all__ = ["USAGE_REFUSED", "RefusalAudit", "usage_answered"]

log = logging.getLogger(__name__)

USAGE_REFUSED = "not understood; the usage was shown"


@dataclass(frozen=True, slots=True)
class RefusalAudit:
    """Where a refused command is recorded: who (``slack:U…``) used what, in which channel."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    actor: str
    what: str
    channel_id: str | None = None

    async def record(self, reason: str) -> None:
        """Append the refusal; a database that does not answer is logged (the person already
        has the answer)."""
        try:
            async with self.sessions() as session, session.begin():
                await record_refusal(
                    session,
                    clock=self.clock,
                    actor=self.actor,
                    what=self.what,
                    reason=reason,
                    channel_id=self.channel_id,
                )
        except (SQLAlchemyError, OSError) as exc:
            log.warning("refusal of %s not audited: %s", self.what, type(exc).__name__)


@asynccontextmanager
async def usage_answered(
    respond: AsyncRespond, audit: RefusalAudit | None = None
) -> AsyncIterator[None]:
    try:
        yield
    except CommandUsageError as exc:
        # The usage error quotes what the person typed, which may hold a pasted token.
        await respond(text=redact(str(exc)), response_type="ephemeral")
        if audit is not None:
            await audit.record(USAGE_REFUSED)
