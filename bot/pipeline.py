"""The pipeline worker: drains the outbox of accepted signals and keeps every incident's channel
up to date. It runs from the database, not from memory: a wake-up after each accepted alert
makes it prompt, and a periodic pass makes it resume after any crash or lost wake-up.

Correlation runs in its own loop, so a new alert is correlated at once even while channels are
being opened. Publishing runs in slots that each take the most severe incident due, one at a
time, so a sev1 that arrives in the middle of a storm is picked by the next free slot. Opening
(channel and first packet) has slots of its own that never spend time on updates (several, since
each holds its incident while evidence is gathered), and one of them only ever opens sev1 and
sev2, so a storm of sev4s can never keep a sev1 waiting for a slot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat import Chat
from bot.clock import Clock
from bot.incident import service as incidents
from bot.incident.context import PipelineContext
from bot.incident.correlate import correlate_pending
from bot.incident.publish import publish_incident
from bot.signal.values import Severity
from bot.telemetry.logs import bound_context

__all__ = ["OpeningBudget", "PipelineWorker"]

log = logging.getLogger(__name__)

_SEVERITIES = frozenset(severity.value for severity in Severity)
SLOT_IDLE_INTERVALS = 10  # a slot's own timeout, in poll intervals (_watch_due wakes it first)


class OpeningBudget:
    """Slack's limit on opening channels, kept on our side so that urgent incidents find room.

    ``conversations.create`` allows a burst, then a steady rate (Tier 2: 20 a minute). Left to
    themselves, the openers of a storm spend all of it and a sev1 that arrives next waits out
    Slack's 429s behind them. Here each severity keeps a floor under the tokens for the ones
    above it: sev3-5 open only while more than ``reserve`` are left, sev2 while more than
    ``sev1_reserve`` are, and a sev1 always opens (going below zero delays the others). A
    severity that correlation raised (many alerts, a failing dependency) is one step less
    urgent here than one a source declared: a storm raises many incidents to sev1, and the
    one that paged as sev1 must still find its room.
    """

    def __init__(
        self,
        *,
        per_minute: float = 20.0,
        burst: float = 20.0,
        reserve: float = 4.0,
        sev1_reserve: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = burst
        self._reserve = reserve
        self._sev1_reserve = min(sev1_reserve, reserve)
        self._monotonic = monotonic
        self._tokens = burst
        self._at = monotonic()

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now

    def _floor(self, severity: Severity, *, raised: bool) -> float | None:
        rank = severity.rank + (1 if raised else 0)
        if rank <= Severity.SEV1.rank:
            return None
        if rank <= Severity.SEV2.rank:
            return self._sev1_reserve
        return self._reserve

    def take(self, severity: Severity, *, raised: bool = False) -> bool:
        """Spend one opening if this severity may; False means wait and try again.
        ``raised``: correlation, not the source, set this severity."""
        self._refill()
        floor = self._floor(severity, raised=raised)
        if floor is None or self._tokens - 1 >= floor:
            self._tokens -= 1
            return True
        return False


class PipelineWorker:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        chat: Chat,
        context: PipelineContext,
        clock: Clock,
        poll_interval: float = 1.0,
        slots: int = 8,
        opening_budget: OpeningBudget | None = None,
    ) -> None:
        self._sessions = sessions
        self._chat = chat
        self._context = context
        self._clock = clock
        self._poll_interval = poll_interval
        self._slots = max(3, slots)
        self._opening_budget = opening_budget or OpeningBudget()
        self._accepted = asyncio.Event()
        self._due = asyncio.Event()
        self._in_flight: set[int] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    @property
    def context(self) -> PipelineContext:
        """What the worker triages with; ``/triage`` and ``/explain`` use the same."""
        return self._context

    @property
    def chat(self) -> Chat:
        return self._chat

    def wake(self) -> None:
        """Ask for a full pass now (a person changed an incident, late evidence arrived)."""
        self._accepted.set()
        self._due.set()

    def signals_accepted(self) -> None:
        """Alerts were committed: correlate them now. The publishers are woken by what
        correlation commits, not before (there is nothing for them to publish until then, and
        each of them waking to look would compete with the correlation it waits for)."""
        self._accepted.set()

    async def correlate(self) -> int:
        """Correlate until nothing is waiting. Each round takes a share of every delivery
        (see :func:`bot.signal.service.next_unprocessed`) in batches of one transaction each,
        and the publishers are woken after each batch, so the incidents it opened are
        published while the next batch runs."""
        total, failed = 0, set[int]()
        while not self._stopping:
            done = await correlate_pending(
                sessions=self._sessions,
                clock=self._clock,
                catalog=self._context.catalog,
                window=self._context.correlation_window,
                metrics=self._context.metrics,
                failed=failed,  # tried again on the next pass, not the next round
                committed=self._due.set,
            )
            if not done:
                break
            total += done
            await asyncio.sleep(0)  # let the publishers take what this round opened
        return total

    async def publish_due(self, *, urgent_only: bool = False, opening: bool | None = None) -> int:
        """Publish due incidents one at a time, most severe first, until none is left (or none
        this slot may take); return how many were handled."""
        handled = 0
        while not self._stopping:
            async with self._sessions() as session:
                due = await incidents.needing_slack_work(
                    session,
                    now=self._clock.now(),
                    limit=1,
                    most_severe_only=Severity.SEV2 if urgent_only else None,
                    excluding=self._in_flight,
                    opening=opening,
                )
            if not due:
                return handled
            incident_id = due[0].id
            if incident_id in self._in_flight:
                # Another slot read it at the same time and took it first (nothing awaits between
                # this check and the add below): it must not spend a second opening.
                await asyncio.sleep(0)
                continue
            needs_channel = due[0].channel_id is None
            # An unreadable severity (a row no code wrote) opens last; publishing then fails on
            # it, and the quarantine takes it, rather than this loop failing on every pass.
            severity = (
                Severity(due[0].severity) if due[0].severity in _SEVERITIES else Severity.SEV4
            )
            raised = bool(due[0].severity_raised)
            if opening and needs_channel and not self._opening_budget.take(severity, raised=raised):
                return handled  # Slack's room for channels is kept for the more severe; next pass
            self._in_flight.add(incident_id)
            try:
                with bound_context(incident_id=incident_id):
                    await publish_incident(
                        incident_id,
                        sessions=self._sessions,
                        chat=self._chat,
                        context=self._context,
                        clock=self._clock,
                    )
            finally:
                self._in_flight.discard(incident_id)
            handled += 1
        return handled

    async def run_once(self) -> None:
        """One full pass, in the caller's task: correlate everything, publish everything due."""
        await self.correlate()
        await self.publish_due()

    async def _watch_due(self) -> None:
        """The periodic pass of the publishers, as one read for all of them: once a poll
        interval, is any incident due (a lease run out, a rest over, a failed pass to retry)?
        Only then are the slots woken. Eight slots each polling on their own every interval
        cost the same reads eight times over, all at the same moment, on whatever packet was
        being built then (bench/README.md, the packet's timeline)."""
        while not self._stopping:
            await asyncio.sleep(self._poll_interval)
            try:
                async with self._sessions() as session:
                    due = bool(
                        await incidents.needing_slack_work(
                            session, now=self._clock.now(), limit=1, excluding=self._in_flight
                        )
                    )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("pipeline: looking for due incidents failed; waking the slots")
                due = True
            if due:
                self._due.set()

    async def _forever(
        self,
        name: str,
        step: asyncio.Event,
        work: Callable[[], Awaitable[object]],
        *,
        idle: float | None = None,
    ) -> None:
        while not self._stopping:
            step.clear()
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database keeps the work; the next pass retries it. Logged, never silent.
                log.exception("pipeline %s failed; retrying", name)
            if self._stopping:
                return
            with suppress(TimeoutError):
                await asyncio.wait_for(step.wait(), timeout=idle or self._poll_interval)

    def start(self) -> None:
        if self._tasks:
            return
        self._stopping = False
        self._tasks.append(
            asyncio.create_task(
                self._forever("correlation", self._accepted, self.correlate), name="correlate"
            )
        )
        # Slot 0 opens sev1-sev2 only; the next ones open anything (each holds its incident
        # while evidence is gathered, so several alerts at once are not published one after
        # another; the opening budget still paces Slack's channel creation); the last three
        # keep channels current.
        openers = max(2, self._slots - 3)
        for slot in range(self._slots):
            urgent, opening = slot == 0, slot < openers

            async def publish(urgent: bool = urgent, opening: bool = opening) -> None:
                await self.publish_due(urgent_only=urgent, opening=opening)

            # Woken by correlation, by people, and by _watch_due; the long idle timeout is
            # only a safety net.
            self._tasks.append(
                asyncio.create_task(
                    self._forever(
                        f"publisher {slot}",
                        self._due,
                        publish,
                        idle=self._poll_interval * SLOT_IDLE_INTERVALS,
                    ),
                    name=f"publish-{slot}",
                )
            )
        self._tasks.append(asyncio.create_task(self._watch_due(), name="watch-due"))

    async def stop(self, *, grace: float = 0.0) -> None:
        """Take no new work; let the step each loop is in finish for up to ``grace`` seconds,
        then cancel what is left. Cutting a step is safe (each is a transaction, and Slack
        calls are recorded before and after), a finished one saves a repeat after restart."""
        self._stopping = True
        self._accepted.set()
        self._due.set()
        if grace > 0 and self._tasks:
            await asyncio.wait(self._tasks, timeout=grace)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._context.late is not None:
            await self._context.late.close()  # late sources are not waited for on the way out
