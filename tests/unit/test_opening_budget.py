"""The opening budget keeps Slack's room for channels for the most severe incidents in a storm."""

from __future__ import annotations

from bot.pipeline import OpeningBudget
from bot.signal.values import Severity


class Ticking:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_storm_of_minor_openings_leaves_the_reserve_for_urgent_ones() -> None:
    clock = Ticking()
    budget = OpeningBudget(per_minute=20, burst=20, reserve=4, sev1_reserve=2, monotonic=clock)

    minor = [budget.take(Severity.SEV4) for _ in range(20)]

    assert minor == [True] * 16 + [False] * 4
    assert [budget.take(Severity.SEV2) for _ in range(3)] == [True, True, False]
    assert [budget.take(Severity.SEV1) for _ in range(2)] == [True, True]


def test_sev2_openings_keep_room_for_a_sev1() -> None:
    clock = Ticking()
    budget = OpeningBudget(per_minute=20, burst=20, reserve=4, sev1_reserve=2, monotonic=clock)

    sev2 = [budget.take(Severity.SEV2) for _ in range(20)]

    assert sev2 == [True] * 18 + [False] * 2
    assert not budget.take(Severity.SEV3)
    assert budget.take(Severity.SEV1)


def test_sev1_openings_always_go_and_the_others_wait_for_the_refill() -> None:
    clock = Ticking()
    budget = OpeningBudget(per_minute=20, burst=20, reserve=4, sev1_reserve=2, monotonic=clock)
    for _ in range(20):
        assert budget.take(Severity.SEV1)  # a sev1 storm spends the burst...
    assert budget.take(Severity.SEV1)  # ...and more, going into debt
    assert not budget.take(Severity.SEV2)
    assert not budget.take(Severity.SEV4)

    clock.now = 3 * 3  # three openings' worth at one every 3 s: still in sev1's reserve
    assert not budget.take(Severity.SEV2)
    clock.now = 3 * 4  # one above sev1's reserve: a sev2 may, a sev4 may not
    assert not budget.take(Severity.SEV4)
    assert budget.take(Severity.SEV2)
    clock.now = 3 * 7  # two left after the sev2, three more refilled: one above the minor reserve
    assert budget.take(Severity.SEV4)
    assert not budget.take(Severity.SEV4)


def test_the_budget_never_holds_more_than_its_burst() -> None:
    clock = Ticking()
    budget = OpeningBudget(per_minute=20, burst=5, reserve=0, sev1_reserve=0, monotonic=clock)
    clock.now = 3600
    assert [budget.take(Severity.SEV4) for _ in range(6)] == [True] * 5 + [False]


def test_a_sev1_that_correlation_raised_keeps_room_for_one_a_source_declared() -> None:
    clock = Ticking()
    budget = OpeningBudget(per_minute=20, burst=20, reserve=4, sev1_reserve=2, monotonic=clock)

    raised = [budget.take(Severity.SEV1, raised=True) for _ in range(20)]

    assert raised == [True] * 18 + [False] * 2
    assert budget.take(Severity.SEV1)
    assert not budget.take(Severity.SEV2, raised=True)  # a raised sev2 keeps the minor reserve
