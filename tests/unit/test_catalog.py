"""The service catalog: owners, dependencies and catalog files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog import Catalog, EntryOrigin, FallbackKind, ServiceEntry, load_catalog
from bot.errors import ConfigFileError

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def catalog() -> Catalog:
    return load_catalog(FIXTURES / "catalog.yaml")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_catalog_file_loads_every_field(catalog: Catalog) -> None:
    assert catalog.get("billing-webhooks") == ServiceEntry(
        service="billing-webhooks",
        owner="payments-platform",
        slack_group="payments-oncall",
        tier=1,
        depends_on=("billing-db", "stripe-api"),
        repo="acme/billing",
        namespace="payments",
        runbooks=("deploy-rollback",),
    )


def test_services_keep_the_file_order(catalog: Catalog) -> None:
    assert catalog.services == ("billing-webhooks", "billing-db", "invoice-mailer")
    assert len(catalog) == 3


def test_owner_of_names_the_owning_team(catalog: Catalog) -> None:
    assert catalog.owner_of("billing-db") == "data-platform"


def test_unknown_service_has_no_entry_owner_or_dependencies(catalog: Catalog) -> None:
    assert catalog.get("nope") is None
    assert catalog.owner_of("nope") is None
    assert catalog.dependencies("nope") == ()
    assert "nope" not in catalog


def test_dependencies_are_what_a_service_declares(catalog: Catalog) -> None:
    assert catalog.dependencies("billing-webhooks") == ("billing-db", "stripe-api")


def test_dependents_are_the_services_that_declare_a_dependency(catalog: Catalog) -> None:
    assert catalog.dependents("billing-db") == ("billing-webhooks", "invoice-mailer")
    assert catalog.dependents("invoice-mailer") == ()


def test_a_dependency_need_not_be_in_the_catalog(catalog: Catalog) -> None:
    assert "stripe-api" not in catalog
    assert catalog.dependents("stripe-api") == ("billing-webhooks",)


def test_merged_entries_of_the_other_catalog_win(catalog: Catalog) -> None:
    other = Catalog([ServiceEntry("billing-db", "dba"), ServiceEntry("stripe-api", "vendors")])
    merged = catalog.merged(other)
    assert merged.owner_of("billing-db") == "dba"
    assert merged.owner_of("billing-webhooks") == "payments-platform"
    assert merged.services[-1] == "stripe-api"
    assert catalog.owner_of("billing-db") == "data-platform"


def test_a_service_listed_twice_in_one_catalog_is_refused() -> None:
    with pytest.raises(ValueError, match="api appears twice"):
        Catalog([ServiceEntry("api", "a"), ServiceEntry("api", "b")])


def test_catalogs_with_the_same_entries_are_equal() -> None:
    assert Catalog([ServiceEntry("api", "a")]) == Catalog([ServiceEntry("api", "a")])


def test_unknown_key_in_a_catalog_file_names_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "services:\n  - service: api\n    owner: a\n    ownr: b\n")
    with pytest.raises(ConfigFileError) as caught:
        load_catalog(path)
    assert (caught.value.line, caught.value.key) == (4, "services.0.ownr")
    assert "did you mean owner?" in caught.value.reason


def test_missing_owner_in_a_catalog_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "services:\n  - service: api\n")
    with pytest.raises(ConfigFileError) as caught:
        load_catalog(path)
    assert (caught.value.line, caught.value.key) == (2, "services.0.owner")


def test_duplicate_service_in_a_catalog_file_points_at_the_second(tmp_path: Path) -> None:
    path = write(
        tmp_path, "services:\n  - {service: api, owner: a}\n  - {service: api, owner: b}\n"
    )
    with pytest.raises(ConfigFileError) as caught:
        load_catalog(path)
    assert (caught.value.line, caught.value.key) == (3, "services.1.service")
    assert "first as services.0" in caught.value.reason


def test_missing_catalog_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match=r"catalog\.yaml: no such file"):
        load_catalog(tmp_path / "catalog.yaml")


class OwnersByPrefix:
    """A catalog fallback that knows services by name prefix, as a CODEOWNERS folder would."""

    def entry_for(self, service: str) -> ServiceEntry | None:
        if service.startswith("search-"):
            origin = EntryOrigin(FallbackKind.CODEOWNERS, "CODEOWNERS:3: /search/")
            return ServiceEntry(service, "discovery", origin=origin)
        return None


def test_a_fallback_answers_only_for_services_the_catalog_does_not_list(catalog: Catalog) -> None:
    with_fallback = catalog.with_fallback(OwnersByPrefix())
    assert with_fallback.owner_of("billing-db") == "data-platform"
    assert with_fallback.owner_of("search-api") == "discovery"
    assert with_fallback.get("nope") is None


def test_services_known_only_to_the_fallback_are_not_listed(catalog: Catalog) -> None:
    with_fallback = catalog.with_fallback(OwnersByPrefix())
    assert with_fallback.services == catalog.services
    assert "search-api" not in with_fallback


def test_an_entry_from_a_fallback_says_where_it_came_from(catalog: Catalog) -> None:
    entry = catalog.with_fallback(OwnersByPrefix()).get("search-api")
    assert entry is not None
    assert entry.origin is not None
    assert entry.origin.describe() == "from CODEOWNERS (CODEOWNERS:3: /search/)"
    listed = catalog.get("billing-db")
    assert listed is not None
    assert listed.origin is None
