"""YAML files that people write (scenarios, the service catalog...), validated by pydantic.

Every problem with such a file becomes one :class:`~bot.errors.ConfigFileError` that names the
file, the 1-based line and the dotted key (``alerts.0.payload.status``), so whoever wrote the file
can jump straight to it. To make that possible the file is parsed into a :class:`YamlDocument`:
the plain data plus the line of every mapping key and sequence item.

What the parser does differently from ``yaml.safe_load``:

- A key that appears twice in one mapping is an error; PyYAML would silently keep the last one,
  which lets a typo or a bad merge of two edits pass.
- Timestamps stay strings. Models parse them with :data:`UtcDatetime`, so ``2026-03-04T14:06:00Z``
  quoted or not ends up as the same aware UTC datetime, and an alert payload keeps its timestamps
  exactly as the source sends them. A timestamp without an offset is taken to be UTC.
- An empty file, or a top level that is not a mapping, is an error.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationError,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.clock import utc
from bot.errors import ConfigFileError

__all__ = [
    "FileModel",
    "Text",
    "UtcDatetime",
    "YamlDocument",
    "invalid_at",
    "load_yaml_document",
    "load_yaml_model",
    "parse_yaml_document",
    "parse_yaml_model",
    "parse_yaml_stream",
    "read_yaml_document",
    "validate_document",
]

M = TypeVar("M", bound=BaseModel)
KeyPath = tuple[Hashable, ...]

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as the strings they were written as."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class FileModel(BaseModel):
    """Base of the models of people-written files: frozen values, and an unknown key is an error
    (a misspelt optional key would otherwise be ignored without a word)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A non-empty string, surrounding whitespace removed: names, ids, titles."""


def _iso_timestamp(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an ISO-8601 timestamp such as 2026-03-04T14:06:00Z")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO-8601 timestamp such as 2026-03-04T14:06:00Z"
        ) from None


UtcDatetime = Annotated[datetime, BeforeValidator(_iso_timestamp), AfterValidator(utc)]
"""An ISO-8601 instant as an aware UTC datetime; one written without an offset is taken as UTC."""


def invalid_at(loc: Sequence[str | int], message: str, value: object = None) -> ValidationError:
    """A validation error at ``loc`` (relative to the model being validated), for checks that
    span several fields but blame one of them. Raise it from a model validator: pydantic prefixes
    the location of the model, so the file error points at the exact key."""
    detail = InitErrorDetails(
        type=PydanticCustomError("invalid", "{reason}", {"reason": message}),
        loc=tuple(loc),
        input=value,
    )
    return ValidationError.from_exception_data("invalid", [detail])


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A parsed YAML file: its data and where each part of it was written.

    ``lines`` maps a path of keys and indexes (``("alerts", 0, "source")``) to the 1-based line of
    that key or sequence item; ``()`` is the top level. ``texts`` holds the text as written of
    every scalar that did not load as a string (``sha: 0123456`` loads as an octal number).
    """

    path: Path
    data: dict[str, Any]
    lines: Mapping[KeyPath, int]
    texts: Mapping[KeyPath, str]

    def locate(self, loc: Sequence[Hashable]) -> tuple[int, str | None]:
        """Line and dotted key for a pydantic error location: the line of the deepest part of
        ``loc`` present in the file. Parts that are not in the data (pydantic's union member
        labels) are skipped; a missing last key of a mapping is still named in the key."""
        node: Any = self.data
        found: KeyPath = ()
        names: list[str] = []
        for index, part in enumerate(loc):
            in_mapping = isinstance(node, dict) and part in node
            in_sequence = isinstance(node, list) and type(part) is int and 0 <= part < len(node)
            if in_mapping or in_sequence:
                node = node[part]
                found += (part,)
                names.append(str(part))
            elif isinstance(node, dict) and index == len(loc) - 1:
                names.append(str(part))
        # A part reached through an alias has no line of its own: take its nearest ancestor's.
        line = next(
            self.lines[found[:end]]
            for end in range(len(found), -1, -1)
            if found[:end] in self.lines
        )
        return line, ".".join(names) or None

    def text_at(self, path: Sequence[Hashable]) -> str | None:
        """The text as written of a scalar that did not load as a string, else None."""
        return self.texts.get(tuple(path))

    def error(self, loc: Sequence[Hashable], message: str) -> ConfigFileError:
        """A :class:`ConfigFileError` for a problem at ``loc``."""
        line, key = self.locate(loc)
        return ConfigFileError(self.path, message, line=line, key=key)


