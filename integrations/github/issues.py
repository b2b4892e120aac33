"""``open_ticket`` and its follow-up ``update_ticket`` on GitHub Issues, through PyGithub.

A ticket is an issue in the configured repository with the exact title and body the approver
read in the plan (the packet's summary and its source links). Its body ends with an invisible
marker, ``<!-- incident-bot:<ref> -->``: that is how a plan sees that the ticket was already
opened (the plan then refuses, so a second run writes nothing) and how the follow-up finds it.
The follow-up comments on it and, on resolution, closes it (two calls, in order, both in the
plan); closing is also the reversal of opening one. Follow-up tickets (a postmortem's action
items) are tickets of their own, each with its own reference.

Reads go through PyGithub's objects; writes go through PyGithub's requester with the plan's
own method, path and body, so what GitHub receives is exactly what was approved. GitHub takes
no idempotency key for these; exactly-once rests on the action's claim, the fresh plan before
the write and never retrying a write (the client makes one attempt).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import requests
from github import GithubException
from github.Issue import Issue

from bot.action.execution import (
    CheckpointRecorder,
    ExecutionResult,
    Verification,
    VerificationOutcome,
)
from bot.action.plan import (
    ActionParameters,
    ActionPlan,
    ActionTarget,
    ObservedState,
    Reversal,
    VendorActionKind,
    VendorRequest,
)
from bot.action.vendor_run import run_vendor_plan
from bot.clock import Clock
from bot.errors import ActionPlanError, VendorCallError
from integrations.github.client import GitHubConnection, unavailable

__all__ = ["GitHubIssueActions", "ticket_marker"]

SYSTEM = "github"
Kind = VendorActionKind


def ticket_marker(ref: str) -> str:
    """The line that ties an issue to the bot's reference (invisible once rendered)."""
    return f"<!-- incident-bot:{ref} -->"


