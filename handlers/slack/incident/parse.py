"""``/incident`` text to a typed command.

Each verb is one entry in :data:`VERBS`: its parser takes the words after the verb and returns
its command, or None when they do not fit (the person then gets the usage). Adding a verb is a
dataclass, a parser and an entry here, a usage line in :mod:`bot.messages`, and its runner in
:mod:`handlers.slack.incident_command`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from bot import messages
from bot.errors import CommandUsageError
from bot.interaction.ids import parse_count, parse_id
from bot.postmortem.confirm import CauseChoice
from bot.postmortem.confirmations import NOTE_LIMIT, CauseKind
from bot.signal.values import Severity

__all__ = [
    "VERBS",
    "Commander",
    "ConfirmCause",
    "Declare",
    "FlagToggle",
    "IncidentCommand",
    "KillSwitch",
    "Merge",
    "Page",
    "Resolve",
    "Restart",
    "Scale",
    "Split",
    "parse_incident_command",
    "parse_mention",
]

# An incident or signal number: ASCII digits (read by bot.interaction.ids.parse_id).
NUMBER = re.compile(r"^(?:inc-|#)?([0-9]+)$", re.IGNORECASE | re.ASCII)
# Slack sends a mention as <@U123> or <@U123|name> in command text (with escaping on).
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
SERVICE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


@dataclass(frozen=True, slots=True)
class Merge:
    """Fold ``incident_id`` into this channel's incident."""

    incident_id: int


@dataclass(frozen=True, slots=True)
class Split:
    """Move ``signal_id`` out of this channel's incident into one of its own."""

    signal_id: int


@dataclass(frozen=True, slots=True)
class Resolve:
    """Resolve this channel's incident; ``note`` says what fixed it, ``noise`` that it was not
    an incident (``/incident resolve noise [why]``). Both are optional."""

    note: str | None = None
    noise: bool = False


@dataclass(frozen=True, slots=True)
class Declare:
    """A person opens an incident: the service, how bad, and what is wrong in their words."""

    service: str
    severity: Severity
    title: str


@dataclass(frozen=True, slots=True)
class Commander:
    """Make ``user_id`` (a Slack user id) this channel's incident commander."""

    user_id: str


@dataclass(frozen=True, slots=True)
class KillSwitch:
    """Turn the kill switch on (every action stops) or off, with an optional reason."""

    engage: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Scale:
    """Propose scaling ``deployment`` to ``replicas``."""

    deployment: str
    replicas: int


@dataclass(frozen=True, slots=True)
class Restart:
    """Propose restarting ``target``: a Deployment (a rollout restart) or one pod."""

    target: str


@dataclass(frozen=True, slots=True)
class Page:
    """Page the owner of this incident's service in PagerDuty (``page_owner``), with a note."""

    note: str | None = None


@dataclass(frozen=True, slots=True)
class FlagToggle:
    """Propose turning feature flag ``flag`` off (``flag_off``), or back on (``flag_on``)."""

    flag: str
    on: bool = False


# Confirm a cause of this channel's incident: the packet's hypothesis or contributing factor
# by number, or one in the person's own words.
ConfirmCause = CauseChoice


IncidentCommand = (
    Merge
    | Split
    | Resolve
    | Declare
    | Commander
    | KillSwitch
    | Scale
    | Restart
    | ConfirmCause
    | Page
    | FlagToggle
)


def _number(words: Sequence[str]) -> int | None:
    if len(words) == 1 and (match := NUMBER.match(words[0])):
        return parse_id(match.group(1))  # None past what the database holds
    return None


def _merge(words: Sequence[str]) -> Merge | None:
    number = _number(words)
    return Merge(number) if number is not None else None


def _split(words: Sequence[str]) -> Split | None:
    number = _number(words)
    return Split(number) if number is not None else None


NOISE_WORDS = frozenset({"noise", "not-an-incident"})


def _resolve(words: Sequence[str]) -> Resolve | None:
    noise = bool(words) and words[0].lower() in NOISE_WORDS
    rest = words[1:] if noise else words
    return Resolve(" ".join(rest) or None, noise)


def _declare(words: Sequence[str]) -> Declare | None:
    if not words or not SERVICE.match(words[0].lower()):
        return None
    service, rest = words[0].lower(), list(words[1:])
    severity = Severity.SEV3
    if rest and rest[0].lower() in {item.value for item in Severity}:
        severity = Severity(rest.pop(0).lower())
    title = " ".join(rest).strip()
    return Declare(service, severity, title) if title else None


