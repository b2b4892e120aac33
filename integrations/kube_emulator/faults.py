"""Injected faults: a request matching a rule hangs, or is answered 500 or 429 instead of
being served, so tests can see how the bot bears an API server that is slow, broken or
throttling.

A rule matches an HTTP method (or ``*``) and a path, exactly or by prefix when the path ends in
``*``; ``times`` limits how many requests it catches (none: all). A hung request is let go when
the faults change or the emulator stops, and is then answered 504 ``Timeout``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Literal

from integrations.kube_emulator.status import ApiError, too_many_requests

__all__ = ["FAULT_KINDS", "Fault", "FaultKind", "Faults"]

FaultKind = Literal["hang", "500", "429"]
FAULT_KINDS: tuple[FaultKind, ...] = ("hang", "500", "429")


@dataclass(slots=True)
class Fault:
    method: str
    path: str
    fault: FaultKind
    times: int | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method.upper()):
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def parse(cls, raw: Any) -> Fault:
        """A rule from the control API's JSON; ``ValueError`` says what is wrong with it."""
        if not isinstance(raw, dict):
            raise ValueError("a fault is an object: {method, path, fault, times?}")
        unknown = sorted(set(raw) - {"method", "path", "fault", "times"})
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(unknown)}")
        method, path, fault, times = (
            raw.get("method", "*"),
            raw.get("path"),
            str(raw.get("fault")),
            raw.get("times"),
        )
        if not isinstance(method, str) or not isinstance(path, str) or not path.startswith("/"):
            raise ValueError("a fault needs a method and a path starting with /")
        if fault not in FAULT_KINDS:
            raise ValueError(f"fault must be one of {', '.join(FAULT_KINDS)}")
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            raise ValueError("times must be a positive integer")
        kind: FaultKind = "hang" if fault == "hang" else "500" if fault == "500" else "429"
        return cls(method.upper(), path, kind, times)


class Faults:
    def __init__(self) -> None:
        self.rules: list[Fault] = []
        self.hits: Counter[str] = Counter()
        self._release = asyncio.Event()

    def replace(self, rules: list[Fault]) -> None:
        """Set every rule at once (none: the API behaves); hung requests are let go."""
        self.rules = list(rules)
        self.release_all()

    def release_all(self) -> None:
        self._release.set()
        self._release = asyncio.Event()

    async def check(self, method: str, path: str) -> None:
        """Raise the fault's ``ApiError`` for a matching request (after hanging, for
        ``hang``); return for one the API should serve."""
        rule = next((rule for rule in self.rules if rule.matches(method, path)), None)
        if rule is None:
            return
        if rule.times is not None:
            rule.times -= 1
            if rule.times == 0:
                self.rules.remove(rule)
        self.hits[f"{method.upper()} {path}"] += 1
        if rule.fault == "429":
            raise too_many_requests()
        if rule.fault == "500":
            raise ApiError(
                500,
                "InternalError",
                "Internal error occurred: injected fault",
                {"causes": [{"message": "injected fault"}]},
            )
        release = self._release
        await release.wait()
        raise ApiError(
            504,
            "Timeout",
            "Timeout: request did not complete within the allowed duration",
            {},
        )
