"""Datadog settings: both keys or neither, sensible default queries, secrets never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import DEFAULT_DD_METRIC_QUERIES, load_settings

DD_VARIABLES = (
    "DD_API_KEY",
    "DD_APP_KEY",
    "DD_SITE",
    "DD_API_URL",
    "DD_METRIC_QUERIES",
    "DD_LOG_QUERY",
    "DD_LOG_LIMIT",
    "DD_DEPLOY_EVENT_TAG",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in DD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_without_keys_evidence_stays_with_replay() -> None:
    settings = load_settings()
    assert settings.datadog is False
    assert settings.dd_site == "datadoghq.com"


def test_both_keys_turn_datadog_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_API_KEY", "api")
    monkeypatch.setenv("DD_APP_KEY", "app")
    assert load_settings().datadog is True


@pytest.mark.parametrize(
    ("present", "missing"), [("DD_API_KEY", "DD_APP_KEY"), ("DD_APP_KEY", "DD_API_KEY")]
)
def test_one_key_without_the_other_names_the_missing_one(
    monkeypatch: pytest.MonkeyPatch, present: str, missing: str
) -> None:
    monkeypatch.setenv(present, "set")
    with pytest.raises(ConfigError, match=missing):
        load_settings()


def test_a_blank_key_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_API_KEY", "  ")
    monkeypatch.setenv("DD_APP_KEY", "")
    assert load_settings().datadog is False


def test_the_keys_do_not_appear_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_API_KEY", "dd-api-super-secret")
    monkeypatch.setenv("DD_APP_KEY", "dd-app-super-secret")
    settings = load_settings()
    assert settings.datadog is True
    assert "super-secret" not in repr(settings)
    assert "super-secret" not in str(settings.model_dump())


def test_the_default_queries_are_error_rate_and_p99_latency_per_service() -> None:
    queries = load_settings().dd_metric_queries
    assert [(q.name, q.unit) for q in queries] == [("error_rate", "percent"), ("p99_latency", "s")]
    assert all("{service:{service}}" in q.query for q in DEFAULT_DD_METRIC_QUERIES)


def test_metric_queries_are_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "DD_METRIC_QUERIES",
        '[{"name": "grpc_errors", "query": "sum:trace.grpc.server.errors{service:{service}}"}]',
    )
    (query,) = load_settings().dd_metric_queries
    assert (query.name, query.unit) == ("grpc_errors", None)


def test_a_metric_query_without_the_service_placeholder_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DD_METRIC_QUERIES", '[{"name": "cpu", "query": "avg:system.cpu.user{*}"}]')
    with pytest.raises(ConfigError, match="DD_METRIC_QUERIES"):
        load_settings()


def test_the_api_url_must_be_a_bare_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_API_URL", "https://proxy.example.com/api/v1")
    with pytest.raises(ConfigError, match="DD_API_URL"):
        load_settings()


def test_deploys_stay_with_replay_unless_a_deploy_event_tag_is_set() -> None:
    assert load_settings().dd_deploy_event_tag is None


def test_the_deploy_event_tag_is_one_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_DEPLOY_EVENT_TAG", "event_type:deploy")
    assert load_settings().dd_deploy_event_tag == "event_type:deploy"


@pytest.mark.parametrize("tag", ["deploy,env:prod", "deploy OR x", ":deploy"])
def test_a_deploy_event_tag_that_is_not_one_tag_is_refused(
    monkeypatch: pytest.MonkeyPatch, tag: str
) -> None:
    monkeypatch.setenv("DD_DEPLOY_EVENT_TAG", tag)
    with pytest.raises(ConfigError, match="DD_DEPLOY_EVENT_TAG"):
        load_settings()
