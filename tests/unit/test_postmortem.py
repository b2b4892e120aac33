"""The postmortem's pure core: the timeline from the data, the packet read back from its text,
and the Markdown with its six sections, with and without a narrator."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from bot.errors import ChatError
from bot.evidence.values import SourceFailure
from bot.packet.render import render_plain
from bot.packet.values import Owner, Packet, RunbookFit, SuggestedAction
from bot.postmortem.draft import write_postmortem
from bot.postmortem.facts import (
    ActionFact,
    AuditFact,
    ChannelMessage,
    IncidentFact,
    PacketFacts,
    PostmortemFacts,
    ServiceFact,
    SignalFact,
)
from bot.postmortem.packet_text import read_packet_text
from bot.postmortem.permission import postmortem_refusal
from bot.postmortem.ports import Fact
from bot.postmortem.render import SECTION_TITLES
from bot.postmortem.timeline import build_timeline
from bot.signal.values import Severity

T0 = datetime(2026, 3, 4, 14, 3, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _signal(
    id_: int, minutes: float, *, status: str = "firing", received: float | None = None
) -> SignalFact:
    return SignalFact(
        id=id_,
        source="alertmanager",
        service="billing-webhooks",
        severity="sev2",
        status=status,
        title="billing-webhooks error rate above 5%",
        fingerprint="fp-billing",
        started_at=at(minutes),
        received_at=at(received if received is not None else minutes),
    )


def _audit(
    seq: int, minutes: float, event: str, actor: str = "bot", **details: object
) -> AuditFact:
    return AuditFact(seq, at(minutes), actor, event, MappingProxyType(dict(details)))


PACKET = PacketFacts(
    evidence=(
        "Error rate rose from 0.3% to 8.7%",
        "Latest deploy landed 11 minutes before first spike",
    ),
    causes=(
        "Regression from deploy 9f1c2ab (PR 4821) by dana (confidence 0.91)",
        "Upstream stripe-api errors (confidence 0.30)",
    ),
    warnings=("No runbook fits: closest: high-error-rate",),
    owners=("Payments platform (on call: @payments-oncall)",),
    runbook=("No runbook fits; closest: high-error-rate (score 1: keyword error)",),
    suggested=("Roll back billing-webhooks to 51d0e7c",),
    unavailable=("logs: timed out after 5s",),
)


def resolved_facts() -> PostmortemFacts:
    incident = IncidentFact(
        id=7,
        title="billing-webhooks error rate above 5%",
        service="billing-webhooks",
        severity="sev1",
        status="resolved",
        opened_at=at(0.5),
        first_seen_at=at(0),
        resolved_at=at(52),
        channel_id="C0INC",
        channel_name="inc-20260304-billing-webhooks",
        commander="U0ALICE",
    )
    return PostmortemFacts(
        incident=incident,
        drafted_at=at(90),
        signals=(
            _signal(1, 0),
            _signal(2, 0),  # the same alert delivered again: one timeline entry
            _signal(3, 0, status="resolved", received=47),
        ),
        actions=(
            ActionFact(
                id=1,
                kind="rollback",
                target="deployment/billing-webhooks",
                state="verified",
                proposed_by="bot",
                proposed_at=at(2),
                decided_by="slack:U0ALICE",
                decided_at=at(20),
                executed_at=at(21),
                finished_at=at(23),
                result="rolled back to 51d0e7c",
            ),
        ),
        audit=(
            _audit(
                2,
                0.5,
                "incident.opened",
                severity="sev2",
                service="billing-webhooks",
                title="billing-webhooks error rate above 5%",
            ),
            _audit(3, 1, "incident.channel_created", channel_name="inc-20260304-billing-webhooks"),
            _audit(4, 1.5, "packet.posted", ts="1.2"),
            _audit(
                5,
                10,
                "signal.joined",
                signal_id=4,
                service="billing-db",
                status="firing",
                reason="dependency",
                signal_count=4,
                severity={"from": "sev2", "to": "sev1"},
            ),
            _audit(6, 20, "action.approved", actor="slack:U0ALICE", action_id=1),
            _audit(7, 52, "incident.resolved", actor="slack:U0ALICE"),
            _audit(8, 60, "postmortem.drafted", actor="slack:U0ALICE"),
        ),
        packet=PACKET,
        services=(
            ServiceFact("billing-webhooks", known=True, owner="payments-platform", tier=1),
            ServiceFact("billing-db", known=False),
        ),
        messages=(
            ChannelMessage("1772633100.000100", at(12), "U0BOB", "Rolling back now?"),
            ChannelMessage("1772633160.000200", at(13), "U0BOT", "Incident packet", from_bot=True),
        ),
    )


def open_facts() -> PostmortemFacts:
    facts = resolved_facts()
    incident = replace(facts.incident, status="open", resolved_at=None)
    return replace(
        facts,
        incident=incident,
        signals=facts.signals[:2],
        actions=(),
        audit=tuple(
            a for a in facts.audit if a.event not in ("incident.resolved", "action.approved")
        ),
    )


def failed_action_facts() -> PostmortemFacts:
    facts = open_facts()
    failed = ActionFact(
        id=3,
        kind="restart",
        target="deployment/billing-webhooks",
        state="failed",
        proposed_by="slack:U0BOB",
        proposed_at=at(30),
        decided_by="slack:U0ALICE",
        decided_at=at(31),
        executed_at=at(32),
        finished_at=at(33),
        result="pods did not become ready within 120s",
    )
    return replace(facts, actions=(failed,))


def _section(markdown: str, title: str) -> str:
    after = markdown.split(f"\n## {title}\n", 1)[1]
    return after.split("\n## ", 1)[0].strip()


# The timeline


def test_the_timeline_is_sorted_by_time() -> None:
    timeline = build_timeline(resolved_facts())
    assert [entry.at for entry in timeline] == sorted(entry.at for entry in timeline)
    assert timeline[0].at == at(0)
    assert timeline[0].text.startswith("Alert fired: billing-webhooks error rate above 5%")


def test_the_same_alert_delivered_twice_is_one_timeline_entry() -> None:
    fired = [e for e in build_timeline(resolved_facts()) if e.text.startswith("Alert fired")]
    assert len(fired) == 1
    assert fired[0].origin == "signal #1"


def test_an_action_step_in_both_the_audit_and_the_record_appears_once() -> None:
    timeline = build_timeline(resolved_facts())
    approvals = [e for e in timeline if "Action #1 approved" in e.text]
    assert len(approvals) == 1
    assert approvals[0].at == at(20)
    finished = [e for e in timeline if "Action #1 finished" in e.text]
    assert finished[0].text == "Action #1 finished, verified: rolled back to 51d0e7c"
    assert finished[0].at == at(23)


def test_the_timeline_dates_a_resolved_alert_when_the_bot_was_told() -> None:
    timeline = build_timeline(resolved_facts())
    cleared = [e for e in timeline if e.text.startswith("Alert reported resolved")]
    assert [(e.at, e.origin) for e in cleared] == [(at(47), "signal #3")]


def test_the_timeline_holds_severity_changes_peoples_messages_and_no_bot_chatter() -> None:
    texts = {entry.at: entry.text for entry in build_timeline(resolved_facts())}
    assert "severity raised from sev2 to sev1" in texts[at(10)]
    assert texts[at(12)] == "U0BOB in the channel: “Rolling back now?”"
    assert at(13) not in texts  # the bot's own message
    assert at(60) not in texts  # drafting the postmortem is not part of the incident
    assert texts[at(52)] == "Incident resolved by U0ALICE"


# The packet as posted


def test_the_packet_text_reads_back_into_its_sections() -> None:
    packet = Packet(
        incident_id=7,
        service="billing-webhooks",
        title="billing-webhooks error rate above 5%",
        severity=Severity.SEV2,
        first_seen=T0,
        signals=PACKET.evidence,
        owners=(Owner("payments-platform", "payments-oncall"),),
        actions=(SuggestedAction("Roll back billing-webhooks to 51d0e7c"),),
        unavailable=(SourceFailure("logs", "timed out after 5s"),),
        closest_runbooks=(RunbookFit("high-error-rate", "High error rate", ("keyword error",), 1),),
        causes=PACKET.causes,
        warnings=PACKET.warnings,
    )
    assert read_packet_text(render_plain(packet)) == PACKET


def test_no_stored_packet_reads_as_none_and_an_empty_one_has_no_evidence() -> None:
    assert read_packet_text(None) is None
    bare = "Incident packet\nService: x\nSignals:\n- No signal beyond the alert itself\n"
    read = read_packet_text(bare)
    assert read is not None
    assert read.evidence == ()


# The document


async def test_every_section_is_present_and_filled_from_the_data() -> None:
    draft = await write_postmortem(resolved_facts())
    markdown = draft.markdown
    headings = [line[3:] for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == list(SECTION_TITLES)
    assert draft.filename == "postmortem-INC-7.md"
    summary = _section(markdown, "Summary")
    assert "INC-7 (sev1) affected billing-webhooks" in summary
    assert "first alert fired at 2026-03-04 14:03:00 UTC" in summary
    assert "resolved at 2026-03-04 14:55:00 UTC, 52 min after it began" in summary
    timeline = _section(markdown, "Timeline")
    assert "- **E2** `2026-03-04 14:03:00 UTC` Alert fired:" in timeline
    assert "`2026-03-04 14:15:00 UTC` U0BOB in the channel: “Rolling back now?”" in timeline
    root = _section(markdown, "Root Cause Analysis")
    top, runner_up = draft.citations.hypotheses
    assert f"- **{top.id}** Regression from deploy 9f1c2ab (PR 4821) by dana (confidence 0.91)" in (
        root
    )
    assert f"- **{runner_up.id}** Upstream stripe-api errors (confidence 0.30)" in root
    spike, deploy = draft.citations.evidence
    assert f"- **{spike.id}** Error rate rose from 0.3% to 8.7%" in root
    assert f"- **{deploy.id}** Latest deploy landed 11 minutes before first spike" in root
    assert "- logs: timed out after 5s" in root
    resolution = _section(markdown, "Resolution")
    assert "INC-7 was resolved by U0ALICE at 2026-03-04 14:55:00 UTC." in resolution
    assert "1 of 1 alerting condition reported resolved" in resolution
    assert "Action #1 rollback of deployment/billing-webhooks: verified at 2026-03-04 14:26:00" in (
        resolution
    )
    impact = _section(markdown, "Impact Assessment")
    assert "- Severity: sev1 (opened at sev2)" in impact
    assert "- Duration: 52 min (2026-03-04 14:03:00 UTC to 2026-03-04 14:55:00 UTC)" in impact
    assert "- Signals: 3 received for 1 alerting condition" in impact
    assert (
        "  - billing-webhooks error rate above 5% (billing-webhooks): first seen "
        "2026-03-04 14:03:00 UTC, last seen firing 2026-03-04 14:03:00 UTC, "
        "reported resolved 2026-03-04 14:50:00 UTC" in impact
    )
    assert "billing-webhooks: tier 1, customer-facing, owned by payments-platform" in impact
    assert "billing-db: not in the service catalog" in impact
    assert "- Customer impact: likely" in impact
    items = _section(markdown, "Action Items")
    assert "- [ ] Write a runbook for billing-webhooks" in items
    assert "- [ ] Restore the logs evidence source" in items
    assert (
        "- [ ] Confirm or rule out the leading hypothesis: Regression from deploy 9f1c2ab" in items
    )
    assert "Resolve INC-7" not in items


async def test_an_open_incident_says_no_resolution_is_recorded_yet() -> None:
    draft = await write_postmortem(open_facts())
    resolution = _section(draft.markdown, "Resolution")
    assert resolution.startswith(
        "No resolution recorded yet: INC-7 is still open as of 2026-03-04 15:33:00 UTC."
    )
    assert "No action was carried out through the bot" in resolution
    assert "still open at the time of this draft" in _section(draft.markdown, "Summary")
    assert (
        "- Duration: 1 h 30 min (2026-03-04 14:03:00 UTC to 2026-03-04 15:33:00 UTC, still open)"
        in (_section(draft.markdown, "Impact Assessment"))
    )
    assert "still firing at the last word from its source" in _section(
        draft.markdown, "Impact Assessment"
    )
    assert "- [ ] Resolve INC-7 when the service has recovered" in _section(
        draft.markdown, "Action Items"
    )


async def test_a_failed_action_becomes_an_action_item_and_a_timeline_entry() -> None:
    draft = await write_postmortem(failed_action_facts())
    items = _section(draft.markdown, "Action Items")
    assert (
        "- [ ] Find out why action #3 (restart of deployment/billing-webhooks) failed: "
        "pods did not become ready within 120s" in items
    )
    timeline = _section(draft.markdown, "Timeline")
    assert (
        "`2026-03-04 14:36:00 UTC` Action #3 finished, failed: pods did not become ready "
        "within 120s" in timeline
    )
    assert "No action was carried out through the bot" in _section(draft.markdown, "Resolution")


async def test_without_a_packet_the_cause_is_said_to_be_unknown() -> None:
    draft = await write_postmortem(replace(open_facts(), packet=None))
    assert "Root cause: unknown." in _section(draft.markdown, "Root Cause Analysis")
    assert "- [ ] Establish the root cause" in _section(draft.markdown, "Action Items")
    assert "established no likely cause" in _section(draft.markdown, "Summary")


async def test_an_unread_channel_is_noted_in_the_draft() -> None:
    note = "Channel messages could not be read (conversations.history failed: not_in_channel)."
    facts = replace(open_facts(), messages=(), history_note=note)
    draft = await write_postmortem(facts)
    assert f"_{note}_" in _section(draft.markdown, "Timeline")
    assert "no channel messages (see the note under Timeline)" in draft.markdown


async def test_secrets_in_the_data_are_redacted_from_the_draft_and_its_summary() -> None:
    leak = "token=ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    facts = resolved_facts()
    message = ChannelMessage("1772633100.000300", at(14), "U0BOB", f"I used {leak} to check")
    facts = replace(facts, messages=(*facts.messages, message))
    draft = await write_postmortem(facts)
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in draft.markdown
    assert "[redacted:" in draft.markdown
    # Times are not mistaken for secrets or customer data.
    assert "`2026-03-04 14:17:00 UTC`" in draft.markdown


# With a narrator


@dataclass(frozen=True)
class _Narration:
    text: str
    grounded: bool


class _Narrator:
    """A narrator of our own port's shape, answering per purpose (no model behind it)."""

    def __init__(self, answers: dict[str, _Narration]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, tuple[Fact, ...], tuple[str, ...]]] = []

    async def write(
        self,
        *,
        purpose: str,
        facts: Sequence[Fact],
        instructions: str,
        incident_id: int | None,
        names: Iterable[str] = (),
    ) -> _Narration:
        self.asked.append((purpose, tuple(facts), tuple(names)))
        return self.answers.get(purpose, _Narration("", grounded=False))


