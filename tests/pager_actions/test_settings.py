"""What the settings turn on: nothing when nothing is set, each part when it is complete, and a
start-up error naming the variable when half of one is."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.plan import ActionParameters, VendorActionKind
from bot.clock import FixedClock
from bot.errors import ConfigError
from integrations.paging_and_flags import (
    build_paging_and_flags,
    load_paging_settings,
    start_paging_and_flags,
)

VARIABLES = (
    "PAGERDUTY_API_TOKEN",
    "PAGERDUTY_FROM_EMAIL",
    "PAGERDUTY_ROUTING_KEY",
    "PAGERDUTY_ROUTING_KEYS",
    "FLAG_SERVICE",
    "LAUNCHDARKLY_API_TOKEN",
    "UNLEASH_API_URL",
    "UNLEASH_API_TOKEN",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_nothing_set_turns_nothing_on(clock: FixedClock) -> None:
    built = build_paging_and_flags(
        load_paging_settings(), sessions=async_sessionmaker[AsyncSession](), clock=clock
    )
    assert built.executors == ()
    assert built.paging is None
    assert built.writeback is None


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"PAGERDUTY_API_TOKEN": "k"}, "PAGERDUTY_FROM_EMAIL"),
        ({"PAGERDUTY_FROM_EMAIL": "bot@example.com"}, "PAGERDUTY_API_TOKEN"),
        ({"FLAG_SERVICE": "launchdarkly"}, "LAUNCHDARKLY_API_TOKEN"),
        ({"FLAG_SERVICE": "unleash", "UNLEASH_API_TOKEN": "t"}, "UNLEASH_API_URL"),
        ({"FLAG_SERVICE": "split"}, "FLAG_SERVICE"),
    ],
)
def test_half_a_configuration_stops_start_up_naming_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=named):
        load_paging_settings()


async def test_complete_settings_build_the_executors_the_paging_and_the_write_back(
    monkeypatch: pytest.MonkeyPatch, clock: FixedClock
) -> None:
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", "y_NbAkKc66ryYTWUXYEu")
    monkeypatch.setenv("PAGERDUTY_FROM_EMAIL", "incident-bot@example.com")
    monkeypatch.setenv("PAGERDUTY_ROUTING_KEYS", '{"checkout-api": "' + "e" * 32 + '"}')
    monkeypatch.setenv("FLAG_SERVICE", "unleash")
    monkeypatch.setenv("UNLEASH_API_URL", "https://unleash.example.com")
    monkeypatch.setenv("UNLEASH_API_TOKEN", "*:*.secret")
    settings = load_paging_settings()
    assert "secret" not in repr(settings)

    built = build_paging_and_flags(
        settings, sessions=async_sessionmaker[AsyncSession](), clock=clock
    )
    try:
        kinds = {kind for executor in built.executors for kind in executor.kinds}
        assert kinds == {
            VendorActionKind.FLAG_OFF,
            VendorActionKind.FLAG_ON,
            VendorActionKind.PAGE_OWNER,
        }
        assert built.paging is not None
        assert built.paging.configured_for("checkout-api")
        assert not built.paging.configured_for("search")
        assert built.writeback is not None
    finally:
        await built.close()


async def test_sandbox_mode_runs_what_is_not_configured_against_local_stand_ins(
    clock: FixedClock,
) -> None:
    built = await start_paging_and_flags(
        load_paging_settings(),
        sessions=async_sessionmaker[AsyncSession](),
        clock=clock,
        sandbox=True,
    )
    try:
        assert set(built.stand_ins) == {"pagerduty", "launchdarkly"}
        assert built.paging is not None
        assert built.paging.configured_for("any-service")  # one sandbox service takes every page
        assert built.writeback is not None
        (flags,) = [one for one in built.executors if VendorActionKind.FLAG_OFF in one.kinds]
        target = await flags.locate(VendorActionKind.FLAG_OFF, "new-checkout-flow", None)
        plan = await flags.plan(VendorActionKind.FLAG_OFF, target, ActionParameters())
        assert plan.current.status == "on"
    finally:
        await built.close()
