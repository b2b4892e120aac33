"""The packet's "likely cause" paragraph: the narrator's grounded prose when it has some, the
packet's own ranking otherwise. The text is chosen here; posting it is the incident flow's job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot import messages
from bot.analysis.assessment import Assessment
from bot.evidence.values import EvidenceBundle
from bot.narrator.client import Narrator
from bot.narrator.facts import FactSheet, incident_facts
from bot.narrator.notes import left_out
from bot.narrator.untrusted import shown_as_data
from bot.narrator.values import Narration
from bot.packet.values import Packet

__all__ = ["LIKELY_CAUSE_INSTRUCTIONS", "LikelyCause", "likely_cause"]

PURPOSE = "likely_cause"
LIKELY_CAUSE_INSTRUCTIONS = (
    "Write the incident packet's short 'likely cause' paragraph for the on-call engineer: two "
    "to four claims saying what most likely broke and why (a ranked hypothesis, cited), what "
    "the facts rest on, and what speaks against it. Prefer the hypotheses' evidence lines; "
    "stay with what the facts say."
)


@dataclass(frozen=True, slots=True)
class LikelyCause:
    """The reply's text, and the narration behind it (None when no model was asked)."""

    text: str
    narration: Narration | None
    sheet: FactSheet

    @property
    def grounded(self) -> bool:
        return self.narration is not None and self.narration.grounded


async def likely_cause(
    narrator: Narrator,
    *,
    packet: Packet,
    assessment: Assessment,
    evidence: EvidenceBundle,
    services: Iterable[str] = (),
) -> LikelyCause:
    """Ask the narrator about the packet's facts; fall back to the packet's causes when it
    fails, answers in a form the bot cannot use, or nothing it wrote survives the verifier."""
    sheet = incident_facts(
        packet=packet, assessment=assessment, evidence=evidence, services=services
    )
    narration = await narrator.write(
        purpose=PURPOSE,
        facts=sheet.facts,
        instructions=LIKELY_CAUSE_INSTRUCTIONS,
        incident_id=packet.incident_id,
        names=sheet.names,
        advice=sheet.advice,
    )
    if narration.grounded:
        text = messages.narrative(narration, sheet.facts)
    else:
        causes = tuple(shown_as_data(cause) for cause in packet.causes)
        text = messages.narrative_fallback(causes, narration)
        if narration.dropped:
            text += "\n" + left_out(len(narration.dropped))
    return LikelyCause(text, narration, sheet)
