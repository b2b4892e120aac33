"""A scenario's ``history`` entries: version 1 entries stay valid, the keys added since parse,
and an entry becomes a past incident the packet compares like a stored one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from bot.action.kinds import ActionKind
from bot.analysis.logs import template_id, template_of
from bot.history.scenario import past_from_entry
from bot.scenario.terms import CauseKind
from bot.scenario.world import PastIncident

VERSION_1 = {"at": "2026-03-11T09:00:00Z", "service": "api-gateway", "title": "Deprecation flood"}


def test_a_version_1_entry_is_still_valid_and_names_no_cause_kind_from_a_story() -> None:
    entry = PastIncident.model_validate({**VERSION_1, "cause": "ios 7.11 sends a header"})
    past = past_from_entry(entry)
    assert (past.cause, past.cause_text, past.time_to_resolve) == (
        None,
        "ios 7.11 sends a header",
        None,
    )


@pytest.mark.parametrize(
    ("written", "meant"),
    [(6, timedelta(minutes=6)), ("45m", timedelta(minutes=45)), ("1h30m", timedelta(hours=1.5))],
)
def test_time_to_resolve_reads_minutes_or_a_short_duration(
    written: object, meant: timedelta
) -> None:
    entry = PastIncident.model_validate({**VERSION_1, "time_to_resolve": written})
    assert entry.time_to_resolve == meant


def test_a_time_to_resolve_that_is_no_duration_is_refused_with_the_forms_it_takes() -> None:
    with pytest.raises(ValidationError, match="write minutes"):
        PastIncident.model_validate({**VERSION_1, "time_to_resolve": "soon"})


def test_an_entry_with_the_new_keys_is_a_past_incident_with_cause_templates_and_remedy() -> None:
    line = "ConnectionError: Error 111 connecting to session-redis:6379. Connection refused."
    entry = PastIncident.model_validate(
        {
            **VERSION_1,
            "cause": "dependency",
            "dependency": "session-redis",
            "fingerprint": "sentry:2210733014",
            "log_templates": [line],
            "time_to_resolve": "6m",
            "remedy": "restart",
        }
    )
    past = past_from_entry(entry)
    assert (past.cause, past.cause_subject, past.dependency) == (
        CauseKind.DEPENDENCY,
        "session-redis",
        "session-redis",
    )
    assert past.templates == {template_id(template_of(line))}
    assert past.remedy is not None
    assert (past.remedy.kind, past.remedy.target) == (ActionKind.RESTART, "api-gateway")
    assert past.resolved_at == entry.at + timedelta(minutes=6)
