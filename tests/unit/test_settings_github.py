"""GitHub evidence settings: the token is a secret, the API URL is checked at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings

TOKEN = "ghp_settingsTestToken0123456789abcdef"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("GITHUB_TOKEN", "GITHUB_API_URL", "GITHUB_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_without_a_token_github_is_not_used_and_the_defaults_are_github_com() -> None:
    settings = load_settings()

    assert settings.github_token is None
    assert settings.github_api_url == "https://api.github.com"
    assert settings.github_environment == "production"


def test_the_token_never_shows_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    settings = load_settings()

    assert settings.github_token is not None
    assert settings.github_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())


def test_an_empty_token_means_no_github(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "")

    assert load_settings().github_token is None


def test_an_enterprise_api_url_and_environment_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.example.com/api/v3")
    monkeypatch.setenv("GITHUB_ENVIRONMENT", "prod-eu")

    settings = load_settings()

    assert settings.github_api_url == "https://ghe.example.com/api/v3"
    assert settings.github_environment == "prod-eu"


def test_an_api_url_without_a_scheme_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "ghe.example.com/api/v3")

    with pytest.raises(ConfigError, match="GITHUB_API_URL"):
        load_settings()
