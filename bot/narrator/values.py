"""What the narrator reads and writes, as values: the facts it may cite, the claims it made,
the ones grounding kept or dropped, and what each call cost.

A :class:`Fact` is one thing the core already established (a deploy, a metric spike, a log
cluster, a pod's state, a flag change, a line of a hypothesis' evidence) under a short id the
model cites (``E1``, ``E2``...). A :class:`Narration` holds only claims whose every sha, service,
pod name and number appears in the facts they cite; the rest are counted in ``dropped``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Claim",
    "DroppedClaim",
    "Fact",
    "FactKind",
    "Narration",
    "NarrationOutcome",
    "Usage",
]


class FactKind(StrEnum):
    """What a fact is, for the verifier: a causal claim must cite a ``hypothesis``; the rest
    are observations the analysis made (or, in a postmortem, lines of its record)."""

    ALERT = "alert"
    DEPLOY = "deploy"
    METRIC = "metric"
    LOG = "log"
    POD = "pod"
    FLAG = "flag"
    HYPOTHESIS = "hypothesis"
    SUPPORT = "support"  # a line of evidence for a hypothesis
    CONTRADICTION = "contradiction"  # a line of evidence against one
    WARNING = "warning"
    UNAVAILABLE = "unavailable"
    RECORD = "record"  # the incident's own record, a timeline line (postmortems)


@dataclass(frozen=True, slots=True)
class Fact:
    """One established fact under the id the model cites it by (``E1``).

    ``origin`` says, when the fact quotes text someone outside the bot wrote (an alert's title,
    a log line, a commit message, a PR title), where that text came from: the prompt shows it as
    untrusted data under that name. None means every word is the bot's own. ``hypothesis`` is
    the rank (1 = best) of the hypothesis the fact states or is evidence for."""

    id: str
    text: str
    kind: FactKind = FactKind.RECORD
    origin: str | None = None
    hypothesis: int | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """One sentence of prose and the fact ids it rests on."""

    text: str
    evidence_ids: tuple[str, ...]

    def cited(self) -> str:
        """``Checkout's error rate rose after deploy 9f1c2ab [E1, E3]``."""
        return f"{self.text} [{', '.join(self.evidence_ids)}]" if self.evidence_ids else self.text


@dataclass(frozen=True, slots=True)
class DroppedClaim:
    """A claim grounding refused, and why (``cites unknown id E9``, ``names sha 1234abc``...)."""

    claim: Claim
    reason: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens one call (or several, summed) consumed and what they cost in US dollars."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            self.cache_read_input_tokens + other.cache_read_input_tokens,
            round(self.cost_usd + other.cost_usd, 8),
        )


class NarrationOutcome(StrEnum):
    """How a narration ended. Only ``written`` carries the model's prose; on any other outcome
    the caller uses its deterministic text."""

    WRITTEN = "written"  # the model answered; ``claims`` are those that survived grounding
    FAILED = "failed"  # errors or the retry budget ran out: no prose
    MALFORMED = "malformed"  # the model answered without the claims tool's input


@dataclass(frozen=True, slots=True)
class Narration:
    """The result of one :meth:`bot.narrator.client.Narrator.write`.

    ``claims`` are the kept ones, in the model's order; ``dropped`` the ones grounding refused.
    ``attempts`` counts calls to the model, retries included; ``usage`` sums all of them.
    """

    purpose: str
    outcome: NarrationOutcome
    claims: tuple[Claim, ...] = ()
    dropped: tuple[DroppedClaim, ...] = ()
    usage: Usage = Usage()
    model: str = ""
    attempts: int = 0
    error: str | None = None

    @property
    def grounded(self) -> bool:
        """True when there is prose to post: the model answered and a claim survived."""
        return self.outcome is NarrationOutcome.WRITTEN and bool(self.claims)

    @property
    def text(self) -> str:
        """The kept claims as one paragraph, each with its citations."""
        return " ".join(claim.cited() for claim in self.claims)