def parse_mention(word: str) -> str | None:
    """The user id in a Slack mention (``<@U0ERIN|erin>`` or ``<@U0ERIN>``), else None."""
    match = MENTION.match(word)
    return match.group(1) if match else None


def _commander(words: Sequence[str]) -> Commander | None:
    user = parse_mention(words[0]) if len(words) == 1 else None
    return Commander(user) if user is not None else None


def _kill_switch(words: Sequence[str]) -> KillSwitch | None:
    if not words or words[0].lower() not in ("on", "off"):
        return None
    reason = " ".join(words[1:]).strip() or None
    return KillSwitch(words[0].lower() == "on", reason)


# A Kubernetes object name: DNS-1123 labels, dots allowed (pods and Deployments).
OBJECT = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")


def _scale(words: Sequence[str]) -> Scale | None:
    replicas = parse_count(words[1]) if len(words) == 2 else None
    if replicas is None or not OBJECT.match(words[0]):
        return None
    return Scale(words[0], replicas)


def _restart(words: Sequence[str]) -> Restart | None:
    return Restart(words[0]) if len(words) == 1 and OBJECT.match(words[0]) else None


# A flag key as LaunchDarkly and Unleash allow it.
FLAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$", re.ASCII)


def _page(words: Sequence[str]) -> Page | None:
    note = " ".join(words).strip() or None
    return None if note is not None and len(note) > NOTE_LIMIT else Page(note)


def _flag_off(words: Sequence[str]) -> FlagToggle | None:
    return FlagToggle(words[0]) if len(words) == 1 and FLAG.match(words[0]) else None


def _flag_on(words: Sequence[str]) -> FlagToggle | None:
    return FlagToggle(words[0], on=True) if len(words) == 1 and FLAG.match(words[0]) else None


# ``1``, ``H1``, ``#1``: a hypothesis or a factor by its place in the packet.
RANK = re.compile(r"^(?:h|#)?([0-9]{1,3})$", re.IGNORECASE | re.ASCII)


def _rank(word: str) -> int | None:
    match = RANK.match(word)
    number = int(match.group(1)) if match else None
    return number if number is not None and number > 0 else None


def _confirm_cause(words: Sequence[str]) -> ConfirmCause | None:
    if not words:
        return None
    first = words[0].lower()
    if first in ("factor", "hypothesis") and len(words) > 1:
        kind = CauseKind.FACTOR if first == "factor" else CauseKind.HYPOTHESIS
        number, rest = _rank(words[1]), words[2:]
    else:
        kind, number, rest = CauseKind.HYPOTHESIS, _rank(words[0]), words[1:]
    if number is None:
        if first in ("factor", "hypothesis"):
            return None  # "factor" with no number after it: not a cause in anyone's words
        stated = " ".join(words)
        if len(stated) > NOTE_LIMIT or not re.search(r"[A-Za-z]", stated):
            return None
        return ConfirmCause(CauseKind.STATED, stated=stated)
    note = " ".join(rest).strip() or None
    if note is not None and len(note) > NOTE_LIMIT:
        return None
    return ConfirmCause(kind, number, note=note)


VERBS: Mapping[str, Callable[[Sequence[str]], IncidentCommand | None]] = MappingProxyType(
    {
        "declare": _declare,
        "commander": _commander,
        "merge": _merge,
        "split": _split,
        "resolve": _resolve,
        "killswitch": _kill_switch,
        "scale": _scale,
        "restart": _restart,
        "confirm-cause": _confirm_cause,
        "page": _page,
        "flag-off": _flag_off,
        "flag-on": _flag_on,
    }
)


def parse_incident_command(text: str) -> IncidentCommand:
    """The command ``text`` asks for; :class:`CommandUsageError` (with the usage) otherwise."""
    words = text.split()
    if not words:
        raise CommandUsageError(messages.INCIDENT_USAGE)
    parser = VERBS.get(words[0].lower())
    command = parser(words[1:]) if parser is not None else None
    if command is None:
        raise CommandUsageError(
            messages.usage_error(messages.INCIDENT_USAGE, f"Not understood: `{text}`")
        )
    return command
