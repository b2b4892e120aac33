"""What a claim says in common with the facts it cites, word by word: for the sentences the
entity checks cannot judge. Pure.

A sentence naming no entity at all ("Everything is under control now", "The team responded
well") passes every entity and direction check vacuously. Citing a real id is not enough to
say it: the verifier (:mod:`bot.narrator.verifier`) keeps such a sentence only when most of its
meaningful words are in what it cites, and a causal sentence only when it names something of
the hypothesis it cites ("the deploy caused it" citing the deploy's hypothesis, not "human
error caused it").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.narrator import entities
from bot.narrator.vocabulary import CAUSAL_MARKERS, FUNCTION_WORDS

__all__ = ["meaning_words", "names_anything", "shared_words", "unsupported"]

WORD = re.compile(r"[a-z][a-z0-9'-]*[a-z0-9]|[a-z]")
CAUSAL_WORDS = frozenset(word for marker in CAUSAL_MARKERS for word in marker.split())


def _words(text: str) -> dict[str, str]:
    """Each meaningful word of ``text`` by its stem (the first form written)."""
    lowered = entities.strip_citations(text).lower()
    found: dict[str, str] = {}
    for word in WORD.findall(lowered):
        if len(word) > 2 and word not in FUNCTION_WORDS and word not in CAUSAL_WORDS:
            found.setdefault(entities.stem(word.strip("'-")), word)
    return found


def meaning_words(text: str) -> frozenset[str]:
    """The words of ``text`` that carry meaning, stemmed: not function words, not a citation,
    not a causal connective."""
    return frozenset(_words(text))


def shared_words(text: str, cited: str) -> frozenset[str]:
    """The meaningful words of ``text`` that ``cited`` holds too."""
    return meaning_words(text) & meaning_words(cited)


def names_anything(text: str, known: Iterable[str]) -> bool:
    """Whether ``text`` names an entity the verifier checks (a sha, URL, identifier, known
    name, proper noun, system or harm, number, percentage, duration, time, severity or vague
    amount): when it does, the entity checks judged it; when not, :func:`unsupported` must."""
    return any(
        (
            entities.shas(text),
            entities.urls(text),
            entities.names_in(text, known),
            entities.named(text),
            entities.lowercase_names(text),
            entities.identifiers(text),
            entities.severities(text),
            entities.numbers(text),
            entities.percentages(text),
            entities.durations(text),
            entities.clock_times(text),
            entities.vague_quantities(text),
            entities.proper_nouns(text),
            entities.component_terms(text),
        )
    )


def unsupported(text: str, cited: str) -> str | None:
    """Why ``text``, which names no entity, is not what ``cited`` says; None when more than
    half of its meaningful words are in it."""
    words = _words(text)
    if not words:
        return "says nothing its evidence could confirm"
    found = words.keys() & meaning_words(cited)
    if len(found) * 2 <= len(words):
        missing = [word for stem, word in words.items() if stem not in found]
        return f"says what its evidence does not ({', '.join(missing[:3])})"
    return None
