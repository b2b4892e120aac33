"""The one JSON parser for webhook bodies: every way a body can fail to parse is a 400."""

from __future__ import annotations

import json

from bot.errors import PayloadError

__all__ = ["parse_json"]


def parse_json(body: bytes) -> object:
    """The JSON in ``body``, or :class:`PayloadError` naming ``body``.

    Beyond malformed JSON, :func:`json.loads` raises a plain ValueError for an integer of more
    than 4,300 digits and RecursionError for deep nesting (10,000 brackets fit in 20 KB); both
    are bad input, not server errors.
    """
    try:
        return json.loads(body)
    except RecursionError as exc:
        raise PayloadError("body is not valid JSON (nested too deeply)", field="body") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digit limit
        raise PayloadError(f"body is not valid JSON ({exc})", field="body") from exc
