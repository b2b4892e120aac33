"""Every real vendor payload of the shared corpus, correctly signed, through the real webhook
routes and the real pipeline: each gets the outcome its manifest expects, none gets a 5xx, and
nothing stalls (every accepted signal is correlated, every incident gets its packet).

Where a manifest's ``expect`` disagrees with the vendor's own documentation, the test does not
bend silently: the entry is in :data:`KNOWN_DISAGREEMENTS` with the reason and the outcome the
bot gives instead, and that outcome is what is asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.incident.models import PacketState
from bot.signal.values import SignalStatus
from bot.transactions import TransactionRunner
from tests.contract.corpus import SECRET, VENDORS, Entry, corpus_root, entries, headers_for
from tests.contract.harness import Answer, ContractBot, contract_bot

# (vendor, file) -> (the outcome the bot gives, why the manifest's expect is not it). Empty: every
# entry was checked against its vendor's documentation (2026-12-07) and none disagreed.
KNOWN_DISAGREEMENTS: dict[tuple[str, str], tuple[str, str]] = {}

REFUSAL_STATUSES = {400, 401, 413, 429}


@pytest.fixture(scope="module")
def corpus() -> Path:
    root = corpus_root()
    if root is None:
        pytest.skip(
            "the vendor payload corpus is not here: expected shared/vendor-payloads/ beside the "
            "repository (<repo>/../shared), or a folder named by VENDOR_PAYLOADS"
        )
    return root


def expected(entry: Entry) -> str:
    return KNOWN_DISAGREEMENTS.get((entry.vendor, entry.file), (entry.expect, ""))[0]


def check_answer(entry: Entry, answer: Answer) -> None:
    where = f"{entry.name} (expect {expected(entry)}): {answer.status} {answer.body}"
    assert answer.status < 500, where
    outcome = expected(entry)
    body = answer.body
    if outcome == "fire" or outcome == "resolve":
        assert answer.status == 202, where
        assert body["accepted"] >= 1, where
    elif outcome == "ignore":
        assert answer.status == 200, where
        assert body.get("ignored") is True, where
    elif outcome == "duplicate":
        assert answer.status == 200, where
        assert body["accepted"] == 0, where
        assert body["duplicates"] >= 1, where
    else:
        assert outcome == "reject", where
        assert answer.status in REFUSAL_STATUSES, where
        assert body["ok"] is False, where
        # A reason a person can act on: it names what is wrong, and where for a bad payload.
        assert len(body["reason"]) > 10, where
        if answer.status == 400:
            assert body["field"], where


async def check_pipeline(entry: Entry, answer: Answer, bot: ContractBot) -> None:
    outcome = expected(entry)
    if outcome not in ("fire", "resolve"):
        return
    stored = await bot.signals(list(answer.body["signal_ids"]))
    assert stored, entry.name
    for signal in stored:
        where = f"{entry.name}: signal {signal.id} {signal.status} incident {signal.incident_id}"
        assert signal.processed_at is not None, where
        assert signal.quarantined_at is None, where
        if outcome == "fire":
            assert signal.status == SignalStatus.FIRING, where
            assert signal.incident_id is not None, where
        else:
            assert signal.status == SignalStatus.RESOLVED, where


async def nothing_stalled(bot: ContractBot) -> None:
    for signal in await bot.signals():
        assert signal.processed_at is not None, f"signal {signal.id} never correlated"
        assert signal.quarantined_at is None, f"signal {signal.id}: {signal.last_error}"
    for incident in await bot.incidents():
        assert incident.quarantined_at is None, f"incident {incident.id}: {incident.last_error}"
        assert incident.packet_state == PacketState.POSTED, f"incident {incident.id} unpublished"


@pytest.mark.parametrize("vendor", VENDORS)
async def test_every_corpus_payload_gets_its_expected_outcome(
    corpus: Path,
    vendor: str,
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    async with contract_bot(
        sessions=sessions, transactions=transactions, clock=clock, secret=SECRET
    ) as bot:
        for entry in entries(corpus, vendor):
            answer = await bot.post(vendor, entry.body, headers_for(entry, now=clock.now()))
            check_answer(entry, answer)
            await bot.run_pipeline()
            await check_pipeline(entry, answer, bot)
        await nothing_stalled(bot)


async def test_grafanas_year_one_test_alert_fires_now_and_holds_up_nothing(
    corpus: Path,
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    # The original stall: this payload was accepted, then overflowed the packet's evidence
    # window and the correlation window, and every signal after it waited forever.
    (year_one,) = [
        e for e in entries(corpus, "grafana") if e.file.endswith("custom-payload-one-alert.json")
    ]
    assert b"0001-01-01T00:00:00Z" in year_one.body
    later = [
        next(e for e in entries(corpus, vendor) if e.expect == "fire")
        for vendor in VENDORS
        if vendor != "grafana"
    ]
    async with contract_bot(
        sessions=sessions, transactions=transactions, clock=clock, secret=SECRET
    ) as bot:
        first = await bot.post("grafana", year_one.body, headers_for(year_one, now=clock.now()))
        assert first.status == 202, first.body
        answers = [await bot.post(e.vendor, e.body, headers_for(e, now=clock.now())) for e in later]
        assert [a.status for a in answers] == [202] * len(later), [a.body for a in answers]
        await bot.run_pipeline()
        (signal,) = await bot.signals(first.body["signal_ids"])
        assert signal.started_at == clock.now()  # unknown: read as the time it was received
        assert signal.incident_id is not None
        await nothing_stalled(bot)
        assert len(await bot.incidents()) >= len(VENDORS)