class _BrokenNarrator:
    async def write(
        self,
        *,
        purpose: str,
        facts: Sequence[Fact],
        instructions: str,
        incident_id: int | None,
        names: Iterable[str] = (),
    ) -> _Narration:
        raise ChatError("messages.create", "overloaded")


async def test_narrated_prose_replaces_the_summary_and_leads_the_root_cause() -> None:
    narrator = _Narrator(
        {
            "postmortem.summary": _Narration("A deploy broke billing [E2].", grounded=True),
            "postmortem.root_cause": _Narration("Deploy 9f1c2ab [E15, E17].", grounded=True),
        }
    )
    draft = await write_postmortem(resolved_facts(), narrator=narrator)
    assert _section(draft.markdown, "Summary") == "A deploy broke billing [E2]."
    root = _section(draft.markdown, "Root Cause Analysis")
    assert root.startswith("Deploy 9f1c2ab [E15, E17].")
    assert "Regression from deploy 9f1c2ab" in root  # the cited facts stay
    assert draft.narrated == ("summary", "root_cause")
    purpose, facts, names = narrator.asked[0]
    assert purpose == "postmortem.summary"
    assert [fact.id for fact in facts] == [f"E{i}" for i in range(1, len(facts) + 1)]
    assert facts == draft.citations.all  # the ids the document shows
    assert names == ("billing-webhooks", "billing-db")


