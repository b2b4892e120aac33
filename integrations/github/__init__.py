"""GitHub evidence: deploys (deployments, their pull requests and changed files) and the
commits and merged pull requests of a service's repository, through PyGithub."""

from integrations.github.client import GitHubConnection
from integrations.github.source import GitHubEvidence

__all__ = ["GitHubConnection", "GitHubEvidence"]
