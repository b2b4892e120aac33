"""Text the bot composed for Slack, told apart from text anyone else wrote, by type.

Slack reads ``<…>`` in a message as a control sequence: ``<!channel>`` notifies everyone,
``<@U123>`` pings a person, ``<!subteam^S1>`` a user group, ``<https://x|click>`` hides a link
behind words. Whatever an alert, a log line, a commit or a person wrote must therefore reach
Slack with ``&``, ``<`` and ``>`` escaped (``&amp;``, ``&lt;``, ``&gt;``, as Slack's "Formatting
text" docs say), and only the mentions and links the bot composes itself may stay live.

:class:`Mrkdwn` is that distinction as a type, after markupsafe's ``Markup``: a ``str`` the bot
vouches for. Joining it with plain text escapes the plain part (``Mrkdwn + str``, ``.join``,
``.format``, ``%``), so a renderer cannot splice raw input in by accident; an f-string gives a
plain ``str`` back, which mypy refuses where :class:`Mrkdwn` is wanted and which the Slack
adapter's one door (:mod:`integrations.slack.outgoing`) escapes as untrusted. Build one with
:func:`mrkdwn` (escaping each value into a template the bot wrote) or the helpers for the few
live sequences the bot composes: :func:`user_mention`, :func:`channel_link`, :func:`link`.

Redaction is a separate step, applied to every text on its way out by the same door.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time, timedelta
from typing import SupportsIndex

__all__ = [
    "Mrkdwn",
    "channel_link",
    "escape",
    "group_mention",
    "link",
    "mrkdwn",
    "user_mention",
]

_SLACK_ID = re.compile(r"^[A-Z0-9]{1,32}$")  # U0ALICE, C0123, S0GROUP, W123…


class Mrkdwn(str):
    """Slack mrkdwn the bot composed: sent as it is. Anything concatenated, joined or formatted
    into it that is not itself :class:`Mrkdwn` is escaped first."""

    __slots__ = ()

    def __add__(self, other: str) -> Mrkdwn:
        return Mrkdwn(str.__add__(self, escape(other)))

    def __radd__(self, other: str) -> Mrkdwn:
        return Mrkdwn(str.__add__(escape(other), self))

    def join(self, iterable: Iterable[str]) -> Mrkdwn:
        return Mrkdwn(str.join(self, (escape(part) for part in iterable)))

    def format(self, *args: object, **kwargs: object) -> Mrkdwn:
        return Mrkdwn(
            str.format(
                self, *(_escaped(a) for a in args), **{k: _escaped(v) for k, v in kwargs.items()}
            )
        )

    def __mod__(self, values: object) -> Mrkdwn:
        if isinstance(values, tuple):
            return Mrkdwn(str.__mod__(self, tuple(_escaped(v) for v in values)))
        return Mrkdwn(str.__mod__(self, _escaped(values)))

    def __getitem__(self, key: SupportsIndex | slice) -> Mrkdwn:
        # A cut may split an entity (``&am…``) or a mention; Slack then shows it as text.
        return Mrkdwn(str.__getitem__(self, key))

    def __repr__(self) -> str:
        return f"Mrkdwn({str.__repr__(self)})"


def escape(text: object) -> Mrkdwn:
    """``text`` safe to put in a Slack message: unchanged if it is already :class:`Mrkdwn`,
    else with ``&``, ``<`` and ``>`` escaped (``str()`` of anything else first)."""
    if isinstance(text, Mrkdwn):
        return text
    raw = str(text)
    return Mrkdwn(raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _escaped(value: object) -> object:
    """A format argument made safe: text escaped (a str-valued enum as its value); numbers and
    times left as they are, for their format spec (``{at:%H:%M}``): their text holds no ``<``."""
    if isinstance(value, Mrkdwn):
        return value
    if isinstance(value, str):
        return escape(format(value, ""))
    if isinstance(value, int | float | date | time | timedelta):
        return value
    return escape(format(value, ""))


def mrkdwn(template: str, /, *args: object, **values: object) -> Mrkdwn:
    """``template`` (words the bot wrote, with ``{}`` or ``{name}`` fields) with each value
    escaped in: ``mrkdwn("Kill switch ON ({reason})", reason=text_from_a_person)``."""
    return Mrkdwn(template).format(*args, **values)


def user_mention(user_id: str) -> Mrkdwn:
    """``<@U123>``: a live mention, only for an id Slack gave us (anything else is shown as
    text, so a crafted "id" cannot smuggle ``<!channel>`` in)."""
    if _SLACK_ID.match(user_id):
        return Mrkdwn(f"<@{user_id}>")
    return escape(f"@{user_id}")


def group_mention(group_id: str) -> Mrkdwn:
    """``<!subteam^S123>``: pages a user group, only for an id Slack gave us."""
    if _SLACK_ID.match(group_id):
        return Mrkdwn(f"<!subteam^{group_id}>")
    return escape(f"@{group_id}")


def channel_link(channel_id: str) -> Mrkdwn:
    """``<#C123>``: a link to a channel, only for an id Slack gave us."""
    if _SLACK_ID.match(channel_id):
        return Mrkdwn(f"<#{channel_id}>")
    return escape(f"#{channel_id}")


def link(url: str, label: str) -> Mrkdwn:
    """``<url|label>`` for an http(s) URL, its label escaped and its URL kept from closing the
    link early; any other URL is shown as text, not made clickable."""
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        return escape(f"{label} ({url})")
    safe_url = escape(url).replace("|", "%7C")
    return Mrkdwn(f"<{safe_url}|{escape(label).replace('|', '¦')}>")
