"""Customer data exposure, read from what the evidence says happened to the data.

Users seeing other users' data is recognised by its shape, not by alarming words: one
principal's data (a user's, customer's, account's, tenant's, organisation's) delivered to,
rendered for, or readable by another principal; an authorization decision that lets a
non-member in; people reporting that what they see is someone else's; or customers' secrets
(credentials, tokens, secure variables) made readable by whoever is not trusted with them:
handed to code from forks, to the public, or written in plain text to logs. Each finding says
which line shows it, so the marker it raises cites its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.analysis.stated_time import stated_onset
from bot.evidence.values import LogRecord
from bot.signal.values import Signal

__all__ = ["Exposure", "exposure_in", "exposure_of", "first_exposure", "stated_onset"]

_PRINCIPAL = re.compile(
    r"\b(?P<kind>users?|customers?|accounts?|tenants?|org(?:anisation|anization)?s?|subjects?|"
    r"steamids?|members?|principals?|workspaces?|companies|company)"
    r"[ _#:=]+(?P<id>[a-z]{0,4}_?[0-9][\w.@-]*|[\w.+-]+@[\w.-]+)",
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
# A check that lets people in without the secret: any password opens any account, a login
# granted although the password did not verify. Whoever types an address reads the account.
_AUTH_BYPASS = re.compile(
    r"\b(?:sign|log)(?:ged|s)?[ -]?in with (?:any|a wrong|an? (?:old|invalid|incorrect)) "
    r"(?:password|credential|token)s?|"
    r"\baccepts? (?:any|every|wrong|invalid) (?:password|credential|token)s?|"
    r"\bany (?:password|credential|token|string) (?:works|is accepted|opens|lets)|"
    r"\b(?:login|sign[ -]?in|auth\w*)\b[^\n]{0,20}\b(?:ok|succe\w*|granted|allowed)\b[^\n]{0,80}"
    r"\b(?:password|credentials?|mfa|otp|signature|token)[_ ]?(?:verified|valid|checked|ok)"
    r"[=: ]+(?:false|no|0)\b|"
    r"\bauthentication (?:check )?(?:is )?bypass(?:ed)?\b|\bauth(?:entication)? bypass\b",
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
# A response made for one requester handed to another: "served from cache to 1,912 sessions
# different from the origin response's session", "returned to a different user".
_WHO = (
    r"(?:sessions?|users?|customers?|accounts?|tenants?|visitors?|workspaces?|companies|company|"
    r"org(?:anisation|anization)?s?)"
)
_HANDED_TO_OTHER = re.compile(
    rf"\b(?:served|returned|delivered|sent|shown|rendered)\b.{{0,80}}\bto\b.{{0,40}}\b{_WHO}\b"
    r".{0,30}\b(?:different from|other than|not (?:the )?(?:one|owner|requester))\b|"
    rf"\b(?:served|returned|delivered|sent|shown|rendered)\b.{{0,80}}\bto (?:a |an |the )?"
    rf"(?:different|another|other|wrong) {_WHO}\b|"
    # ... "returned to a session of a different workspace": the requester named by its owner.
    rf"\b(?:served|returned|delivered|sent|shown|rendered)\b.{{0,80}}\bto (?:a |an |the )?{_WHO}"
    rf" (?:of|for|from|belonging to) (?:a |an |the )?(?:different|another|other|wrong) {_WHO}\b",
    re.IGNORECASE,
)
# Records people see that came from another owner: "task titles from another company".
_RECORDS = (
    r"(?:data|records?|rows?|results?|names?|titles?|tasks?|files?|documents?|orders?|messages?|"
    r"details|emails?|invoices?|profiles?|projects?|conversations?|photos?)"
)
_FOREIGN_RECORDS = re.compile(
    rf"\b{_RECORDS} (?:from|of|belonging to|owned by) (?:an? |the )?(?:another|different|other|"
    rf"wrong) {_WHO}\b",
    re.IGNORECASE,
)

# Data at rest that people's records live in, or that is marked theirs alone: a dump, a
# backup, an export, a report, a private field. Not a page, an API, a subnet or a status.
_STORED_DATA = (
    r"(?:(?:database |db |sql |pg_?|mysql)?dumps?\b|pg_dump|\.sql(?:\.gz)?\b|backups?\b|"
    r"snapshots?\b|exports?\b|archives?\b|(?:payout|payment|billing|usage|customer|user)"
    r" (?:reports?|records?|data)\b|customer data|personal data|\bpii\b|user data|"
    r"private (?:fields?|data|details|information|info|profiles?|contact\w*|messages?|notes?|"
    r"repositor(?:y|ies)|files?|documents?|photos?|records?)|visibility[=: ]+private)"
)
# Whoever was not meant to have it: anyone at all, no identity, someone outside.
_OUTSIDER = (
    r"(?:\banonymous(?:ly)?\b|\bunauthenticated\b|\bunauthori[sz]ed (?:third|client|user|part|"
    r"caller|request|access)\w*|principal\W{0,3}\*|\ball_?users\b|\bworld[- ]readable\b|"
    r"\bpublic(?:ly)?[- ](?:read\w*|access\w*|listable|downloadable|available|exposed|acl|"
    r"link|bucket|url|forum|torrent|paste)\b|\bposted publicly\b|"
    r"\boutside (?:the |our |of the )?(?:organi[sz]ation|company|corporate network|"
    r"network|vpn|allow ?list)\b|\bindexed by (?:google|search engines?|bing)\b|"
    r"\b(?:non-?owners?|not the owner|is_owner[=: ]+false|viewer_is_owner[=: ]+false)|"
    r"\bon (?:their|his|her|a) public (?:page|profile|story|site)\b)"
)
# What says the data went there, rather than that it merely could: read, fetched, cloned,
# served, rendered, visible, or a grant that lets anyone read.
_REACHED = (
    r"(?:\bget ?object\b|\bread\b|\bfetched\b|\bdownload\w*|\bclon\w+|\bupload-pack\b|"
    r"\bserved\b|\brendered\b|\breturned\b|\bvisible\b|\breadable\b|\bexposed\b|"
    r"\bpublished\b|\bposted\b|\bgrants?\b|\baccess\w*\b|\bindexed\b)"
)
_STORED_DATA_RE = re.compile(_STORED_DATA, re.IGNORECASE)
_OUTSIDER_RE = re.compile(_OUTSIDER, re.IGNORECASE)
_REACHED_RE = re.compile(_REACHED, re.IGNORECASE)
# A line that says the outsider was kept out: "block public access", "anonymous ... 403".
_KEPT_OUT = re.compile(
    r"\b(?:block(?:ed|s|ing)?|den(?:y|ied|ies)|disabled|forbidden|rejected|refused|prevent\w*|"
    r"403|401|no public|not (?:public|exposed|readable|visible))\b",
    re.IGNORECASE,
)


def _to_outsider(text: str) -> str | None:
    """Stored or private data, an audience it was not meant for and a word that it reached them
    (or a grant letting anyone read it), in one line that does not say they were kept out."""
    for line in text.splitlines():
        what, who = _STORED_DATA_RE.search(line), _OUTSIDER_RE.search(line)
        if what and who and _REACHED_RE.search(line) and not _KEPT_OUT.search(line):
            return f"{what.group()}, {who.group()}"
    return None


_SECRET = (
    r"(?:secrets?|secure (?:env(?:ironment)? )?var\w*|credentials?|passwords?|passphrases?|"
    r"password[ _-]?hash(?:es)?|"
    r"api[ _-]?keys?|access[ _-]?keys?|private[ _-]?keys?|(?:access|auth|api|bearer) tokens?)"
    # ... as a value, not a topic: "password reset emails sent to all users" exposes nothing.
    r"(?![ _-]?(?:resets?|changes?|polic(?:y|ies)|expir\w*|rotation|prompts?|pages?|forms?|"
    r"screens?|requirements?|strength|managers?|rules?)\b)"
)
# A secret reaching someone not trusted with it: code from forks, the public, anyone, other
# people (one person's secret sent to every member of a workspace).
_UNTRUSTED = (
    r"(?:forks?\b|forked|public(?:ly)?\b|anonymous|unauthenticated|untrusted|world[- ]readable|"
    r"\banyone\b|\beveryone\b|third[- ]part(?:y|ies)|"
    r"\b(?:all|other|every)\s+(?:[\w-]+\s+){0,2}?(?:members?|users?|customers?|people|"
    r"tenants?|participants?|recipients?|subscribers?|clients?)\b)"
)
_HANDED = (
    r"(?:exposed|injected|available|visible|readable|leaked|shared|accessible|passed|sent|"
    r"broadcast(?:ed)?|delivered|returned|shown|included)"
)
_SECRET_TO_UNTRUSTED = re.compile(
    rf"\b{_SECRET}\b.{{0,80}}\b{_HANDED}\b.{{0,80}}{_UNTRUSTED}|"
    rf"{_UNTRUSTED}.{{0,80}}\b{_SECRET}\b.{{0,40}}\b{_HANDED}\b|"
    rf"\b{_HANDED}\b.{{0,20}}\b{_SECRET}\b.{{0,80}}{_UNTRUSTED}",
    re.IGNORECASE,
)
# A secret written where it is kept in the clear: "password logged in plaintext".
_CLEAR = r"(?:plain ?text|clear ?text|unredacted|unmasked|unhashed|unencrypted|in the clear)"
_SECRET_IN_CLEAR = re.compile(
    rf"{_CLEAR}\b.{{0,60}}\b{_SECRET}\b|\b{_SECRET}\b.{{0,60}}{_CLEAR}",
    re.IGNORECASE,
)


# A secret's value itself in a line: "password=hunter2", '"client_secret": "9f8e..."' (a
# masked or templated value, "password=***", "${DB_PASSWORD}", is not one).
_SECRET_VALUE = re.compile(
    r"\b(?:password|passwd|pwd|passphrase|client_secret|secret_key|api_?key|access_?token|"
    r"auth_?token)\b(?:=|\"?:\s*\")\s*"
    r"(?!\*|\[|<|\$|\{|x{3}|%s|null\b|none\b|redacted|masked|hidden|filtered)"
    r"[^\s\"',;&)]{4,}",
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
    if _AUTH_BYPASS.search(text):
        return "a sign-in check let people in without the right secret"
    if (reported := _REPORTED.search(text)) is not None:
        return f'people report seeing data that is not theirs ("{reported.group()}")'
    if _HANDED_TO_OTHER.search(text) is not None:
        return "a response made for one requester was handed to another"
    if (foreign := _FOREIGN_RECORDS.search(text)) is not None:
        return f'people see records of another owner ("{foreign.group()}")'
    if (shown := _to_outsider(text)) is not None:
        return f"stored or private data reached an audience it was not meant for ({shown})"
    # The reasons name what happened, never the words around it: they may hold the secret.
    if _SECRET_TO_UNTRUSTED.search(text) is not None:
        return "secrets reached someone not trusted with them (code from forks, the public, others)"
    if _SECRET_IN_CLEAR.search(text) is not None:
        return "secrets written in the clear (plain text)"
    if (value := _SECRET_VALUE.search(text)) is not None:
        name = value.group().split("=")[0].split(":")[0].strip('" ')
        return f"a {name} value written in the clear"
    return None


def first_exposure(lines: Iterable[tuple[datetime | None, str]]) -> Exposure | None:
    """The earliest line that shows an exposure (lines without a time come last)."""
    found = [
        Exposure(text, why, at) for at, text in lines if (why := exposure_in(text)) is not None
    ]
    return min(found, key=lambda e: (e.at is None, e.at or datetime.max, e.text), default=None)


def exposure_of(
    service: str, logs: Iterable[LogRecord], signals: Iterable[Signal]
) -> Exposure | None:
    """The first line (a log line of the service or of a dependency it serves data from, or one
    of its alerts) showing customer data reaching the wrong owner."""
    lines = [(r.at, r.message) for r in logs]  # the service's and its dependencies' lines
    lines += [
        (s.started_at, f"{s.title}\n{s.description}") for s in signals if s.service == service
    ]
    return first_exposure(lines)
