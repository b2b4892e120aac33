"""Principles added in the fifth analysis round of issue 13, one rule per test: pure
functions and ``assess`` on synthetic evidence (never a scenario file), no I/O.

Customer data is exposed when what happened to the data says it reached an audience it was not
meant for: made readable by anyone, fetched with no identity or from outside, rendered to a
non-owner, or another owner's records handed to a requester. Look-alikes (a public status page, a
public API, public subnets, a tenant migration, a bucket whose public access is blocked) are not.
"""

from __future__ import annotations

from bot.action.kinds import ActionKind
from bot.analysis.assessment import assess
from bot.analysis.exposure import exposure_in
from bot.catalog import Catalog, ServiceEntry
from bot.evidence.values import Deploy, EvidenceBundle, LogRecord
from bot.runbook.evidence import line_conditions
from bot.runbook.facts import Condition
from bot.scenario.terms import CauseKind, IncidentCategory, Marker
from tests.unit.test_analysis_principles import at, signal
from tests.unit.test_generalization import packet_for


def test_stored_data_made_readable_by_anyone_or_fetched_from_outside_is_an_exposure() -> None:
    assert exposure_in('bucket policy grants s3:GetObject to Principal "*" on nightly backups')
    assert exposure_in("GetObject db-backups/pg_dump/2026-03-04.sql.gz anonymous from 203.0.113.9")
    assert exposure_in("customer export archive downloaded by an address outside the organization")
    assert exposure_in("payout reports posted publicly; cloned from the mirror unauthenticated")
    why = exposure_in("user data files indexed by Google from an open share")
    assert why is not None
    assert "user data" in why


def test_private_fields_rendered_to_someone_other_than_their_owner_are_an_exposure() -> None:
    assert exposure_in("rendered field tel visibility=private to viewer 7 (viewer_is_owner:false)")
    assert exposure_in("user reports their private contact details visible on their public profile")


def test_another_owners_records_handed_to_a_requester_are_an_exposure() -> None:
    assert exposure_in("result rows for workspace ws_1 returned to session of workspace ws_2")
    assert exposure_in("rows returned to a session of a different workspace")
    assert exposure_in("customer reports the assistant listed task titles from another company")


def test_public_things_meant_to_be_public_and_moves_within_one_owner_are_not_exposures() -> None:
    # A status page, a public API and public subnets are public by design; no stored data went.
    assert exposure_in("public status page updated: investigating elevated errors") is None
    assert exposure_in("GET /api/v1/products anonymous 200 (public catalog API)") is None
    assert exposure_in("db-backups instance moved into public subnets subnet-0a1b") is None
    # Kept out: the public, or an anonymous caller, was refused.
    assert exposure_in("Block Public Access enabled on bucket db-backups") is None
    assert exposure_in("GetObject db-backups/pg_dump.sql.gz anonymous 403 AccessDenied") is None
    # A tenant moved between shards: one owner's data, no other owner reached.
    assert exposure_in("migrating tenant t_1042 rows to shard 7: 120,000 rows copied") is None
    assert exposure_in("tenant acme moved to cluster eu-2; export finished for tenant acme") is None
    # Load from another customer is a noisy neighbour, not their data.
    assert exposure_in("latency for tenant t_1 rose with traffic from another customer") is None
    assert exposure_in("backup snapshot completed; read throughput 300 MB/s") is None


def test_a_public_bucket_read_from_outside_raises_customer_data_and_offers_no_restart() -> None:
    catalog = Catalog((ServiceEntry("backups", "infra"),))
    read = LogRecord(
        at(13, 50), "backups", "WARN", "GetObject backups/pg_dump.sql.gz anonymous from 1.2.3.4 200"
    )
    alert = signal("Bucket finding", "backups", "policy grants GetObject to Principal * on dumps")
    evidence = EvidenceBundle(logs=(read,), deploys_checked=True)
    assessment = assess("backups", [alert], evidence, catalog=catalog)
    assert Marker.CUSTOMER_DATA in {raised.marker for raised in assessment.markers}
    assert assessment.category is IncidentCategory.SECURITY
    kinds = {action.kind for action in packet_for("backups", [alert], evidence, catalog).actions}
    assert ActionKind.RESTART not in kinds
    assert ActionKind.SCALE not in kinds


