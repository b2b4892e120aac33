"""The bot's own words about what became of the model's answer, for a reply that could not use
it: how many sentences the verifier left out, or why there was no usable answer. Pure."""

from __future__ import annotations

from bot.narrator.values import Narration

__all__ = ["left_out", "unused"]


def left_out(count: int) -> str:
    """``_2 sentences the language model wrote left out: ..._``."""
    sentences = "sentence" if count == 1 else "sentences"
    return (
        f"_{count} {sentences} the language model wrote left out: not supported by the facts "
        "cited._"
    )


def unused(narration: Narration) -> str:
    """Why a reply stands on the bot's own words: the model's failure, named, or the count of
    sentences the verifier refused."""
    if narration.error is not None:
        return f"_The language model's answer was not used: {narration.error}._"
    if narration.dropped:
        return left_out(len(narration.dropped))
    return "_The language model had nothing to add._"
