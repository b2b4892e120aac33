"""GitHub CODEOWNERS as the catalog's last fallback: who owns the folder a service lives in."""

from integrations.codeowners.rules import (
    CodeOwnersRule,
    CodeOwnersRules,
    parse_codeowners,
    team_of,
)
from integrations.codeowners.source import CodeOwnersFallback, find_codeowners, load_codeowners

__all__ = [
    "CodeOwnersFallback",
    "CodeOwnersRule",
    "CodeOwnersRules",
    "find_codeowners",
    "load_codeowners",
    "parse_codeowners",
    "team_of",
]
