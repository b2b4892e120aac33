"""A dependency's own lines that name what the service's failing calls fail on: a host both
name (a vendor's status line naming ``quay.io``, the host the image pulls fail at), or, when
what fails is a certificate refused, the dependency's own certificates (an identity
provider's metadata saying its signing certificate ran out). The failing call is the
dependency's, whatever deployed. Weights: :mod:`bot.analysis.weights`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.analysis.citing import WARN
from bot.analysis.deploys import DEPLOY_WINDOW
from bot.analysis.detectors.config import CREDENTIAL
from bot.analysis.logs import level_rank
from bot.analysis.values import CaseFacts, Citation
from bot.analysis.weights import W
from bot.evidence.values import LogRecord

__all__ = ["NamedFailure", "asked_for", "hosts_in", "own_lines_name"]

# A host name: labels joined by dots ending in letters (``quay.io``, ``fs.corp.example``).
_HOST = re.compile(r"(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?![\w-])", re.I)
# ... that is not a file name (``ScanScheduler.java``, ``settings.yaml``).
_FILE_SUFFIX = frozenset(
    (
        *("py", "java", "js", "jsx", "ts", "tsx", "go", "rb", "rs", "kt", "scala", "php"),
        *("cs", "c", "h", "cpp", "yaml", "yml", "json", "toml", "xml", "html", "htm", "md"),
        *("txt", "log", "sql", "conf", "cfg", "ini", "sh", "po", "properties", "gradle"),
    )
)
# A dependency's line about its own certificates or signing keys.
_OWN_CERTIFICATE = re.compile(r"certificat|\bcerts?\b|notafter|token[ -]signing", re.I)
_FAILURE = re.compile(
    r"fail|error|timed? ?out|refused|unreachable|unavailable|bad gateway|\b50[234]\b|"
    r"rejected|expired|degraded|not found|\b40[34]\b|\b410\b",
    re.I,
)
# What a call asked for: the named parts of an address's path (``left-pad`` in
# ``https://registry.npmjs.org/left-pad``), not versions, numbers or generic segments.
_URL_PATH = re.compile(r"//[^/\s]+/(?P<path>[^\s\"'?#)]+)")
_GENERIC_SEGMENT = frozenset(
    (
        *("api", "v1", "v2", "v3", "latest", "static", "assets", "package", "packages"),
        *("download", "downloads", "simple", "repository", "repo", "artifacts", "releases"),
        *("files", "blobs", "manifests", "index", "health", "status", "login"),
    )
)


@dataclass(frozen=True, slots=True)
class NamedFailure:
    """The citation for the dependency and when the failures it explains began."""

    citation: Citation
    began: datetime


def hosts_in(text: str, *, called: bool = False) -> frozenset[str]:
    """The host names ``text`` holds, lower-cased; file names are not hosts. ``called``: only
    hosts a call was made to, written as an address (``quay.io/org/image``, ``//host``,
    ``host:443``), not a host a line talks about (``quay.io degraded``)."""
    found = (
        m.group(0).lower()
        for m in _HOST.finditer(text)
        if not called
        or text[m.end() : m.end() + 1] in {"/", ":"}
        or text[max(0, m.start() - 2) : m.start()] == "//"
    )
    return frozenset(h for h in found if h.rsplit(".", 1)[-1] not in _FILE_SUFFIX)


def asked_for(text: str) -> frozenset[str]:
    """The named things the calls in ``text`` asked for: the path segments of the addresses
    it holds that are names (``left-pad``), lower-cased."""
    found = (
        segment.lower()
        for match in _URL_PATH.finditer(text)
        for segment in match.group("path").split("/")
    )
    return frozenset(
        s
        for s in found
        if len(s) >= 3 and s not in _GENERIC_SEGMENT and not re.fullmatch(r"v?[\d.]+\w*", s)
    )


def _names(text: str, things: frozenset[str]) -> list[str]:
    return sorted(t for t in things if re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", text, re.I))


def _failing_lines(facts: CaseFacts, dependency: str) -> list[tuple[datetime, str]]:
    """Warning-or-worse lines with failure words since the deploy window before the first
    anomaly: the service's and those of its other dependencies (a node pool's kubelet failing
    to pull), each with when."""
    records = [
        (r.at, r.message)
        for r in facts.related_logs
        if r.service != dependency
        and r.at >= facts.first_seen - DEPLOY_WINDOW
        and level_rank(r.level) >= WARN
        and _FAILURE.search(r.message)
    ]
    own = [m.text for m in facts.window_messages if m.rank >= WARN and _FAILURE.search(m.text)]
    by_text = {c.sample: c.first_seen for c in facts.clusters}
    records += [(by_text.get(text, facts.first_seen), text) for text in own]
    return records


def _named_by(record: LogRecord, failing: list[tuple[datetime, str]]) -> NamedFailure | None:
    """``record`` (a dependency's line) names a host the failing lines call, or a thing they
    asked for (a package, an object): what they fail on is the dependency's. A warning of its
    own dates the failure from when it was written."""
    hosts = hosts_in(record.message)
    hit = [
        (at, sorted(hosts & hosts_in(text, called=True)) or _names(record.message, asked_for(text)))
        for at, text in failing
    ]
    hit = [h for h in hit if h[1]]
    if not hit:
        return None
    began = min(at for at, _ in hit)
    if level_rank(record.level) >= WARN:
        began = min(began, record.at)
    what = hit[0][1][0]
    said = record.message[:100]
    text = f'failing calls go to {what}, which {record.service}\'s own line names: "{said}"'
    return NamedFailure(Citation(f"log:{record.service}", text, W.dependency_own_lines_name), began)


def own_lines_name(facts: CaseFacts, dependency: str) -> NamedFailure | None:
    """The dependency's own lines, from the deploy window before the first anomaly on, name a
    host the failing lines fail at or a thing they asked for, or its own certificates while
    the service's failing lines are a certificate refused."""
    since = facts.first_seen - DEPLOY_WINDOW
    own = [r for r in facts.related_logs if r.service == dependency and r.at >= since]
    if not own:
        return None
    failing = _failing_lines(facts, dependency)
    for record in own:
        if (named := _named_by(record, failing)) is not None:
            return named
    refused = [(at, text) for at, text in failing if CREDENTIAL.search(text)]
    mine = next((r for r in own if _OWN_CERTIFICATE.search(r.message)), None)
    if refused and mine is not None:
        text = (
            f"a certificate is refused and {dependency}'s own line speaks of its certificates: "
            f'"{mine.message[:100]}"'
        )
        began = min(at for at, _ in refused)
        return NamedFailure(Citation(f"log:{dependency}", text, W.dependency_own_lines_name), began)
    return None
