"""Opening the store from the command line: `--db URL` (else EBT_DATABASE_URL, else a SQLite
file in the working directory), migrated to the current schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy.orm import Session, sessionmaker

from ebt.store.database import database_url, make_engine, session_factory, upgrade

F = TypeVar("F", bound=Callable[..., Any])


def db_option(command: F) -> F:
    return click.option(
        "--db",
        "db",
        metavar="URL",
        default=None,
        help="Database URL (default: $EBT_DATABASE_URL, else sqlite:///ebt.db).",
    )(command)


def open_store(db: str | None) -> sessionmaker[Session]:
    engine = make_engine(database_url(db))
    upgrade(engine)
    return session_factory(engine)
