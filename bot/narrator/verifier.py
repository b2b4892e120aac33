"""The claim verifier: every sentence the model wrote passes it before a person sees it.

Pure. A claim is kept only when:

(a) it cites facts it was given, and every entity it names is in the facts it cites: a sha, a
    URL, a host or other identifier, a known service, pod, person or team, a proper noun, a
    system or harm (``disk``, ``database``, ``customers``...), a number in digits or in words,
    a percentage, a duration, a clock time, a vague quantity (``thousands``);
(b) its directions and comparisons agree with the cited series and times: ``rose`` / ``fell``
    and ``from X to Y`` against the cited ``from A to B``, ``X higher than Y`` against the
    numbers, ``before`` / ``after`` a deploy against the cited times or wording;
(c) a causal claim (``caused``, ``because``, ``due to``...) cites a hypothesis the analysis
    ranked, names something of that hypothesis (not only the incident's effects), and names
    nothing beyond it, its evidence and the effects;
(d) advice (``should``, ``roll back``, a command...) rewords one of the packet's suggested
    actions or the selected runbook's steps: its action verbs and commands must be in that step.
    Advice is never checked against evidence: an instruction an alert carried is in the
    evidence word for word, and that must not make it advice. A sentence carrying text that
    reads like an instruction (:mod:`bot.narrator.untrusted`) or a Slack mention is advice too.

A claim that names no entity, gives no advice and claims no cause ("Everything is under
control now") passes (a) and (b) vacuously, so it must say what its cited facts say: more
than half of its meaningful words are in them (:mod:`bot.narrator.overlap`).

Each drop keeps its reason, for the audit row and the reply's "N left out".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.narrator import entities
from bot.narrator.directions import direction_conflict
from bot.narrator.overlap import meaning_words, names_anything, unsupported
from bot.narrator.untrusted import instruction_markers
from bot.narrator.values import Claim, DroppedClaim, Fact, FactKind
from bot.narrator.vocabulary import (
    ACTION_VERBS,
    ADVICE_MARKERS,
    CAUSAL_MARKERS,
    COMMON_WORDS,
    REMEDIES,
)

__all__ = ["Evidence", "Verified", "check", "verify"]

# Facts that describe the incident's effect rather than a cause: a causal claim may name them.
EFFECT_KINDS = frozenset({FactKind.ALERT, FactKind.METRIC, FactKind.RECORD})
COMMAND = re.compile(
    r"`[^`]+`|\$\s*\w+|\b(?:kubectl|helm|psql|mysql|redis-cli|aws|gcloud|az|terraform|ssh|"
    r"sudo|rm|curl|wget|systemctl|docker)\b",
    re.IGNORECASE,
)

IMPERATIVE = re.compile(
    r"\W*(?:please\s+)?(?:roll\s+back|revert|restart|reboot|redeploy|re-deploy|scale|escalate|"
    r"notify|delete|remove|drain|cordon|kill|terminate|shut|disable|enable|turn\s+(?:off|on)|"
    r"flush|purge|clear|fail\s+over|failover|promote|pause|suspend|resume|execute|apply|"
    r"patch|rotate|revoke|wake|call|tell|ask|email|page\s+(?:the|someone|everyone|on-?call|"
    r"@)|run\s+(?:`|kubectl|helm|the|a|this)|do\s+not|don't|never|go|stop|freeze)\b",
    re.IGNORECASE,
)
FUTURE = re.compile(r"\b(?:will|would|could|fix|fixes|need|needs|next|to be|let's)\b")
ALIASES = {
    "memory": ("oom",),
    "oom": ("memory",),
    "db ": ("database",),
    "database": ("db", "postgres", "mysql"),
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """What claims are checked against: the facts by id, the names known around the incident
    (services, pods, people, teams) and the advice the packet allows (its suggested actions
    and its runbook's steps)."""

    facts: Mapping[str, Fact]
    names: frozenset[str] = frozenset()
    advice: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, facts: Iterable[Fact], *, names: Iterable[str] = (), advice: Iterable[str] = ()
    ) -> Evidence:
        by_id = {fact.id: fact for fact in facts}
        return cls(
            by_id,
            frozenset(n for n in names if n and len(n) > 1),
            # A step that itself reads like an instruction (an injected PR title) allows nothing.
            tuple(a for a in advice if a.strip() and not instruction_markers(a)),
        )


