"""Shared pytest configuration: the `--update-golden` option for tests/golden/."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files under tests/golden/ from the current output "
        "instead of comparing with them.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite the golden files."""
    return bool(request.config.getoption("--update-golden"))


# -- the store: a fresh database for each test, SQLite always and PostgreSQL when
#    EBT_TEST_POSTGRES_URL names a server (CI sets it); each PostgreSQL test gets its own
#    schema, named for this session, dropped after the test and again at the session's end.

from collections.abc import Iterator  # noqa: E402  (imports of this block)
from pathlib import Path  # noqa: E402

POSTGRES_VARIABLE = "EBT_TEST_POSTGRES_URL"


class PostgresSchemas:
    """Creates and drops uniquely named schemas on the test server for one pytest session."""

    def __init__(self, url: str) -> None:
        import os
        import secrets

        from ebt.store.database import make_engine

        self.url = url
        self.prefix = f"ebt_test_{os.getpid()}_{secrets.token_hex(3)}"
        self.engine = make_engine(url)
        self.count = 0

    def create(self) -> tuple[str, str]:
        """A new empty schema: its name and a URL whose connections use it."""
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        self.count += 1
        name = f"{self.prefix}_{self.count}"
        with self.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        url = make_url(self.url).update_query_dict({"options": f"-csearch_path={name}"})
        return name, url.render_as_string(hide_password=False)

    def drop(self, name: str) -> None:
        from sqlalchemy import text

        with self.engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))

    def drop_all(self) -> None:
        from sqlalchemy import text

        query = text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix")
        with self.engine.connect() as connection:
            names = connection.execute(query, {"prefix": f"{self.prefix}_%"}).scalars().all()
        for name in names:
            self.drop(name)
        self.engine.dispose()


@pytest.fixture(scope="session")
def postgres_schemas() -> Iterator[PostgresSchemas]:
    """The PostgreSQL test server's schema maker; skips when EBT_TEST_POSTGRES_URL is unset."""
    import os

    url = os.environ.get(POSTGRES_VARIABLE)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_VARIABLE} (a server URL); it is not set")
    schemas = PostgresSchemas(url)
    try:
        yield schemas
    finally:
        schemas.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ebt.db'}"
        return
    schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
    name, url = schemas.create()
    try:
        yield url
    finally:
        schemas.drop(name)
