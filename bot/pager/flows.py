"""The PagerDuty write-back as a sweep: every few seconds, each replica looks for steps that
fell due (:func:`bot.pager.writeback.due_steps`), claims each in the database, calls PagerDuty
once, and records the outcome with its audit row.

Deriving what is due from the incident's own state (packet posted, commander named, resolved
by a person) rather than from events means nothing is lost to a crash: a step not recorded as
done is due again on the next pass, and its claim (``sending``, written before the call) makes
the next claimant look in PagerDuty before writing. Two replicas never both call: the step's
row is unique, and taking a lapsed claim is a conditional update.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import Clock
from bot.errors import PagerError
from bot.pager import service as writebacks
from bot.pager.models import WriteBackState, WriteBackStep
from bot.pager.ports import PagerDutyIncidents
from bot.pager.service import Claim
from bot.pager.writeback import (
    Due,
    IncidentFacts,
    StepDecision,
    due_steps,
    note_marker,
    note_text,
    pagerduty_incident_of,
)

__all__ = ["WriteBack", "write_back_forever", "write_back_once"]

log = logging.getLogger(__name__)

ACTOR = "bot"
DONE_EVENTS = {
    WriteBackStep.NOTE: "pagerduty.note_added",
    WriteBackStep.ACKNOWLEDGE: "pagerduty.acknowledged",
    WriteBackStep.RESOLVE: "pagerduty.resolved",
}


@dataclass(frozen=True, slots=True)
class WriteBack:
    """What the sweep is handed by the composition root."""

    sessions: async_sessionmaker[AsyncSession]
    pagerduty: PagerDutyIncidents
    clock: Clock
    # A claim older than this lost its process (a live call is bounded by the client's
    # timeout, far below it); whoever takes it then looks in PagerDuty before writing.
    claim_for: timedelta = timedelta(minutes=2)
    max_attempts: int = 6
    first_backoff: timedelta = timedelta(seconds=10)


def _backoff(ctx: WriteBack, attempts: int) -> timedelta:
    pause: timedelta = ctx.first_backoff * (2 ** max(0, attempts - 1))
    return min(timedelta(minutes=10), pause)


async def _claim(
    ctx: WriteBack, incident_id: int, fingerprint: str, decision: StepDecision
) -> Claim | None:
    """Take the step (insert its row, or take a lapsed claim or a due retry); a skipped step
    is recorded final at once, with its audit row."""
    now = ctx.clock.now()
    pd_incident = pagerduty_incident_of(fingerprint) or ""
    async with ctx.sessions() as session:
        existing = (await writebacks.steps_of(session, incident_id, fingerprint)).get(decision.step)
    try:
        async with ctx.sessions() as session, session.begin():
            if existing is None:
                skip = decision.due is Due.SKIP
                record_id = await writebacks.claim_new(
                    session,
                    incident_id=incident_id,
                    fingerprint=fingerprint,
                    pagerduty_incident=pd_incident,
                    step=decision.step,
                    state=WriteBackState.SKIPPED if skip else WriteBackState.SENDING,
                    now=now,
                    claimed_until=None if skip else now + ctx.claim_for,
                    detail=decision.reason if skip else None,
                )
                if skip:
                    await _audit(
                        session,
                        ctx,
                        incident_id,
                        "pagerduty.step_skipped",
                        {"step": decision.step.value, "pagerduty_incident": pd_incident},
                        reason=decision.reason,
                    )
                    return None
                return Claim(record_id, decision.step, 1, recovering=False)
            if decision.due is Due.SKIP or WriteBackState(existing.state).final:
                return None
            taken = await writebacks.claim_again(
                session, existing.id, now=now, claimed_until=now + ctx.claim_for
            )
            if not taken:
                return None
            return Claim(existing.id, decision.step, existing.attempts + 1, recovering=True)
    except IntegrityError:
        return None  # another replica inserted it first: it does the call


async def _audit(
    session: AsyncSession,
    ctx: WriteBack,
    incident_id: int,
    event: str,
    details: dict[str, object],
    *,
    reason: str | None = None,
) -> None:
    if reason is not None:
        details = {**details, "reason": reason}
    await audit.append(
        session, clock=ctx.clock, actor=ACTOR, event=event, incident_id=incident_id, details=details
    )


async def _call(ctx: WriteBack, claim: Claim, pd_incident: str, facts: IncidentFacts) -> str:
    """The one PagerDuty write of the step; returns what to record (the note's id, the status
    PagerDuty shows). A recovering note looks for its marker first."""
    if claim.step is WriteBackStep.NOTE:
        marker = note_marker(facts.incident_id)
        if claim.recovering and any(
            marker in note for note in await ctx.pagerduty.notes(pd_incident)
        ):
            return "note found in PagerDuty (added before a restart)"
        return f"note {await ctx.pagerduty.add_note(pd_incident, note_text(facts))}"
    if claim.step is WriteBackStep.ACKNOWLEDGE:
        shown = await ctx.pagerduty.set_status(pd_incident, "acknowledged")
    else:
        shown = await ctx.pagerduty.set_status(pd_incident, "resolved")
    return f"PagerDuty shows {shown}"


async def _run(ctx: WriteBack, claim: Claim, pd_incident: str, facts: IncidentFacts) -> None:
    details: dict[str, object] = {
        "step": claim.step.value,
        "pagerduty_incident": pd_incident,
        "attempt": claim.attempts,
    }
    try:
        outcome = await _call(ctx, claim, pd_incident, facts)
    except PagerError as exc:
        await _failed(ctx, claim, facts.incident_id, exc, details)
        return
    async with ctx.sessions() as session, session.begin():
        if await writebacks.finish(
            session, claim.record_id, state=WriteBackState.DONE, now=ctx.clock.now(), detail=outcome
        ):
            await _audit(
                session,
                ctx,
                facts.incident_id,
                DONE_EVENTS[claim.step],
                {**details, "result": outcome},
            )


async def _failed(
    ctx: WriteBack, claim: Claim, incident_id: int, error: PagerError, details: dict[str, object]
) -> None:
    """A refusal that will not change (4xx) or the last attempt ends the step as failed; any
    other failure is tried again after a growing pause (looking first, for a note)."""
    final = error.permanent or claim.attempts >= ctx.max_attempts
    now = ctx.clock.now()
    log.warning("PagerDuty write-back of INC-%d (%s): %s", incident_id, claim.step, error)
    async with ctx.sessions() as session, session.begin():
        moved = await writebacks.finish(
            session,
            claim.record_id,
            state=WriteBackState.FAILED if final else WriteBackState.RETRY,
            now=now,
            detail=error.reason,
            retry_at=None if final else now + _backoff(ctx, claim.attempts),
        )
        if moved:
            await _audit(
                session,
                ctx,
                incident_id,
                "pagerduty.step_failed" if final else "pagerduty.call_failed",
                {**details, "status": error.status, "code": error.code},
                reason=error.reason,
            )


async def _sync_incident(ctx: WriteBack, incident_id: int, fingerprint: str) -> int:
    pd_incident = pagerduty_incident_of(fingerprint)
    async with ctx.sessions() as session:
        facts = await writebacks.facts_of(session, incident_id)
        rows = await writebacks.steps_of(session, incident_id, fingerprint)
    if facts is None or pd_incident is None:
        return 0
    finished = frozenset(step for step, row in rows.items() if WriteBackState(row.state).final)
    ran = 0
    for decision in due_steps(facts, finished):
        claim = await _claim(ctx, incident_id, fingerprint, decision)
        if claim is None:
            continue
        await _run(ctx, claim, pd_incident, facts)
        ran += 1
    return ran


async def write_back_once(ctx: WriteBack) -> int:
    """One pass over every PagerDuty incident whose write-back has not ended; returns how many
    calls this process made."""
    async with ctx.sessions() as session:
        found = await writebacks.candidates(session)
    ran = 0
    for incident_id, fingerprint in found:
        ran += await _sync_incident(ctx, incident_id, fingerprint)
    return ran


async def write_back_forever(ctx: WriteBack, *, interval: float) -> None:
    """Run :func:`write_back_once` every ``interval`` seconds until cancelled; a pass that
    fails on the database is logged and the next one tries again."""
    while True:
        try:
            await write_back_once(ctx)
        except SQLAlchemyError as exc:
            log.warning("PagerDuty write-back pass failed: %s", type(exc).__name__)
        await asyncio.sleep(interval)
