"""Block Kit: Slack's limits (answered as ``invalid_blocks`` with json-pointer messages, as Slack
does) and rendering blocks to the plain text a person reads."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["block_errors", "readable", "render_blocks"]

LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>|<([^<>]+)>")

KNOWN_TYPES = {
    "section",
    "header",
    "context",
    "divider",
    "actions",
    "image",
    "rich_text",
    "input",
    "file",
    "video",
}


def _text_of(element: Any) -> str:
    if isinstance(element, dict):
        if isinstance(element.get("text"), str):
            return str(element["text"])
        if isinstance(element.get("text"), dict):
            return _text_of(element["text"])
        if element.get("type") == "image":
            return f"[image: {element.get('alt_text', '')}]"
    return ""


def block_errors(blocks: list[Any], *, max_blocks: int = 50) -> list[str]:
    """Slack's ``response_metadata.messages`` for invalid blocks; empty when they are valid."""
    errors: list[str] = []

    def error(message: str, pointer: str) -> None:
        errors.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    if len(blocks) > max_blocks:
        error(f"no more than {max_blocks} items allowed", "/blocks")
    for index, block in enumerate(blocks):
        at = f"/blocks/{index}"
        if not isinstance(block, dict) or block.get("type") not in KNOWN_TYPES:
            error("must provide a valid block type", f"{at}/type")
            continue
        if len(str(block.get("block_id", ""))) > 255:
            error("must be less than 256 characters", f"{at}/block_id")
        kind = block["type"]
        text = _text_of(block.get("text"))
        if kind == "section":
            if not text and not block.get("fields"):
                error("must provide either text or fields", at)
            if len(text) > 3000:
                error("must be less than 3001 characters", f"{at}/text/text")
            fields = block.get("fields") or []
            if len(fields) > 10:
                error("no more than 10 items allowed", f"{at}/fields")
            for number, item in enumerate(fields):
                if len(_text_of(item)) > 2000:
                    error("must be less than 2001 characters", f"{at}/fields/{number}/text")
        elif kind == "header" and len(text) > 150:
            error("must be less than 151 characters", f"{at}/text/text")
        elif kind == "actions":
            elements = block.get("elements") or []
            if len(elements) > 25:
                error("no more than 25 items allowed", f"{at}/elements")
            for number, element in enumerate(elements):
                where = f"{at}/elements/{number}"
                if len(_text_of(element)) > 75:
                    error("must be less than 76 characters", f"{where}/text/text")
                if len(str(element.get("value", ""))) > 2000:
                    error("must be less than 2001 characters", f"{where}/value")
                if len(str(element.get("action_id", ""))) > 255:
                    error("must be less than 256 characters", f"{where}/action_id")
    return errors


def _rich_text(element: Any) -> str:
    if isinstance(element, dict):
        if "text" in element and isinstance(element["text"], str):
            return str(element["text"])
        return "".join(_rich_text(child) for child in element.get("elements", []))
    return ""


def readable(text: str) -> str:
    """mrkdwn as it reads on screen: ``<url|label>`` shows its label, ``<@U1>`` a mention, and
    Slack's escapes their characters."""

    def replace(match: re.Match[str]) -> str:
        if match.group(2):
            return match.group(2)
        target = match.group(3)
        if target.startswith(("@", "#")):
            return target
        if target.startswith("!subteam^"):
            return "@" + target.split("|")[-1]
        return target

    text = LINK.sub(replace, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_blocks(blocks: list[dict[str, Any]], fallback_text: str = "") -> str:
    """The blocks as a person reads them in Slack, one block after another."""
    if not blocks:
        return readable(fallback_text)
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind in ("header", "section"):
            text = _text_of(block.get("text"))
            if text:
                lines.append(text)
            lines.extend(_text_of(item) for item in block.get("fields") or [])
        elif kind == "context":
            lines.append(" · ".join(_text_of(e) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "actions":
            buttons = []
            for element in block.get("elements", []):
                style = {"danger": "!", "primary": "*"}.get(element.get("style", ""), "")
                buttons.append(f"[{style}{_text_of(element)}]")
            lines.append(" ".join(buttons))
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "rich_text":
            lines.append(_rich_text(block))
    return readable("\n".join(lines))
