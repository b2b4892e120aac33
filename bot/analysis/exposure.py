"""Customer data exposure, read from what the evidence says happened to the data.

Users seeing other users' data is recognised by its shape, not by alarming words: one
principal's data (a user's, customer's, account's, tenant's, organisation's) delivered to,
rendered for, or readable by another principal; an authorization decision that lets a
non-member in; or people reporting that what they see is someone else's. Each finding says
which line shows it, so the marker it raises cites its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Exposure", "exposure_in", "first_exposure"]

_PRINCIPAL = re.compile(
    r"\b(?P<kind>users?|customers?|accounts?|tenants?|org(?:anisation|anization)?s?|subjects?|"
    r"steamids?|members?|principals?)[ _#:=]+(?P<id>[a-z]{0,4}_?[0-9][\w.@-]*|[\w.+-]+@[\w.-]+)",
    re.IGNORECASE,
)
_DELIVERY = re.compile(
    r"served to|returned|rendered (?:for|with)|generated for|belongs? to|owned by|requested by|"
    r"authenticated as|written to|visible to|shown to|sent to|delivered to|leaked to|"
    r"(?:profile|data|page|details) of",
    re.IGNORECASE,
)
_NON_MEMBER_ALLOWED = re.compile(
    r"(?:membership|member|role|permission|access)[=: ]+(?:none|false|null|denied)\b.{0,60}"
    r"(?:decision|result|outcome)[=: ]+(?:allow|allowed|granted|permit)",
    re.IGNORECASE,
)
_REPORTED = re.compile(
    r"another (?:person|user|customer|member|account|tenant|company|org\w*)'?s\b|"
    r"other (?:users|customers|people|tenants|members)'|"
    r"other (?:users|customers|people|tenants)'? (?:data|names?|accounts?|dashboards?|pages?|"
    r"profiles?|conversations?|orders?|purchases?|details|emails?)|"
    r"not (?:theirs|their own|his|hers)\b|someone else'?s\b|"
    r"signed in as (?:a |an )?(?:different|another|someone)|"
    r"(?:are|were|is) not (?:a )?members? of|"
    r"(?:different|wrong) (?:user|customer|account|tenant)'?s? (?:data|account|page|profile|"
    r"email|name)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Exposure:
    """Where customer data went to the wrong owner: the line and what it shows."""

    text: str
    why: str
    at: datetime | None = None


def _kind(word: str) -> str:
    lowered = word.lower().rstrip("s")
    return "org" if lowered.startswith("org") else lowered


def _crossed_owners(text: str) -> str | None:
    """Two different principals of one kind in a line that moves data between them."""
    if not _DELIVERY.search(text):
        return None
    seen: dict[str, str] = {}
    for match in _PRINCIPAL.finditer(text):
        kind, ident = _kind(match.group("kind")), match.group("id").lower().rstrip(".,;)")
        if kind in seen and seen[kind] != ident:
            return f"data of {kind} {seen[kind]} went to {kind} {ident}"
        seen.setdefault(kind, ident)
    return None


def exposure_in(text: str) -> str | None:
    """Why ``text`` shows customer data reaching the wrong owner, or None."""
    if (crossed := _crossed_owners(text)) is not None:
        return crossed
    if _NON_MEMBER_ALLOWED.search(text):
        return "an authorization decision let a non-member in"
    if (reported := _REPORTED.search(text)) is not None:
        return f'people report seeing data that is not theirs ("{reported.group()}")'
    return None


def first_exposure(lines: Iterable[tuple[datetime | None, str]]) -> Exposure | None:
    """The earliest line that shows an exposure (lines without a time come last)."""
    found = [
        Exposure(text, why, at) for at, text in lines if (why := exposure_in(text)) is not None
    ]
    return min(found, key=lambda e: (e.at is None, e.at or datetime.max, e.text), default=None)
