"""Grounding keeps a claim only when everything it names is in the facts it cites."""

from __future__ import annotations

from bot.narrator.grounding import claims_from, ground
from bot.narrator.values import Claim, Fact

FACTS = (
    Fact("E1", "Deploy 9f1c2ab of checkout (PR 4821) by dana at 14:02 UTC"),
    Fact("E2", "checkout error_rate rose from 0.3% to 8.7%"),
    Fact("E3", "Pod checkout-7d9f8c6b5-x2k4q restarted 4 times (OOMKilled)"),
)
NAMES = ("checkout", "payments", "checkout-7d9f8c6b5-x2k4q")


def _one(text: str, *ids: str) -> tuple[int, int, str | None]:
    result = ground([Claim(text, ids)], FACTS, names=NAMES)
    reason = result.dropped[0].reason if result.dropped else None
    return len(result.kept), len(result.dropped), reason


def test_a_claim_that_repeats_its_cited_facts_is_kept() -> None:
    assert _one("Deploy 9f1c2ab to checkout came just before errors rose to 8.7%.", "E1", "E2")[
        :2
    ] == (1, 0)


def test_a_claim_citing_an_unknown_id_is_dropped() -> None:
    assert _one("Errors rose after the deploy.", "E1", "E9") == (0, 1, "cites unknown id E9")


def test_a_claim_citing_nothing_is_dropped() -> None:
    assert _one("Something broke.") == (0, 1, "cites no evidence")


def test_an_invented_sha_is_dropped() -> None:
    assert _one("Deploy 1234abcd broke checkout.", "E1") == (
        0,
        1,
        "names sha 1234abcd not in its evidence",
    )


def test_a_sha_from_an_uncited_fact_is_dropped() -> None:
    assert _one("Deploy 9f1c2ab raised errors.", "E2") == (
        0,
        1,
        "names sha 9f1c2ab not in its evidence",
    )


def test_an_invented_number_is_dropped() -> None:
    assert _one("The error rate reached 12.5%.", "E2") == (0, 1, "states 12.5 not in its evidence")


def test_a_service_not_in_the_cited_facts_is_dropped() -> None:
    assert _one("payments errors rose from 0.3% to 8.7%.", "E2") == (
        0,
        1,
        "names payments not in its evidence",
    )


def test_an_invented_pod_name_is_dropped() -> None:
    assert _one("Pod checkout-55c8-zz9 restarted 4 times.", "E3") == (
        0,
        1,
        "names checkout-55c8-zz9 not in its evidence",
    )


def test_a_pod_named_in_its_cited_fact_is_kept() -> None:
    assert _one("Pod checkout-7d9f8c6b5-x2k4q ran out of memory 4 times.", "E3")[0] == 1


def test_citation_markers_in_the_text_are_not_read_as_numbers() -> None:
    assert _one("Errors rose to 8.7% (E2).", "E2")[0] == 1


def test_claims_are_read_from_the_tool_input_and_odd_items_skipped() -> None:
    claims = claims_from(
        {"claims": [{"text": " A  claim ", "evidence_ids": ["E1"]}, "junk", {"text": 3}]}
    )
    assert claims == [Claim("A claim", ("E1",))]


def test_a_tool_input_without_claims_is_not_read() -> None:
    assert claims_from({"answer": "text"}) is None
    assert claims_from(None) is None
