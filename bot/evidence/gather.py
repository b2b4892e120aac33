"""Gathering evidence from every configured source at once, each with a deadline.

Each kind of evidence is declared in :mod:`bot.evidence.kinds` with its gather step; this module
asks every kind concurrently and puts their answers in one :class:`EvidenceBundle`. A source that
fails or is late never blocks the packet: it becomes a :class:`SourceFailure` that the packet
shows as "unavailable: reason". Given a :class:`LateWatch`, a late source is not cancelled but
left to answer in the background (``bot.evidence.late``), and an answer it gave late for the
same incident is used instead of asking it again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any, TypeVar, cast

from bot.errors import SourceUnavailableError
from bot.evidence.kind import Answers, Asker, EvidenceKind, EvidenceRequest
from bot.evidence.kinds import evidence_kinds, kind_named
from bot.evidence.late import LateWatch
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import EvidenceBundle, SourceFailure

__all__ = ["EvidenceSources", "gather_evidence"]

log = logging.getLogger(__name__)
S = TypeVar("S")
T = TypeVar("T")
_BUNDLE_FIELDS = frozenset(field.name for field in dataclasses.fields(EvidenceBundle))


class EvidenceSources:
    """The sources that answer each kind of evidence, by kind name:
    ``EvidenceSources(deploys=[github], metrics=[datadog])``. A name no kind declares is a
    :class:`KeyError`. Read one kind's, typed, with :meth:`of`; ``sources.deploys`` reads the
    same by name."""

    __slots__ = ("_by_kind",)

    def __init__(self, **by_kind: Sequence[object]) -> None:
        for name in by_kind:
            kind_named(name)
        self._by_kind: Mapping[str, tuple[object, ...]] = {
            name: tuple(sources) for name, sources in by_kind.items()
        }

    def of(self, kind: EvidenceKind[S]) -> Sequence[S]:
        return cast(Sequence[S], self._by_kind.get(kind.name, ()))

    def replace(self, **by_kind: Sequence[object]) -> EvidenceSources:
        """These sources with the named kinds' replaced."""
        return EvidenceSources(**{**self._by_kind, **by_kind})

    def __getattr__(self, name: str) -> Sequence[Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            kind_named(name)
        except KeyError as exc:
            raise AttributeError(str(exc)) from None
        return self._by_kind.get(name, ())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EvidenceSources) and other._by_kind == self._by_kind

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._by_kind.items())))

    def __repr__(self) -> str:
        kinds = ", ".join(f"{name}={list(sources)!r}" for name, sources in self._by_kind.items())
        return f"EvidenceSources({kinds})"


async def _ask(
    kind: str,
    name: str,
    call: Callable[[], Awaitable[Sequence[T]]],
    deadline: float,
    late: LateWatch | None,
) -> Sequence[T] | SourceFailure:
    if late is not None:
        kept = late.answer(kind, name)
        if kept is not None:
            return cast(Sequence[T], kept)
    asked = asyncio.ensure_future(call())
    try:
        done, _ = await asyncio.wait({asked}, timeout=deadline)
    except asyncio.CancelledError:
        asked.cancel()
        raise
    if not done:
        if late is None or not late.keep(
            kind, name, cast("asyncio.Future[Sequence[object]]", asked)
        ):
            asked.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await asked
        return SourceFailure(name, f"no answer within {deadline:g}s")
    try:
        return asked.result()
    except SourceUnavailableError as exc:
        return SourceFailure(name, exc.reason)
    except Exception as exc:
        # A source's bug must not cost the packet: it is logged with its traceback and shown.
        log.exception("evidence source %s failed", name)
        return SourceFailure(name, f"internal error ({type(exc).__name__})")


def _asker(deadline: float, late: LateWatch | None) -> Asker:
    async def ask(
        label: str, sources: Sequence[S], call: Callable[[S], Awaitable[Sequence[T]]]
    ) -> Answers[T]:
        def one(source: S) -> Callable[[], Awaitable[Sequence[T]]]:
            return lambda: call(source)

        answers = await asyncio.gather(
            *(
                _ask(label, cast(Any, source).name, one(source), deadline, late)
                for source in sources
            )
        )
        items: list[T] = []
        failures: list[SourceFailure] = []
        for answer in answers:
            if isinstance(answer, SourceFailure):
                failures.append(answer)
            else:
                items.extend(answer)
        return Answers(tuple(items), tuple(failures))

    return ask


async def gather_evidence(
    query: EvidenceQuery,
    sources: EvidenceSources,
    *,
    deadline: float,
    deploy_query: EvidenceQuery | None = None,
    long_query: EvidenceQuery | None = None,
    log_query: EvidenceQuery | None = None,
    late: LateWatch | None = None,
    monitor_ids: Sequence[str] = (),
) -> EvidenceBundle:
    """Ask every kind's sources concurrently; answers that miss ``deadline`` seconds become
    failures. What each kind keeps, and over which window, is its gather step's to say
    (:mod:`bot.evidence.kinds`).

    ``deploy_query``: the longer window deploys are asked over. ``long_query``: the long
    look-back (metrics a second time, flag changes and change windows once). ``log_query``:
    lines from its start up to ``query``'s window are asked apart (``earlier_logs``).
    ``late``: keep waiting for late sources in the background, and use what they answered late
    for this incident before. ``monitor_ids``: the monitors behind the incident's alerts."""
    request = EvidenceRequest.over(
        query,
        deploy_query=deploy_query,
        long_query=long_query,
        log_query=log_query,
        monitor_ids=monitor_ids,
    )
    ask = _asker(deadline, late)
    kinds = evidence_kinds()
    gathered = await asyncio.gather(
        *(kind.gather(sources.of(kind), request, ask) for kind in kinds)
    )
    fields: dict[str, Any] = {}
    extra: list[tuple[str, object]] = []
    failures: list[SourceFailure] = []
    for answer in gathered:
        for name, value in answer.fields.items():
            if name in _BUNDLE_FIELDS:
                fields[name] = value
            else:
                extra.append((name, value))
        failures.extend(answer.failures)
    # One source serving several kinds (GitHub: deploys and changes) that fails for one reason
    # is named once.
    return EvidenceBundle(**fields, extra=tuple(extra), unavailable=tuple(dict.fromkeys(failures)))
