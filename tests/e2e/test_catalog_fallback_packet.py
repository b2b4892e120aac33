"""The catalog's fallbacks end to end: the bot started from settings naming Backstage
descriptors and a CODEOWNERS file (so the composition root wires them), an alert for a service
the YAML map does not list, and the packet in the Slack emulator naming the owner, the on-call
group, and where the owner came from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import start_runtime
from bot.clock import ReplayClock
from bot.settings import load_settings
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.e2e.conftest import SECRET, eventually, post_alert
from tests.e2e.test_offline_slice import packets_in

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 4, 14, 10, tzinfo=UTC)
SCENARIO = """\
id: quiet-world
title: nothing recorded around the alert
now: "2026-03-04T14:10:00Z"
alert: {source: generic, payload: {service: unused, title: unused}}
expect: {}
"""
CATALOG = "services:\n  - {service: billing-webhooks, owner: payments-platform}\n"
DESCRIPTOR = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    incident-bot/slack-group: storefront-oncall
spec: {type: service, lifecycle: production, owner: "group:default/storefront"}
"""
CODEOWNERS = "* @acme/platform\n/services/search/ @acme/discovery\n"


async def packet_for(tmp_path: Path, service: str) -> str:
    (tmp_path / "scenario.yaml").write_text(SCENARIO)
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    (tmp_path / "backstage").mkdir(exist_ok=True)
    (tmp_path / "backstage" / "catalog-info.yaml").write_text(DESCRIPTOR)
    (tmp_path / "CODEOWNERS").write_text(CODEOWNERS)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/e2e.sqlite3",
        host="127.0.0.1",
        port=0,
        slack_emulator_port=0,
        slack_bot_token=None,
        slack_app_token=None,
        generic_webhook_secret=SECRET,
        replay_scenarios=[tmp_path / "scenario.yaml"],
        catalog_path=tmp_path / "catalog.yaml",
        backstage_catalog_paths=[tmp_path / "backstage"],
        codeowners_paths=[tmp_path / "CODEOWNERS"],
        codeowners_service_path="services/{service}/",
    )
    runtime = await start_runtime(
        settings, clock=ReplayClock(NOW), emulator_config=EmulatorConfig(port=0), poll_interval=0.1
    )
    try:
        assert runtime.emulator is not None
        async with EmulatorClient(runtime.emulator.base_url) as people:
            alert = {"service": service, "title": f"{service} error rate high"}
            assert (await post_alert(runtime, "generic", alert))[0] == 202
            (_, packet), *_ = await eventually(lambda: packets_in(people), what="the packet")
    finally:
        await runtime.stop()
    return str(packet["text"])


async def test_a_service_only_backstage_describes_gets_its_owner_and_on_call_group(
    tmp_path: Path,
) -> None:
    text = await packet_for(tmp_path, "checkout")
    descriptor = tmp_path / "backstage" / "catalog-info.yaml"
    assert f"Storefront (on call: @storefront-oncall), from Backstage ({descriptor}:1)" in text


async def test_a_service_only_codeowners_knows_gets_the_owner_of_its_folder(
    tmp_path: Path,
) -> None:
    text = await packet_for(tmp_path, "search")
    assert f"Discovery, from CODEOWNERS ({tmp_path / 'CODEOWNERS'}:2: /services/search/)" in text
