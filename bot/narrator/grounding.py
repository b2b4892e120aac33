"""Grounding: a claim the model wrote is kept only if its facts are the packet's facts.

Pure. A claim is dropped when it cites no fact or an id it was not given, or when it names a
sha (7 to 40 hex digits with a digit among them), a pod or other dashed identifier with a digit,
a known service or pod name, or a number that the facts it cites do not contain. The reasons
are kept so the audit row and the evaluation can say how often the model strayed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.narrator.values import Claim, DroppedClaim, Fact

__all__ = ["Grounded", "claims_from", "ground"]

CITATION = re.compile(r"\[?\(?\bE\d+\b(?:\s*,\s*\bE\d+\b)*\)?\]?")
SHA = re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b", re.IGNORECASE)
DASHED = re.compile(r"\b(?=[\w.-]*\d)[a-z0-9]+(?:[-_][a-z0-9]+)+\b", re.IGNORECASE)
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
MAX_CLAIMS = 12
MAX_CLAIM_CHARS = 600


class Grounded:
    """The claims grounding kept and the ones it dropped, in the model's order."""

    __slots__ = ("dropped", "kept")

    def __init__(self, kept: Sequence[Claim], dropped: Sequence[DroppedClaim]) -> None:
        self.kept = tuple(kept)
        self.dropped = tuple(dropped)


def claims_from(tool_input: Mapping[str, Any] | None) -> list[Claim] | None:
    """The claims out of the tool's input; None when it is not the shape the tool declares.
    Items that are not claims are skipped rather than trusted."""
    if tool_input is None or not isinstance(tool_input.get("claims"), list):
        return None
    claims: list[Claim] = []
    for item in tool_input["claims"][:MAX_CLAIMS]:
        if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
            continue
        ids = item.get("evidence_ids")
        cited = tuple(str(i).strip() for i in ids) if isinstance(ids, list) else ()
        text = " ".join(item["text"].split())[:MAX_CLAIM_CHARS]
        if text:
            claims.append(Claim(text, cited))
    return claims


def _number(token: str) -> Decimal | None:
    try:
        return Decimal(token.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only matches digits
        return None


def _numbers(text: str) -> set[Decimal]:
    return {n for n in (_number(t) for t in NUMBER.findall(text)) if n is not None}


def _word(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE) is not None


def _stray(claim: Claim, cited: str, names: Iterable[str]) -> str | None:
    """Why the claim says more than ``cited`` (the text of the facts it cites), or None."""
    text = CITATION.sub(" ", claim.text)
    lowered = cited.lower()
    for sha in SHA.findall(text):
        if sha.lower() not in lowered:
            return f"names sha {sha} not in its evidence"
    for name in names:
        if _word(name, text) and not _word(name, cited):
            return f"names {name} not in its evidence"
    for token in DASHED.findall(text):
        if not _word(token, cited):
            return f"names {token} not in its evidence"
    missing = _numbers(text) - _numbers(cited)
    if missing:
        return f"states {min(missing)} not in its evidence"
    return None


def ground(
    claims: Sequence[Claim], facts: Sequence[Fact], *, names: Iterable[str] = ()
) -> Grounded:
    """Keep the claims that cite known facts and name nothing those facts do not contain.

    ``names`` are the services and pods known around the incident: a claim naming one must
    cite a fact that names it too (a plain word like ``checkout`` is otherwise indistinguishable
    from prose)."""
    by_id = {fact.id: fact.text for fact in facts}
    known = sorted({name for name in names if name}, key=len, reverse=True)
    kept: list[Claim] = []
    dropped: list[DroppedClaim] = []
    for claim in claims:
        if not claim.evidence_ids:
            dropped.append(DroppedClaim(claim, "cites no evidence"))
            continue
        unknown = [i for i in claim.evidence_ids if i not in by_id]
        if unknown:
            dropped.append(DroppedClaim(claim, f"cites unknown id {unknown[0]}"))
            continue
        cited = "\n".join(by_id[i] for i in claim.evidence_ids)
        reason = _stray(claim, cited, known)
        if reason is not None:
            dropped.append(DroppedClaim(claim, reason))
        else:
            kept.append(claim)
    return Grounded(kept, dropped)
