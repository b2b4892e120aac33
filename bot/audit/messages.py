"""What the ``audit`` commands print (people read it; the rows themselves are rendered by
:func:`bot.messages.audit_line`)."""

from __future__ import annotations

from pathlib import Path

from bot.audit.digests import Digest
from bot.audit.flows import TrailReport
from bot.clock import utc

__all__ = ["audit_digest_line", "audit_keygen_text", "audit_verified_lines"]

HASH_ONLY = (
    "only the hash chains were checked (no AUDIT_SIGNING_KEY or AUDIT_VERIFY_KEY): this finds "
    "edited, deleted, re-ordered and cut rows, but not a chain someone with write access to the "
    "database re-hashed, cut with its head moved back, wiped or appended to"
)
NO_DIGEST = (
    "no digest in {folder}: signatures were checked, but rows cut from the end of a chain or a "
    "wiped trail cannot be detected (serve writes digests; `incident-bot audit digest` too)"
)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def audit_verified_lines(report: TrailReport, folder: Path) -> list[str]:
    """``audit verify``'s answer when the trail verifies: what was checked, and what was not."""
    head = f"audit chain verified: {report.rows} rows in {_plural(report.chains, 'chain')}"
    if not report.keyed:
        return [head, f"  {HASH_ONLY}"]
    lines = [f"{head}, {_plural(report.signed, 'signature')} checked"]
    newest = report.newest
    if newest is None:
        lines.append("  " + NO_DIGEST.format(folder=folder))
        return lines
    lines.append(
        f"  {_plural(report.digests, 'digest')} in {folder} checked; the newest, digest "
        f"{newest.number} of {utc(newest.at).isoformat(timespec='seconds')}, recorded "
        f"{_plural(newest.rows, 'row')}, all still there; every row after it is signed"
    )
    lines.append(
        "  not detectable: rows cut from a chain's end since that digest, and the newest "
        "digest file itself deleted"
    )
    return lines


def audit_digest_line(digest: Digest, folder: Path) -> str:
    return (
        f"digest {digest.number} written to {folder}: {_plural(digest.rows, 'row')} in "
        f"{_plural(len(digest.chains), 'chain')}"
        + (
            f", {_plural(len(digest.problems), 'problem')} not vouched for"
            if digest.problems
            else ""
        )
    )


def audit_keygen_text(private: str, public: str) -> str:
    return "\n".join(
        (
            "# A new Ed25519 key pair for the audit trail. Keep the private key out of the",
            "# database and out of version control: the bot's environment only.",
            f"AUDIT_SIGNING_KEY={private}",
            "# For hosts that only verify (`incident-bot audit verify`):",
            f"AUDIT_VERIFY_KEY={public}",
        )
    )
