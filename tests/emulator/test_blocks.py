"""Blocks rendered as a person reads them, and mrkdwn made readable."""

from __future__ import annotations

from integrations.slack_emulator import readable, render_blocks


def _text(text: str, kind: str = "mrkdwn") -> dict[str, str]:
    return {"type": kind, "text": text}


def test_a_header_reads_as_its_text() -> None:
    header = {"type": "header", "text": _text("Incident packet", "plain_text")}
    assert render_blocks([header]) == "Incident packet"


def test_a_sections_mrkdwn_is_kept_as_it_is_then_each_field_on_its_own_line() -> None:
    section = {
        "type": "section",
        "text": _text("*INC-1* see <https://x.io/a|the graph>"),
        "fields": [_text("*Service*\nbilling"), _text("*Severity*\nsev2")],
    }
    assert render_blocks([section]).splitlines() == [
        "*INC-1* see <https://x.io/a|the graph>",
        "*Service*",
        "billing",
        "*Severity*",
        "sev2",
    ]


def test_context_elements_are_joined_with_a_middle_dot() -> None:
    context = {
        "type": "context",
        "elements": [
            _text("INC-1"),
            {"type": "image", "image_url": "https://x.io/i.png", "alt_text": "logo"},
            _text("sev2", "plain_text"),
        ],
    }
    assert render_blocks([context]) == "INC-1 · [image: logo] · sev2"


def test_a_divider_is_a_line_of_dashes() -> None:
    (line,) = render_blocks([{"type": "divider"}]).splitlines()
    assert len(line) >= 3
    assert set(line) == {"—"}


def test_buttons_read_as_their_labels_in_brackets_on_one_line() -> None:
    actions = {
        "type": "actions",
        "elements": [
            {"type": "button", "text": _text("Approve", "plain_text"), "style": "primary"},
            {"type": "button", "text": _text("Roll back", "plain_text"), "style": "danger"},
            {"type": "button", "text": _text("Later", "plain_text")},
        ],
    }
    assert render_blocks([actions]) == "[Approve] [Roll back] [Later]"


def test_an_image_reads_as_its_alt_text() -> None:
    image = {"type": "image", "image_url": "https://x.io/g.png", "alt_text": "error rate"}
    assert render_blocks([image]) == "[image: error rate]"


def test_rich_text_reads_as_its_plain_text() -> None:
    rich = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Paging "},
                    {"type": "user", "user_id": "U0ALICE"},
                    {"type": "text", "text": " about "},
                    {"type": "link", "url": "https://x.io/1", "text": "INC-1"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "bullet",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "two"}]},
                ],
            },
        ],
    }
    assert render_blocks([rich]).splitlines() == [
        "Paging <@U0ALICE> about INC-1",
        "• one",
        "• two",
    ]


def test_unknown_block_types_are_skipped() -> None:
    blocks = [{"type": "carousel", "text": _text("?")}, {"type": "section", "text": _text("ok")}]
    assert render_blocks(blocks) == "ok"


def test_without_blocks_the_fallback_text_is_read() -> None:
    assert render_blocks([], "plain fallback") == "plain fallback"


def test_blocks_read_in_order_one_after_another() -> None:
    blocks = [
        {"type": "header", "text": _text("Incident packet", "plain_text")},
        {"type": "section", "text": _text("Checkout is failing")},
        {"type": "divider"},
        {"type": "context", "elements": [_text("INC-1"), _text("sev2")]},
    ]
    assert render_blocks(blocks, "ignored").splitlines() == [
        "Incident packet",
        "Checkout is failing",
        "—" * 20,
        "INC-1 · sev2",
    ]


def test_readable_shows_links_mentions_and_escapes_as_the_screen_does() -> None:
    text = "<https://x.io|graph> <@U0ALICE> <!subteam^S0PAYONCALL> <!here> a &lt;b&gt; &amp; c"
    assert readable(text) == "graph @U0ALICE @S0PAYONCALL @here a <b> & c"
