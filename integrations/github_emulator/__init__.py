"""A local GitHub Issues REST API, for tests (mounted in the tests' GitHub stand-in) and the
demo (standalone)."""

from integrations.github_emulator.issues import GitHubIssuesEmulator, IssueTracker

__all__ = ["GitHubIssuesEmulator", "IssueTracker"]
