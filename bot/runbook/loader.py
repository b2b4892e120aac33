"""Reading runbook files, and folders of them, into a :class:`RunbookLibrary`.

A runbook file is Markdown that starts with YAML front matter between two ``---`` lines::

    ---
    id: oom-kill
    title: A container was OOM-killed
    match: {categories: [resource], keywords: [oomkilled, out of memory]}
    actions: [{kind: restart, title: Restart the pod}]
    verify: [{check: No new OOMKilled events for 15 minutes}]
    ---
    # What to do
    ...

Every problem is a :class:`~bot.errors.ConfigFileError` naming the file, the line and the key, as
for scenario files (the front matter is parsed by :mod:`bot.configfile` with the lines of the
file itself): no front matter, YAML errors, unknown keys, wrong types, an unknown action kind,
an id that is not the file's name, two runbooks with one id, and a runbook with no body.
The bot loads its runbooks at start-up, so any of these stops it before it takes an alert.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from bot.configfile import parse_yaml_document, validate_document
from bot.errors import ConfigError, ConfigFileError
from bot.runbook.schemas import Runbook, RunbookFrontMatter

__all__ = [
    "SHIPPED_RUNBOOKS",
    "RunbookLibrary",
    "load_runbooks",
    "parse_runbook",
    "read_runbook",
]

SHIPPED_RUNBOOKS = Path(__file__).resolve().parents[2] / "runbooks"
"""The runbooks that ship with the bot (``runbooks/`` at the top of the project)."""

_FENCE = "---"


class RunbookLibrary:
    """An immutable set of runbooks with distinct ids, in the order given."""

    __slots__ = ("_by_id",)

    def __init__(self, runbooks: Iterable[Runbook] = ()) -> None:
        """Raise ``ValueError`` when an id appears twice (the loader reports it as a file
        error before it gets here)."""
        by_id: dict[str, Runbook] = {}
        for runbook in runbooks:
            if runbook.id in by_id:
                raise ValueError(f"runbook id {runbook.id} appears twice")
            by_id[runbook.id] = runbook
        self._by_id = MappingProxyType(by_id)

    def get(self, runbook_id: str) -> Runbook | None:
        return self._by_id.get(runbook_id)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def selected(self, selection: Literal["default"] | Sequence[str]) -> RunbookLibrary:
        """The runbooks a scenario's ``runbooks`` key asks for: ``"default"`` is all of them,
        a list is those ids (in that order), ``[]`` is none. Raise :class:`ConfigError` for an
        id that is not here; scenarios loaded with ``known_runbooks=library.ids`` never have one.
        """
        if selection == "default":
            return self
        unknown = [runbook_id for runbook_id in selection if runbook_id not in self._by_id]
        if unknown:
            raise ConfigError(
                f"unknown runbook {', '.join(unknown)}; known: {', '.join(sorted(self._by_id))}"
            )
        return RunbookLibrary(self._by_id[runbook_id] for runbook_id in dict.fromkeys(selection))

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, runbook_id: object) -> bool:
        return runbook_id in self._by_id

    def __iter__(self) -> Iterator[Runbook]:
        return iter(self._by_id.values())

    def __repr__(self) -> str:
        return f"RunbookLibrary({', '.join(self._by_id)})"


def parse_runbook(text: str, *, path: Path) -> Runbook:
    """Parse ``text`` (the contents of ``path``) as a runbook; the file's name without
    ``.md`` must be its id."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != _FENCE:
        raise ConfigFileError(
            path,
            "a runbook starts with YAML front matter: a line '---', the keys, a line '---'",
            line=1,
        )
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == _FENCE), None)
    if close is None:
        raise ConfigFileError(path, "the front matter has no closing '---' line", line=1)
    if not "".join(lines[1:close]).strip():
        raise ConfigFileError(path, "the front matter is empty", line=1)
    # The opening '---' is YAML's own document marker, so the front matter parses with the file's
    # line numbers; the closing one is left out (YAML would read it as a second document).
    document = parse_yaml_document("".join(lines[:close]), path=path)
    front = validate_document(document, RunbookFrontMatter)
    if front.id != path.stem:
        raise document.error(
            ("id",), f"id {front.id} must be the file's name without .md ({path.stem})"
        )
    body = "".join(lines[close + 1 :]).strip()
    if not body:
        raise ConfigFileError(
            path, "the runbook has no steps: write them below the front matter", line=close + 1
        )
    return Runbook(front=front, body=body, path=path, body_line=close + 2)


def read_runbook(path: Path) -> Runbook:
    """Read and parse the runbook file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigFileError(path, "no such file") from None
    except UnicodeDecodeError as exc:
        raise ConfigFileError(path, f"not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigFileError(path, f"cannot be read: {exc.strerror or exc}") from exc
    return parse_runbook(text, path=path)


def load_runbooks(
    folders: Iterable[Path] = (SHIPPED_RUNBOOKS,), *, required: Collection[str] = ()
) -> RunbookLibrary:
    """Every ``*.md`` runbook in ``folders`` (sorted by name; hidden files and ``README.md``
    skipped). Two runbooks with one id are an error naming both files; so is a folder that
    does not exist, and an id in ``required`` that no file provides."""
    folders = tuple(folders)
    runbooks: list[Runbook] = []
    first_seen: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            raise ConfigFileError(folder, "no such runbook folder")
        for path in sorted(folder.glob("*.md")):
            if path.name.startswith(".") or path.name.lower() == "readme.md":
                continue
            runbook = read_runbook(path)
            if runbook.id in first_seen:
                raise ConfigFileError(
                    path,
                    f"runbook id {runbook.id} is already used in {first_seen[runbook.id]}",
                    key="id",
                )
            first_seen[runbook.id] = path
            runbooks.append(runbook)
    missing = sorted(set(required) - set(first_seen))
    if missing:
        where = ", ".join(str(folder) for folder in folders)
        raise ConfigError(f"no runbook with id {', '.join(missing)} in {where}")
    return RunbookLibrary(runbooks)
