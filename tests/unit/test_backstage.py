"""Backstage descriptors (``catalog-info.yaml``) as catalog entries: the documented format,
entity references, the annotations read, and errors naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog import EntryOrigin, FallbackKind, ServiceEntry
from bot.errors import ConfigFileError
from integrations.backstage import (
    find_descriptor_files,
    load_backstage_catalog,
    parse_descriptors,
)

FIXTURES = Path(__file__).parent / "fixtures" / "backstage"
BILLING = FIXTURES / "billing" / "catalog-info.yaml"

COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shop
spec:
  type: website
  lifecycle: production
  owner: web-team
"""


def parse(text: str) -> list[ServiceEntry]:
    return parse_descriptors(text, path=Path("catalog-info.yaml"))


def test_a_component_becomes_an_entry_with_every_field_it_can_give() -> None:
    [entry] = parse_descriptors(BILLING.read_text(), path=BILLING)
    assert entry == ServiceEntry(
        service="billing-webhooks",
        owner="payments-platform",
        slack_group="payments-oncall",
        tier=1,
        depends_on=("billing-db", "stripe-api"),
        repo="acme/billing",
        namespace="payments",
        runbooks=("deploy-rollback", "dependency-outage"),
        pagerduty_service="PX1B2C3",
        origin=EntryOrigin(FallbackKind.BACKSTAGE, f"{BILLING}:2"),
    )


def test_a_minimal_component_needs_only_what_backstage_requires() -> None:
    [entry] = parse(COMPONENT)
    assert (entry.service, entry.owner, entry.depends_on, entry.repo) == (
        "shop",
        "web-team",
        (),
        None,
    )


@pytest.mark.parametrize(
    ("owner", "team"),
    [
        ("web-team", "web-team"),
        ("group:web-team", "web-team"),
        ("group:default/web-team", "web-team"),
        ("user:default/dana", "dana"),
        ("ops/web-team", "web-team"),
    ],
)
def test_the_owner_is_the_name_part_of_its_entity_reference(owner: str, team: str) -> None:
    [entry] = parse(COMPONENT.replace("owner: web-team", f"owner: {owner}"))
    assert entry.owner == team


def test_entities_of_other_kinds_are_skipped_and_later_documents_still_read() -> None:
    group = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: web-team}\n"
    api = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: shop-api}\nspec: {}\n"
    entries = parse(f"{group}---\n{api}---\n{COMPONENT}---\n")
    assert [entry.service for entry in entries] == ["shop"]
    assert entries[0].origin == EntryOrigin(FallbackKind.BACKSTAGE, "catalog-info.yaml:10")


def test_a_component_without_an_owner_names_the_line_and_key() -> None:
    text = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: x}\n---\n"
    text += COMPONENT.replace("  owner: web-team\n", "")
    with pytest.raises(ConfigFileError) as caught:
        parse(text)
    assert (caught.value.line, caught.value.key) == (9, "spec.owner")
    assert "required key owner is missing" in str(caught.value)


def test_a_bad_dependency_reference_names_its_line() -> None:
    text = COMPONENT + "  dependsOn:\n    - component:default/db\n    - 'component: bad ref'\n"
    with pytest.raises(ConfigFileError) as caught:
        parse(text)
    assert (caught.value.line, caught.value.key) == (11, "spec.dependsOn.1")


def test_an_unknown_api_version_is_refused_at_its_line() -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse(COMPONENT.replace("backstage.io/v1alpha1", "example.com/v1"))
    assert (caught.value.line, caught.value.key) == (1, "apiVersion")


def test_a_tier_that_is_not_a_number_names_the_annotation() -> None:
    text = COMPONENT.replace(
        "  name: shop\n", "  name: shop\n  annotations:\n    incident-bot/tier: gold\n"
    )
    with pytest.raises(ConfigFileError, match="whole number") as caught:
        parse(text)
    assert (caught.value.line, caught.value.key) == (6, "metadata.annotations.incident-bot/tier")


def test_an_entity_without_a_kind_is_refused() -> None:
    with pytest.raises(ConfigFileError, match="needs a kind") as caught:
        parse("apiVersion: backstage.io/v1alpha1\nmetadata: {name: x}\n")
    assert caught.value.key == "kind"


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(ConfigFileError, match="invalid YAML") as caught:
        parse(COMPONENT + "---\nkind: [Component\n")
    assert caught.value.line is not None
    assert caught.value.line >= 10


def test_folders_are_searched_for_descriptors_skipping_dependencies() -> None:
    assert find_descriptor_files([FIXTURES]) == [FIXTURES / "catalog-info.yaml", BILLING]


def test_a_catalog_of_every_descriptor_under_a_folder() -> None:
    catalog = load_backstage_catalog([FIXTURES])
    assert catalog.services == ("search", "billing-webhooks")
    assert catalog.owner_of("search") == "discovery"


def test_a_component_described_twice_is_an_error_naming_both(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "catalog-info.yaml").write_text(COMPONENT)
    (tmp_path / "b" / "catalog-info.yaml").write_text("# moved\n" + COMPONENT)
    with pytest.raises(ConfigFileError, match="already described at") as caught:
        load_backstage_catalog([tmp_path])
    assert (caught.value.path, caught.value.line) == (tmp_path / "b" / "catalog-info.yaml", 2)
    assert str(tmp_path / "a" / "catalog-info.yaml") in str(caught.value)


def test_a_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="no such file or folder"):
        load_backstage_catalog([tmp_path / "nope"])
