"""Evidence that arrives after the packet's deadline.

A source that misses the deadline is named as missing in the packet, but it is not given up on:
its call goes on in the background for up to ``limit`` more seconds. When it answers, the answer
is kept here, in this replica's memory, for the incident it was asked about, and ``on_arrival``
is told; the composition root makes that mark the incident's packet as due for an update in the
database. The rebuild then takes the kept answer instead of asking the source again, so the
packet is edited once and not again after it.

Bounded: at most ``capacity`` calls wait at once (a late source beyond that is cancelled, as
if there were no waiting) and at most ``capacity`` answers are kept, the oldest forgotten
first. A replica that dies loses what it held; the database still says the packet is due, and
the rebuild asks the sources again. :meth:`LateEvidence.close` cancels every waiting call.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass

__all__ = ["LateArrival", "LateEvidence", "LateWatch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LateArrival:
    """A late answer came: from ``source``, for ``kind`` of evidence, about the incident."""

    incident_id: int
    kind: str
    source: str


_Key = tuple[int, str, str]  # incident id, kind of evidence, source name


class LateEvidence:
    """Waits for late sources in the background and keeps their answers (see module doc)."""

    def __init__(
        self,
        *,
        limit: float,
        capacity: int = 32,
        on_arrival: Callable[[LateArrival], Awaitable[None]] | None = None,
    ) -> None:
        self.limit = limit
        self._capacity = max(1, capacity)
        self._on_arrival = on_arrival
        self._waiting: dict[_Key, asyncio.Task[None]] = {}
        self._answers: OrderedDict[_Key, Sequence[object]] = OrderedDict()
        self._closed = False

    @property
    def waiting(self) -> int:
        """How many late calls are still being waited for."""
        return len(self._waiting)

    def watch(self, incident_id: int) -> LateWatch:
        """The view ``gather_evidence`` uses while gathering for one incident."""
        return LateWatch(self, incident_id)

    def answer(self, key: _Key) -> Sequence[object] | None:
        return self._answers.get(key)

    def keep(self, key: _Key, call: asyncio.Future[Sequence[object]]) -> bool:
        """Wait for ``call`` in the background; False (the caller cancels it) when closed, full,
        or already waiting for or holding this source's answer for this incident."""
        if (
            self._closed
            or len(self._waiting) >= self._capacity
            or key in self._waiting
            or key in self._answers
        ):
            return False
        self._waiting[key] = asyncio.create_task(
            self._wait(key, call), name=f"late-evidence-{key[0]}-{key[2]}"
        )
        return True

    async def _wait(self, key: _Key, call: asyncio.Future[Sequence[object]]) -> None:
        try:
            done, _ = await asyncio.wait({call}, timeout=self.limit)
            if not done:
                log.info("incident %s: %s gave no answer even late; given up", key[0], key[2])
                return
            if call.cancelled() or call.exception() is not None:
                log.info("incident %s: %s failed late: %r", key[0], key[2], call.exception())
                return
            self._answers[key] = call.result()
            while len(self._answers) > self._capacity:
                self._answers.popitem(last=False)
            if self._on_arrival is not None:
                await self._on_arrival(LateArrival(*key))
        except asyncio.CancelledError:
            raise
        except Exception:
            # The packet keeps naming the source as missing; the next rebuild asks again.
            log.exception("incident %s: a late answer from %s was not applied", key[0], key[2])
        finally:
            if not call.done():
                call.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await call
            self._waiting.pop(key, None)

    async def settled(self) -> None:
        """Return once every call waited for now has answered or been given up."""
        await asyncio.gather(*self._waiting.values(), return_exceptions=True)

    async def close(self) -> None:
        """Cancel every waiting call and wait until each has stopped; keep no more."""
        self._closed = True
        tasks = list(self._waiting.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task


@dataclass(frozen=True, slots=True)
class LateWatch:
    """:class:`LateEvidence` seen from one incident's gathering."""

    late: LateEvidence
    incident_id: int

    def answer(self, kind: str, source: str) -> Sequence[object] | None:
        """The answer that ``source`` gave late for this incident, if it did."""
        return self.late.answer((self.incident_id, kind, source))

    def keep(self, kind: str, source: str, call: asyncio.Future[Sequence[object]]) -> bool:
        return self.late.keep((self.incident_id, kind, source), call)
