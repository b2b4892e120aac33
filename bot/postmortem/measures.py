"""The incident's clock, from the record alone: pure.

When the first signal fired, when the bot opened the incident (detected), when a person first
acted on it (acknowledged), when something first made it better (mitigated), when every
alerting condition cleared, and when it was resolved. Durations end at resolution, never at the
draft's clock; an open incident is measured "so far" against the draft's time and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import utc
from bot.postmortem.facts import PostmortemFacts, SignalFact
from bot.postmortem.people import Names

__all__ = ["Measures", "conditions", "duration", "measure", "stamp"]

DONE_STATES = ("succeeded", "verified", "not_verified")


def stamp(value: datetime) -> str:
    """``2026-03-04 14:03:00 UTC``."""
    return f"{utc(value):%Y-%m-%d %H:%M:%S} UTC"


def duration(delta: timedelta) -> str:
    """``1 h 05 min``, ``42 min``, ``2 d 3 h``, ``under 1 min``; never negative."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes == 0:
        return "under 1 min"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def conditions(signals: Sequence[SignalFact]) -> dict[str, str]:
    """Each alerting condition (fingerprint) and its latest status."""
    latest: dict[str, str] = {}
    for signal in sorted(signals, key=lambda s: (utc(s.received_at), s.id)):
        latest[signal.fingerprint] = signal.status
    return latest


@dataclass(frozen=True, slots=True)
class Measures:
    """The incident's moments. ``acknowledged`` and ``mitigated`` carry who or what."""

    first_signal: datetime
    opened: datetime
    drafted: datetime
    acknowledged: tuple[datetime, str] | None = None
    mitigated: tuple[datetime, str] | None = None
    cleared: datetime | None = None  # every alerting condition reported resolved
    resolved: datetime | None = None

    @property
    def end(self) -> datetime:
        """Resolution; for an open incident, the draft's time (and :attr:`ended` is False)."""
        return self.resolved if self.resolved is not None else self.drafted

    @property
    def ended(self) -> bool:
        return self.resolved is not None

    def span(self) -> str:
        """``52 min (from 14:03:00 to 14:55:00 UTC)`` or the open form, explicitly."""
        if self.ended:
            return (
                f"{duration(self.end - self.first_signal)}, from the first signal at "
                f"{stamp(self.first_signal)} to resolution at {stamp(self.end)}"
            )
        return (
            f"still open: {duration(self.drafted - self.first_signal)} so far, from the first "
            f"signal at {stamp(self.first_signal)} to this draft at {stamp(self.drafted)}"
        )


def _first_signal(facts: PostmortemFacts) -> datetime:
    firing = [s.started_at for s in facts.signals if s.status == "firing"]
    return min([facts.incident.first_seen_at, *firing], key=utc)


def _acknowledged(facts: PostmortemFacts, names: Names) -> tuple[datetime, str] | None:
    """The first thing a person did about the incident after it opened."""
    opened = utc(facts.incident.opened_at)
    moments: list[tuple[datetime, str]] = [
        (utc(row.at), f"{names.person(row.actor)} ({row.event.replace('_', ' ')})")
        for row in facts.audit
        if row.actor.startswith("slack:") and not row.event.startswith("postmortem.")
    ]
    moments += [
        (utc(a.proposed_at), f"{names.person(a.proposed_by)} (proposed action #{a.id})")
        for a in facts.actions
        if a.proposed_by.startswith("slack:")
    ]
    moments += [
        (utc(m.at), f"{names.person(m.user)} (wrote in the channel)")
        for m in facts.messages
        if not m.from_bot
    ]
    after = [moment for moment in moments if moment[0] >= opened]
    return min(after, key=lambda m: m[0]) if after else None


def _cleared(facts: PostmortemFacts) -> datetime | None:
    latest = conditions(facts.signals)
    if not latest or any(status != "resolved" for status in latest.values()):
        return None
    return max((utc(s.received_at) for s in facts.signals if s.status == "resolved"), default=None)


def _mitigated(facts: PostmortemFacts, cleared: datetime | None) -> tuple[datetime, str] | None:
    done = [
        (utc(row.at), f"action #{row.details.get('action_id')} succeeded")
        for row in facts.audit
        if row.event == "action.succeeded"
    ]
    done += [
        (utc(a.finished_at), f"action #{a.id} ({a.kind} of {a.target}) {a.state}")
        for a in facts.actions
        if a.state in DONE_STATES and a.finished_at is not None
    ]
    if cleared is not None:
        done.append((cleared, "every alerting condition reported resolved"))
    return min(done, key=lambda m: m[0]) if done else None


def measure(facts: PostmortemFacts, names: Names) -> Measures:
    incident = facts.incident
    resolved = incident.resolved_at if not incident.open else None
    cleared = _cleared(facts)
    return Measures(
        first_signal=utc(_first_signal(facts)),
        opened=utc(incident.opened_at),
        drafted=utc(facts.drafted_at),
        acknowledged=_acknowledged(facts, names),
        mitigated=_mitigated(facts, cleared),
        cleared=cleared,
        resolved=utc(resolved) if resolved is not None else None,
    )
