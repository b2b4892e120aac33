"""What counts as a secret or as customer data, declared as data: one :class:`Rule` per shape.

Each rule is a precompiled pattern. The part a rule hides is its ``value`` group when it has one
(so ``password=hunter2`` keeps ``password=`` and the reader still learns *what* was there), else
the whole match. A rule may carry a check that the match must pass (Luhn for card numbers, a
digit count for phone numbers), which is how order ids, timestamps and metric numbers survive.

Precision matters as much as recall: git shas, UUIDs, pod names, deploy ids, timestamps and
service names are the packet's evidence. So bare hex strings are never secrets on their own (a
32/40-hex value is an API key only behind a key name), numbers need a phone or card shape *and*
its check, and vendor tokens are recognised by their documented prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["PLACEHOLDER", "RULES", "Rule", "luhn_valid"]

PLACEHOLDER = re.compile(r"\[redacted:[a-z_]+\]")


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str  # the placeholder says ``[redacted:<kind>]``
    pattern: re.Pattern[str]
    accept: Callable[[str], bool] | None = None  # a further check on the hidden text
    # A cheap pattern that must occur somewhere for the full one to be worth running: most
    # text holds no ``://`` or ``eyJ``, and skipping a rule is faster than failing it.
    gate: re.Pattern[str] | None = None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where this rule hides text: the ``value`` group when the pattern has one."""
        found: list[tuple[int, int]] = []
        if self.gate is not None and self.gate.search(text) is None:
            return found
        has_value = "value" in self.pattern.groupindex
        for match in self.pattern.finditer(text):
            start, end = match.span("value") if has_value else match.span()
            if start == end or start < 0:
                continue
            if self.accept is not None and not self.accept(text[start:end]):
                continue
            found.append((start, end))
        return found


def luhn_valid(candidate: str) -> bool:
    """True when the digits of ``candidate`` pass the Luhn check (every real card number does;
    a random 16-digit order id does one time in ten)."""
    digits = [int(c) for c in candidate if c.isdigit()]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


# Issuer prefixes of the card networks people pay with: Visa, Mastercard (51-55, 2221-2720),
# American Express, Discover, JCB, Diners Club, UnionPay, Maestro. A Luhn-valid number with
# another prefix (an epoch in milliseconds starts with 1) is not a card.
_CARD_PREFIX = re.compile(
    r"4|5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|6011|64[4-9]|65|35(?:2[89]|[3-8])"
    r"|3(?:0[0-5]|[68])|62|50|5[6-9]|6[37]"
)


def _card(candidate: str) -> bool:
    digits = "".join(c for c in candidate if c.isdigit())
    if not 13 <= len(digits) <= 19 or len(set(digits)) < 2:
        return False
    return _CARD_PREFIX.match(digits) is not None and luhn_valid(digits)


def _phone(candidate: str) -> bool:
    digits = sum(c.isdigit() for c in candidate)
    if not candidate.startswith("+"):
        return 10 <= digits <= 11
    # ``+12345678`` unseparated is more often a metric's delta than a phone number.
    return (10 if candidate[1:].isdigit() else 8) <= digits <= 15


_NOT_A_SECRET = re.compile(
    r"(?:null|none|nil|true|false|undefined|redacted|\*+|x+|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*"
    r"|<[^>]*>|&lt;.*?&gt;|\{\{.*?\}\})",
    re.IGNORECASE,
)


def _secret_value(candidate: str) -> bool:
    """A value behind a secret's key name, unless it is plainly a placeholder or a reference."""
    return _NOT_A_SECRET.fullmatch(candidate.strip("'\"")) is None


def _secret_looking(candidate: str) -> bool:
    """After ``secret: `` in prose (``failed to read secret: permission denied``) only a value
    with a digit or symbol, or a long one, is taken for the secret itself."""
    if not _secret_value(candidate):
        return False
    return len(candidate) >= 16 or not candidate.isalpha()


def _rule(
    kind: str,
    pattern: str,
    *,
    gate: str,
    ignore_case: bool = False,
    accept: Callable[[str], bool] | None = None,
) -> Rule:
    flags = re.IGNORECASE if ignore_case else 0
    return Rule(kind, re.compile(pattern, flags), accept, re.compile(gate, flags))


# Not inside a longer word: tokens are bounded by anything that is not a letter, digit or _.
_B = r"(?<![A-Za-z0-9_])"
_E = r"(?![A-Za-z0-9_])"

_NOT_PLACEHOLDER = r"(?!\[redacted:)"
# An unquoted value runs to whitespace, a quote or a bracket; ``&`` ends it only where a URL's
# next parameter (``&page=2``, or ``&amp;`` once Slack-escaped) begins.
_BARE_VALUE = r"(?:[^\s\"'&,;<>\[\]{}()|]|&(?![A-Za-z0-9_.-]+=|amp;))+"


