"""Settings: a bad value stops start-up naming the variable; secrets never print."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import ConfigError
from bot.incident.models import IncidentRecord
from bot.incident.publish import channel_name_for
from bot.settings import load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DATABASE_URL", "PORT", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_no_tokens_means_sandbox_mode() -> None:
    assert load_settings().sandbox is True


def test_a_bad_port_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ConfigError, match="PORT"):
        load_settings()


def test_late_evidence_waits_thirty_seconds_and_refuses_a_negative_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().evidence_late_seconds == 30
    monkeypatch.setenv("EVIDENCE_LATE_SECONDS", "-1")
    with pytest.raises(ConfigError, match="EVIDENCE_LATE_SECONDS"):
        load_settings()


def test_a_sync_database_driver_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/bot")
    with pytest.raises(ConfigError, match=r"DATABASE_URL: .*postgresql\+asyncpg"):
        load_settings()


def test_a_user_token_in_place_of_the_bot_token_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-not-a-bot")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        load_settings()


def test_one_slack_token_without_the_other_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        load_settings()


def test_secrets_do_not_appear_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-super-secret")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-super-secret")
    monkeypatch.setenv("GENERIC_WEBHOOK_SECRET", "hunter2")
    settings = load_settings()
    assert settings.sandbox is False
    assert "super-secret" not in repr(settings)
    assert "hunter2" not in repr(settings)
    assert settings.webhook_secret("generic") is not None


def test_an_empty_webhook_secret_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENERIC_WEBHOOK_SECRET", "")
    assert load_settings().webhook_secret("generic") is None


def _incident(service: str) -> IncidentRecord:
    return IncidentRecord(id=1, service=service, opened_at=datetime(2026, 3, 4, 14, 6, tzinfo=UTC))


def test_channel_names_follow_slacks_rules_and_take_a_suffix_when_taken() -> None:
    incident = _incident("Billing Webhooks/EU")
    assert channel_name_for(incident) == "inc-20260304-billing-webhooks-eu"
    assert channel_name_for(incident, 3) == "inc-20260304-billing-webhooks-eu-3"


def test_a_very_long_service_name_still_fits_in_eighty_characters() -> None:
    name = channel_name_for(_incident("x" * 200), 99)
    assert len(name) <= 80
    assert name.endswith("-99")
