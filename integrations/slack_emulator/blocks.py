"""Block Kit: Slack's limits, answered as ``invalid_blocks`` with one json-pointer message per
problem (as Slack does), and blocks rendered to the plain text a person reads on screen."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MESSAGE_BLOCKS", "VIEW_BLOCKS", "block_errors", "readable", "render_blocks"]

MESSAGE_BLOCKS = 50  # Slack's limit per message
VIEW_BLOCKS = 100  # per modal or Home tab

KNOWN_TYPES = frozenset(
    {
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
        "markdown",
    }
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
ID_LIMIT = 255
DIVIDER = "—" * 20

LINK = re.compile(r"<([^<>|]+)\|([^<>]+)>|<([^<>]+)>")


class _Errors:
    """Collects Slack's ``[ERROR] <what> [json-pointer:<where>]`` messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str, pointer: str) -> None:
        self.messages.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    def text(self, value: Any, at: str, limit: int, *, kinds: frozenset[str] = TEXT_TYPES) -> None:
        """A text object: the right kind, not empty, at most ``limit`` characters."""
        if not isinstance(value, dict) or value.get("type") not in kinds:
            self.add("failed to match all allowed schemas", at)
            return
        text = value.get("text")
        if not isinstance(text, str) or not text:
            self.add("must be more than 0 characters", f"{at}/text")
        elif len(text) > limit:
            self.add(f"must be less than {limit + 1} characters", f"{at}/text")

    def length(self, value: Any, at: str, limit: int) -> None:
        if value is not None and len(str(value)) > limit:
            self.add(f"must be less than {limit + 1} characters", at)

    def count(self, items: Any, at: str, limit: int) -> list[Any]:
        if not isinstance(items, list) or not items:
            self.add("must provide at least 1 item", at)
            return []
        if len(items) > limit:
            self.add(f"no more than {limit} items allowed", at)
        return items


def _check_button(errors: _Errors, element: dict[str, Any], at: str) -> None:
    errors.text(element.get("text"), f"{at}/text", 75, kinds=frozenset({"plain_text"}))
    errors.length(element.get("value"), f"{at}/value", 2000)
    errors.length(element.get("action_id"), f"{at}/action_id", ID_LIMIT)
    errors.length(element.get("url"), f"{at}/url", 3000)
    if element.get("style") not in (None, "primary", "danger"):
        errors.add("must be one of: primary, danger", f"{at}/style")
    confirm = element.get("confirm")
    if confirm is not None:
        plain = frozenset({"plain_text"})
        errors.text(confirm.get("title"), f"{at}/confirm/title", 100, kinds=plain)
        errors.text(confirm.get("text"), f"{at}/confirm/text", 300)
        errors.text(confirm.get("confirm"), f"{at}/confirm/confirm", 30, kinds=plain)
        errors.text(confirm.get("deny"), f"{at}/confirm/deny", 30, kinds=plain)


def _check_element(errors: _Errors, element: Any, at: str) -> None:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        errors.add("failed to match all allowed schemas", at)
    elif element["type"] == "button":
        _check_button(errors, element, at)
    else:
        errors.length(element.get("action_id"), f"{at}/action_id", ID_LIMIT)


def _check_block(errors: _Errors, block: dict[str, Any], at: str) -> None:
    kind = block["type"]
    errors.length(block.get("block_id"), f"{at}/block_id", ID_LIMIT)
    if kind == "section":
        if block.get("text") is None and not block.get("fields"):
            errors.add("must provide either text or fields", at)
        if block.get("text") is not None:
            errors.text(block["text"], f"{at}/text", 3000)
        if block.get("fields") is not None:
            for number, item in enumerate(errors.count(block["fields"], f"{at}/fields", 10)):
                errors.text(item, f"{at}/fields/{number}", 2000)
        if block.get("accessory") is not None:
            _check_element(errors, block["accessory"], f"{at}/accessory")
    elif kind == "header":
        errors.text(block.get("text"), f"{at}/text", 150, kinds=frozenset({"plain_text"}))
    elif kind == "actions":
        for number, element in enumerate(errors.count(block.get("elements"), f"{at}/elements", 25)):
            _check_element(errors, element, f"{at}/elements/{number}")
    elif kind == "context":
        errors.count(block.get("elements"), f"{at}/elements", 10)
    elif kind == "image":
        errors.length(block.get("image_url"), f"{at}/image_url", 3000)
        if not block.get("alt_text"):
            errors.add("missing required field: alt_text", at)
        errors.length(block.get("alt_text"), f"{at}/alt_text", 2000)