def _key_value_rules() -> tuple[Rule, ...]:
    """``password=…``, ``"token": "…"``, ``secret: …``, ``?api_key=…&``, ``--password …``,
    each with its own kind (password, token, api_key, secret)."""
    groups = {
        "password": r"passw(?:or)?d|pass_?phrase",
        "token": r"token",
        "api_key": (
            r"api[_-]?key|apikey|app[_-]?key|application[_-]?key|access[_-]?key|auth[_-]?key"
            r"|client[_-]?key|license[_-]?key"
        ),
        "secret": (
            r"secret|private[_-]?key|secret[_-]?key|signing[_-]?key|encryption[_-]?key"
            r"|credentials?|signature"
        ),
    }
    rules: list[Rule] = []
    for kind, words in groups.items():
        key = rf"{_B}[A-Za-z0-9_.-]{{0,48}}?(?:{words})"
        gate = rf"(?:{words})\W"
        # Quoted value (JSON, YAML, Python reprs): everything up to the closing quote.
        quoted = (
            rf"{key}(?:\\?[\"'])?\s*[:=]\s*(?P<quote>\\?[\"']){_NOT_PLACEHOLDER}"
            r"(?P<value>(?:(?!(?P=quote))(?:\\.|[^\\\n]))+)(?P=quote)"
        )
        # Bare value (env lines, logfmt, URL query strings, headers): up to a delimiter. After
        # ``=`` or a tight ``:`` anything is the secret; after ``: `` (YAML, and also prose) a
        # password is anything, the other kinds must look like one.
        value = rf"(?!\\?[\"']|\$\{{|\{{\{{){_NOT_PLACEHOLDER}(?P<value>{_BARE_VALUE})"
        tight = rf"{key}{_E}(?:\\?[\"'])?(?:\s*=\s*|:){value}"
        spaced = rf"{key}{_E}(?:\\?[\"'])?\s*:\s+{value}"
        # Command-line flags: ``--password hunter2``.
        flag = (
            rf"--[A-Za-z0-9-]{{0,48}}?(?:{words}){_E}[ =]{_NOT_PLACEHOLDER}(?P<value>{_BARE_VALUE})"
        )
        rules.extend(
            _rule(kind, pattern, gate=gate, ignore_case=True, accept=_secret_value)
            for pattern in (quoted, tight, flag)
        )
        spaced_accept = _secret_value if kind == "password" else _secret_looking
        rules.append(_rule(kind, spaced, gate=gate, ignore_case=True, accept=spaced_accept))
    return tuple(rules)


_SCHEMES = r"(?:bearer|basic|token|digest|bot|apikey|dsn|negotiate|ntlm|sso-key)"
_HEX_KEY_EXCEPTIONS = r"(?<!dedup.key)(?<!dedupkey)(?<!idempotency.key)(?<!cache.key)"
_PEM_LABEL = r"(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?"

