"""The catalog's order of precedence: the YAML map, then Backstage descriptors, then CODEOWNERS
for the service's folder; the packet says where an owner came from when it was a fallback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.analysis.triage import assess
from bot.app import start_runtime
from bot.catalog import Catalog, ServiceEntry
from bot.errors import ConfigError, ConfigFileError
from bot.evidence.values import EvidenceBundle
from bot.packet.build import build_packet
from bot.packet.render import render_plain
from bot.policy import DEFAULT_POLICY
from bot.settings import Settings, load_settings
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from bot.wiring.evidence import service_catalog

CATALOG_YAML = """\
services:
  - service: billing-webhooks
    owner: payments-platform
    slack_group: payments-oncall
"""

DESCRIPTOR = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  annotations:
    incident-bot/slack-group: {owner}-oncall
spec:
  type: service
  lifecycle: production
  owner: group:default/{owner}
"""

CODEOWNERS = """\
* @acme/platform
/services/search/ @acme/discovery
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "catalog.yaml").write_text(CATALOG_YAML)
    backstage = tmp_path / "backstage"
    for name, owner in (("billing-webhooks", "not-payments"), ("checkout", "storefront")):
        (backstage / name).mkdir(parents=True)
        (backstage / name / "catalog-info.yaml").write_text(
            DESCRIPTOR.format(name=name, owner=owner)
        )
    repo = tmp_path / "monorepo"
    (repo / ".github").mkdir(parents=True)
    (repo / ".github" / "CODEOWNERS").write_text(CODEOWNERS)
    return tmp_path


def settings(files: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "catalog_path": files / "catalog.yaml",
        "backstage_catalog_paths": [files / "backstage"],
        "codeowners_paths": [files / "monorepo"],
        "codeowners_service_path": "services/{service}/",
    }
    values.update(overrides)
    return load_settings(**values)


def test_the_yaml_map_wins_over_backstage(files: Path) -> None:
    entry = service_catalog(settings(files), Catalog()).get("billing-webhooks")
    assert entry is not None
    assert (entry.owner, entry.slack_group, entry.origin) == (
        "payments-platform",
        "payments-oncall",
        None,
    )


def test_backstage_answers_for_a_service_the_yaml_map_does_not_list(files: Path) -> None:
    entry = service_catalog(settings(files), Catalog()).get("checkout")
    assert entry is not None
    assert entry.origin is not None
    assert (entry.owner, entry.slack_group) == ("storefront", "storefront-oncall")
    assert entry.origin.describe() == (
        f"from Backstage ({files / 'backstage' / 'checkout' / 'catalog-info.yaml'}:1)"
    )


def test_codeowners_answers_for_a_service_neither_lists(files: Path) -> None:
    catalog = service_catalog(settings(files), Catalog())
    search, other = catalog.get("search"), catalog.get("ledger")
    assert search is not None
    assert search.origin is not None
    assert search.owner == "discovery"
    assert search.origin.describe() == (
        f"from CODEOWNERS ({files / 'monorepo' / '.github' / 'CODEOWNERS'}:2: /services/search/)"
    )
    assert other is not None
    assert other.owner == "platform"


def test_backstage_wins_over_codeowners(files: Path) -> None:
    entry = service_catalog(settings(files), Catalog()).get("checkout")
    assert entry is not None
    assert entry.owner == "storefront"


def test_the_replay_scenarios_catalog_sits_between_the_yaml_map_and_backstage(
    files: Path,
) -> None:
    replayed = Catalog(
        (
            ServiceEntry("checkout", "from-scenario"),
            ServiceEntry("billing-webhooks", "from-scenario"),
        )
    )
    catalog = service_catalog(settings(files), replayed)
    assert catalog.owner_of("checkout") == "from-scenario"
    assert catalog.owner_of("billing-webhooks") == "payments-platform"


def test_without_fallbacks_an_unlisted_service_stays_unknown(files: Path) -> None:
    catalog = service_catalog(
        settings(files, backstage_catalog_paths=[], codeowners_paths=[]), Catalog()
    )
    assert catalog.get("checkout") is None
    assert catalog.get("search") is None


def test_merging_keeps_the_codeowners_fallback(files: Path) -> None:
    catalog = service_catalog(settings(files), Catalog())
    merged = Catalog((ServiceEntry("ledger", "finance"),)).merged(catalog)
    assert merged.owner_of("ledger") == "finance"
    assert merged.owner_of("search") == "discovery"


def signal(service: str) -> Signal:
    return Signal(
        source=AlertSource.GENERIC,
        fingerprint=f"generic:{service}",
        delivery_id=f"delivery-{service}",
        service=service,
        title=f"{service} errors",
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=datetime(2026, 3, 4, 14, 0, tzinfo=UTC),
    )


def owner_lines(catalog: Catalog, service: str) -> str:
    alert = signal(service)
    packet = build_packet(
        incident_id=1,
        title=alert.title,
        severity=Severity.SEV2,
        signals=[alert],
        assessment=assess(service, [alert], EvidenceBundle()),
        evidence=EvidenceBundle(),
        catalog=catalog,
        policy=DEFAULT_POLICY,
        runbooks=(),
    )
    text = render_plain(packet)
    return text.split("Likely owner:\n", 1)[1].split("\n\n", 1)[0]


def test_the_packet_names_a_fallback_owner_and_where_it_came_from(files: Path) -> None:
    catalog = service_catalog(settings(files), Catalog())
    codeowners = files / "monorepo" / ".github" / "CODEOWNERS"
    assert owner_lines(catalog, "search").startswith(
        f"- Discovery, from CODEOWNERS ({codeowners}:2: /services/search/)"
    )
    backstage = files / "backstage" / "checkout" / "catalog-info.yaml"
    assert owner_lines(catalog, "checkout").startswith(
        f"- Storefront (on call: @storefront-oncall), from Backstage ({backstage}:1)"
    )


def test_the_packet_says_nothing_of_origin_for_the_yaml_map(files: Path) -> None:
    catalog = service_catalog(settings(files), Catalog())
    line = owner_lines(catalog, "billing-webhooks")
    assert line.startswith("- Payments platform (on call: @payments-oncall)")
    assert "from" not in line.splitlines()[0]


def test_a_missing_fallback_path_stops_the_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"CODEOWNERS_PATHS: .*no such file or folder"):
        load_settings(codeowners_paths=[tmp_path / "nope"])


def test_a_service_path_without_the_placeholder_is_refused() -> None:
    with pytest.raises(ConfigError, match="CODEOWNERS_SERVICE_PATH"):
        load_settings(codeowners_service_path="services/")


async def test_a_bad_codeowners_line_stops_start_up_naming_file_and_line(files: Path) -> None:
    codeowners = files / "monorepo" / ".github" / "CODEOWNERS"
    codeowners.write_text(CODEOWNERS + "!/services/legacy/ @acme/old\n")
    database = files / "bot.sqlite3"
    bad = settings(
        files,
        database_url=f"sqlite+aiosqlite:///{database}",
        host="127.0.0.1",
        port=0,
        slack_emulator_port=0,
        slack_bot_token=None,
        slack_app_token=None,
    )
    with pytest.raises(ConfigFileError, match="negation") as caught:
        await start_runtime(bad)
    assert (caught.value.path, caught.value.line) == (codeowners, 3)
    assert not database.exists()


async def test_a_bad_backstage_descriptor_stops_start_up_naming_file_line_and_key(
    files: Path,
) -> None:
    descriptor = files / "backstage" / "checkout" / "catalog-info.yaml"
    descriptor.write_text(
        DESCRIPTOR.format(name="checkout", owner="x").replace("  type: service\n", "")
    )
    database = files / "bot.sqlite3"
    bad = settings(
        files,
        database_url=f"sqlite+aiosqlite:///{database}",
        host="127.0.0.1",
        port=0,
        slack_emulator_port=0,
        slack_bot_token=None,
        slack_app_token=None,
    )
    with pytest.raises(ConfigFileError) as caught:
        await start_runtime(bad)
    assert (caught.value.path, caught.value.line, caught.value.key) == (descriptor, 7, "spec.type")
    assert not database.exists()


def test_a_person_or_an_email_owner_reads_exactly_as_written(tmp_path: Path) -> None:
    (tmp_path / "CODEOWNERS").write_text("/ledger/ oncall@example.com\n/mail/ @dana\n")
    catalog = service_catalog(load_settings(codeowners_paths=[tmp_path]), Catalog())
    assert owner_lines(catalog, "ledger").startswith("- oncall@example.com, from CODEOWNERS")
    assert owner_lines(catalog, "mail").startswith("- @dana, from CODEOWNERS")