async def test_the_narrator_sees_the_facts_redacted() -> None:
    facts = resolved_facts()
    leak = ChannelMessage("1772633100.000300", at(14), "U0BOB", "password=hunter2hunter2")
    narrator = _Narrator({})
    await write_postmortem(replace(facts, messages=(*facts.messages, leak)), narrator=narrator)
    texts = " ".join(fact.text for fact in narrator.asked[0][1])
    assert "hunter2hunter2" not in texts
    assert "[redacted:" in texts


async def test_ungrounded_empty_or_failing_narration_leaves_the_template() -> None:
    plain = await write_postmortem(resolved_facts())
    ungrounded = _Narrator({"postmortem.summary": _Narration("Aliens did it.", grounded=False)})
    empty = _Narrator({"postmortem.summary": _Narration("  ", grounded=True)})
    for narrator in (ungrounded, empty, _BrokenNarrator()):
        draft = await write_postmortem(resolved_facts(), narrator=narrator)
        assert draft.markdown == plain.markdown
        assert draft.narrated == ()


# Who may draft it


def test_the_commander_may_draft_and_others_may_not_while_one_is_set() -> None:
    assert postmortem_refusal(user="U0ALICE", commander="U0ALICE") is None
    assert postmortem_refusal(user="U0BOB", commander=None) is None
    refusal = postmortem_refusal(user="U0BOB", commander="U0ALICE")
    assert refusal is not None
    assert "U0ALICE" in refusal
