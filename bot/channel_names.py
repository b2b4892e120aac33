"""Incident channel names and topics: what an alert's ``service`` label may put in a channel's
name, which everyone in the workspace can read and which is never redacted afterwards.

The rule (documented in the README's "Escaping and redaction" section): the service names the
channel (``inc-20260304-billing-webhooks``) only when it is in the service catalog or matches
the strict pattern of a service name (ASCII letters and digits with single ``-``, ``_``, ``.``,
``/`` or spaces between, at most 60 characters) **and** nothing in it looks like a secret or
personal datum: no redaction rule finds anything in it as written or upper-cased (``AKIA…`` and
a lower-cased ``akia…`` both fail), no ``@``, no word of 16 or more characters mixing letters
and digits (a key or token no rule knows). Anything else gets ``inc-<yyyymmdd>-incident-<id>``:
unknown, but safe. The name is then lower-cased and every run of other characters becomes ``-``.

:func:`checked_channel_name` is the Slack adapter's last check on whatever name it is asked to
create or adopt: the same word test, the offending word replaced by a short digest.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from bot.narrator.untrusted import shown_within
from bot.redaction import redact

__all__ = [
    "CHANNEL_NAME_MAX",
    "channel_name",
    "checked_channel_name",
    "safe_service_name",
    "topic",
]

CHANNEL_NAME_MAX = 80
SUFFIX_ROOM = 4  # "-99" plus slack
TOPIC_MAX = 250

SERVICE_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|[ ._/-](?=[A-Za-z0-9])){0,59}$")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_SLACK_UNSAFE = re.compile(r"[^a-z0-9_-]+")
KEY_LIKE_LENGTH = 16


def _key_like(word: str) -> bool:
    return (
        len(word) >= KEY_LIKE_LENGTH
        and any(c.isdigit() for c in word)
        and any(c.isalpha() for c in word)
    )


def _secret_looking(text: str) -> bool:
    if "@" in text or redact(text) != text or redact(text.upper()) != text.upper():
        return True
    return any(_key_like(word) for word in _WORD_SPLIT.split(text.lower()))


def safe_service_name(service: str, *, known: bool = False) -> str | None:
    """``service`` as it may appear in a channel name, or None when it may not (see the module
    docstring for the rule); ``known`` says the catalog lists it."""
    if _secret_looking(service):
        return None
    if not known and not SERVICE_PATTERN.match(service):
        return None
    cleaned = _SLACK_UNSAFE.sub("-", service.lower()).strip("-_")
    return cleaned or None


def channel_name(
    *, opened_at: datetime, service: str, incident_id: int, known: bool = False, attempt: int = 1
) -> str:
    """``inc-<yyyymmdd>-<service>`` (or ``inc-<yyyymmdd>-incident-<id>`` for a service that may
    not name a channel), then ``-2``, ``-3``... when the name is taken; always within Slack's
    rules (lowercase letters, digits, ``-`` and ``_``, at most 80 characters)."""
    named = safe_service_name(service, known=known) or f"incident-{incident_id}"
    base = f"inc-{opened_at:%Y%m%d}-{named}"[: CHANNEL_NAME_MAX - SUFFIX_ROOM].rstrip("-_")
    return base if attempt == 1 else f"{base}-{attempt}"


def checked_channel_name(name: str) -> str:
    """``name`` within Slack's rules with any secret-looking word replaced by ``x`` and a short
    digest of it (the same name gives the same result: a crash's adoption finds it again)."""
    words = []
    for word in _SLACK_UNSAFE.sub("-", name.lower()).split("-"):
        if word and (_secret_looking(word) or _key_like(word)):
            word = "x" + hashlib.sha256(word.encode()).hexdigest()[:8]
        words.append(word)
    checked = "-".join(words).strip("-_")[:CHANNEL_NAME_MAX]
    return checked or "incident"


def topic(*, service: str, title: str, incident_id: int) -> str:
    """The channel topic: plain text, redacted (and escaped by the Slack adapter on its way out),
    the alert's title quoted and marked when it reads like an instruction.
    It holds nothing that changes (no severity): conversations.setTopic is Tier 2, too scarce
    in a storm to spend on keeping a topic current."""
    head, tail = f"{service} · ", f" · INC-{incident_id}"
    # Redacted before a cut can halve a secret; an alert's title that reads like an instruction
    # is quoted and marked as untrusted, and cut inside its quotes so the mark stays.
    shown = shown_within(redact(title), max(TOPIC_MAX - len(head) - len(tail), 0))
    text = redact(head) + shown + tail
    return text if len(text) <= TOPIC_MAX else text[: TOPIC_MAX - 1] + "…"
