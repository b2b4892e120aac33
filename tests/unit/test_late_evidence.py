"""Late sources in ``gather_evidence``: waited for in the background within bounds, their answers
kept for the incident's next packet, and every waiting call cancelled on close."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.late import LateArrival, LateEvidence
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import FlagChange

AT = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
QUERY = EvidenceQuery("billing-webhooks", since=AT, until=AT)


class SlowFlags:
    """A flag source that answers one change once released."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.released = asyncio.Event()
        self.asked = 0
        self.cancelled = 0

    async def flag_changes(self, query: EvidenceQuery) -> Sequence[FlagChange]:
        self.asked += 1
        try:
            await self.released.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return (FlagChange(at=AT, key=f"{self.name}-flag", change="on", service=query.service),)


async def test_a_late_answer_is_kept_and_announced_for_the_incident() -> None:
    arrivals: list[LateArrival] = []
    arrived = asyncio.Event()

    async def on_arrival(arrival: LateArrival) -> None:
        arrivals.append(arrival)
        arrived.set()

    late = LateEvidence(limit=30, on_arrival=on_arrival)
    source = SlowFlags("flags-file")
    sources = EvidenceSources(flags=[source])

    first = await gather_evidence(QUERY, sources, deadline=0.01, late=late.watch(7))
    assert [f.source for f in first.unavailable] == ["flags-file"]
    assert late.waiting == 1

    source.released.set()
    await asyncio.wait_for(arrived.wait(), timeout=5)
    assert arrivals == [LateArrival(7, "flags", "flags-file")]

    again = await gather_evidence(QUERY, sources, deadline=0.01, late=late.watch(7))
    assert again.unavailable == ()
    assert [change.key for change in again.flags] == ["flags-file-flag"]
    assert source.asked == 1  # the kept answer, not a second call
    await late.close()


async def test_a_source_still_awaited_is_not_asked_to_wait_twice() -> None:
    late = LateEvidence(limit=30)
    source = SlowFlags("flags-file")
    sources = EvidenceSources(flags=[source])
    await gather_evidence(QUERY, sources, deadline=0.01, late=late.watch(7))
    await gather_evidence(QUERY, sources, deadline=0.01, late=late.watch(7))
    assert (late.waiting, source.asked, source.cancelled) == (1, 2, 1)
    await late.close()
    assert (late.waiting, source.cancelled) == (0, 2)


async def test_beyond_capacity_a_late_source_is_cancelled_at_the_deadline() -> None:
    late = LateEvidence(limit=30, capacity=1)
    first, second = SlowFlags("one"), SlowFlags("two")
    bundle = await gather_evidence(
        QUERY, EvidenceSources(flags=[first, second]), deadline=0.01, late=late.watch(1)
    )
    assert sorted(f.source for f in bundle.unavailable) == ["one", "two"]
    assert late.waiting == 1
    assert first.cancelled + second.cancelled == 1
    await late.close()
    assert first.cancelled + second.cancelled == 2


async def test_a_source_silent_past_the_late_limit_is_given_up() -> None:
    arrivals: list[LateArrival] = []

    async def on_arrival(arrival: LateArrival) -> None:
        arrivals.append(arrival)

    late = LateEvidence(limit=0.05, on_arrival=on_arrival)
    source = SlowFlags("flags-file")
    await gather_evidence(QUERY, EvidenceSources(flags=[source]), deadline=0.01, late=late.watch(3))
    await asyncio.wait_for(late.settled(), timeout=5)
    assert late.waiting == 0
    assert (source.cancelled, arrivals) == (1, [])
    assert late.answer((3, "flags", "flags-file")) is None


async def test_without_a_watch_a_late_source_is_cancelled_at_the_deadline() -> None:
    source = SlowFlags("flags-file")
    bundle = await gather_evidence(QUERY, EvidenceSources(flags=[source]), deadline=0.01)
    assert [f.reason for f in bundle.unavailable] == ["no answer within 0.01s"]
    assert source.cancelled == 1
