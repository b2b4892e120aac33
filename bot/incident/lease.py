"""Holding an incident's work lease for as long as a publishing pass runs.

The lease (``SLACK_LEASE_SECONDS``) says which process publishes an incident; it runs out so
that a dead process's incidents pass to another. A pass can outlast it while its holder is
alive: Slack's 429s are waited out inside the pass, and a loaded machine slows every step. A
lease taken once and never renewed then lapsed mid-pass, and a second pass (another replica's,
or another slot of the same process) took the incident and made a second channel or packet
(seen under load in the crash-recovery and replica tests). So the holder renews the lease every
third of its length while the pass runs, only if it still holds it (the lease still ends when
it last set it to end); a pass whose lease was taken meanwhile is stopped, and its incident
left to the new holder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.incident import service as incidents

__all__ = ["while_leased"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")


async def while_leased(
    work: Coroutine[Any, Any, _T],
    incident_id: int,
    *,
    until: datetime,
    duration: timedelta,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
) -> tuple[bool, _T | None]:
    """Run ``work`` while keeping the lease that now ends at ``until``: (True, its result), or
    (False, None) when another took the lease and the work was stopped. The work's own errors
    and the database's propagate; the work never outlives this call."""
    task = asyncio.ensure_future(work)
    interval = max(duration.total_seconds() / 3, 0.05)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=interval)
            if done:
                return True, task.result()
            async with sessions() as session, session.begin():
                renewed = await incidents.renew_lease(
                    session, incident_id, held=until, clock=clock, duration=duration
                )
            if renewed is None:
                log.warning("incident %s: lease taken by another pass; this one stops", incident_id)
                return False, None
            until = renewed
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