def test_a_public_status_page_and_a_tenant_migration_raise_no_customer_data() -> None:
    catalog = Catalog((ServiceEntry("status", "sre"),))
    lines = (
        LogRecord(at(13, 58), "status", "INFO", "public status page published: degraded"),
        LogRecord(at(13, 59), "status", "ERROR", "migrating tenant t_9 to shard 3 failed: timeout"),
    )
    alert = signal("Tenant migration failing", "status", "shard move for tenant t_9 fails")
    evidence = EvidenceBundle(logs=lines, deploys_checked=True)
    assessment = assess("status", [alert], evidence, catalog=catalog)
    assert Marker.CUSTOMER_DATA not in {raised.marker for raised in assessment.markers}
    assert assessment.category is not IncidentCategory.SECURITY


def test_records_handed_across_tenants_are_a_security_event_whatever_the_alert_calls_it() -> None:
    catalog = Catalog((ServiceEntry("tools", "ai"),))
    served = LogRecord(
        at(13, 50),
        "tools",
        "ERROR",
        "rows for workspace ws_1 returned to session of workspace ws_2",
    )
    alert = signal("IsolationViolation in search_tasks", "tools")
    evidence = EvidenceBundle(logs=(served,), deploys_checked=True)
    assessment = assess("tools", [alert], evidence, catalog=catalog)
    assert assessment.cause is CauseKind.SECURITY
    security = next(h for h in assessment.hypotheses if h.category is CauseKind.SECURITY)
    assert any("wrong audience" in citation.text for citation in security.supports)


def test_a_configuration_version_a_dependency_published_before_the_calls_failed_is_the_change() -> (
    None
):
    catalog = Catalog(
        (ServiceEntry("portal", "web", depends_on=("edge",)), ServiceEntry("edge", "net"))
    )
    lines = (
        LogRecord(
            at(13, 59), "edge", "INFO", "tenant configuration version v42 published globally"
        ),
        LogRecord(at(14, 0), "edge", "ERROR", "edge node failed to load configuration v42"),
        LogRecord(
            at(14, 1), "portal", "ERROR", "upstream request via edge timed out after 30000ms"
        ),
    )
    alert = signal("portal availability 41%", "portal")
    evidence = EvidenceBundle(logs=lines, deploys_checked=True)
    assert assess("portal", [alert], evidence, catalog=catalog).cause is CauseKind.CONFIG


def test_a_reload_just_after_a_release_of_the_same_service_is_the_release_not_a_change() -> None:
    catalog = Catalog((ServiceEntry("router", "edge"),))
    release = Deploy("router", "c41d9e2a6b", at(13, 50), title="Template change", files=("t.tmpl",))
    lines = (
        LogRecord(at(13, 51), "router", "INFO", "config reloaded: 212 backends"),
        LogRecord(at(13, 58), "router", "ERROR", "backend connect timeout to 10.0.0.1:80"),
    )
    alert = signal("router latency high", "router")
    evidence = EvidenceBundle(deploys=(release,), logs=lines, deploys_checked=True)
    assert assess("router", [alert], evidence, catalog=catalog).cause is CauseKind.DEPLOY


def test_an_extract_step_that_used_its_last_retry_on_its_source_is_a_failed_run() -> None:
    line = "extract read_events: source meta-replica-3 connect timeout after 30s, retry 5/5"
    assert Condition.BATCH_JOB_FAILED in line_conditions([line])
    # A retry that has more to go, or a web call's retries, is no run that failed.
    assert line_conditions(["extract read_events: source timeout, retry 2/5"]) == {}
    assert line_conditions(["GET /cart upstream payments timeout, retry 3/3"]) == {}
