"""Every webhook endpoint against hostile input over real HTTP: whatever arrives, the answer is
never a 5xx; a refusal is JSON with a reason (and the field, for an invalid payload) and stores
nothing; and rows appear only when both the credentials and the payload are valid, one signal per
accepted alert, each recorded as accepted in the audit chain."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.webhooks.auth import signed_headers
from tests.property.contract import (
    assert_keeps_the_contract,
    assert_refused,
    assert_storable_anywhere,
)
from tests.property.payloads import (
    CREDENTIAL_HEADERS,
    SOURCES,
    VALID,
    encoded,
    fresh_deliveries,
    json_values,
    mutations,
)
from tests.property.server import LIMIT, SECRET, LiveWebhooks

# One server per test serves all its examples (see server.py), which is what the
# function-scoped-fixture health check warns about; the properties compare row counts around each
# request instead of needing a fresh database.
EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# Sources whose credential is an HMAC of the body, so a signature over another body is forged.
SIGNING_SOURCES = ("pagerduty", "sentry", "github", "generic")
HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=60
)

each_source = pytest.mark.parametrize("source", SOURCES)


@each_source
def test_every_sample_payload_is_accepted_as_it_stands(webhooks: LiveWebhooks, source: str) -> None:
    # The properties and the known-bug reproducers vary these samples: each must be valid, and
    # storable on PostgreSQL too, to begin with.
    answer = webhooks.post_signed(source, encoded(VALID[source]))
    assert_keeps_the_contract(answer, VALID[source])
    assert answer.status == 202
    assert_storable_anywhere(webhooks.latest_signals(answer.added.signals))


@each_source
@EXAMPLES
@given(body=st.binary(max_size=2048))
def test_random_bytes_correctly_signed_never_cost_more_than_a_4xx(
    webhooks: LiveWebhooks, source: str, body: bytes
) -> None:
    assert_keeps_the_contract(webhooks.post_signed(source, body), body)


@each_source
@EXAMPLES
@given(value=json_values(max_leaves=20))
def test_random_json_correctly_signed_never_cost_more_than_a_4xx(
    webhooks: LiveWebhooks, source: str, value: object
) -> None:
    assert_keeps_the_contract(webhooks.post_signed(source, encoded(value)), value)


@each_source
@EXAMPLES
@given(data=st.data())
def test_a_sample_with_one_member_deleted_or_retyped_is_stored_only_when_accepted(
    webhooks: LiveWebhooks, source: str, data: st.DataObject
) -> None:
    change, payload = data.draw(mutations(source), label="change")
    answer = webhooks.post_signed(source, encoded(payload))
    assert_keeps_the_contract(answer, change)
    if answer.status == 202:
        assert_storable_anywhere(webhooks.latest_signals(answer.added.signals))


@each_source
@EXAMPLES
@given(data=st.data())
def test_a_truncated_sample_gets_400_naming_the_body(
    webhooks: LiveWebhooks, source: str, data: st.DataObject
) -> None:
    whole = encoded(VALID[source])
    body = whole[: data.draw(st.integers(0, len(whole) - 1), label="cut at")]
    answer = webhooks.post_signed(source, body)
    assert_refused(answer, 400, body)
    assert answer.json()["field"] == "body"


@st.composite
def forged_headers(draw: st.DrawFn, source: str, body: bytes) -> tuple[str, dict[str, str]]:
    """The headers of ``body`` with the credential wrong or missing, and how."""
    credential = CREDENTIAL_HEADERS[source]
    ways = ["wrong secret", "no credential", "garbage credential"]
    if credential == "Authorization":
        ways.append("basic auth, wrong password")
    if source in SIGNING_SOURCES:
        ways.append("signed another body")
    how = draw(st.sampled_from(ways))
    headers = signed_headers(source, body, SECRET)
    if how == "wrong secret":
        secret = draw(HEADER_TEXT.filter(lambda s: s.strip() != SECRET))
        headers = signed_headers(source, body, secret)
    elif how == "no credential":
        del headers[credential]
    elif how == "garbage credential":
        headers[credential] = draw(HEADER_TEXT.filter(lambda s: SECRET not in s))
    elif how == "basic auth, wrong password":
        password = draw(HEADER_TEXT.filter(lambda s: s != SECRET))
        token = base64.b64encode(f"grafana:{password}".encode()).decode()
        headers[credential] = f"Basic {token}"
    else:
        other = draw(st.binary(max_size=256).filter(lambda b: b != body))
        headers = signed_headers(source, other, SECRET)
    return how, headers


@each_source
@EXAMPLES
@given(data=st.data())
def test_wrong_or_missing_credentials_always_get_401(
    webhooks: LiveWebhooks, source: str, data: st.DataObject
) -> None:
    body = data.draw(
        st.just(encoded(VALID[source])) | st.binary(max_size=512) | json_values().map(encoded),
        label="body",
    )
    how, headers = data.draw(forged_headers(source, body), label="credential")
    assert_refused(webhooks.post(source, body, headers), 401, how)


@each_source
@EXAMPLES
@given(
    data=st.data(),
    size=st.integers(LIMIT - 64, LIMIT + 64) | st.integers(LIMIT + 65, 3 * LIMIT),
    chunked=st.booleans(),
)
def test_a_body_over_the_limit_gets_413_and_one_at_the_limit_does_not(
    webhooks: LiveWebhooks, source: str, data: st.DataObject, size: int, chunked: bool
) -> None:
    # Trailing whitespace keeps a valid payload valid JSON at any size.
    sample = encoded(data.draw(fresh_deliveries(source), label="payload"))
    body = sample + b" " * (size - len(sample))
    answer = webhooks.post_signed(source, body, chunked=chunked)
    if size > LIMIT:
        assert_refused(answer, 413, f"{size} bytes")
    else:
        assert_keeps_the_contract(answer, f"{size} bytes")
        assert answer.status in (200, 202), answer.text  # 200: hypothesis repeated a delivery


@each_source
@EXAMPLES
@given(data=st.data())
def test_dropping_a_header_other_than_the_credential_never_costs_more_than_a_4xx(
    webhooks: LiveWebhooks, source: str, data: st.DataObject
) -> None:
    body = data.draw((fresh_deliveries(source) | json_values()).map(encoded), label="body")
    headers = signed_headers(source, body, SECRET)
    optional = sorted(set(headers) - {CREDENTIAL_HEADERS[source]})
    dropped = data.draw(st.sets(st.sampled_from(optional), min_size=1), label="dropped")
    for name in dropped:
        del headers[name]
    assert_keeps_the_contract(webhooks.post(source, body, headers), dropped)