@dataclass(frozen=True, slots=True)
class Verified:
    """The claims kept and the ones dropped (with why), in the model's order."""

    kept: tuple[Claim, ...]
    dropped: tuple[DroppedClaim, ...]


def _has(term: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(term.strip())}", text, re.IGNORECASE) is not None


def _entity_gap(text: str, cited: str, evidence: Evidence) -> str | None:
    """The first entity ``text`` names that ``cited`` does not contain, as a reason."""
    lowered = cited.lower()
    for sha in entities.shas(text):
        if sha.lower() not in lowered:
            return f"names sha {sha} not in its evidence"
    for url in entities.urls(text):
        if url.lower() not in lowered:
            return f"names {url} not in its evidence"
    for name in entities.names_in(text, evidence.names):
        if not entities.word_in(name, cited):
            return f"names {name} not in its evidence"
    for token in (*entities.named(text), *entities.lowercase_names(text)):
        if not entities.word_in(token, cited):
            return f"names {token} not in its evidence"
    cited_severities = set(entities.severities(cited))
    for severity in entities.severities(text):
        if severity not in cited_severities:
            return f"states severity {severity} not in its evidence"
    for token in entities.identifiers(text):
        if not entities.word_in(token, cited) and token.lower() not in lowered:
            return f"names {token} not in its evidence"
    gap = _quantity_gap(text, cited)
    if gap is not None:
        return gap
    for noun in entities.proper_nouns(text):
        if not entities.word_in(noun, cited):
            return f"names {noun} not in its evidence"
    for term in entities.component_terms(text):
        forms = (term, entities.stem(term.strip()), *ALIASES.get(term, ()))
        if not any(_has(form, cited) for form in forms):
            return f"speaks of {term.strip()} where its evidence does not"
    return None


def _quantity_gap(text: str, cited: str) -> str | None:
    for word in entities.vague_quantities(text):
        if word not in cited.lower():
            return f"states {word} where its evidence gives no such amount"
    cited_numbers = entities.numbers(cited)
    missing = entities.numbers(text) - cited_numbers
    if missing:
        return f"states {_plain(max(missing))} not in its evidence"
    missing_percent = entities.percentages(text) - entities.percentages(cited)
    if missing_percent:
        return f"states {_plain(min(missing_percent))}% not in its evidence"
    cited_durations = entities.durations(cited)
    for value, unit in sorted(entities.durations(text)):
        if (value, unit) not in cited_durations:
            return f"states a duration of {_plain(value)} {unit} not in its evidence"
    missing_times = entities.clock_times(text) - entities.clock_times(cited)
    if missing_times:
        return f"states the time {min(missing_times)} not in its evidence"
    return None


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _is_causal(text: str) -> bool:
    lowered = text.lower()
    return any(re.search(rf"\b{re.escape(marker)}\b", lowered) for marker in CAUSAL_MARKERS)


def _verb(verb: str) -> str:
    """``restart`` as a word in any tense (``restarts``, ``restarted``, ``scaling``,
    ``rolled back``), not inside another word."""
    first, _, rest = verb.partition(" ")
    if first.endswith("e") and len(first) > 3:
        head = rf"{re.escape(first[:-1])}(?:e|es|ed|ing)"
    else:
        head = rf"{re.escape(first)}(?:s|es|d|ed|ing|ped|ping|ged|ging)?"
    tail = rf"\s+{re.escape(rest)}" if rest else ""
    return rf"(?<![\w-]){head}{tail}(?![\w-])"


def _actions(text: str) -> list[str]:
    lowered = text.lower()
    return [verb for verb in ACTION_VERBS if re.search(_verb(verb), lowered)]


def _is_advice(text: str, cited: str) -> bool:
    lowered = f" {text.lower()} "
    if instruction_markers(text) or entities.mentions(text) or COMMAND.search(text):
        return True
    if any(re.search(rf"(?<![\w-]){re.escape(marker)}", lowered) for marker in ADVICE_MARKERS):
        return True
    # An imperative: the sentence opens with an action verb ("Roll back...", "Restart...").
    if IMPERATIVE.match(text) is not None:
        return True
    # A remedy named in any form ("a restart would fix it", "was rolled back") is advice or a
    # claim that something was done: only a suggested step may carry it, unless the cited facts
    # observe it themselves ("4 restarts") and the sentence only restates them.
    remedies = [verb for verb in REMEDIES if re.search(_verb(verb), lowered)]
    if not remedies:
        return False
    observed = all(re.search(_verb(verb), cited.lower()) for verb in remedies)
    return not observed or FUTURE.search(lowered) is not None


