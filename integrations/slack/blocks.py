"""The evidence packet in Block Kit, within Slack's limits (50 blocks, 3000 characters a
section, 150 a header). Same sections, same order and same words as the plain rendering."""

from __future__ import annotations

from typing import Any

from bot.action.views import ActionView
from bot.packet.render import footer_lines, header_lines, sections
from bot.packet.values import Packet

__all__ = [
    "APPROVE_ACTION_ID",
    "DENY_ACTION_ID",
    "RESOLVE_ACTION_ID",
    "action_blocks",
    "escape",
    "narrative_blocks",
    "packet_blocks",
    "resolve_question_blocks",
    "text_section",
]

RESOLVE_ACTION_ID = "incident_resolve"

SECTION_LIMIT = 3000
HEADER_LIMIT = 150


def escape(text: str) -> str:
    """Slack's three control characters, escaped so alert text cannot inject links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _fit(text, SECTION_LIMIT)}}


def packet_blocks(packet: Packet) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Incident packet"}},
        text_section("\n".join(escape(line) for line in header_lines(packet))),
    ]
    for section in sections(packet):
        body = "\n".join(f"- {escape(line)}" for line in section.lines)
        blocks.append(text_section(f"{section.heading}:\n{body}"))
    context = [f"INC-{packet.incident_id}", escape(_fit(packet.title, 300))]
    context.extend(f"<{link.url}|{escape(link.title)}>" for link in packet.links[:5])
    context.extend(escape(line) for line in footer_lines(packet))
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": _fit(" · ".join(context), SECTION_LIMIT)}],
        }
    )
    return blocks


def narrative_blocks(text: str) -> list[dict[str, Any]]:
    """The "likely cause" reply: its words escaped (fact texts come from alerts and logs), its
    ``*bold*`` kept."""
    return [text_section(escape(text))]


def resolve_question_blocks(incident_id: int, text: str) -> list[dict[str, Any]]:
    """The question with a button that resolves the incident, behind a confirm dialog."""
    return [
        text_section(escape(text)),
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


APPROVE_ACTION_ID = "action_approve"
DENY_ACTION_ID = "action_deny"
REQUEST_LIMIT = SECTION_LIMIT - 8  # room for the code fence


def action_blocks(view: ActionView) -> list[dict[str, Any]]:
    """An action's message: what it changes, the exact write, its state and, while a decision
    is due, Approve and Deny buttons behind confirm dialogs. Both buttons carry the plan's
    hash, so a click is bound to the plan it was shown with."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _fit(view.title, HEADER_LIMIT)}},
        text_section("\n".join(escape(line) for line in view.lines)),
    ]
    if view.request is not None:
        blocks.append(text_section(f"```{escape(_fit(view.request, REQUEST_LIMIT))}```"))
    blocks.append(text_section(f"*Action #{view.action_id}* · {view.status}"))
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
                                "text": _fit(
                                    f"{escape(view.title)}: runs once, now, against the cluster.",
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
                {"type": "mrkdwn", "text": f"INC-{view.incident_id} · {view.state.value}"}
            ],
        }
    )
    return blocks
