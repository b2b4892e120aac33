"""The action state machine: the only ways an action moves, and a refusal for every other."""

from __future__ import annotations

import pytest

from bot.action.models import ActionState
from bot.action.states import TRANSITIONS, can_move, is_final, move
from bot.errors import ActionTransitionError

S = ActionState
ALLOWED = {
    (S.PROPOSED, S.APPROVED),
    (S.PROPOSED, S.DENIED),
    (S.PROPOSED, S.EXPIRED),
    (S.APPROVED, S.EXECUTING),
    (S.APPROVED, S.EXPIRED),
    (S.EXECUTING, S.SUCCEEDED),
    (S.EXECUTING, S.FAILED),
    (S.SUCCEEDED, S.VERIFIED),
    (S.SUCCEEDED, S.NOT_VERIFIED),
}


def test_the_machine_allows_exactly_the_documented_transitions() -> None:
    found = {(current, new) for current, nexts in TRANSITIONS.items() for new in nexts}
    assert found == ALLOWED


@pytest.mark.parametrize("pair", sorted(ALLOWED), ids=lambda p: f"{p[0]}->{p[1]}")
def test_an_allowed_transition_returns_the_new_state(pair: tuple[ActionState, ActionState]) -> None:
    assert move(*pair) is pair[1]


@pytest.mark.parametrize(
    "pair",
    sorted((a, b) for a in S for b in S if (a, b) not in ALLOWED),
    ids=lambda p: f"{p[0]}->{p[1]}",
)
def test_every_other_transition_raises(pair: tuple[ActionState, ActionState]) -> None:
    assert not can_move(*pair)
    with pytest.raises(ActionTransitionError, match=f"{pair[0].value} cannot become"):
        move(*pair)


def test_an_approved_action_cannot_skip_execution_to_succeeded() -> None:
    with pytest.raises(ActionTransitionError):
        move(S.APPROVED, S.SUCCEEDED)


def test_denied_expired_failed_and_verified_states_are_final() -> None:
    finals = {state for state in S if is_final(state)}
    assert finals == {S.DENIED, S.EXPIRED, S.FAILED, S.VERIFIED, S.NOT_VERIFIED}
