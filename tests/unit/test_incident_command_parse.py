"""``/incident`` text to typed commands, and the usage for anything else."""

from __future__ import annotations

import pytest

from bot import messages
from bot.errors import CommandUsageError
from bot.postmortem.confirmations import CauseKind
from bot.signal.values import Severity
from handlers.slack.incident.parse import (
    VERBS,
    Commander,
    ConfirmCause,
    Declare,
    FlagToggle,
    IncidentCommand,
    Page,
    parse_incident_command,
    parse_mention,
)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (
            "declare billing-webhooks sev2 Checkout failing",
            Declare("billing-webhooks", Severity.SEV2, "Checkout failing"),
        ),
        (
            "declare Billing-Webhooks Checkout   failing",
            Declare("billing-webhooks", Severity.SEV3, "Checkout failing"),
        ),
        ("DECLARE search-api SEV1 all down", Declare("search-api", Severity.SEV1, "all down")),
        ("commander <@U0ERIN|erin>", Commander("U0ERIN")),
        ("commander <@U0ERIN>", Commander("U0ERIN")),
        ("commander <@W0ERIN|erin>", Commander("W0ERIN")),
    ],
)
def test_declare_and_commander_parse_into_typed_commands(
    text: str, parsed: IncidentCommand
) -> None:
    assert parse_incident_command(text) == parsed


@pytest.mark.parametrize(
    "text",
    [
        "declare",
        "declare billing-webhooks",
        "declare billing-webhooks sev2",
        "declare -oops title",
        "commander",
        "commander erin",
        "commander @erin",
        "commander <@U0ERIN> <@U0BOB>",
        "commander <#C0INCIDENTS>",
    ],
)
def test_declare_and_commander_with_bad_arguments_get_the_usage(text: str) -> None:
    with pytest.raises(CommandUsageError) as raised:
        parse_incident_command(text)
    assert f"Not understood: `{text}`" in str(raised.value)
    assert messages.INCIDENT_USAGE in str(raised.value)


def test_an_empty_command_gets_only_the_usage() -> None:
    with pytest.raises(CommandUsageError) as raised:
        parse_incident_command("   ")
    assert str(raised.value) == messages.INCIDENT_USAGE


def test_the_usage_has_a_line_for_every_verb() -> None:
    for verb in VERBS:
        assert any(line.startswith(f"`/incident {verb}") for line in messages.INCIDENT_USAGE_LINES)


def test_a_mention_with_or_without_the_name_gives_the_user_id() -> None:
    assert parse_mention("<@U0ERIN|erin>") == "U0ERIN"
    assert parse_mention("<@U0ERIN>") == "U0ERIN"
    assert parse_mention("@erin") is None


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("confirm-cause 1", ConfirmCause(CauseKind.HYPOTHESIS, 1)),
        ("confirm-cause H2 the parser", ConfirmCause(CauseKind.HYPOTHESIS, 2, note="the parser")),
        ("CONFIRM-CAUSE hypothesis #1", ConfirmCause(CauseKind.HYPOTHESIS, 1)),
        (
            "confirm-cause factor 2 logs were down",
            ConfirmCause(CauseKind.FACTOR, 2, note="logs were down"),
        ),
        (
            "confirm-cause a bad certificate rotation",
            ConfirmCause(CauseKind.STATED, stated="a bad certificate rotation"),
        ),
    ],
)
def test_confirm_cause_names_a_hypothesis_a_factor_or_a_cause_in_words(
    text: str, parsed: IncidentCommand
) -> None:
    assert parse_incident_command(text) == parsed


@pytest.mark.parametrize(
    "text",
    ["confirm-cause", "confirm-cause factor", "confirm-cause factor two", "confirm-cause 0",
     "confirm-cause 42 " + "x" * 400, "confirm-cause ???"],
)  # fmt: skip
def test_confirm_cause_without_a_cause_gets_the_usage(text: str) -> None:
    with pytest.raises(CommandUsageError) as raised:
        parse_incident_command(text)
    assert "`/incident confirm-cause 1 [note]`" in str(raised.value)


def test_page_and_flag_verbs_parse_to_their_commands() -> None:
    assert parse_incident_command("page") == Page()
    assert parse_incident_command("page checkout is down for everyone") == Page(
        "checkout is down for everyone"
    )
    assert parse_incident_command("flag-off new-checkout-flow") == FlagToggle("new-checkout-flow")
    assert parse_incident_command("flag-on new-checkout-flow") == FlagToggle(
        "new-checkout-flow", on=True
    )
    for bad in ("flag-off", "flag-off a b", "flag-off ../etc", "flag-on a/b"):
        with pytest.raises(CommandUsageError):
            parse_incident_command(bad)
