"""The opening budget keeps Slack's room for channels for sev1-2 during a storm."""

from __future__ import annotations

from bot.pipeline import OpeningBudget


class Ticking:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_storm_of_minor_openings_leaves_the_reserve_for_urgent_ones() -> None:
    clock = Ticking()
    budget = OpeningBudget(per_minute=20, burst=20, reserve=4, monotonic=clock)

    minor = [budget.take(urgent=False) for _ in range(20)]

    assert minor == [True] * 16 + [False] * 4
    assert [budget.take(urgent=True) for _ in range(4)] == [True] * 4


def test_urgent_openings_always_go_and_minor_ones_wait_for_the_refill() -> None:
    clock = Ticking()
    budget = OpeningBudget(per_minute=20, burst=20, reserve=4, monotonic=clock)
    for _ in range(20):
        assert budget.take(urgent=True)  # a sev1 storm spends the burst...
    assert budget.take(urgent=True)  # ...and more, going into debt
    assert not budget.take(urgent=False)

    clock.now = 3 * 5  # five openings' worth at one every 3 s: still in the reserve
    assert not budget.take(urgent=False)
    clock.now = 3 * 6  # one above the reserve
    assert budget.take(urgent=False)
    assert not budget.take(urgent=False)


def test_the_budget_never_holds_more_than_its_burst() -> None:
    clock = Ticking()
    budget = OpeningBudget(per_minute=20, burst=5, reserve=0, monotonic=clock)
    clock.now = 3600
    assert [budget.take(urgent=False) for _ in range(6)] == [True] * 5 + [False]