def _content_words(text: str) -> set[str]:
    return {
        entities.stem(w)
        for w in re.findall(r"[a-z][a-z-]{3,}", text.lower())
        if w not in COMMON_WORDS and not any(w in m for m in ADVICE_MARKERS)
    }


def _mostly_in(words: set[str], step: str) -> bool:
    if not words:
        return False
    found = {w for w in words if w in step}
    return len(found) * 2 >= len(words)


def _advice_gap(claim: Claim, cited: str, evidence: Evidence) -> str | None:
    """Why ``claim``, which advises, is not one of the allowed steps reworded; None if it is."""
    text = entities.strip_citations(claim.text)
    markers = instruction_markers(text)
    if entities.mentions(text):
        return f"mentions {entities.mentions(text)[0]}, which the bot never does on its own"
    if not evidence.advice:
        return "advises an action, and the packet suggests none"
    verbs = _actions(text)
    commands = [c.strip("`$ ").lower() for c in COMMAND.findall(text)]
    content = _content_words(text)
    for step in evidence.advice:
        lowered = step.lower()
        if any(not re.search(_verb(verb), lowered) for verb in verbs):
            continue
        if not verbs and not _mostly_in(content, lowered):
            continue  # no action named: it must at least say what the step says
        if any(command not in lowered for command in commands):
            continue
        if any(marker not in instruction_markers(step) for marker in markers):
            continue
        gap = _entity_gap(text, f"{step}\n{cited}", evidence)
        if gap is None:
            return None
    what = ", ".join([*commands, *verbs, *markers][:3]) or "an action"
    return f"advises {what}, which no suggested action or runbook step contains"


def _cause_gap(claim: Claim, text: str, evidence: Evidence) -> str | None:
    """A causal claim must cite a ranked hypothesis, and name nothing beyond that hypothesis,
    its evidence and the incident's effects."""
    cited = [evidence.facts[i] for i in claim.evidence_ids]
    ranks = {f.hypothesis for f in cited if f.kind is FactKind.HYPOTHESIS}
    if not ranks:
        return "claims a cause without citing a hypothesis the analysis ranked"
    scope = "\n".join(f.text for f in cited if f.hypothesis in ranks or f.kind in EFFECT_KINDS)
    gap = _entity_gap(text, scope, evidence)
    if gap is not None:
        return f"names a cause the analysis did not rank: {gap}"
    hypotheses = "\n".join(f.text for f in cited if f.kind is FactKind.HYPOTHESIS)
    if not meaning_words(text) & meaning_words(hypotheses):
        return "claims a cause without naming the hypothesis it cites"
    return None


def check(claim: Claim, evidence: Evidence) -> str | None:
    """Why ``claim`` may not reach a person, or None when it may."""
    if not claim.evidence_ids:
        return "cites no evidence"
    unknown = [i for i in claim.evidence_ids if i not in evidence.facts]
    if unknown:
        return f"cites unknown id {unknown[0]}"
    cited_facts: Sequence[Fact] = [evidence.facts[i] for i in claim.evidence_ids]
    cited = "\n".join(fact.text for fact in cited_facts)
    text = entities.strip_citations(claim.text)
    if _is_advice(text, cited):
        return _advice_gap(claim, cited, evidence)
    gap = _entity_gap(text, cited, evidence)
    if gap is not None:
        return gap
    conflict = direction_conflict(text, cited_facts)
    if conflict is not None:
        return conflict
    if _is_causal(text):
        return _cause_gap(claim, text, evidence)
    if not names_anything(text, evidence.names):
        return unsupported(text, cited)
    return None


def verify(claims: Sequence[Claim], evidence: Evidence) -> Verified:
    """Keep the claims :func:`check` finds nothing wrong with; drop the rest with the reason."""
    kept: list[Claim] = []
    dropped: list[DroppedClaim] = []
    for claim in claims:
        reason = check(claim, evidence)
        if reason is None:
            kept.append(claim)
        else:
            dropped.append(DroppedClaim(claim, reason))
    return Verified(tuple(kept), tuple(dropped))
