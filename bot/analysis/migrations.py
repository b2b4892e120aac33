"""Does a change carry a database migration? Decided from the changed paths alone.

A deploy that migrated the schema is not safely rolled back by redeploying the previous build,
so the packet must know. Every adapter that lists changed files (GitHub, GitLab, a CI system)
asks the same question, hence one pure function here rather than one guess per adapter.

The rules recognise the layouts of the common tools, by directory or by file name:

- a directory named ``migrations``, ``migration``, ``migrate`` or ``changelog`` anywhere in the
  path (Django, Alembic's ``migrations/versions``, Rails ``db/migrate``, Laravel, Knex, Sequelize,
  TypeORM, Prisma ``prisma/migrations``, Ecto, EF Core ``Migrations``, golang-migrate, goose,
  dbmate, Atlas, Liquibase ``db/changelog``);
- ``alembic/versions/`` and ``db/schema.rb``/``db/structure.sql`` (Rails' schema dumps);
- any ``*.sql`` file (schema and data scripts, whatever runs them);
- Flyway's versioned, undo and repeatable scripts (``V3__add_index.sql``, ``V2_1__Fix.java``,
  ``U3__undo.sql``, ``R__views.sql``), Liquibase change logs (``db.changelog-master.yaml``) and
  Sqitch plans (``sqitch.plan``).

Directory names compare case-insensitively; a file merely *named* like a directory above
(``docs/migrations.md``) is not a migration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise
from pathlib import PurePosixPath

__all__ = ["has_migration", "is_migration_path"]

_MIGRATION_DIRECTORIES = frozenset({"migrations", "migration", "migrate", "changelog"})
_FLYWAY_SCRIPT = re.compile(r"^(?:[VU]\d+(?:[._]\d+)*__.+|R__.+)\.\w+$")


def is_migration_path(path: str) -> bool:
    """True when the repository path ``path`` (forward slashes) is part of a schema migration."""
    parts = PurePosixPath(path.strip("/")).parts
    if not parts:
        return False
    directories = [part.lower() for part in parts[:-1]]
    name = parts[-1]
    lowered = name.lower()
    if _MIGRATION_DIRECTORIES.intersection(directories):
        return True
    if any(a == "alembic" and b == "versions" for a, b in pairwise(directories)):
        return True
    if lowered.endswith(".sql") or _FLYWAY_SCRIPT.match(name):
        return True
    if lowered.startswith("db.changelog") or lowered == "sqitch.plan":
        return True
    return lowered == "schema.rb" and directories[-1:] == ["db"]  # Rails' schema dump


def has_migration(paths: Iterable[str]) -> bool:
    """True when any of the changed ``paths`` is part of a schema migration."""
    return any(is_migration_path(path) for path in paths)