class GitHubIssueActions:
    """The vendor executor for tickets in ``repo`` (``owner/name``), labelled ``labels``."""

    def __init__(
        self,
        connection: GitHubConnection,
        *,
        repo: str,
        labels: Sequence[str] = ("incident",),
        clock: Clock,
        poll_interval: float = 0.5,
    ) -> None:
        owner, _, name = repo.partition("/")
        self._connection = connection
        self._target = ActionTarget(owner, name)
        self._labels = list(labels)
        self._clock = clock
        self._poll = poll_interval

    @property
    def kinds(self) -> frozenset[VendorActionKind]:
        return frozenset({Kind.OPEN_TICKET, Kind.UPDATE_TICKET})

    async def locate(
        self, kind: VendorActionKind, name: str, namespace: str | None
    ) -> ActionTarget:
        """Tickets of every service go to the configured repository."""
        if namespace not in (None, self._target.namespace):
            raise ActionPlanError(f"this bot opens tickets only in {self._target}")
        return self._target

    # -- reading ---------------------------------------------------------------------------

    def _ticket_now(self, ref: str) -> Issue | None:
        repo = self._connection.client().get_repo(str(self._target))  # lazy: the client is
        marker = ticket_marker(ref)
        issues = (
            repo.get_issues(state="all", labels=self._labels)
            if self._labels
            else repo.get_issues(state="all")
        )
        for issue in issues:
            if marker in (issue.body or ""):
                return issue
        return None

    def _last_comment(self, issue: Issue) -> str | None:
        comments = list(issue.get_comments())
        return comments[-1].body if comments else None

    async def _ticket(self, ref: str) -> Issue | None:
        try:
            return await asyncio.to_thread(self._ticket_now, ref)
        except (GithubException, requests.RequestException) as exc:
            raise ActionPlanError(
                unavailable(
                    "github", exc, repo=str(self._target), api_url=self._connection.api_url
                ).reason
            ) from exc

    # -- planning --------------------------------------------------------------------------

    async def plan(
        self, kind: VendorActionKind, target: ActionTarget, parameters: ActionParameters
    ) -> ActionPlan:
        if kind not in self.kinds:
            raise ActionPlanError(f"GitHub Issues does not carry out {kind.value}")
        if target != self._target:
            raise ActionPlanError(f"this bot opens tickets only in {self._target}")
        if parameters.ref is None or not parameters.text:
            raise ActionPlanError("a ticket needs the incident's reference and its text")
        issue = await self._ticket(parameters.ref)
        current = ObservedState(
            status=issue.state if issue else None, ref=f"#{issue.number}" if issue else None
        )
        if kind is Kind.OPEN_TICKET:
            return self._open_plan(parameters, current)
        return self._update_plan(parameters, current, issue)

    def _path(self, tail: str) -> str:
        return f"/repos/{self._target}{tail}"

    def _open_plan(self, parameters: ActionParameters, current: ObservedState) -> ActionPlan:
        if not parameters.title:
            raise ActionPlanError("a ticket needs a title")
        assert parameters.ref is not None
        body = {
            "title": parameters.title,
            "body": f"{parameters.text}\n\n{ticket_marker(parameters.ref)}",
            "labels": self._labels,
        }
        close = ActionParameters(
            ref=parameters.ref,
            text="Opened by mistake: closed by the incident bot.",
            status="closed",
        )
        return ActionPlan(
            kind=Kind.OPEN_TICKET,
            target=self._target,
            parameters=parameters,
            current=current,
            desired=ObservedState(status="open"),
            request=VendorRequest.of(SYSTEM, "POST", self._path("/issues"), body),
            reversal=Reversal(Kind.UPDATE_TICKET, self._target, close, "close the ticket"),
            summary=f"Open a ticket in {self._target}: “{parameters.title}”",
            refusal=None
            if current.ref is None
            else f"this ticket is already open or was closed ({current.ref})",
        )

    def _update_plan(
        self, parameters: ActionParameters, current: ObservedState, issue: Issue | None
    ) -> ActionPlan:
        status = parameters.status or current.status or "open"
        if status not in ("open", "closed"):
            raise ActionPlanError(f"a ticket is open or closed, not {status!r}")
        refusal = None
        request = None
        if issue is None:
            refusal = "no ticket of this incident to update"
        elif status == "closed" and current.status == "closed":
            refusal = f"the ticket {current.ref} is already closed"
        else:
            tail = f"/issues/{issue.number}"
            then: tuple[VendorRequest, ...] = ()
            if status != current.status:
                change: dict[str, Any] = {"state": status}
                if status == "closed":
                    change["state_reason"] = "completed"
                then = (VendorRequest.of(SYSTEM, "PATCH", self._path(tail), change),)
            request = VendorRequest.of(
                SYSTEM, "POST", self._path(f"{tail}/comments"), {"body": parameters.text}, then=then
            )
        closing = " and close it" if status == "closed" and current.status != "closed" else ""
        return ActionPlan(
            kind=Kind.UPDATE_TICKET,
            target=self._target,
            parameters=parameters,
            current=current,
            desired=ObservedState(status=status, ref=current.ref),
            request=request,
            reversal=None,
            summary=f"Comment on ticket {current.ref or '(none)'} in {self._target}{closing}",
            refusal=refusal,
        )

    # -- running ---------------------------------------------------------------------------

    def _send_now(self, call: VendorRequest) -> None:
        requester = self._connection.client().requester
        requester.requestJsonAndCheck(call.method, call.path, input=call.json())

    async def _send(self, call: VendorRequest) -> None:
        try:
            await asyncio.to_thread(self._send_now, call)
        except GithubException as exc:
            reason = unavailable(
                "github", exc, repo=str(self._target), api_url=self._connection.api_url
            )
            raise VendorCallError(reason.reason, sent=True) from exc
        except requests.ConnectionError as exc:
            raise VendorCallError(
                f"cannot connect to GitHub at {self._connection.api_url}", sent=False
            ) from exc
        except requests.RequestException as exc:
            raise VendorCallError(
                f"no answer from GitHub ({type(exc).__name__}); the write may have been applied: "
                "look before trying again",
                sent=True,
            ) from exc

    async def execute(
        self, plan: ActionPlan, *, record_checkpoint: CheckpointRecorder | None = None
    ) -> ExecutionResult:
        async def replan() -> ActionPlan:
            assert isinstance(plan.kind, VendorActionKind)
            return await self.plan(plan.kind, plan.target, plan.parameters)

        return await run_vendor_plan(
            plan,
            replan=replan,
            send=self._send,
            clock=self._clock,
            record_checkpoint=record_checkpoint,
        )

    # -- verifying -------------------------------------------------------------------------

    def _seen_now(self, plan: ActionPlan) -> tuple[bool, str]:
        issue = self._ticket_now(plan.parameters.ref or "")
        if issue is None:
            return False, f"no ticket in {self._target} carries this incident's marker"
        where = f"ticket #{issue.number} is {issue.state}"
        if plan.kind is Kind.OPEN_TICKET:
            request = plan.request
            assert isinstance(request, VendorRequest)
            sent = request.json()
            same = issue.title == sent["title"] and issue.body == sent["body"]
            return same and issue.state == "open", where
        said = self._last_comment(issue) == plan.parameters.text
        return (
            said and issue.state == plan.desired.status,
            f"{where}, last comment {'as sent' if said else 'not ours'}",
        )

    async def verify(self, plan: ActionPlan, *, deadline: float) -> Verification:
        loop = asyncio.get_running_loop()
        until, checks, detail = loop.time() + deadline, 0, "not read yet"
        while True:
            checks += 1
            try:
                done, detail = await asyncio.to_thread(self._seen_now, plan)
            except (GithubException, requests.RequestException) as exc:
                done, detail = False, f"GitHub unreadable ({type(exc).__name__})"
            if done:
                return Verification(VerificationOutcome.VERIFIED, detail, checks)
            if loop.time() >= until:
                return Verification(VerificationOutcome.NOT_VERIFIED, detail, checks)
            await asyncio.sleep(self._poll)
