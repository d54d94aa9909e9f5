"""Where the store lives and how to open it: the database URL, the engine (SQLite or
PostgreSQL), the Alembic upgrade every command runs first, and the session factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///ebt.db"
URL_VARIABLE = "EBT_DATABASE_URL"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The PostgreSQL driver: psycopg 3. Plain postgresql:// (and the old postgres://) URLs mean it.
_POSTGRES_SCHEMES = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def database_url(option: str | None = None) -> str:
    """The store's URL: the `--db` option, else $EBT_DATABASE_URL, else ./ebt.db (SQLite)."""
    return option or os.environ.get(URL_VARIABLE) or DEFAULT_URL


def driver_url(url: str) -> str:
    """`url` with the driver the store uses: postgresql:// becomes postgresql+psycopg://."""
    scheme, sep, rest = url.partition("://")
    return f"{_POSTGRES_SCHEMES.get(scheme, scheme)}{sep}{rest}" if sep else url


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite connections get WAL (checkpointed every 64 MiB), foreign
    keys and synchronous=NORMAL."""
    url = driver_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


WAL_CHECKPOINT_PAGES = 16384  # 64 MiB of 4 KiB pages


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint the write-ahead log every 64 MiB rather than every 4 MiB: a batch run
        # rewrites the same index pages commit after commit, and each checkpoint copies
        # them into the database again (about 8% of `ebt process`'s time at the default).
        # The log is truncated back to that size after a checkpoint.
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={WAL_CHECKPOINT_PAGES * 4096}")
    finally:
        cursor.close()


def alembic_config() -> Config:
    """An Alembic configuration for the packaged migrations (no alembic.ini needed); set
    `attributes["connection"]` to the connection to migrate."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the store's schema up to the newest migration (a fresh database gets every table)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine`; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
