"""Numbers people type or buttons carry, read strictly: ASCII digits only, within what both
databases store.

``str.isdigit`` accepts ``²`` (which ``int`` refuses) and ``\\d`` accepts other scripts' digits;
``int`` accepts signs, spaces and underscores, and any size, which SQLite's driver refuses with
``OverflowError`` and PostgreSQL with ``DataError``. A number read here is always one a query
can take; anything else is None, and the edge answers with the usage.
"""

from __future__ import annotations

import re

__all__ = ["MAX_ID", "parse_count", "parse_id"]

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the narrower of the two databases' id columns
_DIGITS = re.compile(r"[0-9]{1,10}", re.ASCII)


def parse_count(text: str, *, maximum: int = MAX_ID) -> int | None:
    """``text`` as a whole number from 0 to ``maximum``; None when it is anything else."""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= maximum else None


def parse_id(text: str) -> int | None:
    """``text`` as a row id (1 to :data:`MAX_ID`); None when it is anything else."""
    number = parse_count(text)
    return number if number is not None and number >= 1 else None
