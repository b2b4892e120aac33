"""What a sentence names and states, read the same way from a claim and from the facts it cites.

Pure. The verifier (:mod:`bot.narrator.verifier`) compares the two: every sha, URL, host,
identifier, known name, proper noun, component, number (in digits or in words), percentage,
duration and clock time a claim names must be in its cited facts. Extraction errs towards
seeing an entity: a word that is not there only costs a claim; an invented one let through
reaches people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from bot.narrator.vocabulary import (
    COMMON_HYPHENATED,
    COMMON_WORDS,
    COMPONENT_TERMS,
    GENERIC_CAPITALS,
    NUMBER_WORDS,
    SCALE_WORDS,
    VAGUE_QUANTITIES,
)

__all__ = [
    "CITATION",
    "clock_times",
    "component_terms",
    "durations",
    "identifiers",
    "lowercase_names",
    "mentions",
    "named",
    "names_in",
    "numbers",
    "percentages",
    "proper_nouns",
    "severities",
    "shas",
    "stem",
    "strip_citations",
    "urls",
    "vague_quantities",
    "word_in",
]

CITATION = re.compile(r"\[?\(?\b[EA]\d+\b(?:\s*,\s*\b[EA]\d+\b)*\)?\]?")
SHA = re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b", re.IGNORECASE)
URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\]\)\"']+|\bwww\.[^\s<>\]\)\"']+", re.IGNORECASE)
IDENTIFIER = re.compile(r"(?<![\w/.-])[A-Za-z0-9]+(?:[-_./:][A-Za-z0-9]+)+(?![\w-])")
NUMBER = re.compile(r"(?<![\w.:])\d+(?:,\d{3})*(?:\.\d+)?(?![\w])")
TIME = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?\b")
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|per\s?cent\b)", re.IGNORECASE)
DURATION = re.compile(
    r"(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|ms|"
    r"milliseconds?)\b",
    re.IGNORECASE,
)
SEVERITY = re.compile(r"\b(?:sev\s?-?[0-5]|p[0-4])\b", re.IGNORECASE)
NAMED = re.compile(r"\b(?:called|named|dubbed|known as)\s+[\"'\u201c]?([\w.-]+)", re.IGNORECASE)
# "the inventory service", "a ledger dependency": the word before names a system.
SYSTEM_NOUN = re.compile(
    r"\b([a-z][\w-]*)\s+(?:service|api|microservice|backend|dependency|database|db|cluster|"
    r"queue|gateway|worker|team|squad)s?(?![\w.-])",
    re.IGNORECASE,
)
# "jane approved", "by jane": a person acting, written in lower case.
ACTOR = re.compile(
    r"\b([a-z][a-z'-]+)\s+(?:approved|deployed|pushed|merged|wrote|committed|reviewed|"
    r"rolled|owns|changed|broke|paged|acknowledged)\b|\bby\s+([a-z][a-z'-]+)\b"
)
MENTION = re.compile(r"<[@!#][^>]*>|(?<![\w.])@[A-Za-z][\w.-]*")
WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")
SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n)\W*$")
UNITS = {
    "ms": "ms", "millisecond": "ms", "milliseconds": "ms",
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "min", "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d", "week": "w", "weeks": "w",
}  # fmt: skip


def stem(word: str) -> str:
    """A crude stem: ``disks`` and ``disk``, ``charged`` and ``charge`` compare equal."""
    word = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)].rstrip("e")
    return word.rstrip("e")


def word_in(name: str, text: str) -> bool:
    """``name`` appears in ``text`` as a whole word (case-insensitive)."""
    pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def strip_citations(text: str) -> str:
    return CITATION.sub(" ", text)


def shas(text: str) -> list[str]:
    return SHA.findall(text)


def urls(text: str) -> list[str]:
    return [url.rstrip(".,;:") for url in URL.findall(text)]


def mentions(text: str) -> list[str]:
    """Slack mentions and @-handles: ``<@U123>``, ``<!here>``, ``@payments-oncall``."""
    return MENTION.findall(text)


def identifiers(text: str) -> list[str]:
    """Dashed, underscored, dotted or slashed names (``ledger-api``, ``db-1.prod``,
    ``payments/billing``, ``us-east-1``), except numbers, times and common hyphenated words."""
    found: list[str] = []
    for token in IDENTIFIER.findall(strip_citations(text)):
        token = token.rstrip(".:/")
        if not re.search(r"[A-Za-z]", token) or TIME.fullmatch(token):
            continue
        if token.lower() in COMMON_HYPHENATED or (
            "-" not in token
            and "_" not in token
            and ("." not in token and "/" not in token and ":" not in token)
        ):
            continue
        found.append(token)
    return found


def severities(text: str) -> list[str]:
    """``sev1``, ``SEV 2``, ``P1`` as ``sev1``, ``sev2``, ``p1``."""
    return [re.sub(r"[\s-]", "", s.lower()) for s in SEVERITY.findall(strip_citations(text))]


def named(text: str) -> list[str]:
    """What a sentence says something is called: ``a dependency called ledger``."""
    return NAMED.findall(strip_citations(text))


def lowercase_names(text: str) -> list[str]:
    """Words that name a system or a person though written in lower case (``the inventory
    service``, ``jane approved``, ``by jane``), when they are not common words."""
    text = strip_citations(text)
    found = [m.group(1) for m in SYSTEM_NOUN.finditer(text)]
    found += [a or b for a, b in ACTOR.findall(text)]
    return [w for w in found if w.lower() not in COMMON_WORDS and stem(w) not in COMMON_WORDS]


def names_in(text: str, names: Iterable[str]) -> list[str]:
    """The known names (services, pods, people, teams) ``text`` contains, longest first."""
    return [name for name in sorted(set(names), key=len, reverse=True) if word_in(name, text)]


def proper_nouns(text: str) -> list[str]:
    """Capitalised words that are not the bot's own vocabulary: a person, a team, a vendor, a
    role (``CTO``). A sentence's first word counts only when it is not a common word."""
    text = strip_citations(text)
    found: list[str] = []
    for match in WORD.finditer(text):
        word = match.group().rstrip("'\u2019")
        if not word[:1].isupper() or word in GENERIC_CAPITALS:
            continue
        lower = word.lower()
        if lower in NUMBER_WORDS or lower in SCALE_WORDS or lower.rstrip("s") in SCALE_WORDS:
            continue  # a number in words: see numbers()
        at_start = SENTENCE_START.search(text[: match.start()]) is not None
        common = lower in COMMON_WORDS or stem(lower) in COMMON_WORDS
        if at_start and (common or lower.endswith(("ing", "ed", "ly"))):
            continue
        if not at_start and common and not word.isupper():
            continue
        found.append(word)
    return found


