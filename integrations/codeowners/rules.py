"""GitHub CODEOWNERS: the rules of one file, and who owns a path by them.

The semantics are GitHub's documented ones (docs: "About code owners"):

- one rule a line: a gitignore-style pattern, then owners (``@user``, ``@org/team`` or an email);
  ``#`` starts a comment, also after the owners; a rule without owners leaves its paths unowned;
- the **last** matching rule wins, whatever came before;
- a pattern with a ``/`` at its start or in its middle is anchored at the repository root;
  one without (``*.js``, ``apps/``) matches at any depth;
- ``*`` matches within one path segment, ``?`` one character, ``**`` any number of segments
  (``**/logs``, ``docs/**``, ``a/**/b``); a trailing ``/`` matches only what is inside that
  directory;
- a pattern naming a directory owns everything below it, except when its last segment is a lone
  ``*``: ``docs/*`` owns ``docs/getting-started.md`` but not ``docs/build-app/troubleshooting.md``;
- what GitHub rejects is an error here too, naming the line: ``!`` negation, ``[ ]`` character
  ranges, an owner that is neither ``@name`` nor an email.

Paths are compared case-sensitively, relative to the repository root, with ``/`` separators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigFileError

__all__ = ["CodeOwnersRule", "CodeOwnersRules", "parse_codeowners", "team_of"]

_OWNER = re.compile(
    r"@[A-Za-z0-9][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.-]+)?"  # @user, @org/team
    r"|[^@\s]+@[^@\s]+\.[^@\s]+"  # an email address
)
_UNESCAPED_SPACE = re.compile(r"(?<!\\)\s+")


@dataclass(frozen=True, slots=True)
class CodeOwnersRule:
    pattern: str
    owners: tuple[str, ...]
    line: int
    regex: re.Pattern[str]

    def matches(self, path: str) -> bool:
        return self.regex.fullmatch(path.lstrip("/")) is not None


@dataclass(frozen=True, slots=True)
class CodeOwnersRules:
    """The rules of one CODEOWNERS file, in file order."""

    path: Path
    rules: tuple[CodeOwnersRule, ...]

    def rule_for(self, path: str) -> CodeOwnersRule | None:
        """The rule that decides who owns ``path``: the last one matching it."""
        for rule in reversed(self.rules):
            if rule.matches(path):
                return rule
        return None

    def owners_of(self, path: str) -> tuple[str, ...]:
        """The owners of ``path`` as written (``@org/team``...); empty when no rule names any."""
        rule = self.rule_for(path)
        return rule.owners if rule is not None else ()


def team_of(owner: str) -> str:
    """An owner as the catalog names teams: ``@acme/payments`` is team ``payments`` (GitHub team
    slugs are what Backstage's GitHub import names groups); a user or an email stays as it is."""
    if owner.startswith("@") and "/" in owner:
        return owner.partition("/")[2]
    return owner


def parse_codeowners(text: str, *, path: Path) -> CodeOwnersRules:
    """Parse the contents of the CODEOWNERS file at ``path``; raise :class:`ConfigFileError`
    naming the line for syntax GitHub does not accept."""
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = _UNESCAPED_SPACE.split(line)
        pattern, rest = words[0], words[1:]
        owners: list[str] = []
        for word in rest:
            if word.startswith("#"):
                break  # an inline comment
            if _OWNER.fullmatch(word) is None:
                raise ConfigFileError(
                    path,
                    f"owner {word!r} is neither @user, @org/team nor an email",
                    line=number,
                    key=pattern,
                )
            owners.append(word)
        regex = _compile(pattern, path=path, line=number)
        rules.append(CodeOwnersRule(pattern.replace("\\ ", " "), tuple(owners), number, regex))
    return CodeOwnersRules(path, tuple(rules))


def _compile(pattern: str, *, path: Path, line: int) -> re.Pattern[str]:
    def refuse(reason: str) -> ConfigFileError:
        return ConfigFileError(path, reason, line=line, key=pattern)

    if pattern.startswith("!"):
        raise refuse("negation (!) is not supported in CODEOWNERS")
    if "[" in pattern or "]" in pattern:
        raise refuse("character ranges ([ ]) are not supported in CODEOWNERS")
    if "***" in pattern:
        raise refuse("three asterisks in a row are not a pattern")
    if pattern == "/":
        raise refuse("/ alone names no file")
    anchored = "/" in pattern.rstrip("/")
    segments = pattern.strip("/").split("/")
    if pattern.endswith("/"):
        segments.append("**")  # "dir/" owns what is inside dir, never dir itself
    if not anchored and segments[0] != "**":
        segments.insert(0, "**")
    return re.compile(_segments_regex(segments))


def _segments_regex(segments: list[str]) -> str:
    """Segments joined by ``/``; a ``**`` brings its own slashes, so none is added after it."""
    last = len(segments) - 1
    out = ""
    for index, segment in enumerate(segments):
        if index > 0 and segments[index - 1] != "**":
            out += "/"
        if segment == "**":
            out += ".+" if index == last else "(?:.+/)?"
        elif segment == "*":
            out += "[^/]+"  # last: "docs/*" owns the files in docs, not those deeper
        else:
            out += _segment_regex(segment)
            if index == last:
                out += "(?:/.*)?"  # a directory owns everything below it
    return out


def _segment_regex(segment: str) -> str:
    out = []
    escaped = False
    for char in segment:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
    return "".join(out)
