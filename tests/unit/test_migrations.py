"""Which changed paths carry a database migration: the layouts of the common tools."""

from __future__ import annotations

import pytest

from bot.analysis.migrations import has_migration, is_migration_path


@pytest.mark.parametrize(
    "path",
    [
        "migrations/versions/2026_03_01_add_index.py",  # Alembic under migrations/
        "service/alembic/versions/4f2e_add_column.py",  # Alembic's own layout
        "app/orders/migrations/0007_order_status.py",  # Django
        "db/migrate/20260301120000_add_refunds.rb",  # Rails
        "db/schema.rb",  # Rails' schema dump
        "database/migrations/2026_03_01_create_users_table.php",  # Laravel
        "prisma/migrations/20260301_init/migration.sql",  # Prisma
        "src/main/resources/db/migration/V3__add_index.sql",  # Flyway
        "sql/V2_1__backfill.sql",  # Flyway, dotted version
        "src/main/java/db/V4__Move_data.java",  # Flyway Java migration
        "R__refresh_views.sql",  # Flyway repeatable
        "U3__undo_index.sql",  # Flyway undo
        "schema/orders.sql",  # any SQL file
        "db/changelog/db.changelog-master.yaml",  # Liquibase
        "sqitch.plan",  # Sqitch
        "Data/Migrations/20260301_AddRefunds.cs",  # EF Core, capitalised
        "priv/repo/migrations/20260301_add_refunds.exs",  # Ecto
        "internal/store/migrations/000012_refunds.up.sql",  # golang-migrate
    ],
)
def test_a_migration_path_is_recognised(path: str) -> None:
    assert is_migration_path(path)


@pytest.mark.parametrize(
    "path",
    [
        "billing/parser.py",
        "docs/migrations.md",  # a file named like the directory is not one
        "docs/migration-guide/index.md",
        "scripts/migrate.py",
        "CHANGELOG.md",
        "versions/readme.txt",
        "app/schema.rb",  # only Rails' db/schema.rb is the dump
        "Vendor__notes.txt",
        "",
    ],
)
def test_an_ordinary_path_is_not_a_migration(path: str) -> None:
    assert not is_migration_path(path)


def test_a_change_carries_a_migration_when_any_path_is_one() -> None:
    assert has_migration(["billing/parser.py", "migrations/versions/1_add.py"])
    assert not has_migration(["billing/parser.py", "README.md"])
    assert not has_migration([])
