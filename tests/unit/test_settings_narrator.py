"""Narrator settings: no key means no narrator; the key never prints; limits are checked."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings
from bot.wiring.narrator import narrator_setup

NAMES = ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "NARRATOR_MODEL", "NARRATOR_MAX_TOKENS")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_without_a_key_there_is_no_narrator() -> None:
    settings = load_settings()
    assert settings.narrator is False
    assert narrator_setup(settings) is None


def test_a_blank_key_is_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "  ")
    assert load_settings().narrator is False


def test_the_key_is_secret_and_the_limits_come_from_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0123456789")
    monkeypatch.setenv("NARRATOR_MAX_TOKENS", "512")
    settings = load_settings()
    assert "sk-ant-test-0123456789" not in repr(settings)
    assert "sk-ant-test-0123456789" in settings.secret_values()
    setup = narrator_setup(settings)
    assert setup is not None
    assert setup.model.model == settings.narrator_model
    assert setup.limits.max_tokens == 512


def test_a_base_url_without_a_scheme_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "localhost:9000")
    with pytest.raises(ConfigError, match="ANTHROPIC_BASE_URL"):
        load_settings()
