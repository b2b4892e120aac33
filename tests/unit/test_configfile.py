"""YAML files validated by pydantic: every problem names the file, the line and the key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
from pydantic import model_validator

from bot.configfile import (
    FileModel,
    Text,
    UtcDatetime,
    invalid_at,
    load_yaml_document,
    load_yaml_model,
    parse_yaml_document,
    parse_yaml_model,
    parse_yaml_stream,
)
from bot.errors import ConfigFileError

FILE = Path("things.yaml")


class Part(FileModel):
    name: Text
    size: int = 0


class Window(FileModel):
    start: UtcDatetime
    end: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise invalid_at(("end",), "end must be after start")
        return self


class Things(FileModel):
    title: Text
    parts: tuple[Part, ...] = ()
    window: Window | None = None
    choice: int | tuple[Part, ...] = 0
    labels: dict[str, Any] = {}


def parse(text: str) -> Things:
    return parse_yaml_model(dedent(text), Things, path=FILE)


def problem(text: str) -> ConfigFileError:
    with pytest.raises(ConfigFileError) as caught:
        parse(text)
    return caught.value


def test_a_valid_file_becomes_the_model() -> None:
    things = parse(
        """
        title: Box
        parts:
          - {name: bolt, size: 3}
        """
    )
    assert things.parts == (Part(name="bolt", size=3),)


def test_document_records_the_line_of_every_key_and_item() -> None:
    document = parse_yaml_document(
        dedent(
            """\
            title: Box
            parts:
              - name: bolt
                size: 3
            """
        ),
        path=FILE,
    )
    assert document.lines[("title",)] == 1
    assert document.lines[("parts", 0)] == 3
    assert document.lines[("parts", 0, "size")] == 4


def test_wrong_type_deep_inside_names_line_and_dotted_key() -> None:
    error = problem(
        """\
        title: Box
        parts:
          - name: bolt
          - name: nut
            size: large
        """
    )
    assert (error.path, error.line, error.key) == (FILE, 5, "parts.1.size")
    assert "valid integer" in error.reason
    assert "'large'" in error.reason


def test_unknown_key_names_the_key_its_line_and_a_close_match() -> None:
    error = problem(
        """\
        title: Box
        parts:
          - name: bolt
            sise: 3
        """
    )
    assert (error.line, error.key) == (4, "parts.0.sise")
    assert "unknown key sise" in error.reason
    assert "did you mean size?" in error.reason


def test_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    error = problem("title: Box\ncolour: red\n")
    assert (error.line, error.key) == (2, "colour")
    assert "allowed here: title, parts, window, choice, labels" in error.reason


def test_missing_key_points_at_the_mapping_that_lacks_it() -> None:
    error = problem(
        """\
        title: Box
        parts:
          - size: 3
        """
    )
    assert (error.line, error.key) == (3, "parts.0.name")
    assert "required key name is missing" in error.reason


def test_union_member_labels_stay_out_of_the_key() -> None:
    error = problem(
        """\
        title: Box
        choice:
          - name: bolt
          - {name: nut, size: many}
        """
    )
    assert (error.line, error.key) == (4, "choice.1.size")


def test_error_raised_by_a_model_validator_points_at_the_key_it_blames() -> None:
    error = problem(
        """\
        title: Box
        window:
          start: 2026-03-04T14:00:00Z
          end: 2026-03-04T13:00:00Z
        """
    )
    assert (error.line, error.key, error.reason) == (4, "window.end", "end must be after start")


def test_other_problems_are_counted_in_the_message() -> None:
    error = problem("title: ''\nparts: [{size: 1}]\n")
    assert error.reason.endswith("(and 1 more problem)")


def test_unquoted_and_quoted_timestamps_are_the_same_aware_utc_instant() -> None:
    window = parse(
        """
        title: Box
        window: {start: 2026-03-04T14:06:00Z, end: "2026-03-04T14:07:00Z"}
        """
    ).window
    assert window is not None
    assert window.start == datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
    assert window.end == datetime(2026, 3, 4, 14, 7, tzinfo=UTC)


def test_timestamp_with_an_offset_is_converted_to_utc() -> None:
    window = parse(
        "title: Box\nwindow: {start: 2026-03-04T15:06:00+01:00, end: 2026-03-04T16:00:00Z}\n"
    ).window
    assert window is not None
    assert window.start == datetime(2026, 3, 4, 14, 6, tzinfo=UTC)
    assert window.start.tzinfo is UTC


def test_timestamp_without_an_offset_is_taken_as_utc() -> None:
    window = parse("title: Box\nwindow: {start: 2026-03-04T14:06:00, end: 2026-03-05}\n").window
    assert window is not None
    assert window.start == datetime(2026, 3, 4, 14, 6, tzinfo=UTC)


def test_invalid_timestamp_is_an_error_at_its_key() -> None:
    error = problem("title: Box\nwindow:\n  start: teatime\n  end: 2026-03-05T00:00:00Z\n")
    assert (error.line, error.key) == (3, "window.start")
    assert "not an ISO-8601 timestamp" in error.reason


def test_a_number_is_not_taken_for_a_timestamp() -> None:
    error = problem("title: Box\nwindow: {start: 1772633040, end: 2026-03-05T00:00:00Z}\n")
    assert error.key == "window.start"


def test_timestamps_stay_strings_in_the_raw_data() -> None:
    document = parse_yaml_document("title: Box\nlabels: {at: 2026-03-04T14:06:00Z}\n", path=FILE)
    assert document.data["labels"] == {"at": "2026-03-04T14:06:00Z"}


def test_duplicate_key_is_an_error_with_its_line_and_key() -> None:
    error = problem(
        """\
        title: Box
        parts:
          - name: bolt
            size: 1
            size: 2
        """
    )
    assert (error.line, error.key) == (5, "parts.0.size")
    assert "duplicate key 'size' (first written at line 4)" in error.reason


def test_a_merge_key_overridden_by_its_mapping_is_not_a_duplicate() -> None:
    things = parse(
        """\
        title: Box
        labels: &base {name: bolt, size: 1}
        parts:
          - <<: *base
            size: 2
        """
    )
    assert things.parts == (Part(name="bolt", size=2),)


def test_yaml_syntax_error_names_the_line() -> None:
    error = problem("title: Box\nparts: [\n  {name: bolt}\n")
    assert error.line == 4
    assert error.reason.startswith("invalid YAML:")


def test_empty_file_is_an_error_naming_the_file() -> None:
    error = problem("# nothing here yet\n")
    assert (error.path, error.reason) == (FILE, "the file is empty")


def test_top_level_that_is_not_a_mapping_is_an_error() -> None:
    error = problem("- title: Box\n")
    assert (error.line, error.reason) == (1, "the top level must be a mapping of keys")


def test_missing_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigFileError, match=r"nowhere\.yaml: no such file"):
        load_yaml_model(missing, Things)


def test_load_reads_a_file_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "things.yaml"
    path.write_text("title: Box\n", encoding="utf-8")
    assert load_yaml_model(path, Things).title == "Box"
    assert load_yaml_document(path) == {"title": "Box"}


def test_text_of_a_scalar_that_loaded_as_a_number_is_kept() -> None:
    document = parse_yaml_document("title: Box\nlabels: {sha: 0123456}\n", path=FILE)
    assert document.data["labels"]["sha"] == 0o123456
    assert document.text_at(("labels", "sha")) == "0123456"


def test_error_message_reads_file_line_key_and_reason() -> None:
    error = problem("title: Box\nparts: [{name: bolt, size: x}]\n")
    assert str(error).startswith("things.yaml:2: parts.0.size: Input should be a valid integer")


# --- several documents in one file ---------------------------------------------------------------


def test_a_stream_gives_each_document_with_lines_counted_from_the_top_of_the_file() -> None:
    text = "a: 1\n---\n# a comment\nb:\n  - 2\n---\n---\nc: 3\n"
    documents = parse_yaml_stream(text, path=Path("many.yaml"))
    assert [document.data for document in documents] == [{"a": 1}, {"b": [2]}, {"c": 3}]
    assert [document.lines[()] for document in documents] == [1, 4, 8]
    assert documents[1].lines[("b", 0)] == 5


def test_a_duplicate_key_in_a_later_document_names_its_line() -> None:
    with pytest.raises(ConfigFileError, match="duplicate key") as caught:
        parse_yaml_stream("a: 1\n---\nb: 1\nb: 2\n", path=Path("many.yaml"))
    assert (caught.value.line, caught.value.key) == (4, "b")


def test_a_stream_document_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ConfigFileError, match="mapping") as caught:
        parse_yaml_stream("a: 1\n---\n- x\n", path=Path("many.yaml"))
    assert caught.value.line == 3


def test_broken_yaml_in_a_stream_names_the_line() -> None:
    with pytest.raises(ConfigFileError, match="invalid YAML") as caught:
        parse_yaml_stream("a: 1\n---\nb: [1, 2\n", path=Path("many.yaml"))
    assert caught.value.line is not None
    assert caught.value.line >= 3