def parse_yaml_document(text: str, *, path: Path) -> YamlDocument:
    """Parse ``text`` (the contents of ``path``) into a :class:`YamlDocument` whose top level is
    a mapping; raise :class:`ConfigFileError` for YAML errors, duplicate keys, an empty document
    or a top level that is not a mapping."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigFileError(path, "the file is empty")
        return _document(loader, root, path)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path) from exc
    finally:
        loader.dispose()


def parse_yaml_stream(text: str, *, path: Path) -> list[YamlDocument]:
    """Parse every document of a multi-document file (``---`` between them), each as
    :func:`parse_yaml_document` would, with lines counted from the top of the file; empty
    documents are skipped."""
    loader = _Loader(text)
    documents = []
    try:
        while loader.check_node():
            root = loader.get_node()
            if root is not None and not (isinstance(root, ScalarNode) and root.value == ""):
                documents.append(_document(loader, root, path))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path) from exc
    finally:
        loader.dispose()
    return documents


def _document(loader: _Loader, root: Node, path: Path) -> YamlDocument:
    if not isinstance(root, MappingNode):
        raise ConfigFileError(path, "the top level must be a mapping of keys", line=_line(root))
    _reject_duplicate_keys(loader, root, path)
    data = loader.construct_document(root)
    lines: dict[KeyPath, int] = {(): _line(root)}
    texts: dict[KeyPath, str] = {}
    _index(loader, root, (), lines, texts, set())
    return YamlDocument(path=path, data=data, lines=lines, texts=texts)


def _yaml_error(exc: yaml.YAMLError, path: Path) -> ConfigFileError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        line = mark.line + 1 if mark is not None else None
        return ConfigFileError(path, f"invalid YAML: {problem}", line=line)
    return ConfigFileError(path, f"invalid YAML: {exc}")


def read_yaml_document(path: Path) -> YamlDocument:
    """Read and parse the file at ``path``; see :func:`parse_yaml_document`."""
    return parse_yaml_document(_read(path), path=path)


def load_yaml_document(path: Path) -> dict[str, Any]:
    """The data of the YAML file at ``path`` (a mapping), for callers that validate it
    themselves; use :func:`read_yaml_document` to also get line numbers."""
    return read_yaml_document(path).data


def validate_document(
    document: YamlDocument, model: type[M], *, context: Mapping[str, Any] | None = None
) -> M:
    """Validate ``document`` as ``model``; a failure becomes a :class:`ConfigFileError` for the
    most specific problem pydantic reports (the count of the others is in the message).
    ``context`` is pydantic's validation context, for validators that need outside facts."""
    try:
        return model.model_validate(document.data, context=context)
    except ValidationError as exc:
        raise _file_error(document, model, exc.errors()) from exc


def parse_yaml_model(
    text: str, model: type[M], *, path: Path, context: Mapping[str, Any] | None = None
) -> M:
    """Parse ``text`` (the contents of ``path``) and validate it as ``model``."""
    return validate_document(parse_yaml_document(text, path=path), model, context=context)


def load_yaml_model(path: Path, model: type[M], *, context: Mapping[str, Any] | None = None) -> M:
    """Read the file at ``path`` and validate it as ``model``."""
    return validate_document(read_yaml_document(path), model, context=context)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ConfigFileError(path, "is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise ConfigFileError(path, f"not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigFileError(path, f"cannot be read: {exc.strerror or exc}") from exc


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _reject_duplicate_keys(loader: _Loader, root: MappingNode, path: Path) -> None:
    """Walk the composed tree (each node once: aliases cannot blow it up) before construction,
    while merge keys (``<<``) are still visible and not mistaken for duplicates."""
    seen_nodes: set[int] = set()
    pending: list[tuple[Node, KeyPath]] = [(root, ())]
    while pending:
        node, where = pending.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, SequenceNode):
            pending.extend((item, (*where, i)) for i, item in enumerate(node.value))
        elif isinstance(node, MappingNode):
            first_lines: dict[Hashable, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
                    pending.append((value_node, where))
                    continue
                key = loader.construct_object(key_node)
                if key in first_lines:
                    dotted = ".".join(str(part) for part in (*where, key))
                    raise ConfigFileError(
                        path,
                        f"duplicate key {key!r} (first written at line {first_lines[key]})",
                        line=_line(key_node),
                        key=dotted,
                    )
                first_lines[key] = _line(key_node)
                pending.append((value_node, (*where, key)))


def _index(
    loader: _Loader,
    node: Node,
    where: KeyPath,
    lines: dict[KeyPath, int],
    texts: dict[KeyPath, str],
    seen: set[int],
) -> None:
    """Record lines after construction, when merge keys have been folded into their mappings;
    a node reached again through an alias keeps only the line of the alias."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            child = (*where, loader.construct_object(key_node, deep=True))
            lines[child] = _line(key_node)
            _index(loader, value_node, child, lines, texts, seen)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*where, i)] = _line(item)
            _index(loader, item, (*where, i), lines, texts, seen)
    elif isinstance(node, ScalarNode) and node.tag != _STR_TAG:
        texts[where] = str(node.value)


def _file_error(
    document: YamlDocument, model: type[BaseModel], errors: Sequence[ErrorDetails]
) -> ConfigFileError:
    def depth(error: ErrorDetails) -> int:
        key = document.locate(error["loc"])[1]
        return 0 if key is None else key.count(".") + 1

    primary = max(errors, key=depth)  # max keeps the first of equals: pydantic's order
    line, key = document.locate(primary["loc"])
    message = _describe(primary, model)
    others = {document.locate(error["loc"]) for error in errors} - {(line, key)}
    if others:
        message += f" (and {len(others)} more problem{'s' if len(others) > 1 else ''})"
    return ConfigFileError(document.path, message, line=line, key=key)


def _describe(error: ErrorDetails, model: type[BaseModel]) -> str:
    kind, loc = error["type"], error["loc"]
    if kind == "missing":
        return f"required key {loc[-1]!s} is missing"
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]), _allowed_keys(model, loc[:-1]))
    message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    value = error.get("input")
    if kind not in ("invalid", "value_error") and isinstance(value, str | int | float | bool):
        shown = repr(value)
        message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return message


def _unknown_key(key: str, allowed: Sequence[str]) -> str:
    if not allowed:
        return f"unknown key {key}"
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"unknown key {key} (did you mean {close[0]}?)"
    return f"unknown key {key}; allowed here: {', '.join(allowed)}"


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names of the model found at ``loc``, following field annotations."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int) and get_origin(current) in (tuple, list):
            current = get_args(current)[0]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is not None:
                current = field.annotation
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``None``; of a union keep the first model or sequence."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            structured = [
                arg
                for arg in members
                if get_origin(arg) in (tuple, list)
                or (isinstance(arg, type) and issubclass(arg, BaseModel))
            ]
            annotation = (structured or members)[0]
        else:
            return annotation
