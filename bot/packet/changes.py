"""The packet's line about code that changed but did not ship.

A deploy the packet names is already in its signals; what an on-call engineer cannot see from
there is code merged in the window that no deploy carried yet: it explains nothing about the
running system, but it is what the next deploy (or a roll forward) would ship, and a schema
migration among it matters before anyone deploys in a hurry.

A change counts as deployed when a deploy of the service carried its commit or its pull
request, or when it was merged before the latest successful deploy landed (deploys ship the
default branch, so that deploy contained it). Without a deploy source that answered, nothing
can be said about what shipped, and the line says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.evidence.values import CodeChange, EvidenceBundle

__all__ = ["MAX_CHANGES_SHOWN", "change_lines", "describe_change", "undeployed_changes"]

MAX_CHANGES_SHOWN = 3
TITLE_LIMIT = 60


def undeployed_changes(evidence: EvidenceBundle, service: str) -> tuple[CodeChange, ...]:
    """The service's changes no deploy carried, oldest first (see the module doc)."""
    deploys = [deploy for deploy in evidence.deploys if deploy.service == service]
    shipped_shas = {deploy.sha for deploy in deploys}
    shipped_prs = {deploy.pr for deploy in deploys if deploy.pr is not None}
    landed = [deploy.at for deploy in deploys if deploy.succeeded]
    latest = max(landed, default=None)
    return tuple(
        change
        for change in evidence.changes
        if change.service == service
        and change.sha not in shipped_shas
        and (change.pr is None or change.pr not in shipped_prs)
        and (latest is None or change.at > latest)
    )


def describe_change(change: CodeChange) -> str:
    """``#512 'parser: accept v2 payloads' by alice, 13:40, with a database migration``."""
    name = f"#{change.pr}" if change.pr is not None else f"commit {change.sha[:7]}"
    title = change.title or ""
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1] + "…"
    text = name + (f" '{title}'" if title else "")
    text += f" by {change.author}" if change.author else ""
    text += f", {change.at:%H:%M}"
    return text + (", with a database migration" if change.has_migration else "")


def _listed(changes: Sequence[CodeChange]) -> str:
    """Newest first, at most MAX_CHANGES_SHOWN, and how many more there are."""
    newest = sorted(changes, key=lambda change: change.at, reverse=True)
    shown = "; ".join(describe_change(change) for change in newest[:MAX_CHANGES_SHOWN])
    more = len(newest) - MAX_CHANGES_SHOWN
    return shown + (f" (+{more} more)" if more > 0 else "")


def change_lines(evidence: EvidenceBundle, service: str) -> list[str]:
    """``Changes merged but not deployed: #512 'parser: accept v2 payloads' by alice, 13:40``;
    nothing when every change shipped or no change source answered."""
    if not evidence.deploys_checked:
        changes = [change for change in evidence.changes if change.service == service]
        if not changes:
            return []
        return [f"Changes merged (whether deployed is unknown): {_listed(changes)}"]
    undeployed = undeployed_changes(evidence, service)
    if not undeployed:
        return []
    migrations = sum(1 for change in undeployed if change.has_migration)
    line = f"Changes merged but not deployed: {_listed(undeployed)}"
    if migrations and not any(c.has_migration for c in _shown(undeployed)):
        line += f"; {migrations} of them with a database migration"
    return [line]


def _shown(changes: Sequence[CodeChange]) -> list[CodeChange]:
    return sorted(changes, key=lambda change: change.at, reverse=True)[:MAX_CHANGES_SHOWN]
