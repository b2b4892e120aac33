"""``/explain``'s words: built from the packet's facts only, for each kind of question."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.action.kinds import ActionKind
from bot.evidence.values import SourceFailure
from bot.packet.explain import Topic, explain, topic_of
from bot.packet.values import CauseEvidence, Owner, Packet, RunbookFit, SuggestedAction
from bot.signal.values import Severity

DEPLOY = CauseEvidence(
    statement="Regression from deploy 3e7f9d2a (PR 4902) by sam",
    kind="deploy",
    confidence=0.93,
    supports=("landed 5 minutes before the first anomaly", "changed file appears in an error"),
    contradicts=("the error rate was already rising",),
)
DEPENDENCY = CauseEvidence("Dependency billing-db refuses connections", "dependency", 0.41)


def packet(**changes: object) -> Packet:
    values: dict[str, object] = {
        "incident_id": 7,
        "service": "invoices-api",
        "title": "invoices-api error rate above 5%",
        "severity": Severity.SEV1,
        "first_seen": datetime(2026, 3, 4, 15, 10, tzinfo=UTC),
        "signals": (
            "Error rate rose from 0.1% to 9.2%",
            "Latest deploy landed 5 minutes before first spike",
        ),
        "owners": (Owner("payments-platform", "payments-oncall"),),
        "actions": (
            SuggestedAction("Review PR 4902: Invoice status as enum (deploy 3e7f9d2a by sam)"),
            SuggestedAction("Roll back invoices-api to 8c4b1e06", ActionKind.ROLLBACK, True),
            SuggestedAction("Page the owning team", ActionKind.PAGE_OWNER, False),
        ),
        "cause_evidence": (DEPLOY, DEPENDENCY),
        "warnings": ("Rollback may be unsafe: deploy 3e7f9d2a carries a database migration",),
        "runbook": RunbookFit("deploy-rollback", "Roll a bad deploy back", ("cause deploy",), 2),
        "unavailable": (SourceFailure("Datadog logs", "no answer within 5s"),),
    }
    values.update(changes)
    return Packet(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("", Topic.CAUSE),
        ("why?", Topic.CAUSE),
        ("why rollback", Topic.ROLLBACK),
        ("Why roll back?", Topic.ROLLBACK),
        ("what changed", Topic.CHANGES),
        ("who owns", Topic.OWNER),
        ("who owns this?", Topic.OWNER),
        ("is it the deploy", Topic.IS_IT),
        ("was it a flag?", Topic.IS_IT),
        ("which runbook", Topic.RUNBOOK),
        ("what needs approval", Topic.APPROVAL),
        ("what is missing", Topic.UNKNOWN),
        ("what next", Topic.NEXT),
        ("how bad is it", Topic.SEVERITY),
        ("what is the weather", Topic.OTHER),
    ],
)
def test_questions_are_matched_to_topics_by_plain_words(question: str, topic: Topic) -> None:
    assert topic_of(question) == topic


def test_without_a_question_it_explains_the_top_hypothesis_and_its_evidence() -> None:
    text = explain(packet())
    assert text.splitlines()[0] == "INC-7 · invoices-api"
    assert (
        "Top hypothesis: Regression from deploy 3e7f9d2a (PR 4902) by sam "
        "(a deploy cause, confidence 0.93)"
    ) in text
    assert "Evidence for it:\n- landed 5 minutes before the first anomaly" in text
    assert "Evidence against it:\n- the error rate was already rising" in text
    assert "Also considered:\n- Dependency billing-db refuses connections" in text
    assert "Warnings:\n- Rollback may be unsafe" in text
    assert "Unknown, because a source failed (the packet says nothing from it):" in text
    assert "- Datadog logs: no answer within 5s" in text


def test_a_packet_without_a_named_cause_says_so_rather_than_guessing() -> None:
    unknown = CauseEvidence(
        "Cause unknown: no deploy, spike or dependency explains it", "unknown", 0.0
    )
    text = explain(packet(cause_evidence=(unknown,), unavailable=()))
    assert "The packet names no cause: Cause unknown" in text
    assert "Top hypothesis" not in text
    assert "Every evidence source answered" in text


def test_why_rollback_gives_the_suggestion_its_approval_its_reason_and_the_warning() -> None:
    text = explain(packet(), "why rollback")
    assert (
        "The packet suggests: Roll back invoices-api to 8c4b1e06 (needs a human's approval)."
        in text
    )
    assert "Because: Regression from deploy 3e7f9d2a" in text
    assert "Careful:\n- Rollback may be unsafe" in text


def test_why_rollback_without_one_suggested_says_the_packet_suggests_none() -> None:
    text = explain(packet(actions=(), cause_evidence=(DEPENDENCY,), warnings=()), "why rollback")
    assert "The packet suggests no rollback: its top hypothesis is Dependency billing-db" in text


def test_what_changed_lists_the_deploy_lines_and_the_change_to_review() -> None:
    text = explain(packet(), "what changed")
    assert "- Latest deploy landed 5 minutes before first spike" in text
    assert "- Review PR 4902: Invoice status as enum (deploy 3e7f9d2a by sam)" in text
    assert "Dependency" not in text  # not a change


def test_who_owns_names_the_owner_and_the_on_call_group() -> None:
    text = explain(packet(), "who owns")
    assert "- Payments platform (on call: @payments-oncall)" in text
    assert explain(packet(owners=()), "who owns").endswith(
        "The packet knows no owner: the service is not in the catalog."
    )


def test_is_it_the_deploy_answers_from_the_top_hypothesis() -> None:
    assert "Yes, by the packet's evidence: Regression from deploy" in explain(
        packet(), "is it the deploy?"
    )
    no = explain(packet(cause_evidence=(DEPENDENCY, DEPLOY)), "is it the deploy?")
    assert "Not by the packet's evidence: its top hypothesis is Dependency billing-db" in no
    assert "A deploy is a runner-up:" in no


def test_an_unknown_question_says_what_the_packet_knows_and_goes_no_further() -> None:
    text = explain(packet(), "will it rain tomorrow")
    assert "The packet does not answer that, and I answer only from the packet." in text
    assert "What it knows: invoices-api, sev1 candidate" in text
    assert "owner: Payments platform" in text
