"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.support.cluster import PG_ADMIN, fresh_database
from veogate.db.engine import sync_url
from veogate.db.migrate import upgrade
from veogate.db.tables import Base


def _postgres() -> Iterator[str]:
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrated.sqlite'}"
    else:
        yield from _postgres()


def test_migrations_match_the_models(database_url: str) -> None:
    upgrade(database_url)
    engine = sqlalchemy.create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": False}
            )
            differences = compare_metadata(context, Base.metadata)
            against_nothing = compare_metadata(context, sqlalchemy.MetaData())
    finally:
        engine.dispose()
    assert differences == []
    assert len(against_nothing) >= len(Base.metadata.tables)  # the comparison sees tables


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'twice.sqlite'}"
    upgrade(url)
    with contextlib.closing(sqlalchemy.create_engine(sync_url(url)).connect()) as first:
        before = sorted(sqlalchemy.inspect(first).get_table_names())
    upgrade(url)
    with contextlib.closing(sqlalchemy.create_engine(sync_url(url)).connect()) as second:
        after = sorted(sqlalchemy.inspect(second).get_table_names())
    assert before == after
    assert "upstream_operations" in after