def block_errors(blocks: list[Any], *, max_blocks: int = MESSAGE_BLOCKS) -> list[str]:
    """Slack's ``response_metadata.messages`` for invalid blocks; empty when they are valid."""
    errors = _Errors()
    if len(blocks) > max_blocks:
        errors.add(f"no more than {max_blocks} items allowed", "/blocks")
    for index, block in enumerate(blocks):
        at = f"/blocks/{index}"
        if not isinstance(block, dict) or block.get("type") not in KNOWN_TYPES:
            kind = block.get("type") if isinstance(block, dict) else None
            errors.add(f"unsupported type: {kind}", f"{at}/type")
            continue
        _check_block(errors, block, at)
    return errors.messages


# --- rendering -------------------------------------------------------------------------------


def _text_of(value: Any) -> str:
    """A text object's (or an element's) text."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if value.get("type") == "image":
            return f"[image: {value.get('alt_text', '')}]"
        if isinstance(value.get("text"), str | dict):
            return _text_of(value["text"])
    return ""


def _control(element: Any) -> str:
    """An interactive element as it shows: a button by its label, a menu by its placeholder."""
    if not isinstance(element, dict):
        return ""
    if element.get("type") == "button":
        return f"[{_text_of(element.get('text'))}]"
    if element.get("type") == "overflow":
        return "[…]"
    label = _text_of(element.get("placeholder")) or _text_of(element.get("initial_option"))
    return f"[{label} ▾]" if label else ""


def _rich_text(element: Any) -> str:
    if not isinstance(element, dict):
        return ""
    kind = element.get("type")
    if kind == "text" or (kind == "link" and element.get("text")):
        return str(element.get("text", ""))
    if kind == "link":
        return str(element.get("url", ""))
    if kind == "user":
        return f"<@{element.get('user_id', '')}>"
    if kind == "channel":
        return f"<#{element.get('channel_id', '')}>"
    if kind == "emoji":
        return f":{element.get('name', '')}:"
    if kind == "broadcast":
        return f"@{element.get('range', '')}"
    children = [_rich_text(child) for child in element.get("elements", [])]
    if kind == "rich_text_list":
        return "\n".join(f"• {child}" for child in children)
    if kind == "rich_text":
        return "\n".join(child for child in children if child)
    return "".join(children)


def _render_block(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [_text_of(block.get("text"))]
    if kind == "section":
        lines = [_text_of(block.get("text"))] if block.get("text") else []
        lines.extend(_text_of(item) for item in block.get("fields") or [])
        accessory = _control(block.get("accessory"))
        return [*lines, accessory] if accessory else lines
    if kind == "context":
        return [" · ".join(_text_of(element) for element in block.get("elements") or [])]
    if kind == "divider":
        return [DIVIDER]
    if kind == "actions":
        controls = (_control(element) for element in block.get("elements") or [])
        return [" ".join(control for control in controls if control)]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "rich_text":
        return [_rich_text(block)]
    if kind == "markdown":
        return [str(block.get("text", ""))]
    return []  # a block a person would not read as text (or one this renderer does not know)


def render_blocks(blocks: list[dict[str, Any]], fallback_text: str = "") -> str:
    """The blocks as a person reads them in Slack, one block after another, mrkdwn left as it
    is (``readable`` turns links and mentions into what the screen shows). Without blocks, or
    with none that show text, the message's fallback ``text``."""
    lines = [line for block in blocks or [] for line in _render_block(block)]
    return "\n".join(lines) if lines else fallback_text


def readable(text: str) -> str:
    """mrkdwn as it reads on screen: ``<url|label>`` shows its label, ``<@U1>`` a mention, and
    Slack's escapes their characters."""

    def replace(match: re.Match[str]) -> str:
        if match.group(2):
            return match.group(2)
        target = match.group(3)
        if target.startswith("!"):  # <!here>, <!subteam^S1>: Slack shows them as mentions
            return "@" + target[1:].removeprefix("subteam^")
        return target

    text = LINK.sub(replace, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
