"""Properties of redaction over any text: it never raises, a second pass changes nothing, text
without a finding comes back as it was, and whatever a finding hid is gone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.redaction import find, redact, redact_with_report

# Pieces that look like what the rules hunt for, so hypothesis explores their edges (glued
# together, cut short, next to each other) rather than only random letters.
FRAGMENTS = st.sampled_from(
    [
        "password=",
        '"token": "',
        "Authorization: Bearer ",
        "Basic ",
        "?api_key=",
        "&amp;",
        "://user:pw@",
        "@example.com",
        "jane.doe",
        "+1 415-555-0132",
        "(415) 555-0199",
        "4111 1111 1111 1111",
        "4242424242424242",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "xoxb-2048-4096-AbCdEfGh",
        "AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN PRIVATE KEY-----",
        "-----END PRIVATE KEY-----",
        "[redacted:",
        "[redacted:email]",
        "]",
        "0123456789abcdef0123456789abcdef",
        "550e8400-e29b-41d4-a716-446655440000",
        "2026-03-04T14:02:11Z",
        "\\",
        "'",
        '"',
        " ",
        "=",
        ":",
        "\n",
    ]
)
TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=14).map("".join)

EXAMPLES = settings(max_examples=400, deadline=None)


@EXAMPLES
@given(text=st.one_of(st.text(), TEXT))
def test_redaction_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@EXAMPLES
@given(text=st.one_of(st.text(), TEXT))
def test_text_without_a_finding_comes_back_unchanged(text: str) -> None:
    report = redact_with_report(text)
    if not report.found:
        assert report.text == text
    else:
        assert report.text != text


@EXAMPLES
@given(text=TEXT)
def test_what_a_finding_covered_is_no_longer_in_the_text(text: str) -> None:
    findings = find(text)
    redacted = redact(text)
    kept = list(text)
    for finding in findings:
        kept[finding.start : finding.end] = ["\0"] * (finding.end - finding.start)
    outside = "".join(kept)
    for finding in findings:
        secret = text[finding.start : finding.end]
        # A short secret may occur by chance in what stays (``pw`` in ``pwd``); a long one, or
        # one that occurs nowhere else in the line, not.
        if len(secret) >= 12 and secret not in outside and "[redacted:" not in secret:
            assert secret not in redacted


@EXAMPLES
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=4000))
def test_any_text_is_redacted_without_raising(text: str) -> None:
    assert isinstance(redact(text), str)
