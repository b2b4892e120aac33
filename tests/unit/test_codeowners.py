"""GitHub CODEOWNERS: the documented pattern rules (a corpus of pattern, path, match), last
match wins, owners, errors naming the line, and the catalog fallback built on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog import EntryOrigin, FallbackKind
from bot.errors import ConfigFileError
from integrations.codeowners import (
    CodeOwnersFallback,
    find_codeowners,
    load_codeowners,
    parse_codeowners,
    team_of,
)

FIXTURE = Path(__file__).parent / "fixtures" / "codeowners" / "CODEOWNERS"

# (pattern, path, matches): GitHub's documented examples first, then gitignore's pattern rules
# that CODEOWNERS follows.
CORPUS = [
    # "*" is everything, at any depth.
    ("*", "README.md", True),
    ("*", "src/deep/file.py", True),
    # A name pattern without a slash matches at any depth.
    ("*.js", "app.js", True),
    ("*.js", "web/src/app.js", True),
    ("*.js", "app.jsx", False),
    ("*.js", "app.js/inner.txt", True),  # a folder called app.js owns what is in it
    # docs/* owns the files in docs, not those further nested.
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),
    ("docs/*", "docs", False),
    ("docs/*", "guide/docs/a.md", False),  # a middle slash anchors it at the root
    # apps/ owns any file in an apps folder anywhere.
    ("apps/", "apps/web/index.ts", True),
    ("apps/", "src/apps/web/index.ts", True),
    ("apps/", "apps", False),  # the trailing slash: only what is inside
    ("apps/", "apps.md", False),
    # /docs/ owns the root docs folder and everything below it, nothing elsewhere.
    ("/docs/", "docs/a.md", True),
    ("/docs/", "docs/deep/er/a.md", True),
    ("/docs/", "src/docs/a.md", False),
    # /build/logs/ is rooted.
    ("/build/logs/", "build/logs/today.log", True),
    ("/build/logs/", "build/logs/2026/03/today.log", True),
    ("/build/logs/", "src/build/logs/today.log", False),
    # **/logs: a logs folder anywhere, and what is in it.
    ("**/logs", "build/logs/x.log", True),
    ("**/logs", "scripts/logs/x.log", True),
    ("**/logs", "deeply/nested/logs/x.log", True),
    ("**/logs", "logs/x.log", True),
    ("**/logs", "catalogs/x.log", False),
    # A pattern without a trailing slash owns the file or the folder of that name.
    ("/apps/github", "apps/github", True),
    ("/apps/github", "apps/github/readme.md", True),
    ("/apps/github", "apps/github-pages/readme.md", False),
    ("foo", "bar/foo/baz", True),
    ("foo", "foo.txt", False),
    # Trailing and middle double asterisks.
    ("docs/**", "docs/a/b.md", True),
    ("docs/**", "docs", False),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b/c.txt", True),
    ("a/**/b", "x/a/b", False),
    # * and ? stay within one segment.
    ("/src/*.py", "src/app.py", True),
    ("/src/*.py", "src/pkg/app.py", False),
    ("file?.txt", "file1.txt", True),
    ("file?.txt", "file10.txt", False),
    ("/*", "top.txt", True),
    ("/*", "dir/file.txt", False),
    # Escaped wildcard is literal; paths compare case-sensitively.
    ("f\\*o", "f*o", True),
    ("f\\*o", "foo", False),
    ("/Docs/", "docs/a.md", False),
]


@pytest.mark.parametrize(("pattern", "path", "matches"), CORPUS)
def test_a_pattern_matches_exactly_the_paths_github_documents(
    pattern: str, path: str, matches: bool
) -> None:
    rules = parse_codeowners(f"{pattern} @owner\n", path=Path("CODEOWNERS"))
    assert (rules.owners_of(path) == ("@owner",)) is matches


def owners(path: str) -> tuple[str, ...]:
    return load_codeowners(FIXTURE).owners_of(path)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("README.md", ("@global-owner1", "@global-owner2")),
        ("web/app.js", ("@js-owner",)),  # the inline comment is not an owner
        ("cmd/main.go", ("docs@example.com",)),
        ("notes.txt", ("@octo-org/octocats",)),
        ("build/logs/today.log", ("@octocat",)),  # **/logs comes later than /build/logs/
        ("docs/getting-started.md", ("@doctocat",)),  # /docs/ comes later than docs/*
        ("scripts/deploy.sh", ("@doctocat", "@octocat")),
        ("apps/web/index.ts", ("@octocat",)),
        ("apps/github/readme.md", ()),  # a rule without owners leaves it unowned
        ("services/billing-webhooks/app.py", ("@acme/payments-platform", "@acme/sre")),
        ("services/billing-webhooks/README.md", ("@acme/tech-writers",)),
        ("services/search/app.py", ("@acme/platform",)),
    ],
)
def test_the_last_matching_rule_of_githubs_example_file_decides(
    path: str, expected: tuple[str, ...]
) -> None:
    assert owners(path) == expected


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("!docs/ @someone", "negation"),
        ("src/[ab]/ @someone", "character ranges"),
        ("docs/ someone", "neither @user"),
        ("a/***/b @someone", "three asterisks"),
    ],
)
def test_syntax_github_rejects_stops_with_file_and_line(line: str, problem: str) -> None:
    text = f"# header\n* @everyone\n\n{line}\n"
    with pytest.raises(ConfigFileError, match=problem) as caught:
        parse_codeowners(text, path=Path("repo/CODEOWNERS"))
    assert (caught.value.path, caught.value.line) == (Path("repo/CODEOWNERS"), 4)
    assert str(caught.value).startswith("repo/CODEOWNERS:4: ")


def test_a_team_owner_is_its_team_slug_and_users_and_emails_stay_as_written() -> None:
    assert team_of("@acme/payments-platform") == "payments-platform"
    assert team_of("@dana") == "@dana"
    assert team_of("oncall@example.com") == "oncall@example.com"


def test_a_repository_folder_uses_the_file_github_would_find_first(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "CODEOWNERS").write_text("* @docs-team\n")
    assert find_codeowners(tmp_path) == tmp_path / "docs" / "CODEOWNERS"
    (tmp_path / "CODEOWNERS").write_text("* @root-team\n")
    assert find_codeowners(tmp_path) == tmp_path / "CODEOWNERS"
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("* @github-team\n")
    assert find_codeowners(tmp_path) == tmp_path / ".github" / "CODEOWNERS"


def test_a_folder_without_codeowners_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="no CODEOWNERS in this folder"):
        find_codeowners(tmp_path)


def test_a_service_folder_is_owned_by_the_last_rule_for_its_files() -> None:
    fallback = CodeOwnersFallback([load_codeowners(FIXTURE)], "services/{service}/")
    entry = fallback.entry_for("billing-webhooks")
    assert entry is not None
    assert (entry.service, entry.owner) == ("billing-webhooks", "payments-platform")
    line = (
        FIXTURE.read_text()
        .splitlines()
        .index("/services/billing-webhooks/ @acme/payments-platform @acme/sre")
    )
    assert entry.origin == EntryOrigin(
        FallbackKind.CODEOWNERS, f"{FIXTURE}:{line + 1}: /services/billing-webhooks/"
    )


def test_a_name_pattern_does_not_decide_who_owns_a_service_folder() -> None:
    # *.md in the service's folder belongs to the writers; the folder to the payments team.
    fallback = CodeOwnersFallback([load_codeowners(FIXTURE)], "services/{service}/")
    entry = fallback.entry_for("billing-webhooks")
    assert entry is not None
    assert entry.owner != "tech-writers"


def test_an_unowned_folder_falls_through_to_the_next_file() -> None:
    first = parse_codeowners("/apps/ @acme/web\n/apps/github\n", path=Path("a/CODEOWNERS"))
    second = parse_codeowners("* @acme/github-team\n", path=Path("b/CODEOWNERS"))
    fallback = CodeOwnersFallback([first, second], "apps/{service}/")
    web, github = fallback.entry_for("web"), fallback.entry_for("github")
    assert web is not None
    assert web.owner == "web"
    assert github is not None
    assert github.owner == "github-team"


def test_a_service_no_rule_owns_has_no_entry() -> None:
    rules = parse_codeowners("/docs/ @acme/docs\n", path=Path("CODEOWNERS"))
    assert CodeOwnersFallback([rules]).entry_for("billing") is None