def component_terms(text: str) -> list[str]:
    """Systems and harms a cause or an impact could name (``disk``, ``database``, ``DNS``,
    ``customers``, ``upstream``...), as they are written."""
    lowered = strip_citations(text).lower()
    return [term for term in COMPONENT_TERMS if re.search(rf"\b{re.escape(term)}", lowered)]


def _decimal(token: str) -> Decimal | None:
    try:
        return Decimal(token.replace(",", ""))
    except InvalidOperation:
        return None


def _word_numbers(text: str) -> list[Decimal]:
    """``Eleven hundred`` is 1100, ``twenty-five`` 25, ``a dozen`` 12."""
    values: list[Decimal] = []
    total = current = Decimal(0)
    in_number = False
    for token in re.findall(r"[a-z]+|[^a-z\s]", text.lower().replace("-", " ")):
        if token in NUMBER_WORDS:
            current += NUMBER_WORDS[token]
            in_number = True
        elif token in SCALE_WORDS and in_number:
            scale = SCALE_WORDS[token]
            if scale == 100:
                current *= scale
            else:
                total += current * scale
                current = Decimal(0)
        elif token == "and" and in_number:
            continue
        elif in_number:
            values.append(total + current)
            total = current = Decimal(0)
            in_number = False
    if in_number:
        values.append(total + current)
    return values


def numbers(text: str) -> set[Decimal]:
    """Every number ``text`` states, in digits or in words (``one`` in ``one of`` is not a
    count), clock times aside (see :func:`clock_times`)."""
    text = strip_citations(text)
    plain = TIME.sub(" ", text)
    plain = re.sub(r"\bone of\b", " ", plain, flags=re.IGNORECASE)
    for token in (*shas(plain), *identifiers(plain)):
        plain = plain.replace(token, " ")
    found = {n for n in (_decimal(t) for t in NUMBER.findall(plain)) if n is not None}
    return found | set(_word_numbers(plain))


def clock_times(text: str) -> set[str]:
    """``14:02``-style times, as ``HH:MM``."""
    return {f"{int(h):02d}:{m}" for h, m in TIME.findall(strip_citations(text))}


def percentages(text: str) -> set[Decimal]:
    return {n for n in (_decimal(v) for v in PERCENT.findall(text)) if n is not None}


def durations(text: str) -> set[tuple[Decimal, str]]:
    """``(11, "min")`` for ``11 minutes``."""
    found: set[tuple[Decimal, str]] = set()
    for value, unit in DURATION.findall(TIME.sub(" ", strip_citations(text))):
        number = _decimal(value)
        if number is not None:
            found.add((number, UNITS[unit.lower()]))
    return found


def vague_quantities(text: str) -> list[str]:
    """``thousands``, ``dozens``, ``millions``: amounts stated without a number."""
    lowered = strip_citations(text).lower()
    return [word for word in VAGUE_QUANTITIES if re.search(rf"\b{word}\b", lowered)]
