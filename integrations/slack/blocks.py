"""The evidence packet and the bot's other messages in Block Kit, within Slack's limits (50
blocks, 3000 characters a section, 150 a header). Same sections, same order and same words as
the plain rendering.

Every mrkdwn text here is :class:`bot.mrkdwn.Mrkdwn`: the words are the bot's, and every value
from an alert, a log, a commit or a person is escaped into them as they are joined. A plain
``str`` handed to :func:`text_section` is escaped whole (it is taken as untrusted)."""

from __future__ import annotations

from typing import Any

from bot.action.views import ActionView
from bot.interaction.buttons import APPROVE_ACTION_ID, DENY_ACTION_ID, RESOLVE_ACTION_ID
from bot.mrkdwn import Mrkdwn, escape, link
from bot.packet.render import context_line, footer_lines, header_lines, sections
from bot.packet.values import Packet
from bot.redaction import redact

__all__ = [
    "APPROVE_ACTION_ID",
    "DENY_ACTION_ID",
    "RESOLVE_ACTION_ID",
    "action_blocks",
    "narrative_blocks",
    "packet_blocks",
    "resolve_question_blocks",
    "text_section",
]


SECTION_LIMIT = 3000
HEADER_LIMIT = 150


def _fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit``; redacted before a cut, since a secret cut in half is one no
    rule finds (text that fits is redacted on its way out, like every text)."""
    if len(text) <= limit:
        return text
    text = redact(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fit_mrkdwn(text: Mrkdwn, limit: int) -> Mrkdwn:
    """:func:`_fit` for composed text (redaction adds no ``<``: it stays composed)."""
    if len(text) <= limit:
        return text
    text = Mrkdwn(redact(text))
    return text if len(text) <= limit else text[: limit - 1] + Mrkdwn("…")


def text_section(text: str) -> dict[str, Any]:
    """A mrkdwn section: :class:`Mrkdwn` as composed, anything else escaped whole."""
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": _fit_mrkdwn(escape(text), SECTION_LIMIT)},
    }


def packet_blocks(packet: Packet) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Incident packet"}},
        text_section(Mrkdwn("\n").join(header_lines(packet))),
    ]
    for section in sections(packet):
        body = Mrkdwn("\n").join(Mrkdwn("- ") + line for line in section.lines)
        blocks.append(
            text_section(Mrkdwn("{heading}:\n{body}").format(heading=section.heading, body=body))
        )
    context: list[str] = [context_line(packet)]
    context.extend(link(item.url, item.title) for item in packet.links[:5])
    context.extend(footer_lines(packet))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": _fit_mrkdwn(Mrkdwn(" · ").join(context), SECTION_LIMIT)}
            ],
        }
    )
    return blocks


def narrative_blocks(text: str) -> list[dict[str, Any]]:
    """The "likely cause" reply: its words escaped (fact texts come from alerts and logs), its
    ``*bold*`` kept."""
    return [text_section(text)]


def resolve_question_blocks(incident_id: int, text: str) -> list[dict[str, Any]]:
    """The question with a button that resolves the incident, behind a confirm dialog."""
    return [
        text_section(text),
        {
            "type": "actions",
            "block_id": f"resolve-{incident_id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": RESOLVE_ACTION_ID,
                    "text": {"type": "plain_text", "text": "Resolve incident"},
                    "style": "primary",
                    "value": str(incident_id),
                    "confirm": {
                        "title": {"type": "plain_text", "text": f"Resolve INC-{incident_id}?"},
                        "text": {
                            "type": "mrkdwn",
                            "text": "Every alert has resolved. The incident closes, the channel "
                            "stays.",
                        },
                        "confirm": {"type": "plain_text", "text": "Resolve"},
                        "deny": {"type": "plain_text", "text": "Not yet"},
                    },
                }
            ],
        },
    ]


REQUEST_LIMIT = SECTION_LIMIT - 8  # room for the code fence


def action_blocks(view: ActionView) -> list[dict[str, Any]]:
    """An action's message: what it changes, the exact write, its state and, while a decision
    is due, Approve and Deny buttons behind confirm dialogs. Both buttons carry the plan's
    hash, so a click is bound to the plan it was shown with."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _fit(view.title, HEADER_LIMIT)}},
        text_section(Mrkdwn("\n").join(view.lines)),
    ]
    if view.request is not None:
        blocks.append(text_section(Mrkdwn("```{}```").format(_fit(view.request, REQUEST_LIMIT))))
    blocks.append(
        text_section(
            Mrkdwn("*Action #{id}* · {status}").format(id=view.action_id, status=view.status)
        )
    )
    if view.decision_value is not None:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"action-{view.action_id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": APPROVE_ACTION_ID,
                        "text": {"type": "plain_text", "text": "Approve"},
                        "style": "primary",
                        "value": view.decision_value,
                        "confirm": {
                            "title": {"type": "plain_text", "text": "Run this change?"},
                            "text": {
                                "type": "mrkdwn",
                                "text": _fit_mrkdwn(
                                    Mrkdwn("{}: runs once, now, against the cluster.").format(
                                        view.title
                                    ),
                                    300,
                                ),
                            },
                            "confirm": {"type": "plain_text", "text": "Approve and run"},
                            "deny": {"type": "plain_text", "text": "Cancel"},
                        },
                    },
                    {
                        "type": "button",
                        "action_id": DENY_ACTION_ID,
                        "text": {"type": "plain_text", "text": "Deny"},
                        "style": "danger",
                        "value": view.decision_value,
                        "confirm": {
                            "title": {"type": "plain_text", "text": "Deny this change?"},
                            "text": {"type": "plain_text", "text": "It will not run."},
                            "confirm": {"type": "plain_text", "text": "Deny"},
                            "deny": {"type": "plain_text", "text": "Cancel"},
                        },
                    },
                ],
            }
        )
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": Mrkdwn("INC-{} · {}").format(view.incident_id, view.state.value),
                }
            ],
        }
    )
    return blocks
