"""Grounding: the claims out of the model's tool call, each passed through the verifier.

Pure. :func:`claims_from` reads the ``report_claims`` input (None when it is not the shape the
tool declares); :func:`ground` keeps the claims :mod:`bot.narrator.verifier` lets through and
drops the rest with the reason, so the audit row and the evaluation can say how often the model
strayed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.narrator.values import Claim, Fact
from bot.narrator.verifier import Evidence, Verified, verify

__all__ = ["Grounded", "claims_from", "ground"]

MAX_CLAIMS = 12
MAX_CLAIM_CHARS = 600

Grounded = Verified


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


def ground(
    claims: Sequence[Claim],
    facts: Sequence[Fact],
    *,
    names: Iterable[str] = (),
    advice: Iterable[str] = (),
) -> Grounded:
    """Keep the claims the verifier passes. ``names`` are the services, pods, people and teams
    known around the incident (a plain word like ``checkout`` is otherwise indistinguishable
    from prose); ``advice`` the packet's suggested actions and its runbook's steps, the only
    advice a claim may give."""
    return verify(claims, Evidence.of(facts, names=names, advice=advice))
