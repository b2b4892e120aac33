"""CODEOWNERS files as a :class:`~bot.catalog.CatalogFallback`: a service nobody listed is
owned by whoever owns the folder it lives in.

Where a service lives is ``service_path`` with ``{service}`` replaced (``services/{service}/``,
default ``{service}/``). A path ending in ``/`` is a folder, and its owners are those of a file
directly inside it that no name pattern singles out (so ``*.md`` does not decide, while ``*``,
``/services/``, ``services/billing/`` and ``**/billing`` do, and ``/services/*`` does not own
``services/billing/...``, exactly as GitHub would for a change to such a file). Several files
(several repositories) are asked in order; the first that names an owner wins. The first owner
of the rule is the entry's owner (CODEOWNERS has no notion of a primary; the rule's line is in
the entry's origin for the rest).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.catalog import EntryOrigin, FallbackKind, ServiceEntry
from bot.errors import ConfigFileError
from integrations.codeowners.rules import CodeOwnersRules, parse_codeowners, team_of

__all__ = ["CodeOwnersFallback", "find_codeowners", "load_codeowners"]

# GitHub looks for the file in these places of a repository, in this order, and uses the first.
SEARCHED = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
# A file name no pattern can single out by name or extension: NUL is never in a path.
_ANY_FILE = "\x00"


def find_codeowners(path: Path) -> Path:
    """``path`` itself when it is a file; in a repository folder, the CODEOWNERS GitHub would
    use. Raise :class:`ConfigFileError` when there is none."""
    if path.is_file():
        return path
    if path.is_dir():
        for candidate in SEARCHED:
            if (path / candidate).is_file():
                return path / candidate
        raise ConfigFileError(path, f"no CODEOWNERS in this folder ({', '.join(SEARCHED)})")
    raise ConfigFileError(path, "no such file or folder")


def load_codeowners(path: Path) -> CodeOwnersRules:
    """Find and parse a CODEOWNERS file (see :func:`find_codeowners`)."""
    found = find_codeowners(path)
    try:
        text = found.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(found, f"cannot be read: {exc}") from exc
    return parse_codeowners(text, path=found)


@dataclass(frozen=True, slots=True)
class CodeOwnersFallback:
    """Implements ``CatalogFallback`` over the rules of one or more CODEOWNERS files."""

    files: Sequence[CodeOwnersRules]
    service_path: str = "{service}/"

    def path_of(self, service: str) -> str:
        """The repository path the rules are asked about for ``service``."""
        path = self.service_path.replace("{service}", service).lstrip("/")
        return path + _ANY_FILE if path.endswith("/") else path

    def entry_for(self, service: str) -> ServiceEntry | None:
        path = self.path_of(service)
        for rules in self.files:
            rule = rules.rule_for(path)
            if rule is not None and rule.owners:
                return ServiceEntry(
                    service=service,
                    owner=team_of(rule.owners[0]),
                    origin=EntryOrigin(
                        FallbackKind.CODEOWNERS, f"{rules.path}:{rule.line}: {rule.pattern}"
                    ),
                )
        return None
