"""Correlation rules, pure: which incident a signal joins, and what joining does to severity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.catalog import Catalog, ServiceEntry
from bot.incident.correlation import (
    JoinReason,
    OpenIncident,
    choose_incident,
    severity_after_join,
)
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus

T0 = datetime(2026, 5, 12, 1, 0, tzinfo=UTC)
CATALOG = Catalog(
    (
        ServiceEntry(service="checkout", owner="web", depends_on=("payments",)),
        ServiceEntry(service="payments", owner="pay", depends_on=("payments-db",)),
        ServiceEntry(service="payments-db", owner="dba"),
        ServiceEntry(service="search", owner="web"),
    )
)


def signal(
    service: str,
    *,
    at: datetime = T0,
    fingerprint: str | None = None,
    status: SignalStatus = SignalStatus.FIRING,
) -> Signal:
    return Signal(
        source=AlertSource.GENERIC,
        service=service,
        severity=Severity.SEV3,
        status=status,
        started_at=at,
        title=f"{service} broke",
        fingerprint=fingerprint or f"fp-{service}-{at.isoformat()}",
        delivery_id="d",
    )


def incident(
    number: int, service: str, *, at: datetime = T0, fingerprint: str = "fp"
) -> OpenIncident:
    return OpenIncident(number, fingerprint, service, at, at)


def test_the_same_fingerprint_joins_even_far_outside_the_window() -> None:
    late = signal("search", at=T0 + timedelta(days=2), fingerprint="fp")
    chosen = choose_incident(late, [incident(1, "checkout")], catalog=CATALOG)
    assert chosen is not None
    assert (chosen.incident_id, chosen.reason) == (1, JoinReason.FINGERPRINT)


def test_the_same_service_joins_within_the_window() -> None:
    chosen = choose_incident(
        signal("checkout", at=T0 + timedelta(minutes=25)),
        [incident(1, "checkout")],
        catalog=CATALOG,
    )
    assert chosen is not None
    assert chosen.reason == JoinReason.SERVICE


def test_the_same_service_outside_the_window_opens_a_new_incident() -> None:
    late = signal("checkout", at=T0 + timedelta(minutes=31))
    assert choose_incident(late, [incident(1, "checkout")], catalog=CATALOG) is None


@pytest.mark.parametrize("service", ["payments", "checkout"])
def test_a_direct_dependency_or_dependent_joins_within_the_window(service: str) -> None:
    opened_for = "checkout" if service == "payments" else "payments"
    chosen = choose_incident(signal(service), [incident(1, opened_for)], catalog=CATALOG)
    assert chosen is not None
    assert chosen.reason == JoinReason.DEPENDENCY


def test_a_dependency_chain_folds_link_by_link() -> None:
    grown = OpenIncident(1, "fp", "checkout", T0, T0, services=frozenset({"checkout", "payments"}))
    chosen = choose_incident(signal("payments-db"), [grown], catalog=CATALOG)
    assert chosen is not None
    assert chosen.reason == JoinReason.DEPENDENCY


def test_a_service_two_hops_away_does_not_join() -> None:
    assert (
        choose_incident(signal("payments-db"), [incident(1, "checkout")], catalog=CATALOG) is None
    )


def test_an_unrelated_service_does_not_join() -> None:
    assert choose_incident(signal("search"), [incident(1, "checkout")], catalog=CATALOG) is None


def test_a_resolved_signal_joins_only_by_fingerprint() -> None:
    resolved = signal("checkout", status=SignalStatus.RESOLVED)
    assert choose_incident(resolved, [incident(1, "checkout")], catalog=CATALOG) is None


def test_the_strongest_reason_wins_over_a_more_recent_incident() -> None:
    by_service = incident(1, "payments", at=T0)
    by_fingerprint = OpenIncident(
        2, "fp-x", "search", T0 - timedelta(hours=5), T0 - timedelta(hours=5)
    )
    chosen = choose_incident(
        signal("payments", fingerprint="fp-x"), [by_service, by_fingerprint], catalog=CATALOG
    )
    assert chosen is not None
    assert chosen.incident_id == 2


def test_joining_takes_the_worse_severity() -> None:
    assert severity_after_join(
        Severity.SEV3, Severity.SEV1, firing=True, fired_conditions=2, already_raised=False
    ) == (Severity.SEV1, False)


def test_more_than_three_distinct_firing_conditions_raise_the_severity_one_step_once() -> None:
    raised = severity_after_join(
        Severity.SEV3, Severity.SEV4, firing=True, fired_conditions=4, already_raised=False
    )
    assert raised == (Severity.SEV2, True)
    again = severity_after_join(
        Severity.SEV2, Severity.SEV4, firing=True, fired_conditions=5, already_raised=True
    )
    assert again == (Severity.SEV2, True)


def test_repeats_of_three_conditions_do_not_raise_the_severity() -> None:
    """A hundred re-notifications of three alerts are three conditions, not a hundred."""
    assert severity_after_join(
        Severity.SEV3, Severity.SEV3, firing=True, fired_conditions=3, already_raised=False
    ) == (Severity.SEV3, False)


def test_a_resolved_notification_never_moves_the_severity() -> None:
    """Issue 18: a resolve of a sev1 alert joining a sev3 incident left it sev2 or worse."""
    assert severity_after_join(
        Severity.SEV3, Severity.SEV1, firing=False, fired_conditions=9, already_raised=False
    ) == (Severity.SEV3, False)


def test_the_raise_never_goes_past_sev1() -> None:
    assert severity_after_join(
        Severity.SEV1, Severity.SEV1, firing=True, fired_conditions=4, already_raised=False
    ) == (Severity.SEV1, True)


def in_delivery(number: int, service: str, delivery: str) -> OpenIncident:
    return OpenIncident(number, "fp", service, T0, T0, deliveries=frozenset({delivery}))


def test_a_signal_of_the_same_delivery_joins_whatever_its_service() -> None:
    chosen = choose_incident(
        signal("flood-svc-007"),
        [in_delivery(1, "flood-svc-000", "alertmanager:abc")],
        catalog=CATALOG,
        delivery="alertmanager:abc",
    )
    assert chosen is not None
    assert (chosen.incident_id, chosen.reason) == (1, JoinReason.DELIVERY)


def test_the_catalog_keeps_apart_two_services_of_one_delivery_it_lists() -> None:
    chosen = choose_incident(
        signal("search"),
        [in_delivery(1, "payments-db", "alertmanager:abc")],
        catalog=CATALOG,
        delivery="alertmanager:abc",
    )
    assert chosen is None


def test_another_delivery_does_not_fold_by_delivery() -> None:
    chosen = choose_incident(
        signal("flood-svc-007"),
        [in_delivery(1, "flood-svc-000", "alertmanager:abc")],
        catalog=CATALOG,
        delivery="alertmanager:other",
    )
    assert chosen is None


def test_an_incident_from_year_one_does_not_overflow_the_window() -> None:
    # Opened by a signal stored before alert times were checked.
    ancient = OpenIncident(1, "fp", "checkout", datetime(1, 1, 1, tzinfo=UTC), T0)
    chosen = choose_incident(signal("checkout"), [ancient], catalog=CATALOG)
    assert chosen is not None
    assert chosen.reason == JoinReason.SERVICE
