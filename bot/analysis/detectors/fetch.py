"""A build or start that failed fetching what it depends on: a package the registry no longer
serves (``npm ERR! 404``), a module or artifact not found, a download refused.

A release whose build dies fetching a package its change did not ask for (no dependency
manifest or lockfile changed) never ran its code: the registry or mirror it fetches from is
what failed, and rolling the release back fetches the same package again. Read by the deploy
detector (against the deploy); the dependency detector names the registry from its own lines.
"""

from __future__ import annotations

import re

from bot.analysis.citing import WARN
from bot.analysis.values import CaseFacts

__all__ = [
    "FETCH_FAILED",
    "MANIFEST",
    "fetch_failure",
    "touches_dependencies",
    "touches_images",
]

# A fetch of a package, module or artifact answered "not there" or refused: package managers'
# own words, and an HTTP GET of an artifact that came back 404/410/403.
FETCH_FAILED = re.compile(
    r"\b(?:npm|yarn|pnpm|pip|poetry|go|maven|mvn|gradle|bundler?|gem|cargo|composer|nuget|"
    r"apt(?:-get)?|apk|helm)\b[^\n]{0,40}(?:err\w*|failed|error)[^\n]{0,80}"
    r"(?:\b40[34]\b|\b410\b|not found|no matching (?:version|distribution)|could not find|"
    r"not in the [\w ]*registry|unpublished|no such package|cannot (?:find|resolve))|"
    r"no matching distribution found for|could not find a version that satisfies|"
    r"\bGET https?://\S+[^\n]{0,20}?\b(?:40[34]|410)\b|"
    r"\b(?:40[34]|410)\b[^\n]{0,30}\bGET https?://\S+|"
    r"(?:failed to|could not|unable to) (?:fetch|download|resolve|install)\b[^\n]{0,60}"
    r"(?:package|module|dependenc\w+|artifact|crate|gem|wheel)",
    re.IGNORECASE,
)
# Files that say what a build fetches: manifests and lockfiles of every ecosystem.
MANIFEST = re.compile(
    r"(?:^|/)(?:package(?:-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|"
    r"requirements[^/]*\.(?:txt|in)|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile(?:\.lock)?|"
    r"setup\.(?:py|cfg)|go\.(?:mod|sum)|Gemfile(?:\.lock)?|[^/]*\.gemspec|Cargo\.(?:toml|lock)|"
    r"pom\.xml|build\.gradle(?:\.kts)?|gradle\.lockfile|composer\.(?:json|lock)|"
    r"packages\.lock\.json|[^/]*\.csproj|Dockerfile[^/]*|Chart\.(?:yaml|lock))$",
    re.IGNORECASE,
)


def touches_dependencies(files: tuple[str, ...]) -> bool:
    """Whether a change edits what its build fetches (a manifest or lockfile). Unknown files
    may: a change whose files are not known is not cleared by this rule."""
    return not files or any(MANIFEST.search(f) for f in files)


# Files that name the images a workload runs: Kubernetes manifests, charts and their values,
# Compose and kustomize files, Terraform (besides Dockerfiles, in MANIFEST).
_IMAGE_FILE = re.compile(
    r"\.(?:ya?ml|json|tf|tfvars|hcl|jsonnet|libsonnet)$|(?:^|/)(?:helm|charts?|k8s|kubernetes|"
    r"manifests|deploy|kustomize|overlays)/",
    re.IGNORECASE,
)


def touches_images(files: tuple[str, ...]) -> bool:
    """Whether a change may name a different image: a Dockerfile, a chart, a manifest or any
    configuration file; unknown files may."""
    return not files or any(MANIFEST.search(f) or _IMAGE_FILE.search(f) for f in files)


def fetch_failure(facts: CaseFacts) -> str | None:
    """The service's alert or warning line saying a fetch of a package or artifact failed."""
    texts = [f"{s.title}\n{s.description}" for s in facts.signals if s.service == facts.service]
    texts += [m.text for m in facts.window_messages if m.rank >= WARN]
    for text in texts:
        if (match := FETCH_FAILED.search(text)) is not None:
            return match.group(0)[:120]
    return None