RULES: tuple[Rule, ...] = (
    # PEM private keys, whole block; a block cut short by a log line keeps going to the end of
    # its base64 body.
    _rule(
        "private_key",
        rf"-----BEGIN {_PEM_LABEL}-----"
        rf"(?:(?:[A-Za-z0-9+/=\s\\:,]|-(?!----))*?-----END {_PEM_LABEL}-----|[A-Za-z0-9+/=\s\\]*)",
        gate="PRIVATE KEY-----",
    ),
    # Vendor tokens by their documented prefixes.
    _rule(
        "aws_key",
        r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Z0-9])",
        gate="A(?:KIA|SIA|BIA|CCA|3T)",
    ),
    _rule(
        "github_token",
        rf"{_B}(?:gh[pousr]_[A-Za-z0-9]{{20,255}}|github_pat_\w{{22,255}}){_E}",
        gate="gh[pousr]_|github_pat_",
    ),
    _rule("gitlab_token", rf"{_B}glpat-[A-Za-z0-9_-]{{20,}}", gate="glpat-"),
    _rule(
        "slack_token",
        rf"{_B}(?:xox[abposre]-[A-Za-z0-9-]{{10,}}|xapp-\d-[A-Za-z0-9-]{{10,}})",
        gate="xox|xapp-",
    ),
    _rule(
        "slack_webhook",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+",
        gate=r"hooks\.slack\.com",
    ),
    _rule(
        "stripe_key",
        rf"{_B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{{16,}}{_E}",
        gate="k_(?:live|test)_",
    ),
    _rule("stripe_key", rf"{_B}whsec_[A-Za-z0-9]{{16,}}{_E}", gate="whsec_"),
    _rule("anthropic_key", rf"{_B}sk-ant-[A-Za-z0-9_-]{{20,}}", gate="sk-ant-"),
    _rule("openai_key", rf"{_B}sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{{32,}}", gate="sk-"),
    _rule("google_key", rf"{_B}AIza[0-9A-Za-z_-]{{35}}{_E}", gate="AIza"),
    _rule("sendgrid_key", rf"{_B}SG\.[A-Za-z0-9_-]{{16,}}\.[A-Za-z0-9_-]{{16,}}", gate=r"SG\."),
    _rule("npm_token", rf"{_B}npm_[A-Za-z0-9]{{36}}{_E}", gate="npm_"),
    # JSON Web Tokens: three base64url parts, the header a JSON object (``{"`` is ``eyJ``).
    _rule("jwt", rf"{_B}eyJ[A-Za-z0-9_-]{{8,}}\.[A-Za-z0-9_-]{{8,}}\.[A-Za-z0-9_-]*", gate="eyJ"),
    # Authorization headers: what follows the scheme, whatever the scheme.
    _rule(
        "authorization",
        rf"(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?{_SCHEMES}\s+"
        rf"(?!{_SCHEMES}(?:\s|$)){_NOT_PLACEHOLDER}(?P<value>[^\s\"',;]+)",
        gate="authorization",
        ignore_case=True,
    ),
    # Without a scheme the value must look like a credential: ``authorization: denied`` is prose.
    _rule(
        "authorization",
        rf"(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?!{_SCHEMES}(?:\s|$)){_NOT_PLACEHOLDER}"
        r"(?P<value>[^\s\"',;]+)",
        gate="authorization",
        ignore_case=True,
        accept=_secret_looking,
    ),
    # A bearer or basic credential out of its header (``curl -H 'Bearer …'``, a logged dict).
    _rule(
        "authorization",
        rf"{_B}(?:Bearer|bearer|BEARER)\s+(?P<value>[A-Za-z0-9._~+/-]{{16,}}=*)",
        gate="(?i:bearer)",
    ),
    _rule(
        "authorization",
        rf"{_B}(?:Basic|BASIC)\s+(?P<value>[A-Za-z0-9+/]{{12,}}={{0,2}}){_E}",
        gate="Basic|BASIC",
    ),
    _rule(
        "cookie",
        r"(?:set-)?cookie[\"']?\s*:\s*[\"']?"
        r"(?P<value>[^\s;=\"']+=[^\s;\"']*(?:;\s*[^\s;=\"']+(?:=[^\s;\"']*)?)*)",
        gate="cookie",
        ignore_case=True,
    ),
    # Credentials in a URL: ``scheme://user:password@host``; the user goes too (it is often a
    # token itself), the host stays.
    _rule(
        "credentials",
        r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}://(?P<value>[^\s/:@]+:[^\s/?#]+)@",
        gate="://",
    ),
    # Signed URLs and OAuth callbacks: ``&sig=`` (Azure SAS), ``?code=`` (an authorization code).
    _rule(
        "secret",
        rf"(?<=[?&;])(?:sig|code)={_NOT_PLACEHOLDER}(?P<value>{_BARE_VALUE})",
        gate="(?:sig|code)=",
    ),
    *_key_value_rules(),
    # Datadog-style keys (32 or 40 hex) behind any name ending in "key"; a bare 40-hex string is
    # a git sha and a bare 32-hex string a trace id, and both stay.
    _rule(
        "api_key",
        rf"{_B}[A-Za-z0-9_.-]{{0,48}}?key{_HEX_KEY_EXCEPTIONS}[\"']?\s*[:=]\s*[\"']?"
        r"(?P<value>(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{32}))(?![0-9A-Za-z])",
        gate=r"key\W",
        ignore_case=True,
    ),
    _rule(
        "email",
        r"(?<![A-Za-z0-9._%+/-])(?!git@)[A-Za-z0-9][A-Za-z0-9._%+-]*@"
        r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
        r"\.[A-Za-z]{2,24}(?![A-Za-z0-9-])",
        gate="@",
    ),
    # Card numbers: 13-19 digits, bare or in groups of four (Amex 4-6-5), Luhn-valid with a
    # card network's prefix.
    _rule(
        "card",
        r"(?<![\w.+/-])(?:\d{13,19}|\d{4}(?P<s>[ -])\d{4}(?P=s)\d{4}(?P=s)\d{1,7}"
        r"|\d{4}(?P<a>[ -])\d{6}(?P=a)\d{5})(?![\w/-]|\.\d)",
        gate=r"\d{4}",
        accept=_card,
    ),
    # Phone numbers: international with a +, or the US shapes (555-123-4567, (555) 123-4567,
    # 555.123.4567, 1-800-555-0199). Dates, IPs, versions and durations have other shapes.
    _rule(
        "phone",
        r"(?<![\w.+-])\+\d{1,3}(?:[ .-]?\(\d{1,4}\)|[ .-]?\d{1,4})(?:[ .-]?\d{2,4}){1,4}"
        r"(?![\w-]|\.\d)",
        gate=r"\+\d",
        accept=_phone,
    ),
    _rule(
        "phone",
        r"(?<![\w.+/-])(?:1(?P<o>[-. ]))?(?:\(\d{3}\) ?\d{3}[-. ]\d{4}"
        r"|\d{3}(?P<p>[-.])\d{3}(?P=p)\d{4})(?![\w/-]|\.\d)",
        gate=r"\d{3}[-. )]",
        accept=_phone,
    ),
)
